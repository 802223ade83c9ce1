import { describe, expect, it } from 'vitest';
import dns from '../../checks/dns.js';
import exitedContainers from '../../checks/exited-containers.js';
import portConflicts from '../../checks/port-conflicts.js';
import type { Check } from '../../src/engine/types.js';
import {
  cliFor,
  DOCKER_CLI,
  dropRestartFix,
  engineCli,
  stopLoopCommand,
  updateCommand,
  type EngineCli,
} from '../../checks/shared/engine-cli.js';
import { memoryFixes } from '../../checks/exited-containers/memory-fix.js';
import type { ExecResult, FactClients } from '../../src/facts/clients.js';
import { connect, engineKind } from '../../src/facts/docker/connection.js';
import type { EngineKind } from '../../src/facts/types.js';
import {
  containerInspect,
  fakeClients,
  fakeFacts,
  HEALTHY_ENGINE,
  listener,
  minutesBefore,
  SOCKET,
  type ContainerFields,
  type FakeWorld,
} from '../../src/testing/index.js';
import { runCheck } from '../helpers/fakes.js';

const PODMAN_VERSION = { Version: '4.3.1', ApiVersion: '1.41', Components: [{ Name: 'Podman Engine', Version: '4.3.1' }] };
const DOCKER_VERSION = { Version: '28.2.2', ApiVersion: '1.50' };

describe('engineKind', () => {
  const cases: [string, object, object, string | undefined, EngineKind][] = [
    ['Docker Engine', DOCKER_VERSION, {}, 'unix:///var/run/docker.sock', 'docker'],
    ['rootless Docker', DOCKER_VERSION, { SecurityOptions: ['name=seccomp', 'name=rootless'] }, undefined, 'rootless'],
    ['Docker Desktop', DOCKER_VERSION, { OperatingSystem: 'Docker Desktop' }, undefined, 'docker-desktop'],
    // What Podman 4.3's compat /info answers as root here: no rootless option.
    ['rootful Podman', PODMAN_VERSION, { SecurityOptions: ['name=seccomp,profile=default'] }, 'unix:///run/podman/podman.sock', 'podman'],
    ['rootless Podman (SecurityOptions)', PODMAN_VERSION, { SecurityOptions: ['name=rootless'] }, 'unix:///tmp/p.sock', 'podman-rootless'],
    ['rootless Podman (its socket path)', PODMAN_VERSION, {}, 'unix:///run/user/1000/podman/podman.sock', 'podman-rootless'],
  ];
  it.each(cases)('%s', (_name, version, info, host, kind) => expect(engineKind(version as never, info, host)).toBe(kind));

  const podmanAt = (libpod: unknown, info: object = {}) =>
    fakeClients({
      env: {},
      files: { '/tmp/p.sock': { stat: SOCKET } },
      engine: {
        ...HEALTHY_ENGINE,
        '/version': PODMAN_VERSION,
        '/info': { ...(HEALTHY_ENGINE['/info'] as object), ...info },
        '/v4/libpod/info': libpod,
      },
    });
  const endpoint = { host: 'unix:///tmp/p.sock', source: 'flag', context: 'default', problems: [] } as never;
  const timeouts = { pingTimeoutMs: 1000, requestTimeoutMs: 1000 };

  it("asks libpod's info when the compat answers look rootful: host.security.rootless true is rootless", async () => {
    const { connection } = await connect(endpoint, podmanAt({ host: { security: { rootless: true } } }), timeouts);
    expect(connection.kind).toBe('podman-rootless');
  });
  // What Podman 4.3 answers here in /info: its storage, root's or the user's (compat SecurityOptions say nothing).
  it('the default storage places settle it without asking libpod (a second more on Podman)', async () => {
    const asked = (rootDir: string) => podmanAt(new Error('libpod must not be asked'), { DockerRootDir: rootDir });
    const rootful = await connect(endpoint, asked('/var/lib/containers/storage'), timeouts);
    const rootless = await connect(endpoint, asked('/home/dev/.local/share/containers/storage'), timeouts);
    expect([rootful.connection.kind, rootless.connection.kind]).toEqual(['podman', 'podman-rootless']);
  });
  it('stays rootful Podman when libpod says so or does not answer', async () => {
    expect((await connect(endpoint, podmanAt({ host: { security: { rootless: false } } }), timeouts)).connection.kind).toBe('podman');
    expect((await connect(endpoint, podmanAt(new Error('404')), timeouts)).connection.kind).toBe('podman');
  });
});

describe('cliFor: the command a fix names', () => {
  const cases: [string, EngineKind | undefined, { podman?: string; docker?: string }, Partial<EngineCli>][] = [
    ['Docker Engine', 'docker', {}, DOCKER_CLI],
    ['rootless Docker', 'rootless', {}, { cli: 'docker', rootless: true, podman: false }],
    ['Podman with the podman CLI', 'podman', { podman: 'podman version 4.3.1' }, { cli: 'podman', podmanCli: true }],
    ['Podman with only the podman-docker shim', 'podman', { docker: 'podman version 4.3.1' }, { cli: 'docker', podmanCli: true }],
    ['Podman driven by the docker CLI', 'podman-rootless', { docker: 'Docker version 20.10.24' }, { cli: 'docker', podmanCli: false }],
    ['Podman with no CLI found (a remote engine)', 'podman', {}, { cli: 'podman', podmanCli: true }],
  ];
  it.each(cases)('%s', (_name, kind, installed, expected) => expect(cliFor(kind, installed)).toMatchObject(expected));
});

describe('updateCommand: only what the engine changes in place', () => {
  const podman = cliFor('podman', { podman: 'podman version 4.3.1' });
  const dockerOnPodman = cliFor('podman', { docker: 'Docker version 20.10.24' });
  it('Docker updates memory and restart policy', () => {
    expect(updateCommand(DOCKER_CLI, 'memory', '--memory 2g', 'web')).toBe('docker update --memory 2g web');
    expect(updateCommand(DOCKER_CLI, 'restart', '--restart=no', 'web')).toBe('docker update --restart=no web');
  });
  // Podman 4.3's `podman update --help` lists --memory and --memory-swap, not --restart.
  it('podman update has the resource limits but not --restart', () => {
    expect(updateCommand(podman, 'memory', '--memory 2g', 'web')).toBe('podman update --memory 2g web');
    expect(updateCommand(podman, 'restart', '--restart=no', 'web')).toBeUndefined();
  });
  // Podman 4.3's compat API answers POST /containers/{id}/update with 404.
  it("the docker CLI against Podman's socket has no update", () =>
    expect(updateCommand(dockerOnPodman, 'memory', '--memory 2g', 'web')).toBeUndefined());
});

describe('engineCli reads the engine kind and the installed commands', () => {
  const exec = (installed: Record<string, string>): FactClients['exec'] => ({
    run: async (file): Promise<ExecResult> =>
      installed[file]
        ? { exitCode: 0, stdout: `${installed[file]}\n`, stderr: '', failed: false }
        : { exitCode: undefined, stdout: '', stderr: 'ENOENT', failed: true },
  });
  it('Podman with the shim only: docker, running podman', async () => {
    const facts = fakeFacts({ engine: { ...HEALTHY_ENGINE, '/version': PODMAN_VERSION }, exec: exec({ docker: 'podman version 4.3.1' }) });
    expect(await engineCli(facts)).toEqual({ cli: 'docker', podman: true, rootless: false, podmanCli: true });
  });
  it('Docker Engine: docker, without asking the host', async () => {
    const facts = fakeFacts({ exec: { run: () => Promise.reject(new Error('must not run')) } });
    expect(await engineCli(facts)).toEqual(DOCKER_CLI);
  });
});

describe('memoryFixes on each engine', () => {
  const oom = (labels: Record<string, string> = {}) =>
    containerInspect({ name: 'api', state: 'exited', exitCode: 137, oomKilled: true, memory: 256 * 1024 ** 2, labels });
  it('Docker: docker update', () => expect(memoryFixes(oom())[0]!.command).toBe('docker update --memory 512m --memory-swap 1g api'));
  it('Podman with its CLI: podman update', () =>
    expect(memoryFixes(oom(), cliFor('podman', { podman: 'podman version 4.3.1' }))[0]!.command).toBe(
      'podman update --memory 512m --memory-swap 1g api',
    ));
  it('the docker CLI against Podman: recreate with the new limit, said to remove it', () => {
    const fix = memoryFixes(oom(), cliFor('podman', { docker: 'Docker version 20.10.24' }))[0]!;
    expect(fix.command).toBe('docker rm api && docker run --memory 512m --memory-swap 1g …');
    expect(fix.title).toMatch(/remove it and run it again/);
  });
  it('a compose container on Podman without update: the compose file sets it, no command', () => {
    const labels = { 'com.docker.compose.project': 'p', 'com.docker.compose.service': 'api' };
    const fixes = memoryFixes(oom(labels), cliFor('podman', { docker: 'Docker version 20.10.24' }));
    expect(fixes[0]!.command).toBeUndefined();
    expect(fixes[1]!.title).toMatch(/mem_limit/);
  });
});

describe('restart policy fixes on each engine', () => {
  const podman = cliFor('podman', { podman: 'podman version 4.3.1' });
  it('Docker: update the policy, then stop', () => {
    expect(stopLoopCommand(DOCKER_CLI, 'loop')).toBe('docker update --restart=no loop && docker stop loop');
    expect(dropRestartFix(DOCKER_CLI, 'job').command).toBe('docker update --restart=no job');
  });
  it('Podman (no update --restart): a stop ends the loop; the policy goes when it is run again', () => {
    expect(stopLoopCommand(podman, 'loop')).toBe('podman stop loop');
    expect(dropRestartFix(podman, 'job')).toEqual({ title: expect.stringMatching(/run it again without --restart/) });
  });

  it('exited-containers on Podman names podman and never `update --restart`', async () => {
    const loop = { id: 'b4', name: 'loop', state: 'restarting' as const, exitCode: 3, restartCount: 7, restartPolicy: 'always' };
    const exec: FactClients['exec'] = {
      run: async (file): Promise<ExecResult> =>
        file === 'podman'
          ? { exitCode: 0, stdout: 'podman version 4.3.1\n', stderr: '', failed: false }
          : { exitCode: undefined, stdout: '', stderr: 'ENOENT', failed: true },
    };
    const facts = fakeFacts({ containers: [{ ...loop, logs: 'boom\n' }], engine: { '/version': PODMAN_VERSION }, exec });
    const result = await runCheck(exitedContainers, facts);
    const commands = result.findings.flatMap((f) => f.fixes.map((x) => x.command ?? ''));
    expect(result.findings.map((f) => f.code)).toEqual(['exited-containers/restart-loop']);
    expect(commands).toContain('podman stop loop');
    expect(commands.join('\n')).not.toMatch(/update --restart/);
  });
});

/**
 * A Podman-only host (the podman CLI, no docker CLI): no fix of port-conflicts, exited-containers or dns may name
 * `docker`, which this host does not have. `docker-compose`, `docker.io/…` images and prose are not the docker command.
 */
describe('on a Podman-only host, no fix names docker', () => {
  const podmanOnly: FactClients['exec'] = {
    run: async (file): Promise<ExecResult> =>
      file === 'podman'
        ? { exitCode: 0, stdout: 'podman version 4.3.1\n', stderr: '', failed: false }
        : { exitCode: undefined, stdout: '', stderr: 'ENOENT', failed: true },
  };
  const DOCKER_COMMAND = /(^|[\s;&|($])docker(\s|$)/;
  const created = (name: string, port: number): ContainerFields => ({
    id: `id-${name}`,
    name,
    state: 'created',
    created: minutesBefore(1),
    portBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] },
  });
  const exited = (name: string, fields: Partial<ContainerFields>): ContainerFields => ({ id: `id-${name}`, name, ...fields });
  const podmanWorld = (containers: ContainerFields[], extra: Partial<FakeWorld> = {}): FakeWorld => ({
    containers,
    engine: {
      '/version': PODMAN_VERSION,
      '/libpod/networks/json': [{ name: 'podman', driver: 'bridge', dns_enabled: false, internal: false }],
    },
    exec: podmanOnly,
    ...extra,
  });
  const cases: [string, Check, FakeWorld, string][] = [
    [
      'port-conflicts: a failed start whose port a process holds',
      portConflicts,
      podmanWorld([created('web', 8080)], { listeners: [listener({ port: 8080, address: '127.0.0.1', pid: 42, command: 'python3' })] }),
      'port-conflicts/held-by-process',
    ],
    [
      'port-conflicts: a failed start whose port another container publishes',
      portConflicts,
      podmanWorld(
        [
          created('blocked', 8080),
          { id: 'id-h', name: 'holder', state: 'running', ports: [{ IP: '127.0.0.1', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' }] },
        ],
        { listeners: [] },
      ),
      'port-conflicts/held-by-container',
    ],
    ['exited-containers: an app error', exitedContainers, podmanWorld([exited('api', { exitCode: 1, logs: 'boom\n' })]), 'app-error'],
    ['exited-containers: command not found', exitedContainers, podmanWorld([exited('nf', { exitCode: 127 })]), 'command-not-found'],
    ['exited-containers: not executable', exitedContainers, podmanWorld([exited('nx', { exitCode: 126 })]), 'not-executable'],
    [
      'exited-containers: a bare shell without a terminal',
      exitedContainers,
      podmanWorld([exited('sh', { exitCode: 0, cmd: ['sh'], path: 'sh', args: [] })]),
      'shell-without-tty',
    ],
    ['exited-containers: SIGKILL', exitedContainers, podmanWorld([exited('k', { exitCode: 137, path: 'app', args: [] })]), 'killed'],
    [
      'exited-containers: another CPU architecture',
      exitedContainers,
      podmanWorld([exited('arm', { exitCode: 255, logs: 'exec /app: exec format error\n' })]),
      'exec-format-error',
    ],
    [
      'exited-containers: a daemonising command',
      exitedContainers,
      podmanWorld([exited('ng', { exitCode: 0, cmd: ['nginx'], path: 'nginx', args: [], restartPolicy: 'always' })]),
      'daemonized',
    ],
    [
      'dns: two containers on the default network podman',
      dns,
      podmanWorld([
        exited('server', { state: 'running' }),
        exited('client', { exitCode: 1, path: 'nslookup', args: ['server'], logs: "nslookup: can't resolve 'server'\n" }),
      ]),
      'dns/default-bridge-no-names',
    ],
    ['dns: a loopback resolver', dns, podmanWorld([exited('lo', { state: 'running', dns: ['127.0.0.1'] })]), 'dns/container-loopback-dns'],
  ];
  it.each(cases)('%s', async (_name, check, world, code) => {
    // Podman's containers on its default network: NetworkMode says bridge, the network is named podman.
    const podmanNets = (c: ContainerFields) => ({ ...c, networkMode: c.networkMode ?? 'bridge', networks: c.networks ?? ['podman'] });
    const facts = fakeFacts({ ...world, containers: world.containers?.map(podmanNets) });
    const result = await runCheck(check, facts);
    expect(result.findings.map((f) => f.code)).toContain(code.includes('/') ? code : `exited-containers/${code}`);
    const commands = result.findings.flatMap((f) => f.fixes.map((x) => x.command ?? ''));
    expect(commands.filter((c) => DOCKER_COMMAND.test(c))).toEqual([]);
    expect(commands.some((c) => /(^|\s)podman\s/.test(c))).toBe(true);
  });
});
