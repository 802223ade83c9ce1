import http from 'node:http';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, ROOT, runCli } from '../helpers/cli.js';
import { PEAK_MEMORY_BUDGET_MIB, runCliMeasured } from '../helpers/peak-memory.js';
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

/** Review B (session 6): a Docker 20.10 engine with two running, unhealthy containers, one endpoint answering as `faults` says. */
type Answer = (res: http.ServerResponse, send: (body: unknown, status?: number) => void) => void;
const ID = 'a'.repeat(64);
const ID2 = 'b'.repeat(64);
const summary = (id: string, name: string) => ({
  Id: id,
  Names: ['/' + name],
  Image: 'img',
  State: 'running',
  Status: 'Up 1 hour (unhealthy)',
  Labels: {},
  Ports: [{ IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' }],
  HostConfig: { NetworkMode: 'bridge' },
  Mounts: [],
});
const inspected = (id: string, name: string) => {
  const at = new Date(Date.now() - 3600e3).toISOString();
  return {
    Id: id,
    Name: '/' + name,
    Created: at,
    Path: 'sh',
    Args: [],
    Image: 'sha256:' + 'd'.repeat(64),
    RestartCount: 0,
    State: {
      Status: 'running',
      Running: true,
      Pid: 999990,
      ExitCode: 0,
      StartedAt: at,
      FinishedAt: '0001-01-01T00:00:00Z',
      Health: {
        Status: 'unhealthy',
        FailingStreak: 5,
        Log: [{ Start: at, End: at, ExitCode: 1, Output: 'curl: (7) Failed to connect\n' }],
      },
    },
    HostConfig: { NetworkMode: 'bridge', LogConfig: { Type: 'json-file', Config: {} } },
    Config: {
      Image: 'img',
      Env: ['PATH=/bin'],
      Cmd: ['sh'],
      Labels: {},
      Healthcheck: { Test: ['CMD-SHELL', 'curl -f http://localhost/'] },
    },
    Mounts: [],
    NetworkSettings: { Networks: { bridge: { NetworkID: 'n', IPAddress: '172.17.0.2' } } },
  };
};
const BRIDGE = { Name: 'bridge', Id: 'n', Driver: 'bridge', IPAM: { Config: [{ Subnet: '172.17.0.0/16' }] }, Options: {}, Labels: {} };
const ENGINE: Record<string, Answer> = {
  '/_ping': (res) => res.end('OK'),
  '/version': (_res, send) => send({ Version: '20.10.24', ApiVersion: '1.41', MinAPIVersion: '1.12', Os: 'linux', Arch: 'amd64' }),
  '/info': (_res, send) =>
    send({
      ServerVersion: '20.10.24',
      OSType: 'linux',
      OperatingSystem: 'Debian',
      Driver: 'overlay2',
      DockerRootDir: '/var/lib/docker',
      Warnings: [],
    }),
  '/containers/json': (_res, send) => send([summary(ID, 'web'), summary(ID2, 'api')]),
  '/networks': (_res, send) => send([BRIDGE]),
  '/volumes': (_res, send) => send({ Volumes: [], Warnings: null }),
};

function scriptedDaemon(faults: () => Record<string, Answer>): http.Server {
  return http.createServer((req, res) => {
    const route = (req.url ?? '/').replace(/^\/v[\d.]+/, '').split('?')[0]!;
    const send = (body: unknown, status = 200) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const answers = { ...ENGINE, ...faults() };
    const key = Object.keys(answers).find((k) => new RegExp(`^${k}$`).test(route));
    if (key) return answers[key]!(res, send);
    const inspect = /^\/containers\/([0-9a-f]+)\/json$/.exec(route);
    if (inspect) return send(inspected(inspect[1]!, inspect[1] === ID ? 'web' : 'api'));
    if (route.endsWith('/logs')) return void res.end('');
    send({ message: 'not found' }, 404);
  });
}

/** An answer that never ends, 1 MiB at a time. */
const endless: Answer = (res) => {
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.write('{"Id":"');
  const chunk = Buffer.alloc(1 << 20, 97);
  const pump = () => {
    while (!res.destroyed && res.write(chunk));
    if (!res.destroyed) res.once('drain', pump);
  };
  res.on('close', () => res.removeAllListeners('drain'));
  pump();
};

describe('a daemon whose answers are faulty in the ways review B found (session 6)', () => {
  const dir = tempDir('dd-faulty-b-');
  const socket = path.join(dir, 'docker.sock');
  let faults: Record<string, Answer> = {};
  const server = scriptedDaemon(() => faults);
  beforeAll(() => new Promise<void>((resolve) => server.listen(socket, resolve)));
  afterAll(() => {
    server.closeAllConnections();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const run = async (set: Record<string, Answer>, args: string[], cwd?: string) => {
    server.closeAllConnections();
    faults = set;
    const measured = await runCliMeasured(['-H', `unix://${socket}`, '--timeout', '5', '--fail-on', 'never', ...args], {
      env: cleanEnv(),
      cwd,
      timeoutMs: 30_000,
    });
    // Issue 11's bar for every case: exit 0 (nothing fails at --fail-on never), no stack trace, within budget.
    expect(measured.exitCode, measured.stderr).toBe(0);
    expect(measured.stderr).not.toMatch(/\n\s+at /);
    expect(measured.peakMiB).toBeLessThan(PEAK_MEMORY_BUDGET_MIB);
    if (measured.report) expect(measured.report.checks.filter((c) => c.status === 'crashed')).toEqual([]);
    return measured;
  };

  it('an HTTP error with a 10 MB message is cut in the finding and the skip reasons (was 455 MB, a 94 MB report)', async () => {
    const huge: Answer = (_res, send) => send({ message: 'x'.repeat(10 * 1024 * 1024) }, 500);
    const json = await run({ '/containers/json': huge }, ['--json']);
    expect(json.stdout.length).toBeLessThan(64 * 1024);
    const daemon = json.report!.checks.find((c) => c.id === 'daemon')!;
    expect(daemon.findings[0]!.title).toMatch(/answered HTTP 500: x{200}…$/);
    const human = await run({ '/containers/json': huge }, []);
    expect(human.stdout.length).toBeLessThan(64 * 1024);
  });

  it('an inspect that fails is one daemon finding, and the checks that inspect are skipped, never passed (was exit 0, all green)', async () => {
    const boom: Answer = (_res, send) => send({ message: 'boom' }, 500);
    const json = await run({ '/containers/[0-9a-f]+/json': boom }, ['--json']);
    const checks = Object.fromEntries(json.report!.checks.map((c) => [c.id, c]));
    expect(checks.daemon!.findings.map((f) => f.code)).toEqual(['daemon/endpoint-failed']);
    expect(checks.daemon!.findings[0]!.title).toMatch(new RegExp(`failed GET /containers/${ID}/json: .*HTTP 500: boom`));
    // exited-containers inspects only exited containers, and these two run: it has nothing to ask, and passes.
    for (const id of ['unhealthy-containers', 'unreachable-ports', 'dns']) {
      expect(checks[id]!.status, id).toBe('skipped');
      expect(checks[id]!.skipReason, id).toMatch(/failed GET \/containers\/[0-9a-f]+\/json: .*HTTP 500: boom/);
    }
  });

  it('an endless inspect answer of each of 6 containers stays bounded (was 64 MiB each, 469 MB)', async () => {
    const six: Answer = (_res, send) => send(Array.from({ length: 6 }, (_, k) => summary(String(k).repeat(64), `c${k}`)));
    await run({ '/containers/json': six, '/containers/[0-9a-f]+/json': endless }, ['--json']);
  });

  it.each([
    ['ApiVersion as a number', { ApiVersion: 1.41 }],
    ['MinAPIVersion as a number', { MinAPIVersion: 1.12 }],
    ['Version and Components of the wrong types', { Version: 20, Components: 'x' }],
  ])('/version with %s is read as absent, not a crash with a stack trace', async (_name, fields) => {
    const version: Answer = (_res, send) =>
      send({ Version: '20.10.24', ApiVersion: '1.41', MinAPIVersion: '1.12', Os: 'linux', ...fields });
    const json = await run({ '/version': version }, ['--json']);
    expect(json.report!.checks.find((c) => c.id === 'daemon')!.status).toBe('passed');
    await run({ '/version': version }, ['dns']);
  });

  it('/version that is not an object is the daemon finding', async () => {
    const json = await run({ '/version': (_res, send) => send(null) }, ['--json', 'daemon']);
    const [finding] = json.report!.checks[0]!.findings;
    expect(finding).toMatchObject({ code: 'daemon/unexpected-answer' });
    expect(finding!.title).toMatch(/\/version answered null where Docker answers an object/);
  });

  it('escape sequences in /version never reach the human header', async () => {
    const version: Answer = (_res, send) =>
      send({ Version: '\u001b]0;pwned\u0007', ApiVersion: '1.41\u001b[2J', MinAPIVersion: '1.12', Os: 'linux', Arch: 'amd64' });
    const human = await run({ '/version': version }, ['daemon']);
    expect(human.stdout).not.toContain('\u001b');
    expect(human.stdout).not.toContain('\u0007');
    expect(human.stdout.split('\n')[0]).toContain('Docker \\x1b]0;pwned\\x07');
  });

  it('/info with wrong-typed DockerRootDir and Warnings crashes neither daemon nor disk-space', async () => {
    const info: Answer = (_res, send) =>
      send({ ServerVersion: '20.10.24', OSType: 'linux', Driver: 'overlay2', DockerRootDir: 5, Warnings: [5] });
    const json = await run({ '/info': info }, ['--json', 'daemon', 'disk-space']);
    expect(json.report!.checks.find((c) => c.id === 'daemon')!.findings).toEqual([]);
  });

  it.each([
    ['a null entry', [null]],
    ['a numeric Subnet', [{ Subnet: 5 }]],
    ['a string', 'x'],
  ])('/networks with %s in IPAM.Config: dns reports valid JSON, no stack trace', async (_name, config) => {
    const networks: Answer = (_res, send) => send([BRIDGE, { Name: 'rv-n', Id: 'x', Driver: 'bridge', IPAM: { Config: config } }]);
    const json = await run({ '/networks': networks }, ['--json', 'dns']);
    expect(json.report!.checks[0]!.status).not.toBe('crashed');
  });

  it('a bare null from /volumes is a fault of /volumes, not "no volumes" (no external volume called missing)', async () => {
    const project = tempDir('dd-faulty-b-project-');
    writeFileSync(
      path.join(project, 'compose.yaml'),
      'services:\n  app:\n    image: busybox\n    volumes:\n      - data:/data\nvolumes:\n  data:\n    external: true\n    name: rvproj_data\n',
    );
    const json = await run({ '/volumes': (_res, send) => send(null) }, ['--json', 'compose-config'], project);
    const check = json.report!.checks[0]!;
    expect(check.findings.map((f) => f.code)).not.toContain('compose-config/external-volume-missing');
    expect(check.skipReason).toMatch(/failed GET \/volumes/);
  });
});

describe('a crash that escapes the lean path', () => {
  it('is handed to oclif\'s handler, which the bundle must resolve (it was undefined: "f is not a function")', async () => {
    const { oclifHandle } = (await import(path.join(ROOT, 'dist', 'lean-cli.js'))) as typeof import('../../src/lean-cli.js');
    expect(typeof (await oclifHandle())).toBe('function');
  });
});
