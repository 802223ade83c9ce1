import path from 'node:path';
import { execa } from 'execa';
import type { Report } from '../../src/engine/report.js';
import { expectValidReport } from './schema.js';
import { tempDir } from './sockets.js';

export const ROOT = path.join(import.meta.dirname, '..', '..');
export const BIN = path.join(ROOT, 'bin', 'run.js');

export interface CliRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  report?: Report;
}

export interface CliOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Run as another user through setpriv, e.g. ['--reuid=65534', '--regid=65534', '--clear-groups']. */
  setpriv?: string[];
  timeoutMs?: number;
}

/** A clean environment: no DOCKER_* from the developer's shell and an empty docker config, so only the test decides the endpoint. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env, DOCKER_CONFIG: tempDir('dd-config-'), NO_COLOR: '1' };
  for (const key of ['DOCKER_HOST', 'DOCKER_CONTEXT', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH', 'FORCE_COLOR']) delete env[key];
  return { ...env, ...extra };
}

/** Runs the built CLI as a user would; with --json the report is parsed and validated against the schema. */
export async function runCli(args: string[], options: CliOptions = {}): Promise<CliRun> {
  const command = options.setpriv ? 'setpriv' : process.execPath;
  const argv = options.setpriv ? [...options.setpriv, process.execPath, BIN, ...args] : [BIN, ...args];
  const result = await execa(command, argv, {
    env: options.env ?? cleanEnv(),
    extendEnv: false,
    cwd: options.cwd ?? tempDir('dd-project-'),
    reject: false,
    timeout: options.timeoutMs ?? 60_000,
    stdin: 'ignore',
  });
  const run: CliRun = { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
  if (args.includes('--json') && run.exitCode !== 2 && !args.includes('list')) {
    run.report = JSON.parse(run.stdout) as Report;
    expectValidReport(run.report);
  }
  return run;
}

export function findingsOf(report: Report | undefined, checkId: string) {
  const check = report?.checks.find((c) => c.id === checkId);
  if (!check) throw new Error(`no ${checkId} check in the report`);
  return check.findings;
}
