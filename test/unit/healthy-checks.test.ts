import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinChecks } from '../../checks/index.js';
import { runChecks } from '../../src/engine/runner.js';
import type { Check, CheckResult } from '../../src/engine/types.js';
import {
  CheckTester,
  engineWith,
  fakeClients,
  fakeFacts,
  HEALTHY_ENGINE,
  jsonLogPath,
  minutesBefore,
  SOCKET,
  type ContainerFields as FakeContainer,
  type ExpectedFinding,
  type FakeFile,
} from '../../src/testing/index.js';
import { tempTree } from '../helpers/tree.js';

/*
 * Every built-in check, run on a world where nothing is wrong, must say `passed`. Asserting "no findings" alone is not
 * enough: a check that throws has no findings either. These tests are what makes a crash on healthy input visible.
 */

const PROC_NET_HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';

/** A Linux host where this user is in the docker group, resolvers are real, nothing listens, daemon.json is absent. */
const HEALTHY_HOST: Record<string, FakeFile | string> = {
  '/var/run/docker.sock': { stat: SOCKET },
  '/etc/group': 'root:x:0:\ndocker:x:999:dev\ndev:x:1000:\n',
  '/etc/passwd': 'root:x:0:0:root:/root:/bin/sh\ndev:x:1000:1000:dev:/home/dev:/bin/sh\n',
  '/etc/resolv.conf': 'nameserver 192.0.2.53\nsearch example.internal\n',
  '/proc/net/tcp': PROC_NET_HEADER,
  '/proc/net/tcp6': PROC_NET_HEADER,
  '/proc/net/udp': PROC_NET_HEADER,
  '/proc/net/udp6': PROC_NET_HEADER,
  '/proc/sys/net/ipv4/ip_unprivileged_port_start': '1024\n',
  '/srv/shop/html/index.html': { text: '<h1>shop</h1>', stat: { uid: 0, gid: 0, mode: 0o644 } },
};

const COMPOSE_LABELS = { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'web' };

/** A compose service up for two hours, publishing its port and bind-mounting a readable directory; and a job that finished. */
const HEALTHY_CONTAINERS: FakeContainer[] = [
  {
    id: 'a1'.repeat(32),
    name: 'shop-web-1',
    image: 'shop-web',
    state: 'running',
    startedAt: minutesBefore(120),
    cmd: ['httpd', '-f', '-p', '80'],
    labels: COMPOSE_LABELS,
    ports: [{ IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' }],
    portBindings: { '80/tcp': [{ HostIp: '', HostPort: '8080' }] },
    mounts: [{ Type: 'bind', Source: '/srv/shop/html', Destination: '/www', Mode: 'ro', RW: false, Propagation: 'rprivate' }],
  },
  // A one-shot job that ran five minutes and exited 0: finished work, not a container that "exits immediately".
  {
    id: 'b2'.repeat(32),
    name: 'shop-migrate-1',
    image: 'shop-web',
    state: 'exited',
    exitCode: 0,
    startedAt: minutesBefore(7),
    finishedAt: minutesBefore(2),
    cmd: ['sh', '-c', 'migrate'],
  },
];

/** A well-formed project: compose service with a build, a port, an existing bind source; a Dockerfile and a .dockerignore. */
const HEALTHY_PROJECT = {
  'compose.yaml': 'name: shop\nservices:\n  web:\n    build: .\n    ports:\n      - "8080:80"\n    volumes:\n      - ./html:/www:ro\n',
  Dockerfile: 'FROM docker-doctor-test/busybox:1\nCOPY html/ /www/\nCMD ["httpd", "-f", "-p", "80", "-h", "/www"]\n',
  '.dockerignore': '.git\n**/node_modules\n.env\n',
  'html/index.html': '<h1>shop</h1>\n',
};

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

interface World {
  project: Record<string, string>;
  host?: Record<string, FakeFile | string>;
  containers?: FakeContainer[];
  warnings?: string[];
}

/** The world's facts: the project written to a temporary directory (the context walk reads it for real), the host fake. */
function factsOf(world: World) {
  const dir = tempTree(world.project, 'dd-healthy-');
  dirs.push(dir);
  const info = { ...(HEALTHY_ENGINE['/info'] as object), Warnings: world.warnings ?? [] };
  const routes = { '/info': info, '/networks': [{ Name: 'bridge', Id: 'n1', Driver: 'bridge', Internal: false }], '/images/json': [] };
  const clients = fakeClients({
    files: world.host ?? HEALTHY_HOST,
    engine: engineWith(world.containers ?? HEALTHY_CONTAINERS, routes),
    groups: [1000, 999],
  });
  return fakeFacts({ clients, projectDir: dir, onDisk: true });
}

async function runAll(checks: readonly Check[], world: World): Promise<CheckResult[]> {
  return runChecks(checks, factsOf(world), { probe: false, verbose: false, timeoutMs: 5000 });
}

const HEALTHY: World = { project: HEALTHY_PROJECT };

/** The assertion every healthy case makes: passed (not merely "no findings"), with the reason when it could not run. */
function expectPassed(result: CheckResult): void {
  expect({
    id: result.id,
    status: result.status,
    error: result.error?.message,
    skipReason: result.skipReason,
    findings: result.findings.map((f) => `${f.code}: ${f.title}`),
  }).toEqual({ id: result.id, status: 'passed', error: undefined, skipReason: undefined, findings: [] });
}

const NO_DAEMON_HOST = Object.fromEntries(Object.entries(HEALTHY_HOST).filter(([file]) => file !== '/var/run/docker.sock'));

describe('every built-in check on a healthy world', () => {
  it('covers the whole catalogue', () => {
    expect(builtinChecks.map((c) => c.meta.id)).toEqual([
      'daemon',
      'exited-containers',
      'port-conflicts',
      'bind-mounts',
      'dns',
      'build-context',
      'unhealthy-containers',
      'startup-order',
      'unreachable-ports',
      'volumes',
      'compose-config',
      'disk-space',
    ]);
  });

  it('all checks together pass, none crashed (shared facts are fetched concurrently)', async () => {
    const results = await runAll(builtinChecks, HEALTHY);
    for (const result of results) expectPassed(result);
  });

  it('in a directory with no Docker files, only build-context, startup-order and compose-config are skipped, and say why', async () => {
    const results = await runAll(builtinChecks, { project: { 'README.md': '# notes\n' } });
    const skippedHere = ['build-context', 'startup-order', 'compose-config'];
    for (const result of results.filter((r) => !skippedHere.includes(r.id))) expectPassed(result);
    for (const id of ['startup-order', 'compose-config'])
      expect(results.find((r) => r.id === id)).toMatchObject({ status: 'skipped', skipReason: 'no compose file in the project' });
    expect(results.find((r) => r.id === 'build-context')).toMatchObject({
      status: 'skipped',
      skipReason: 'no Dockerfile or compose build in the project',
      findings: [],
    });
  });

  it('with no daemon, only daemon fails; the checks that need it are skipped with its reason, the project check still passes', async () => {
    const results = await runAll(builtinChecks, { ...HEALTHY, host: NO_DAEMON_HOST });
    const reason = 'the Docker daemon is not reachable at unix:///var/run/docker.sock (see the daemon check)';
    expect(results.map((r) => [r.id, r.status, r.skipReason])).toEqual([
      ['daemon', 'failed', undefined],
      ['exited-containers', 'skipped', reason],
      ['port-conflicts', 'skipped', reason],
      ['bind-mounts', 'skipped', reason],
      ['dns', 'skipped', reason],
      ['build-context', 'passed', undefined],
      ['unhealthy-containers', 'passed', undefined],
      ['startup-order', 'passed', undefined],
      ['unreachable-ports', 'skipped', reason],
      ['volumes', 'passed', undefined],
      [
        'compose-config',
        'skipped',
        `${reason}; external networks and volumes, container names and orphans were not checked (the files were, and are fine)`,
      ],
      ['disk-space', 'skipped', reason],
    ]);
    expect(results[0]!.findings.map((f) => f.code)).toEqual(['daemon/socket-missing']);
  });
});

/*
 * Controls: one defect added to the healthy world makes each check report it. Without these, a world the checks never
 * look at (no containers inspected, no compose file read) would "pass" every check and prove nothing.
 */
const CONTROLS: { id: string; defect: string; world: World; findings: ExpectedFinding[] }[] = [
  {
    id: 'daemon',
    defect: 'the engine warns about insecure registries',
    world: { ...HEALTHY, warnings: ['WARNING: API is accessible on http://0.0.0.0:2375 without encryption.'] },
    findings: [{ code: 'daemon/engine-warning', severity: 'warning' }],
  },
  {
    id: 'exited-containers',
    defect: 'the job exited 127 a second after starting',
    world: {
      ...HEALTHY,
      containers: [
        HEALTHY_CONTAINERS[0]!,
        { ...HEALTHY_CONTAINERS[1]!, exitCode: 127, startedAt: minutesBefore(2, 1), logs: 'sh: migrate: not found\n' },
      ],
    },
    findings: [{ code: 'exited-containers/command-not-found', severity: 'error' }],
  },
  {
    id: 'port-conflicts',
    defect: 'a second service publishes the same host port',
    world: {
      project: {
        ...HEALTHY_PROJECT,
        'compose.yaml': `${HEALTHY_PROJECT['compose.yaml']}  admin:\n    image: shop-admin\n    ports:\n      - "8080:9000"\n`,
      },
    },
    findings: [{ code: 'port-conflicts/compose-duplicate-port', severity: 'error' }],
  },
  {
    id: 'bind-mounts',
    defect: 'a bind source that does not exist',
    world: {
      project: { ...HEALTHY_PROJECT, 'compose.yaml': HEALTHY_PROJECT['compose.yaml'].replace('./html:/www:ro', './uploads:/uploads') },
    },
    findings: [{ code: 'bind-mounts/compose-source-missing', severity: 'info' }],
  },
  {
    id: 'bind-mounts',
    defect: "the running container's user cannot read its bind source",
    world: {
      ...HEALTHY,
      containers: [{ ...HEALTHY_CONTAINERS[0]!, user: '1000' }],
      host: { ...HEALTHY_HOST, '/srv/shop/html': { stat: { type: 'directory', uid: 0, gid: 0, mode: 0o700 } } },
    },
    findings: [{ code: 'bind-mounts/not-readable', severity: 'warning' }],
  },
  {
    id: 'dns',
    defect: 'the host resolves only through a loopback stub',
    world: { ...HEALTHY, host: { ...HEALTHY_HOST, '/etc/resolv.conf': 'nameserver 127.0.0.53\n' } },
    findings: [{ code: 'dns/host-loopback-resolver', severity: 'warning' }],
  },
  {
    id: 'build-context',
    defect: 'a .env file the ignore file lets through',
    world: { project: { ...HEALTHY_PROJECT, '.dockerignore': '.git\n', '.env': 'TOKEN=x\n' } },
    findings: [{ code: 'build-context/secrets-sent', severity: 'info' }],
  },
  {
    id: 'unhealthy-containers',
    defect: 'a compose healthcheck interval without a unit',
    world: {
      project: {
        ...HEALTHY_PROJECT,
        'compose.yaml': `${HEALTHY_PROJECT['compose.yaml']}    healthcheck:\n      test: wget -q --spider http://localhost/\n      interval: 30\n`,
      },
    },
    findings: [{ code: 'unhealthy-containers/compose-duration', severity: 'error' }],
  },
  {
    id: 'compose-config',
    defect: 'a misspelt key in the compose file',
    world: {
      ...HEALTHY,
      project: { ...HEALTHY_PROJECT, 'compose.yaml': `${HEALTHY_PROJECT['compose.yaml']}    enviroment:\n      A: "1"\n` },
    },
    findings: [{ code: 'compose-config/schema-invalid', severity: 'error' }],
  },
  {
    id: 'volumes',
    defect: 'a postgres service without a volume at its data directory',
    world: { project: { ...HEALTHY_PROJECT, 'compose.yaml': `${HEALTHY_PROJECT['compose.yaml']}  db:\n    image: postgres:16\n` } },
    findings: [{ code: 'volumes/database-no-volume', severity: 'warning' }],
  },
  {
    id: 'startup-order',
    defect: 'web waits for a database service to be healthy, and the database has no healthcheck',
    world: {
      project: {
        ...HEALTHY_PROJECT,
        'compose.yaml': `${HEALTHY_PROJECT['compose.yaml']}    depends_on:\n      db:\n        condition: service_healthy\n  db:\n    build: ./db\n`,
        'db/Dockerfile': 'FROM scratch\nCOPY db /db\n',
      },
    },
    findings: [{ code: 'startup-order/no-healthcheck', severity: 'error' }],
  },
  {
    id: 'disk-space',
    defect: "the web container's json-file log has grown to 300 MiB with no max-size",
    world: { ...HEALTHY, host: { ...HEALTHY_HOST, [jsonLogPath('a1'.repeat(32))]: { stat: { size: 300 * 1024 ** 2 } } } },
    findings: [{ code: 'disk-space/unbounded-log', severity: 'warning' }],
  },
  {
    id: 'unreachable-ports',
    defect: 'the app in the running container listens on 8081, not the published 80',
    world: {
      ...HEALTHY,
      containers: [{ ...HEALTHY_CONTAINERS[0]!, pid: 4343 }, HEALTHY_CONTAINERS[1]!],
      host: {
        ...HEALTHY_HOST,
        '/proc/4343/net/tcp':
          `${PROC_NET_HEADER}   0: 00000000:1F91 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4343 1 ` +
          '0000000000000000 100 0 0 10 0\n',
        '/proc/4343/net/tcp6': PROC_NET_HEADER,
        // The container's own network namespace, not this process's: only then are its tables the app's.
        '/proc/4343/ns/net': { link: 'net:[4026532343]' },
        '/proc/self/ns/net': { link: 'net:[4026531840]' },
      },
    },
    findings: [{ code: 'unreachable-ports/wrong-port', severity: 'error' }],
  },
];

describe('controls: the healthy world is one defect away from a finding', () => {
  it('has a control for every built-in check', () => {
    expect(new Set(CONTROLS.map((c) => c.id))).toEqual(new Set(builtinChecks.map((c) => c.meta.id)));
  });
});

/*
 * Each check alone, through the kit's tester: passed on the healthy world (not merely no findings), and its controls
 * reporting exactly what the one defect causes.
 */
for (const check of builtinChecks) {
  new CheckTester(check).run({
    healthy: [{ name: 'a healthy engine and a well-formed project', facts: () => factsOf(HEALTHY) }],
    broken: CONTROLS.filter((c) => c.id === check.meta.id).map((c) => ({
      name: `control: ${c.defect}`,
      facts: () => factsOf(c.world),
      findings: c.findings,
    })),
  });
}

describe('the healthy assertion itself', () => {
  // Proof that these tests catch a crash: the same checks, made to throw after doing their work, fail the assertion.
  it.each(builtinChecks.map((check) => [check.meta.id, check] as const))('fails when %s throws', async (_id, check) => {
    const throwing: Check = {
      meta: check.meta,
      run: async (ctx) => {
        await check.run(ctx);
        throw new Error(`${check.meta.id} fell over`);
      },
    };
    const [result] = await runAll([throwing], HEALTHY);
    expect(result).toMatchObject({ status: 'crashed', error: { message: `${check.meta.id} fell over` }, findings: [] });
    expect(() => expectPassed(result!)).toThrow();
    await expect(new CheckTester(throwing).expectHealthy({ name: 'healthy', facts: () => factsOf(HEALTHY) })).rejects.toThrow(/fell over/);
  });
});
