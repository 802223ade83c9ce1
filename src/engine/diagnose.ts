import os from 'node:os';
import { createFacts, type FactSettings } from '../facts/index.js';
import type { FactClients } from '../facts/clients.js';
import type { DockerConnection } from '../facts/types.js';
import { placeFixes } from './fix-placement.js';
import { knownSecrets, withoutKnownSecrets } from './known-secrets.js';
import { buildEnvironment, buildReport, type Report } from './report.js';
import { runChecks, type RunnerEvents } from './runner.js';
import type { Check, RunOptions } from './types.js';

export interface DiagnoseOptions extends RunOptions, FactSettings {
  version: string;
  /** Where the user stands; fixes that run in the project directory are made right from here. Default: process.cwd(). */
  cwd?: string;
  signal?: AbortSignal;
}

/** One doctor run: facts are created once and shared by every selected check, then the report is assembled. */
export async function diagnose(
  checks: readonly Check[],
  clients: FactClients,
  options: DiagnoseOptions,
  events?: RunnerEvents,
): Promise<Report> {
  const startedAt = new Date();
  const started = performance.now();
  const facts = createFacts(clients, options);
  const results = withoutKnownSecrets(await runChecks(checks, facts, options, events), await knownSecrets(facts));
  await placeFixes(results, options.cwd ?? process.cwd(), options.projectDir, () => facts.composeCommand());
  const endpoint = await facts.dockerEndpoint().catch(() => undefined);
  // Only report engine details a check already fetched: a run of project-only checks must not contact the daemon.
  const connection = await (facts.peek<DockerConnection>('docker.connection') ?? Promise.resolve(undefined));
  const project = await facts.projectFiles();
  const environment = buildEnvironment(
    endpoint ?? { host: null, source: 'default', context: 'default', configFile: '', problems: [] },
    connection,
    { platform: clients.proc.platform, arch: process.arch, release: os.release() },
    project,
  );
  return buildReport({ version: options.version, startedAt, durationMs: performance.now() - started, environment, checks: results });
}
