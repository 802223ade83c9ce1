import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanEnv, findingsOf, runCli } from '../helpers/cli.js';
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
