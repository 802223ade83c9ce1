import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanEnv, findingsOf, runCli } from '../helpers/cli.js';
import { staleSocket, tempDir } from '../helpers/sockets.js';

/** Whether Podman is installed here (its service is started by each test, on a socket the test owns). */
function podmanInstalled(): boolean {
  try {
    execFileSync('podman', ['--version'], { stdio: 'pipe', timeout: 10_000 });
    return true;
  } catch {
    if (process.env.CI === 'true') throw new Error('CI=true but podman is not installed: .ci/run must install it');
    console.warn('\n!!! podman is not installed here: the Podman daemon tests are SKIPPED. !!!\n');
    return false;
  }
}

interface PodmanService {
  socket: string;
  process: ChildProcess;
}

const services: PodmanService[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const service of services.splice(0)) if (service.process.exitCode === null) service.process.kill('SIGKILL');
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/**
 * `podman system service` on a socket of the test's own. Root cannot raise its open-file limit on this kind of machine,
 * so the containers.conf the test writes sets default_ulimits (CONTAINERS_CONF).
 */
async function startPodman(socket: string): Promise<PodmanService> {
  const conf = path.join(tempDir('dd-podman-conf-'), 'containers.conf');
  writeFileSync(conf, '[containers]\ndefault_ulimits = ["nofile=1024:1024"]\n');
  const child = spawn('podman', ['system', 'service', '--time=0', `unix://${socket}`], {
    env: { ...process.env, CONTAINERS_CONF: conf },
    stdio: 'ignore',
  });
  const service = { socket, process: child };
  services.push(service);
  // Ready once it answers: a service stopped before that may not have set up the handler that removes its socket.
  for (let i = 0; i < 150 && !(await answers(socket)); i++) await new Promise((r) => setTimeout(r, 100));
  if (!(await answers(socket))) throw new Error(`podman system service did not answer on ${socket}`);
  return service;
}

function answers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.get({ socketPath, path: '/_ping', timeout: 2000 }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.on('error', () => resolve(false));
    request.on('timeout', () => request.destroy());
  });
}

async function stop(service: PodmanService, signal: NodeJS.Signals): Promise<void> {
  const exited = new Promise((resolve) => service.process.once('exit', resolve));
  service.process.kill(signal);
  await exited;
}

const commandsOf = (finding: { fixes: { command?: string }[] }) => finding.fixes.map((f) => f.command ?? '');
const DOCKER_ADVICE = /systemctl (restart|enable --now) docker|usermod -aG docker/;

// The test starts its own rootful Podman service; as another user that would be a rootless one, which needs subordinate ids.
describe.runIf(podmanInstalled() && process.getuid?.() === 0)('daemon check against a real Podman service (root only)', () => {
  it('a running Podman service passes, and the report names the engine Podman', async () => {
    const { socket } = await startPodman(path.join(tempDir('dd-podman-'), 'podman.sock'));
    const run = await runCli(['daemon', '--json', '-H', `unix://${socket}`]);
    expect(run.report!.checks[0]).toMatchObject({ id: 'daemon', status: expect.stringMatching(/passed|warned/) });
    expect(findingsOf(run.report, 'daemon').filter((f) => f.severity === 'error')).toEqual([]);
    // Running as root here: the rootful kind (libpod's host.security.rootless is false).
    expect(run.report!.environment.docker).toMatchObject({ endpoint: `unix://${socket}`, kind: 'podman' });
    expect(run.report!.environment.docker.serverVersion).toMatch(/^\d+\.\d+/);
  });

  it('a stopped Podman service (its socket removed) is socket-missing with `podman system service` at that path', async () => {
    const service = await startPodman(path.join(tempDir('dd-podman-'), 'podman.sock'));
    await stop(service, 'SIGTERM');
    expect(existsSync(service.socket)).toBe(false);
    const run = await runCli(['daemon', '--json'], { env: cleanEnv({ DOCKER_HOST: `unix://${service.socket}` }) });
    expect(run.exitCode).toBe(1);
    const [finding] = findingsOf(run.report, 'daemon');
    expect(finding).toMatchObject({
      code: 'daemon/socket-missing',
      title: `No Podman service is listening at ${service.socket}: the socket does not exist (from DOCKER_HOST)`,
      subject: { kind: 'daemon', name: `unix://${service.socket}` },
    });
    expect(commandsOf(finding!)).toContain(`podman system service --time=0 unix://${service.socket} &`);
    expect(commandsOf(finding!).join('\n')).not.toMatch(DOCKER_ADVICE);
  });

  it('a killed Podman service leaves a stale socket: connection-refused, the same way back', async () => {
    const service = await startPodman(path.join(tempDir('dd-podman-'), 'podman.sock'));
    await stop(service, 'SIGKILL');
    expect(existsSync(service.socket)).toBe(true);
    const run = await runCli(['daemon', '--json', '-H', `unix://${service.socket}`]);
    const [finding] = findingsOf(run.report, 'daemon');
    expect(finding).toMatchObject({
      code: 'daemon/connection-refused',
      title: `The socket ${service.socket} exists but no Podman service accepts connections on it (from -H)`,
    });
    expect(commandsOf(finding!)[0]).toBe(`podman system service --time=0 unix://${service.socket} &`);
    expect(commandsOf(finding!).join('\n')).not.toMatch(DOCKER_ADVICE);
  });

  it('a stale podman.sock file nothing ever listened on: connection-refused, never a Docker restart', async () => {
    const socket = path.join(tempDir('dd-podman-'), 'podman.sock');
    staleSocket(socket);
    const run = await runCli(['daemon', '--json'], { env: cleanEnv({ DOCKER_HOST: `unix://${socket}` }) });
    const [finding] = findingsOf(run.report, 'daemon');
    expect(finding!.code).toBe('daemon/connection-refused');
    expect(commandsOf(finding!)).toEqual(
      expect.arrayContaining([`podman system service --time=0 unix://${socket} &`, 'unset DOCKER_HOST']),
    );
    expect(commandsOf(finding!).join('\n')).not.toMatch(DOCKER_ADVICE);
  });

  it('a Podman socket path nothing serves (never created): socket-missing with the Podman service to start', async () => {
    const socket = path.join(tempDir('dd-podman-'), 'run', 'podman.sock');
    const run = await runCli(['daemon', '--json', '-H', `unix://${socket}`]);
    const [finding] = findingsOf(run.report, 'daemon');
    expect(finding!.code).toBe('daemon/socket-missing');
    expect(commandsOf(finding!)).toContain(`podman system service --time=0 unix://${socket} &`);
  });

  // setpriv to another uid is root's alone.
  it.runIf(process.getuid?.() === 0)(
    "a user denied Docker's socket whose own Podman socket answers is pointed at it, not at the docker group",
    async () => {
      const home = tempDir('dd-podman-user-');
      chmodSync(home, 0o755);
      const runtime = path.join(home, 'run');
      mkdirSync(path.join(runtime, 'podman'), { recursive: true });
      const { socket } = await startPodman(path.join(runtime, 'podman', 'podman.sock'));
      // The service runs as root here; the socket is opened to the test's unprivileged user as its own would be.
      chmodSync(socket, 0o666);
      const run = await runCli(['daemon', '--json'], {
        env: { PATH: process.env.PATH, HOME: home, NO_COLOR: '1', DOCKER_CONFIG: home, XDG_RUNTIME_DIR: runtime },
        setpriv: ['--reuid=65534', '--regid=65534', '--clear-groups'],
        cwd: home,
      });
      const [finding] = findingsOf(run.report, 'daemon');
      expect(finding).toMatchObject({ code: 'daemon/permission-denied', evidence: { podmanSocket: socket } });
      expect(commandsOf(finding!)).toEqual([`export DOCKER_HOST=unix://${socket}`]);
      // The way out works: the same user reaches Podman through it.
      const after = await runCli(['daemon', '--json'], {
        env: { PATH: process.env.PATH, HOME: home, NO_COLOR: '1', DOCKER_CONFIG: home, DOCKER_HOST: `unix://${socket}` },
        setpriv: ['--reuid=65534', '--regid=65534', '--clear-groups'],
        cwd: home,
      });
      expect(after.report!.environment.docker.kind).toBe('podman');
      expect(findingsOf(after.report, 'daemon').filter((f) => f.severity === 'error')).toEqual([]);
    },
  );
});

/**
 * Rootless Podman as uid 65534. No user here has subordinate ids (/etc/subuid is empty, and the tests do not change the
 * machine's), so Podman runs with its single mapping: container root is the user, and no other container uid exists.
 * What that allows is tested for real: the engine kind, and a container root that cannot write a root-owned bind source.
 * The subuid_start+N-1 mapping of uids N≥1 is covered by the unit tests (test/unit/bind-mounts.test.ts).
 */
const NOBODY = ['--reuid=65534', '--regid=65534', '--clear-groups'];

interface RootlessPodman {
  home: string;
  socket: string;
  podman(...args: string[]): string;
  stop(): Promise<void>;
}

async function rootlessPodman(): Promise<RootlessPodman> {
  const home = tempDir('dd-podman-rootless-');
  chmodSync(home, 0o777);
  const runtime = path.join(home, 'run');
  mkdirSync(runtime, { mode: 0o700 });
  chownSync(runtime, 65534, 65534);
  const conf = path.join(home, 'containers.conf');
  writeFileSync(conf, '[containers]\ndefault_ulimits = ["nofile=1024:1024"]\n');
  const env = { PATH: process.env.PATH ?? '', HOME: home, XDG_RUNTIME_DIR: runtime, CONTAINERS_CONF: conf };
  const podman = (...args: string[]) =>
    execFileSync('setpriv', [...NOBODY, 'podman', ...args], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  const socket = path.join(runtime, 'podman.sock');
  const child = spawn('setpriv', [...NOBODY, 'podman', 'system', 'service', '--time=0', `unix://${socket}`], { env, stdio: 'ignore' });
  for (let i = 0; i < 100 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 100));
  return { home, socket, podman, stop: () => stopRootless(child, runtime, socket) };
}

/**
 * Rootless Podman re-executes itself inside its user namespace, and the service outlives the process started here: it
 * is found by the socket path this test made up (in its command line) and stopped by its pid; a pause process keeps
 * the namespace, its pid in the runtime directory.
 */
async function stopRootless(child: ChildProcess, runtime: string, socket: string): Promise<void> {
  if (child.exitCode === null) child.kill('SIGTERM');
  for (const pid of pidsServing(socket)) process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 50 && pidsServing(socket).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
  for (const pid of pidsServing(socket)) process.kill(pid, 'SIGKILL');
  const pauseFile = path.join(runtime, 'libpod', 'tmp', 'pause.pid');
  const pausePid = existsSync(pauseFile) ? Number(readFileSync(pauseFile, 'utf8').trim()) : 0;
  if (pausePid > 0) process.kill(pausePid, 'SIGKILL');
}

/** The processes whose command line names this socket: the service this test started, nothing else. */
function pidsServing(socket: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(`unix://${socket}`);
      } catch {
        return false; // gone meanwhile
      }
    })
    .map(Number);
}

/** The static busybox as an image in the rootless user's own storage (no registry here). */
function importBusybox(p: RootlessPodman): string {
  const rootfs = path.join(p.home, 'rootfs');
  mkdirSync(path.join(rootfs, 'bin'), { recursive: true });
  const busybox = ['/bin/busybox', '/usr/bin/busybox'].find((b) => existsSync(b))!;
  execFileSync('cp', [busybox, path.join(rootfs, 'bin', 'busybox')]);
  execFileSync('ln', ['-s', 'busybox', path.join(rootfs, 'bin', 'sh')]);
  const tar = path.join(p.home, 'rootfs.tar');
  execFileSync('tar', ['-C', rootfs, '-cf', tar, '.']);
  chmodSync(tar, 0o644);
  p.podman('import', tar, 'localhost/docker-doctor-test-rootless:1');
  return 'localhost/docker-doctor-test-rootless:1';
}

function rootlessRuns(): boolean {
  if (process.getuid?.() !== 0) return false; // setpriv to uid 65534 is root's alone
  try {
    execFileSync('podman', ['--version'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

describe.runIf(rootlessRuns())('rootless Podman (uid 65534, single mapping: no subordinate ids on this machine)', () => {
  it('is recognised as podman-rootless, and container root writing a root-owned bind source is told to give it to that user', async () => {
    const p = await rootlessPodman();
    cleanups.push(p.stop);
    const image = importBusybox(p);
    const source = tempDir('dd-podman-src-');
    chmodSync(source, 0o755); // root:root 0755, as `sudo mkdir` leaves it
    const name = `dd-rootless-${process.pid}`;
    try {
      p.podman(
        'run',
        '--network',
        'none',
        '--label',
        'docker-doctor.test=rootless',
        '--name',
        name,
        '-v',
        `${source}:/data`,
        image,
        'sh',
        '-c',
        'touch /data/x',
      );
    } catch {
      // Exits 1: "touch: /data/x: Permission denied", which is the state under test.
    }
    const run = await runCli(['daemon', 'bind-mounts', '--json', '-H', `unix://${p.socket}`]);
    expect(run.report!.environment.docker.kind).toBe('podman-rootless');
    const finding = findingsOf(run.report, 'bind-mounts').find((f) => f.subject.name === name);
    expect(finding).toMatchObject({
      code: 'bind-mounts/id-shifted',
      title: expect.stringMatching(/runs as root, which is uid 65534 on the host/),
    });
    expect(finding!.fixes[0]!.command).toBe(`sudo chown -R 65534:65534 ${source}`);
    expect(finding!.fixes.map((f) => f.command ?? '').join('\n')).not.toMatch(/sudo chown -R 0:/);
    // Typed (as root here, so without sudo), the fix lets the same container write there.
    execFileSync('chown', ['-R', '65534:65534', source]);
    p.podman('start', '--attach', name);
    expect(existsSync(path.join(source, 'x'))).toBe(true);
    p.podman('rm', '-f', name);
  });
});
