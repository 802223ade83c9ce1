import { execFileSync } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { execa } from 'execa';
import { ensurePodmanTestImage, PODMAN_HOST, podman, podmanAvailable, podmanMayFail, removePodmanLabelled } from './podman.js';
import { testRootfsTar } from './rootfs.js';
import { tempDir } from './sockets.js';

export const TEST_LABEL = 'docker-doctor.test';
export const TEST_IMAGE = 'docker-doctor-test/busybox:1';

let available: boolean | undefined;

/** Whether a Docker engine answers here. Under CI=true a missing engine is an error, not a skip. */
export function engineAvailable(): boolean {
  if (available !== undefined) return available;
  try {
    execFileSync('docker', ['version', '--format', '{{.Server.Version}}'], { stdio: 'pipe', timeout: 10_000 });
    available = true;
  } catch {
    available = false;
    if (process.env.CI === 'true') throw new Error('CI=true but no Docker engine answers: .ci/run must install and start dockerd');
    console.warn('\n!!! No Docker engine answers here: the engine tests are SKIPPED. Start dockerd (see .ci/run) to run them. !!!\n');
  }
  return available;
}

export async function docker(...args: string[]): Promise<string> {
  const result = await execa('docker', args, { reject: true, timeout: 60_000, stdin: 'ignore' });
  return String(result.stdout).trim();
}

export async function dockerMayFail(...args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const result = await execa('docker', args, { reject: false, timeout: 60_000, stdin: 'ignore' });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout).trim(), stderr: String(result.stderr).trim() };
}

/** No registry is reachable: the test image is a root filesystem holding the static busybox, imported locally. */
export async function ensureTestImage(): Promise<string> {
  const present = await dockerMayFail('image', 'inspect', TEST_IMAGE);
  if (present.exitCode === 0) return TEST_IMAGE;
  await execa('docker', ['import', '-c', 'CMD ["/bin/sh"]', await testRootfsTar(), TEST_IMAGE]);
  return TEST_IMAGE;
}

/** Removes what one test file created; every test resource carries TEST_LABEL=<scope>. */
export async function removeLabelled(scope: string): Promise<void> {
  const ids = (await docker('ps', '-aq', '--filter', `label=${TEST_LABEL}=${scope}`)).split('\n').filter(Boolean);
  if (ids.length) await dockerMayFail('rm', '-f', '-v', ...ids);
  const nets = (await docker('network', 'ls', '-q', '--filter', `label=${TEST_LABEL}=${scope}`)).split('\n').filter(Boolean);
  if (nets.length) await dockerMayFail('network', 'rm', ...nets);
  const images = (await docker('images', '-aq', '--filter', `label=${TEST_LABEL}=${scope}`)).split('\n').filter(Boolean);
  if (images.length) await dockerMayFail('rmi', '-f', ...new Set(images));
}

/**
 * One engine the shared scenarios run on: the e2e tests that hold for Docker and Podman alike are written once over
 * `describe.each(engines)`, create their containers with `engine.cli`, and point the doctor at `engine.host` (`-H`).
 */
export interface TestEngine {
  name: 'docker' | 'podman';
  /** The endpoint the CLI is given with -H. */
  host: string;
  /** The Unix socket behind host. */
  socket: string;
  /** The engine kind the daemon check reports for it. */
  kind: string;
  available(): boolean;
  cli(...args: string[]): Promise<string>;
  cliMayFail(...args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }>;
  ensureTestImage(): Promise<string>;
  removeLabelled(scope: string): Promise<void>;
}

export const dockerEngine: TestEngine = {
  name: 'docker',
  host: 'unix:///var/run/docker.sock',
  socket: '/var/run/docker.sock',
  kind: 'docker',
  available: engineAvailable,
  cli: docker,
  cliMayFail: dockerMayFail,
  ensureTestImage,
  removeLabelled,
};

export const podmanEngine: TestEngine = {
  name: 'podman',
  host: PODMAN_HOST,
  socket: PODMAN_HOST.slice('unix://'.length),
  kind: 'podman',
  available: podmanAvailable,
  cli: podman,
  cliMayFail: podmanMayFail,
  ensureTestImage: ensurePodmanTestImage,
  removeLabelled: (scope) => removePodmanLabelled(`${TEST_LABEL}=${scope}`),
};

/** The engines the shared scenarios run on; each describe block runs only where its engine answers. */
export const engines: TestEngine[] = [dockerEngine, podmanEngine];

/**
 * The real engine behind a proxy whose container list holds only one test scope (`TEST_LABEL=<value>`): other tests
 * run containers on the same engine at once, and a check's status is only a test's to assert this way. Everything
 * else (info, inspect, logs, /system/df) passes through unchanged.
 */
export async function scopedEngine(engine: TestEngine, labelValue: string): Promise<{ host: string; close(): Promise<void> }> {
  const socketPath = path.join(tempDir('dd-scoped-proxy-'), 'engine.sock');
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://engine');
    if (/^(\/v[\d.]+)?\/containers\/json$/.test(url.pathname))
      url.searchParams.set('filters', JSON.stringify({ label: [`${TEST_LABEL}=${labelValue}`] }));
    const upstream = http.request(
      { socketPath: engine.socket, path: `${url.pathname}${url.search}`, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return { host: `unix://${socketPath}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/**
 * A docker client that runs BuildKit without the buildx plugin: Debian's docker.io client (20.10) does with
 * DOCKER_BUILDKIT=1; newer clients need buildx, which no registry here provides. Undefined when neither is here.
 */
export function buildkitClient(): string | undefined {
  for (const candidate of ['/usr/bin/docker', 'docker']) {
    try {
      execFileSync(candidate, ['buildx', 'version'], { stdio: 'ignore', timeout: 10_000 });
      return candidate;
    } catch {
      // no buildx: try the client's own BuildKit switch below
    }
    try {
      const version = execFileSync(candidate, ['version', '--format', '{{.Client.Version}}'], { encoding: 'utf8', timeout: 10_000 });
      if (Number(version.split('.')[0]) < 23) return candidate;
    } catch {
      // not installed
    }
  }
  return undefined;
}

/** Health-check flags that turn a failing probe into an `unhealthy` container within seconds. */
export const FAST_HEALTH = ['--health-interval', '1s', '--health-retries', '1', '--health-timeout', '2s'];

/** Polls every 200 ms until the predicate holds; after `tries` polls, fails naming what it waited for. */
export async function waitFor(predicate: () => Promise<boolean>, what: string, tries = 150): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await predicate()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}
