import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/engine/report.js';
import { cleanEnv, findingsOf, runCli } from '../helpers/cli.js';
import { fixturePath } from '../helpers/fakes.js';
import { tempDir } from '../helpers/sockets.js';

// These runs point DOCKER_HOST at a socket that does not exist, so they need no engine.
const missing = () => cleanEnv({ DOCKER_HOST: `unix://${path.join(tempDir(), 'absent.sock')}` });

describe('the CLI contract', () => {
  it('--version prints the version', async () => {
    const run = await runCli(['--version']);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/^docker-doctor\/0\.1\.0 /);
  });

  it('list prints the catalogue, and as JSON with --json', async () => {
    const text = await runCli(['list']);
    expect(text.stdout.split('\n')[0]).toMatch(/^ID\s+CATEGORY\s+TITLE$/);
    expect(text.stdout).toMatch(/^daemon\s+daemon\s+Docker daemon is reachable$/m);
    const json = await runCli(['list', '--json']);
    const catalogue = JSON.parse(json.stdout) as { checks: { id: string; codes: { code: string }[] }[] };
    expect(catalogue.checks[0]).toMatchObject({ id: 'daemon', category: 'daemon', title: 'Docker daemon is reachable' });
    expect(catalogue.checks[0]!.codes.map((c) => c.code)).toContain('daemon/permission-denied');
  });

  it('explain works offline for a check and for a code', async () => {
    const env = cleanEnv({ DOCKER_HOST: 'tcp://127.0.0.1:1' });
    expect((await runCli(['explain', 'daemon'], { env })).stdout).toContain('daemon/no-answer');
    const code = await runCli(['explain', 'daemon/group-not-active'], { env });
    expect(code.exitCode).toBe(0);
    expect(code.stdout).toContain('newgrp docker');
  });

  it('an unknown check id is a usage error naming the nearest id, with nothing on stdout', async () => {
    const run = await runCli(['deamon', '--json'], { env: missing() });
    expect(run.exitCode).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('unknown check "deamon" (did you mean daemon?)');
  });

  it('an unknown explain target exits 2', async () => {
    const run = await runCli(['explain', 'nope/nope']);
    expect(run.exitCode).toBe(2);
  });

  it('-H together with --context is a usage error', async () => {
    const run = await runCli(['-H', 'unix:///x.sock', '--context', 'y']);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('either specify --host or --context');
  });

  it('a bad flag value is a usage error', async () => {
    expect((await runCli(['--fail-on', 'sometimes'])).exitCode).toBe(2);
    expect((await runCli(['-C', '/definitely/not/here'])).exitCode).toBe(2);
  });
});

describe('the report on stdout', () => {
  it('--json prints only the report on stdout and exits 1 on an error finding', async () => {
    const run = await runCli(['--json'], { env: missing() });
    expect(run.exitCode).toBe(1);
    expect(run.report!.summary.failed).toBe(1);
    expect(findingsOf(run.report, 'daemon').map((f) => f.code)).toEqual(['daemon/socket-missing']);
  });

  it('--fail-on never exits 0 whatever is found', async () => {
    expect((await runCli(['--json', '--fail-on', 'never'], { env: missing() })).exitCode).toBe(0);
  });

  it('human output has no colour codes with NO_COLOR or --no-color, and ends with the summary', async () => {
    const run = await runCli([], { env: missing() });
    expect(run.stdout).not.toContain('\u001b[');
    expect(run.stdout).toMatch(/\[✗\] daemon/);
    expect(run.stdout.trim().split('\n').at(-1)).toMatch(/^1 problem \(1 error\) in \d+ checks?/);
    const forced = await runCli(['--no-color'], { env: { ...missing(), NO_COLOR: undefined, FORCE_COLOR: '1' } });
    expect(forced.stdout).not.toContain('\u001b[');
    const coloured = await runCli([], { env: { ...missing(), NO_COLOR: undefined, FORCE_COLOR: '1' } });
    expect(coloured.stdout).toContain('\u001b[');
  });

  it('-C points the project facts at another directory', async () => {
    const project = tempDir('dd-proj-');
    writeFileSync(path.join(project, 'Dockerfile'), 'FROM scratch\n');
    writeFileSync(path.join(project, 'compose.yaml'), 'services: {}\n');
    mkdirSync(path.join(project, 'sub'));
    const run = await runCli(['--json', '-C', project], { env: missing() });
    expect(run.report!.environment.project).toEqual({ dir: project, dockerfiles: ['Dockerfile'], composeFiles: ['compose.yaml'] });
  });
});

describe('the lean path (a plain diagnose without oclif) and the oclif path', () => {
  // DEBUG set (to a namespace nothing logs under) sends a run through oclif, as a plugin would.
  const throughOclif = (env: Record<string, string | undefined>) => ({ ...env, DEBUG: 'docker-doctor-test-nothing' });
  /** The report without what differs from run to run: times. */
  const comparable = (report: Report): unknown =>
    JSON.parse(
      JSON.stringify(report, (key, value: unknown) => (['startedAt', 'durationMs', 'elapsedMs'].includes(key) ? undefined : value)),
    );

  it('give the same report, output and exit code', async () => {
    const project = tempDir('dd-proj-');
    writeFileSync(path.join(project, 'Dockerfile'), 'FROM scratch\nCOPY . /app/\n');
    const env = missing();
    for (const args of [
      ['--json', '-C', project],
      ['daemon', 'build-context', '--json', '--fail-on', 'warning', '-C', project],
    ]) {
      const [lean, oclif] = await Promise.all([runCli(args, { env }), runCli(args, { env: throughOclif(env) })]);
      expect(comparable(lean.report!)).toEqual(comparable(oclif.report!));
      expect([lean.exitCode, lean.stderr]).toEqual([oclif.exitCode, oclif.stderr]);
    }
    const [lean, oclif] = await Promise.all([
      runCli(['-v', '-C', project], { env }),
      runCli(['-v', '-C', project], { env: throughOclif(env) }),
    ]);
    const withoutTimes = (text: string) => text.replaceAll(/\d+(\.\d+)? m?s\b/g, '<time>').replaceAll(/elapsedMs: \d+/g, 'elapsedMs: <ms>');
    expect(withoutTimes(lean.stdout)).toBe(withoutTimes(oclif.stdout));
    expect(lean.exitCode).toBe(oclif.exitCode);
  });

  it('a linked plugin sends even a bare run through oclif, so its checks run too', async () => {
    const dataDir = tempDir('dd-data-');
    const plugin = { name: 'docker-doctor-plugin-example', type: 'link', root: fixturePath('plugin-example') };
    writeFileSync(path.join(dataDir, 'package.json'), JSON.stringify({ private: true, oclif: { schema: 1, plugins: [plugin] } }));
    const run = await runCli(['--json'], { env: { ...missing(), DOCKER_DOCTOR_DATA_DIR: dataDir } });
    expect(run.report!.checks.map((c) => c.id)).toContain('example-dockerfile');
    expect(run.report!.checks.map((c) => c.id)).toContain('daemon');
  });

  it('DOCKER_DOCTOR_TIMING prints the slowest checks and facts on stderr, after a report that stays valid JSON', async () => {
    const run = await runCli(['--json'], { env: { ...missing(), DOCKER_DOCTOR_TIMING: '1' } });
    expect(run.report!.checks.length).toBeGreaterThan(1);
    expect(run.stderr).toMatch(/^Timing \(DOCKER_DOCTOR_TIMING\): the run took \d+ ms/);
    expect(run.stderr).toMatch(/^Check +\| Time \(ms\) \| Share$/m);
    expect(run.stderr).toMatch(/^daemon +\| +\d+ \| +\d+\.\d%$/m);
    expect(run.stderr).toMatch(/^Fact +\| Keys \| Time \(ms\) \| Share$/m);
    expect(run.stderr).toMatch(/^docker\.connection +\| +1 \| +\d+\.\d \| +\d+\.\d%$/m);
    const quiet = await runCli(['--json'], { env: missing() });
    expect(quiet.stderr).toBe('');
  });
});
