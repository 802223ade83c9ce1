import type { ResolvedEndpoint } from '../facts/docker/endpoint.js';
import type { DockerConnection, EngineKind, ProjectFiles } from '../facts/types.js';
import { redactText } from './redact.js';
import type { CheckResult, Severity } from './types.js';

export interface Environment {
  docker: {
    endpoint: string | null;
    source: ResolvedEndpoint['source'];
    context: string;
    serverVersion: string | null;
    apiVersion: string | null;
    kind: EngineKind | null;
    os: string | null;
  };
  host: { platform: string; arch: string; release: string };
  project: { dir: string; dockerfiles: string[]; composeFiles: string[] };
}

export interface Report {
  schemaVersion: 1;
  tool: { name: 'docker-doctor'; version: string };
  startedAt: string;
  durationMs: number;
  environment: Environment;
  summary: {
    checks: number;
    passed: number;
    warned: number;
    failed: number;
    skipped: number;
    crashed: number;
    findings: Record<Severity, number>;
  };
  checks: CheckResult[];
}

export function buildEnvironment(
  endpoint: ResolvedEndpoint,
  connection: DockerConnection | undefined,
  host: Environment['host'],
  project: ProjectFiles,
): Environment {
  return {
    docker: {
      // ssh://me:pw@host: the endpoint is printed in the header and the JSON, so it is redacted like any finding.
      endpoint: endpoint.host === null ? null : redactText(endpoint.host),
      source: endpoint.source,
      context: endpoint.context,
      serverVersion: connection?.version?.Version ?? null,
      apiVersion: connection?.version?.ApiVersion ?? null,
      kind: connection?.kind ?? null,
      os: connection?.info?.OperatingSystem ?? null,
    },
    host,
    project: { dir: project.dir, dockerfiles: project.dockerfiles, composeFiles: project.composeFiles },
  };
}

export function buildReport(input: {
  version: string;
  startedAt: Date;
  durationMs: number;
  environment: Environment;
  checks: CheckResult[];
}): Report {
  const count = (status: CheckResult['status']) => input.checks.filter((c) => c.status === status).length;
  const findings: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const check of input.checks) for (const f of check.findings) findings[f.severity]++;
  return {
    schemaVersion: 1,
    tool: { name: 'docker-doctor', version: input.version },
    startedAt: input.startedAt.toISOString(),
    durationMs: Math.round(input.durationMs),
    environment: input.environment,
    summary: {
      checks: input.checks.length,
      passed: count('passed'),
      warned: count('warned'),
      failed: count('failed'),
      skipped: count('skipped'),
      crashed: count('crashed'),
      findings,
    },
    checks: input.checks,
  };
}

export type FailOn = Severity | 'never';

const RANK: Record<Severity, number> = { error: 3, warning: 2, info: 1 };

/** 0 clean, 1 a finding at or above --fail-on, 3 a check crashed with nothing at the threshold. */
export function exitCodeFor(report: Report, failOn: FailOn): 0 | 1 | 3 {
  if (failOn !== 'never') {
    const threshold = RANK[failOn];
    const hit = report.checks.some((c) => c.findings.some((f) => RANK[f.severity] >= threshold));
    if (hit) return 1;
  }
  return report.summary.crashed > 0 ? 3 : 0;
}
