import http from 'node:http';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/sockets.js';

/** A daemon that answers its ping and version, then never answers the container list (seen with a hung containerd). */
function hangingListDaemon(): http.Server {
  return http.createServer((req, res) => {
    const url = req.url ?? '';
    if (url.endsWith('/_ping')) return void res.end('OK');
    if (url.endsWith('/version'))
      return void res.end(JSON.stringify({ Version: '28.2.2', ApiVersion: '1.50', Os: 'linux', Arch: 'amd64' }));
    if (url.endsWith('/info')) return void res.end(JSON.stringify({ ServerVersion: '28.2.2', OperatingSystem: 'Test', Warnings: [] }));
    // Everything else: hold the request open.
  });
}

describe('a daemon that answers its ping but hangs on the container list', () => {
  const dir = tempDir('dd-faulty-');
  const socket = path.join(dir, 'docker.sock');
  const server = hangingListDaemon();
  beforeAll(() => new Promise<void>((resolve) => server.listen(socket, resolve)));
  afterAll(() => {
    server.closeAllConnections();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives one daemon finding naming the endpoint, and skips the checks that need it instead of crashing them', async () => {
    const started = performance.now();
    const run = await runCli(['--json', '--timeout', '2', '-H', `unix://${socket}`], { env: cleanEnv(), timeoutMs: 30_000 });
    // Within --timeout plus a small margin: start-up, the report, and a machine shared with other tests.
    expect(performance.now() - started).toBeLessThan(2000 + 3000);
    const report = run.report!;
    const status = Object.fromEntries(report.checks.map((c) => [c.id, c.status]));
    expect(status).toMatchObject({
      daemon: 'failed',
      'exited-containers': 'skipped',
      'port-conflicts': 'skipped',
      'bind-mounts': 'skipped',
      dns: 'skipped',
    });
    expect(report.summary.crashed).toBe(0);
    const daemon = report.checks.find((c) => c.id === 'daemon')!;
    expect(daemon.findings.map((f) => f.code)).toEqual(['daemon/endpoint-failed']);
    expect(daemon.findings[0]!.title).toMatch(/failed GET \/containers\/json: .*did not answer/);
    // The project checks are skipped for want of project files (the run is in an empty directory), not the daemon.
    const projectChecks = ['build-context', 'startup-order', 'compose-config'];
    for (const check of report.checks.filter((c) => c.status === 'skipped' && !projectChecks.includes(c.id)))
      expect(check.skipReason).toMatch(/failed GET \/containers\/json/);
    expect(run.exitCode).toBe(1);
  });
});
