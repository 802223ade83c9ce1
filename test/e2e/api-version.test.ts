import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, runCli } from '../helpers/cli.js';
import { engineAvailable } from '../helpers/engine.js';
import { tempDir } from '../helpers/sockets.js';

const DOCKER_SOCKET = '/var/run/docker.sock';
const PODMAN = '/usr/bin/podman';

/** A proxy on a unix socket in front of an engine's socket that records the path of every request. */
async function recordingProxy(upstream: string): Promise<{ host: string; paths: string[]; close(): Promise<void> }> {
  const paths: string[] = [];
  const socketPath = path.join(tempDir('dd-api-proxy-'), 'engine.sock');
  const server = http.createServer((req, res) => {
    paths.push(req.url ?? '');
    const forward = http.request({ socketPath: upstream, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    host: `unix://${socketPath}`,
    paths,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * What a run sent: the unversioned ping first, then only versioned paths (on these engines /version's own version is
 * the negotiated one, so /version, /info and the container list go out together once the ping answers).
 */
function expectVersioned(paths: string[], version: string): void {
  expect(paths[0]).toBe('/_ping');
  const later = paths.slice(1);
  // libpod's own routes take libpod's version, not the Docker API's (dns asks Podman which networks resolve names).
  expect(later.filter((p) => !p.startsWith(`/v${version}/`) && !p.startsWith('/v4.0.0/libpod/'))).toEqual([]);
  for (const endpoint of ['version', 'info', 'containers/json'])
    expect(later.some((p) => p.startsWith(`/v${version}/${endpoint}`))).toBe(true);
}

const CHECKS = ['daemon', 'exited-containers', 'port-conflicts', 'dns'];

describe.runIf(engineAvailable())('API version negotiation against Docker 20.10 (API 1.41)', () => {
  it('every request after the ping carries /v1.41', async () => {
    const proxy = await recordingProxy(DOCKER_SOCKET);
    try {
      const run = await runCli([...CHECKS, '--json', '-H', proxy.host], { env: cleanEnv(), timeoutMs: 60_000 });
      expect(run.report!.checks.find((c) => c.id === 'daemon')!.findings.filter((f) => f.severity === 'error')).toEqual([]);
      expectVersioned(proxy.paths, '1.41');
    } finally {
      await proxy.close();
    }
  });

  it('DOCKER_API_VERSION overrides, as for the docker CLI', async () => {
    const proxy = await recordingProxy(DOCKER_SOCKET);
    try {
      await runCli(['daemon', '--json', '-H', proxy.host], { env: cleanEnv({ DOCKER_API_VERSION: '1.40' }), timeoutMs: 60_000 });
      // /version first, at the engine's own version, to check the override against its range; then only the override.
      expect(proxy.paths.slice(0, 2)).toEqual(['/_ping', '/v1.41/version']);
      expect(proxy.paths.slice(2).filter((p) => !p.startsWith('/v1.40/'))).toEqual([]);
    } finally {
      await proxy.close();
    }
  });
});

const podmanMissing = !existsSync(PODMAN)
  ? `${PODMAN} is missing (apt-get install podman)`
  : process.getuid?.() !== 0
    ? 'root only: the test starts a rootful Podman service'
    : undefined;
if (podmanMissing) console.warn(`\n!!! Podman API-version test SKIPPED: ${podmanMissing} !!!\n`);

describe.runIf(!podmanMissing)("API version negotiation against Podman's Docker-compatible API (root only)", () => {
  let service: ChildProcess;
  let socket: string;
  beforeAll(async () => {
    const dir = tempDir('dd-podman-api-');
    socket = path.join(dir, 'podman.sock');
    // Root here cannot raise its open-file limit, which Podman's default ulimits would ask for.
    const conf = path.join(dir, 'containers.conf');
    writeFileSync(conf, '[containers]\ndefault_ulimits = ["nofile=1024:1024"]\n');
    service = spawn(PODMAN, ['system', 'service', '--time=0', `unix://${socket}`], {
      env: { ...process.env, CONTAINERS_CONF: conf },
      stdio: 'ignore',
    });
    for (let i = 0; i < 100 && !existsSync(socket); i++) await new Promise((resolve) => setTimeout(resolve, 100));
  });
  afterAll(() => {
    service?.kill('SIGTERM');
  });

  it('Podman 4.3 serves /v1.41 paths, and every request after the ping carries it', async () => {
    const proxy = await recordingProxy(socket);
    try {
      const run = await runCli([...CHECKS, '--json', '-H', proxy.host], { env: cleanEnv(), timeoutMs: 60_000 });
      expect(run.report!.environment.docker).toMatchObject({ kind: 'podman', apiVersion: '1.41' });
      expect(run.report!.summary.crashed).toBe(0);
      expectVersioned(proxy.paths, '1.41');
    } finally {
      await proxy.close();
    }
  });
});
