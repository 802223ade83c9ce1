import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { execa } from 'execa';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { contextMetaPath } from '../../src/facts/docker/endpoint.js';
import { cleanEnv, findingsOf, runCli } from '../helpers/cli.js';
import { engineAvailable, engines } from '../helpers/engine.js';
import { silentSocket, staleSocket, tempDir } from '../helpers/sockets.js';

const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const close of closers) await close();
});

describe.runIf(engineAvailable())('daemon check on a real engine', () => {
  it('a reachable daemon passes and fills the environment block', async () => {
    const run = await runCli(['daemon', '--json']);
    expect(run.report!.checks[0]).toMatchObject({ id: 'daemon', status: expect.stringMatching(/passed|warned/) });
    expect(findingsOf(run.report, 'daemon').filter((f) => f.severity === 'error')).toEqual([]);
    expect(run.report!.environment.docker).toMatchObject({
      endpoint: 'unix:///var/run/docker.sock',
      source: 'default',
      context: 'default',
      kind: 'docker',
    });
    expect(run.report!.environment.docker.serverVersion).toMatch(/^\d+\.\d+/);
    expect(run.report!.environment.docker.apiVersion).toMatch(/^1\.\d+$/);
  });

  it('a DOCKER_HOST socket that does not exist is socket-missing, naming the real socket as the way out', async () => {
    const socket = path.join(tempDir(), 'gone.sock');
    const run = await runCli(['--json'], { env: cleanEnv({ DOCKER_HOST: `unix://${socket}` }) });
    expect(run.exitCode).toBe(1);
    const [finding] = findingsOf(run.report, 'daemon');
    expect(finding).toMatchObject({ code: 'daemon/socket-missing', subject: { kind: 'daemon', name: `unix://${socket}` } });
    expect(finding!.fixes.map((f) => f.command)).toEqual(
      expect.arrayContaining(['unset DOCKER_HOST', 'export DOCKER_HOST=unix:///var/run/docker.sock']),
    );
    expect(run.report!.environment.docker).toMatchObject({
      endpoint: `unix://${socket}`,
      source: 'DOCKER_HOST',
      serverVersion: null,
      apiVersion: null,
    });
  });

  it('a socket that accepts but never answers gives a no-answer finding, not a hang', async () => {
    const socket = path.join(tempDir(), 'silent.sock');
    const server = await silentSocket(socket);
    closers.push(server.close);
    // execa kills the run after 15 s; a hang would fail here rather than pass late.
    const run = await runCli(['--json'], { env: cleanEnv({ DOCKER_HOST: `unix://${socket}` }), timeoutMs: 15_000 });
    expect(run.exitCode).toBe(1);
    const [finding] = findingsOf(run.report, 'daemon');
    expect(finding!.code).toBe('daemon/no-answer');
    expect(finding!.title).toBe(`The daemon at unix://${socket} accepted the connection but did not answer within 5 s`);
  });

  it('a shorter --timeout shortens the wait for a silent daemon', async () => {
    const socket = path.join(tempDir(), 'silent2.sock');
    const server = await silentSocket(socket);
    closers.push(server.close);
    const run = await runCli(['--json', '--timeout', '2'], { env: cleanEnv({ DOCKER_HOST: `unix://${socket}` }), timeoutMs: 15_000 });
    expect(findingsOf(run.report, 'daemon')[0]!.title).toContain('did not answer within 1 s');
  });

  it('a stale socket file is connection-refused', async () => {
    const socket = path.join(tempDir(), 'stale.sock');
    staleSocket(socket);
    const run = await runCli(['--json'], { env: cleanEnv({ DOCKER_HOST: `unix://${socket}` }) });
    expect(findingsOf(run.report, 'daemon').map((f) => f.code)).toEqual(['daemon/connection-refused']);
  });

  it.each([
    ['a directory with files in it (a home directory named by a DOCKER_HOST typo)', 'directory'],
    ['a regular file', 'file'],
  ])('DOCKER_HOST naming %s is not-a-socket: check DOCKER_HOST, and nothing is removed', async (_name, kind) => {
    const home = tempDir('dd-home-');
    writeFileSync(path.join(home, 'thesis.tex'), 'years of work');
    const target = kind === 'directory' ? home : path.join(home, 'thesis.tex');
    const run = await runCli(['daemon', '--json'], { env: cleanEnv({ DOCKER_HOST: `unix://${target}` }) });
    expect(run.exitCode).toBe(1);
    const findings = findingsOf(run.report, 'daemon');
    expect(findings.map((f) => f.code)).toEqual(['daemon/not-a-socket']);
    expect(findings[0]!.title).toBe(
      `${target} is ${kind === 'directory' ? 'a directory' : 'a regular file'}, not a socket: check DOCKER_HOST, which points there (from DOCKER_HOST)`,
    );
    const commands = findings[0]!.fixes.map((f) => f.command ?? '');
    expect(commands).toContain('unset DOCKER_HOST');
    expect(commands.join('\n')).not.toMatch(/\brm\b|rmdir|\bmv\b/);
    // Typing every printed command leaves the user's files where they were.
    for (const command of commands.filter((c) => c && !c.startsWith('export')))
      await execa('sh', ['-c', command], { reject: false, env: cleanEnv({ DOCKER_HOST: `unix://${target}` }) });
    expect(readFileSync(path.join(home, 'thesis.tex'), 'utf8')).toBe('years of work');
  });

  it.runIf(process.getuid?.() === 0)('an unprivileged user gets permission-denied with the group fix', async () => {
    const home = tempDir('dd-nobody-');
    chmodSync(home, 0o777);
    const run = await runCli(['--json'], {
      env: { PATH: process.env.PATH, HOME: home, NO_COLOR: '1', DOCKER_CONFIG: home },
      setpriv: ['--reuid=65534', '--regid=65534', '--clear-groups'],
      cwd: home,
    });
    expect(run.exitCode).toBe(1);
    const [finding] = findingsOf(run.report, 'daemon');
    expect(finding!.code).toBe('daemon/permission-denied');
    expect(finding!.title).toMatch(
      /^nobody cannot open \/var\/run\/docker\.sock: it belongs to group docker \(mode 0660\) and nobody is not in it$/,
    );
    expect(finding!.fixes.map((f) => f.command)).toEqual(expect.arrayContaining(['sudo usermod -aG docker nobody', 'newgrp docker']));
    expect(finding!.evidence).toMatchObject({ uid: 65534, socketGroup: 'docker', socketMode: '0660' });
  });

  describe('contexts, resolved as the docker CLI does', () => {
    function configWithContext(name: string, host: string, current?: string): string {
      const dir = tempDir('dd-docker-config-');
      const meta = contextMetaPath(dir, name);
      mkdirSync(path.dirname(meta), { recursive: true });
      writeFileSync(meta, JSON.stringify({ Name: name, Metadata: {}, Endpoints: { docker: { Host: host, SkipTLSVerify: false } } }));
      if (current) writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ currentContext: current }));
      return dir;
    }

    it("--context uses the context's endpoint", async () => {
      const dir = configWithContext('local-test', 'unix:///var/run/docker.sock');
      const run = await runCli(['daemon', '--json', '--context', 'local-test'], { env: cleanEnv({ DOCKER_CONFIG: dir }) });
      expect(run.report!.environment.docker).toMatchObject({
        endpoint: 'unix:///var/run/docker.sock',
        source: 'flag',
        context: 'local-test',
      });
      expect(run.report!.environment.docker.serverVersion).not.toBeNull();
    });

    it('a current context that no longer exists is context-not-found, and nothing else', async () => {
      const dir = configWithContext('other', 'unix:///var/run/docker.sock', 'desktop-linux');
      const run = await runCli(['--json'], { env: cleanEnv({ DOCKER_CONFIG: dir }) });
      expect(findingsOf(run.report, 'daemon').map((f) => f.code)).toEqual(['daemon/context-not-found']);
      expect(run.report!.environment.docker).toMatchObject({ endpoint: null, source: 'context', context: 'desktop-linux' });
    });

    it('DOCKER_HOST overriding the current context is a warning even though the daemon answers', async () => {
      const dir = configWithContext('remote', 'tcp://127.0.0.1:1', 'remote');
      const run = await runCli(['--json'], { env: cleanEnv({ DOCKER_CONFIG: dir, DOCKER_HOST: 'unix:///var/run/docker.sock' }) });
      expect(findingsOf(run.report, 'daemon').map((f) => f.code)).toContain('daemon/context-overridden');
      expect(run.report!.environment.docker.serverVersion).not.toBeNull();
    });

    it('a current context pointing at a closed TCP port is connection-refused with the context fix', async () => {
      const dir = configWithContext('remote', 'tcp://127.0.0.1:1', 'remote');
      const run = await runCli(['--json'], { env: cleanEnv({ DOCKER_CONFIG: dir }) });
      const [finding] = findingsOf(run.report, 'daemon');
      expect(finding!.code).toBe('daemon/connection-refused');
      expect(finding!.fixes.map((f) => f.command)).toContain('docker context use default');
    });
  });
});

// The daemon check against both engines: a reachable one passes with its kind, and a socket that does not exist (an engine
// that is not running) is one socket-missing finding naming that endpoint.
describe.each(engines)('daemon check on a real engine: $name', (engine) => {
  if (!engine.available()) return void it.skip(`${engine.name} does not answer here`, () => {});

  it('a reachable engine passes and reports its kind', async () => {
    const run = await runCli(['daemon', '--json', '-H', engine.host]);
    expect(run.report!.checks[0]).toMatchObject({ id: 'daemon', status: expect.stringMatching(/passed|warned/) });
    expect(findingsOf(run.report, 'daemon').filter((f) => f.severity === 'error')).toEqual([]);
    expect(run.report!.environment.docker).toMatchObject({ endpoint: engine.host, source: 'flag', kind: engine.kind });
  });

  it('an unreachable socket of its kind is socket-missing', async () => {
    const socket = path.join(tempDir('dd-gone-'), `${engine.name}.sock`);
    const run = await runCli(['daemon', '--json', '-H', `unix://${socket}`]);
    expect(run.exitCode).toBe(1);
    expect(findingsOf(run.report, 'daemon')[0]).toMatchObject({
      code: 'daemon/socket-missing',
      subject: { kind: 'daemon', name: `unix://${socket}` },
    });
  });
});
