import { describe, expect, it } from 'vitest';
import dns from '../../checks/dns.js';
import { failedLookup, nameFromCommand } from '../../checks/dns/lookups.js';
import { parseResolvConf } from '../../checks/dns/resolv.js';
import type { CheckResult } from '../../src/engine/types.js';
import { runChecks } from '../../src/engine/runner.js';
import {
  CheckTester,
  containerInspect as inspect,
  engineWith,
  fakeClients,
  fakeEngine,
  fakeFacts,
  HEALTHY_ENGINE,
  type BrokenCase,
  type ContainerFields,
  type EngineRoutes,
  type FakeFiles,
  type FakeWorld,
  SOCKET,
  type TesterCase,
} from '../../src/testing/index.js';

interface Setup {
  containers?: (ContainerFields & { id: string; networks?: string[]; dns?: string[]; networkMode?: string })[];
  files?: FakeFiles;
  info?: object;
  routes?: EngineRoutes;
}

function routesFor(setup: Setup): EngineRoutes {
  const containers = setup.containers ?? [];
  const routes = engineWith(containers, {
    '/info': { ...(HEALTHY_ENGINE['/info'] as object), IPv4Forwarding: true, ...setup.info },
    '/networks': [
      { Name: 'bridge', Id: 'b', Driver: 'bridge' },
      { Name: 'secret', Id: 's', Driver: 'bridge', Internal: true },
    ],
    ...setup.routes,
  });
  // Network membership and DNS settings are not in the generic fixtures.
  routes['/containers/json'] = (routes['/containers/json'] as object[]).map((summary, i) => ({
    ...summary,
    NetworkSettings: { Networks: Object.fromEntries((containers[i]!.networks ?? ['bridge']).map((n) => [n, {}])) },
  }));
  for (const c of containers) {
    const base = inspect(c);
    routes[`/containers/${c.id}/json`] = {
      ...base,
      HostConfig: { ...base.HostConfig, NetworkMode: c.networkMode ?? c.networks?.[0] ?? 'bridge', Dns: c.dns ?? [] },
      NetworkSettings: { Networks: Object.fromEntries((c.networks ?? ['bridge']).map((n) => [n, {}])) },
      ResolvConfPath: `/var/lib/docker/containers/${c.id}/resolv.conf`,
    };
  }
  return routes;
}

/** A Linux host with the daemon socket, these files, and a daemon serving these containers and networks. */
const world = (setup: Setup): FakeWorld => ({ engine: routesFor(setup), files: setup.files });

const HOST_CASES: [string, Record<string, string>, string[][]][] = [
  ['only a loopback dnsmasq resolver', { '/etc/resolv.conf': 'nameserver 127.0.1.1\n' }, [['dns/host-loopback-resolver', 'warning']]],
  [
    'systemd-resolved with no upstreams',
    { '/etc/resolv.conf': 'nameserver 127.0.0.53\noptions edns0\n', '/run/systemd/resolve/resolv.conf': '# no servers\n' },
    [['dns/host-loopback-resolver', 'warning']],
  ],
  [
    'systemd-resolved with real upstreams (Docker uses them)',
    { '/etc/resolv.conf': 'nameserver 127.0.0.53\n', '/run/systemd/resolve/resolv.conf': 'nameserver 10.0.0.2\n' },
    [],
  ],
  ['a normal resolver', { '/etc/resolv.conf': 'nameserver 192.168.1.1\nsearch lan\n' }, []],
  [
    'loopback resolvers but daemon.json sets dns',
    { '/etc/resolv.conf': 'nameserver 127.0.1.1\n', '/etc/docker/daemon.json': '{"dns": ["10.0.0.2"]}' },
    [],
  ],
  ['a malformed daemon.json', { '/etc/docker/daemon.json': '{\n  "dns": ["10.0.0.2"],\n}\n' }, [['dns/daemon-json-invalid', 'error']]],
  [
    'a loopback dns in daemon.json',
    { '/etc/docker/daemon.json': '{\n  "dns": ["127.0.0.1"]\n}\n' },
    [['dns/daemon-dns-loopback', 'error']],
  ],
  [
    'malformed dns and bip',
    { '/etc/docker/daemon.json': '{"dns": ["dns.example"], "bip": "172.26.0.1"}' },
    [['dns/daemon-network-invalid', 'error']],
  ],
  ['an unroutable dns entry', { '/etc/docker/daemon.json': '{"dns": ["0.0.0.0"]}' }, [['dns/daemon-network-invalid', 'error']]],
  [
    "an MTU above the uplink's",
    {
      '/etc/docker/daemon.json': '{"mtu": 1500}',
      '/proc/net/route': 'Iface\tDestination\tGateway\nwg0\t00000000\t0100000A\n',
      '/sys/class/net/wg0/mtu': '1420\n',
    },
    [['dns/mtu-mismatch', 'warning']],
  ],
];

const hostCase = ([name, files, expected]: (typeof HOST_CASES)[number]) => ({
  name: `host: ${name}`,
  facts: world({ files }),
  findings: expected.map(([code, severity]) => ({ code: code!, severity: severity as 'error' | 'warning' })),
});

const COMPOSE_REPORTS: [string, string, string[][]][] = [
  [
    'a service that only exposes its port',
    '  app:\n    build: .\n    expose: ["3000"]\n  worker:\n    image: worker\n    environment:\n' +
      '      API_URL: http://localhost:3000/api\n',
    [['worker', 'API_URL: http://app:3000/api']],
  ],
  [
    'DB_HOST: localhost with a postgres service and no port',
    '  db:\n    image: postgres:16\n  api:\n    image: api\n    environment:\n      DB_HOST: localhost\n',
    [['api', 'DB_HOST: db']],
  ],
  [
    'REDIS_HOST: 127.0.0.1 with a service named cache running redis',
    '  cache:\n    image: redis:7-alpine\n  api:\n    image: api\n    environment:\n      - REDIS_HOST=127.0.0.1\n',
    [['api', '- REDIS_HOST=cache']],
  ],
  [
    'a URL without a port whose scheme names a postgres service',
    '  database:\n    image: docker.io/library/postgres:16\n  api:\n    image: api\n    environment:\n' +
      '      DATABASE_URL: postgres://app:pw@localhost/app\n',
    [['api', 'DATABASE_URL: postgres://app:[redacted]@database/app']],
  ],
  [
    'redis://localhost with a redis service',
    '  redis:\n    image: redis\n  worker:\n    image: w\n    environment:\n      CELERY_BROKER: redis://localhost/0\n',
    [['worker', 'CELERY_BROKER: redis://redis/0']],
  ],
  [
    'a bare localhost:port',
    '  redis:\n    image: redis\n  worker:\n    image: w\n    environment:\n      REDIS_ADDR: localhost:6379\n',
    [['worker', 'REDIS_ADDR: redis:6379']],
  ],
  [
    'the host port another service publishes, fixed to its container port',
    '  db:\n    image: pg-custom\n    ports: ["5433:5432"]\n  api:\n    image: api\n    environment:\n' +
      '      PGURL: postgres://localhost:5433/app\n',
    [['api', 'PGURL: postgres://db:5432/app']],
  ],
  [
    'a published host port in a server-side variable, in list syntax',
    '  cache:\n    image: my-cache\n    ports: ["16379:6379"]\n  api:\n    image: api\n    environment:\n' +
      '      - CACHE_ADDR=localhost:16379\n',
    [['api', '- CACHE_ADDR=cache:6379']],
  ],
  [
    'a published host port with a server URL scheme, whatever the name',
    '  q:\n    image: my-queue\n    ports: ["5673:5672"]\n  worker:\n    image: w\n    environment:\n' +
      '      CELERY_URL: amqp://guest:guest@localhost:5673//\n',
    [['worker', 'CELERY_URL: amqp://guest:[redacted]@q:5672//']],
  ],
  [
    'a published host port in a DSN, quoted where YAML needs it',
    '  sentry:\n    image: my-sentry\n    ports: ["9001:9000"]\n  api:\n    image: api\n    environment:\n' +
      '      SENTRY_DSN: "http://key@localhost:9001/1 #dev"\n',
    [['api', 'SENTRY_DSN: "http://key@sentry:9000/1 #dev"']],
  ],
  [
    'the container port of another service, in any variable (as before)',
    '  server:\n    image: app\n    ports: ["5001:5000"]\n  worker:\n    image: app\n    environment:\n' +
      '      APP_HOST: http://localhost:5000\n',
    [['worker', 'APP_HOST: http://server:5000']],
  ],
];

const COMPOSE_PASSES: [string, string][] = [
  [
    'browser-facing URLs (links, redirects, CORS, client bundles)',
    '  web:\n    image: web\n    ports: ["3000:3000"]\n  api:\n    image: api\n    environment:\n' +
      '      APP_BASEURL: http://localhost:3000\n      NEXTAUTH_URL: http://localhost:3000\n     ' +
      ' CORS_ORIGIN: http://localhost:3000\n      OAUTH_CALLBACK_URL: http://localhost:3000/cb\n ' +
      '     LOGIN_REDIRECT: http://localhost:3000/home\n      NEXT_PUBLIC_API: http://localhost:3000\n' +
      '      VITE_API_URL: http://localhost:3000\n      REACT_APP_API: http://localhost:3000\n   ' +
      '   FRONTEND_URL: http://localhost:3000\n      PUBLIC_SITE_URL: http://localhost:3000\n    ' +
      '  ALLOWED_ORIGINS: http://localhost:3000\n      GITHUB_CALLBACKURL: http://localhost:3000/auth\n',
  ],
  [
    'a service that reaches its own port',
    '  app:\n    image: app\n    ports: ["3000:3000"]\n    environment:\n      SELF_URL: http://localhost:3000/health\n' +
      '  web:\n    image: web\n    expose: ["3000"]\n',
  ],
  [
    'a sidecar sharing the namespace (network_mode: service:app)',
    '  app:\n    image: app\n    environment:\n      PROXY: http://localhost:4000\n  proxy:\n  ' +
      '  image: envoy\n    network_mode: service:app\n    expose: ["4000"]\n  other:\n    image: ' +
      'x\n    expose: ["4000"]\n',
  ],
  [
    'a host-networked service',
    '  db:\n    image: postgres\n  api:\n    image: api\n    network_mode: host\n    environment:\n' +
      '      DATABASE_URL: postgres://localhost:5432/app\n',
  ],
  [
    'a target that is host-networked (its name does not resolve)',
    '  db:\n    image: postgres\n    network_mode: host\n  api:\n    image: api\n    environment:\n' +
      '      DATABASE_URL: postgres://localhost:5432/app\n',
  ],
  [
    "the service's own listen address",
    '  php:\n    image: php:8-fpm\n    expose: ["9000"]\n  metrics:\n    image: exporter\n    environment:\n' +
      '      LISTEN_ADDR: 127.0.0.1:9000\n      BIND_ADDRESS: localhost:9000\n',
  ],
  [
    'a port no service listens on',
    '  db:\n    image: postgres\n  api:\n    image: api\n    environment:\n      OTHER: http://localhost:9999\n',
  ],
  [
    'HOST: localhost whose words name no service',
    '  db:\n    image: postgres\n  api:\n    image: api\n    environment:\n      HOST: localhost\n      SMTP_HOST: localhost\n',
  ],
  [
    'two services on the same port, neither named',
    '  a:\n    image: a\n    expose: ["8080"]\n  b:\n    image: b\n    expose: ["8080"]\n  c:\n' +
      '    image: c\n    environment:\n      UPSTREAM: http://localhost:8080\n',
  ],
  [
    'services on networks they do not share',
    '  db:\n    image: postgres\n    networks: [back]\n  api:\n    image: api\n    networks: [front]\n' +
      '    environment:\n      DATABASE_URL: postgres://localhost:5432/app\n',
  ],
  [
    'an http URL without a port when nothing listens on 80',
    '  db:\n    image: postgres\n  api:\n    image: api\n    environment:\n      HEALTH: http://localhost/health\n',
  ],
  [
    'an http URL without a port when a front proxy listens on 80 (it is most often meant for that proxy, through the host)',
    '  proxy:\n    image: nginx\n    ports: ["80:80"]\n    expose: ["80"]\n  api:\n    image: api\n' +
      '    environment:\n      WEBHOOK_URL: http://localhost/hooks\n',
  ],
  [
    'a public base URL on a port another service publishes (redash REDASH_HOST: links in e-mails)',
    '  server:\n    image: redash\n    ports: ["5001:5000"]\n  worker:\n    image: redash\n    ' +
      'environment:\n      APP_HOST: http://localhost:5001\n  scheduler:\n    image: redash\n    ' +
      'environment:\n      - REDASH_HOST=http://localhost:5001\n      - SERVICE_URL=localhost:5001\n',
  ],
];

const project = (services: string, routes?: EngineRoutes) =>
  world({ files: { '/project/compose.yaml': `services:\n${services}` }, routes });
/** Each compose-localhost finding's service and first fix, the line to paste. */
const localhost = (r: CheckResult) =>
  r.findings.filter((f) => f.code === 'dns/compose-localhost').map((f) => [f.subject.name, f.fixes[0]!.command]);

const composeReport = (name: string, facts: FakeWorld, expected: string[][]): BrokenCase => ({
  name: `compose-localhost: ${name}`,
  facts,
  findings: expected.map(([service]) => ({
    code: 'compose-localhost',
    severity: 'error' as const,
    subject: { kind: 'service' as const, name: service! },
  })),
  assert: (r) => expect(localhost(r)).toEqual(expected),
});

const HEALTHY: TesterCase[] = [
  ...HOST_CASES.filter(([, , expected]) => expected.length === 0).map(hostCase),
  {
    name: 'a remote engine: no host files read',
    facts: {
      clients: fakeClients({
        env: { DOCKER_HOST: 'tcp://10.9.9.9:2376' },
        engine: routesFor({}),
        files: { '/etc/resolv.conf': 'nameserver 127.0.1.1\n' },
      }),
    },
  },
  {
    name: 'a DNS server container that resolves through itself',
    facts: () => {
      const routes = routesFor({ containers: [{ id: 'ph', name: 'pihole', state: 'running', dns: ['127.0.0.1'] }] });
      const i = routes['/containers/ph/json'] as { Config: object };
      i.Config = { ...i.Config, ExposedPorts: { '53/udp': {}, '53/tcp': {} } };
      return { engine: routes };
    },
  },
  {
    name: 'healthy containers and old failures',
    facts: world({
      containers: [
        { id: 'h1', name: 'web', state: 'running' },
        { id: 'h2', name: 'old', exitCode: 1, status: 'Exited (1) 3 days ago', logs: 'getaddrinfo ENOTFOUND db\n' },
        { id: 'h3', name: 'crash', exitCode: 1, logs: 'TypeError: x is undefined\n' },
      ],
    }),
  },
  ...COMPOSE_PASSES.map(([name, services]) => ({ name: `compose-localhost: ${name}`, facts: project(services) })),
];

const BROKEN_HOST: BrokenCase[] = [
  ...HOST_CASES.filter(([name, , expected]) => expected.length > 0 && name !== 'a malformed daemon.json').map(hostCase),
  {
    name: 'host: a malformed daemon.json, at its line',
    facts: world({ files: { '/etc/docker/daemon.json': '{\n  "dns": ["10.0.0.2"],\n}\n' } }),
    findings: [{ code: 'daemon-json-invalid', severity: 'error', subject: '/etc/docker/daemon.json:3' }],
  },
  {
    name: 'IPv4 forwarding off, once, and not again for each failing lookup',
    facts: world({
      info: { IPv4Forwarding: false },
      containers: [{ id: 'f1', name: 'app', exitCode: 1, logs: 'getaddrinfo EAI_AGAIN api.example.com\n' }],
    }),
    findings: [{ code: 'ip-forward-disabled', severity: 'error' }],
  },
];

const BROKEN_CONTAINERS: BrokenCase[] = [
  {
    name: 'a failure tied to a container on the default bridge',
    facts: world({
      containers: [
        { id: 'w1', name: 'web', state: 'running' },
        { id: 'c1', name: 'client', exitCode: 1, path: 'wget', args: ['-q', 'http://web:8080/'], logs: "wget: bad address 'web'\n" },
      ],
    }),
    findings: [{ code: 'default-bridge-no-names', severity: 'error', subject: 'client' }],
    assert: (r) =>
      expect(r.findings[0]!.fixes[0]!.command).toBe(
        'docker network create app-net && docker network connect app-net client && docker network connect app-net web',
      ),
  },
  {
    name: 'a failure tied to a service on another network',
    facts: world({
      containers: [
        {
          id: 'd1',
          name: 'shop-db-1',
          state: 'running',
          networks: ['shop_default'],
          labels: { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'db' },
        },
        {
          id: 'a1',
          name: 'api',
          exitCode: 1,
          networks: ['api_default'],
          logs: 'psql: error: could not translate host name "db" to address: Name or service not known\n',
        },
      ],
    }),
    findings: [{ code: 'different-network', severity: 'error' }],
    assert: (r) => expect(r.findings[0]!.fixes[0]!.command).toBe('docker network connect shop_default api'),
  },
  {
    name: 'two containers sharing a user-defined network that still fail: the lookup, nothing extra',
    facts: world({
      containers: [
        { id: 'd1', name: 'db', state: 'running', networks: ['app'] },
        { id: 'a1', name: 'api', exitCode: 1, networks: ['app'], logs: 'dial tcp: lookup db on 127.0.0.11:53: no such host\n' },
      ],
    }),
    findings: [{ code: 'lookup-failed', severity: 'error' }],
  },
  {
    name: 'a loopback --dns blamed for a failed external lookup, with the resolv.conf footer as evidence',
    facts: world({
      containers: [{ id: 'l1', name: 'fetch', exitCode: 6, dns: ['127.0.0.1'], logs: 'curl: (6) Could not resolve host: example.com\n' }],
      files: { '/var/lib/docker/containers/l1/resolv.conf': 'nameserver 127.0.0.1\n' },
    }),
    findings: [{ code: 'container-loopback-dns', severity: 'error' }],
    assert: (r) =>
      expect(r.findings[0]!.evidence).toEqual(
        expect.objectContaining({ name: 'example.com', resolvConf: expect.objectContaining({ nameservers: ['127.0.0.1'] }) }),
      ),
  },
  {
    name: 'a loopback --dns on a running container, but not with host networking',
    facts: world({
      containers: [
        { id: 'r1', name: 'svc', state: 'running', dns: ['127.0.0.1'] },
        { id: 'r2', name: 'hostnet', state: 'running', dns: ['127.0.0.1'], networkMode: 'host', networks: ['host'] },
      ],
    }),
    findings: [{ code: 'container-loopback-dns', severity: 'warning', subject: 'svc' }],
  },
  {
    name: 'inspects that hang are waited for together: the check ends within --timeout, a container never inspected is passed over',
    facts: () => {
      // Each hanging inspect fails after the time a request timeout would take; one after the other they outlast the check's.
      const late =
        <T>(ms: number, value: () => T) =>
        () =>
          new Promise<T>((resolve, reject) =>
            setTimeout(() => {
              try {
                resolve(value());
              } catch (error) {
                reject(error as Error);
              }
            }, ms),
          );
      const hung = late(400, () => {
        throw new Error('GET /containers/x/json timed out');
      });
      const setup = {
        containers: [
          { id: 'a1', name: 'alpha', state: 'running' as const, dns: ['127.0.0.1'] },
          { id: 'h1', name: 'hung1', state: 'running' as const },
          { id: 'h2', name: 'hung2', state: 'running' as const },
          { id: 'h3', name: 'hung3', state: 'running' as const },
          { id: 'b1', name: 'beta', state: 'running' as const, dns: ['127.0.0.1'] },
        ],
      };
      const routes = routesFor(setup);
      const alpha = routes['/containers/a1/json'];
      return {
        engine: {
          ...routes,
          '/containers/a1/json': late(200, () => alpha),
          ...Object.fromEntries(['h1', 'h2', 'h3'].map((id) => [`/containers/${id}/json`, hung])),
        },
      };
    },
    options: { timeoutMs: 1000 },
    findings: [
      { code: 'container-loopback-dns', severity: 'warning', subject: 'alpha' },
      { code: 'container-loopback-dns', severity: 'warning', subject: 'beta' },
    ],
  },
  {
    name: 'an internal network',
    facts: world({
      containers: [{ id: 'i1', name: 'job', exitCode: 1, networks: ['secret'], logs: '[Errno -3] Temporary failure in name resolution\n' }],
    }),
    findings: [{ code: 'internal-network', severity: 'error' }],
  },
  {
    name: "other failed lookups, noting Docker's fallback to public DNS",
    facts: world({
      containers: [{ id: 'g1', name: 'build', exitCode: 100, logs: "Temporary failure resolving 'deb.debian.org'\n" }],
      files: {
        '/var/lib/docker/containers/g1/resolv.conf':
          "nameserver 8.8.8.8\nnameserver 8.8.4.4\n# Based on host file: '/etc/resolv.conf' (legacy)\n# Used default nameservers.\n",
      },
    }),
    findings: [{ code: 'lookup-failed', severity: 'error' }],
    assert: (r) => {
      expect(r.findings[0]!.evidence).toEqual(expect.objectContaining({ name: 'deb.debian.org' }));
      expect(r.findings[0]!.fixes.map((f) => f.title)).toContain(
        'Docker fell back to Google DNS for this container; set your own in daemon.json',
      );
    },
  },
];

const BROKEN_COMPOSE: BrokenCase[] = [
  composeReport(
    "a service that reaches another service as localhost, at the variable's line",
    project(
      '  db:\n    image: postgres\n    ports: ["5432:5432"]\n  api:\n    image: api\n    environment:\n' +
        '      DATABASE_URL: postgres://app@localhost:5432/app\n      OTHER: http://localhost:9999\n',
    ),
    [['api', 'DATABASE_URL: postgres://app@db:5432/app']],
  ),
  ...COMPOSE_REPORTS.map(([name, services, expected]) => composeReport(name, project(services), expected)),
  composeReport(
    'uses the EXPOSE of a local image',
    project('  search:\n    image: meili:1\n  api:\n    image: api\n    environment:\n      SEARCH_URL: http://localhost:7700\n', {
      '/images/meili%3A1/json': { Id: 'm', Config: { ExposedPorts: { '7700/tcp': {} } } },
    }),
    [['api', 'SEARCH_URL: http://search:7700']],
  ),
  {
    name: 'probe: no local image can probe',
    facts: world({ routes: { '/images/json': [{ Id: 'x', RepoTags: ['myapp:dev'] }] } }),
    options: { probe: true },
    findings: [{ code: 'probe-skipped', severity: 'info' }],
  },
];

/** Podman's Engine API names itself in /version; libpod's own network list says which networks resolve names. */
const PODMAN_VERSION = { Version: '4.3.1', ApiVersion: '1.41', Os: 'linux', Arch: 'amd64', Components: [{ Name: 'Podman Engine' }] };
/** What Podman 4.3 answers at /libpod/networks/json here: its default network, one made by `podman network create`, one with DNS off. */
const LIBPOD_NETWORKS = [
  { name: 'podman', driver: 'bridge', dns_enabled: false, internal: false },
  { name: 'app', driver: 'bridge', dns_enabled: true, internal: false },
  { name: 'quiet', driver: 'bridge', dns_enabled: false, internal: false },
];
/** A host with the podman CLI and no docker CLI. */
const PODMAN_ONLY: FakeWorld['exec'] = {
  run: async (file) =>
    file === 'podman'
      ? { exitCode: 0, stdout: 'podman version 4.3.1\n', stderr: '', failed: false }
      : { exitCode: undefined, stdout: '', stderr: 'ENOENT', failed: true },
};
const podmanWorld = (setup: Setup, libpod: unknown = LIBPOD_NETWORKS): FakeWorld => ({
  engine: { ...routesFor(setup), '/version': PODMAN_VERSION, '/libpod/networks/json': libpod },
  files: setup.files,
  exec: PODMAN_ONLY,
});
/** Podman's default network: a client that fails to look up a server on it by name. */
const onPodmanNetwork = (net: string): Setup => ({
  containers: [
    { id: 'w1', name: 'server', state: 'running', networks: [net] },
    {
      id: 'c1',
      name: 'client',
      exitCode: 1,
      networks: [net],
      path: 'nslookup',
      args: ['server'],
      logs: "nslookup: can't resolve 'server'\n",
    },
  ],
});

const PODMAN_HEALTHY: TesterCase[] = [
  {
    name: "Podman: daemon.json is dockerd's, not Podman's: a broken one there is not this engine's problem",
    facts: podmanWorld({ files: { '/etc/docker/daemon.json': '{\n  "dns": ["10.0.0.2"],\n}\n' } }),
  },
];

const PODMAN_BROKEN: BrokenCase[] = [
  {
    name: "Podman: two containers on Podman's default network podman (dns_enabled false) get the default-network cause and podman fixes",
    facts: podmanWorld(onPodmanNetwork('podman')),
    findings: [
      {
        code: 'default-bridge-no-names',
        severity: 'error',
        subject: 'client',
        title:
          'Container client cannot resolve "server" (container server): both are on Podman\'s default network podman, which has no DNS ' +
          'between containers',
      },
    ],
    assert: (r) => {
      expect(r.findings[0]!.fixes[0]!.command).toBe(
        'podman network create app-net && podman network connect app-net client && podman network connect app-net server',
      );
      expect(r.findings[0]!.evidence).toMatchObject({ network: 'podman', target: 'server' });
    },
  },
  {
    name: 'Podman: a network made with --disable-dns is named as such',
    facts: podmanWorld(onPodmanNetwork('quiet')),
    findings: [
      { code: 'default-bridge-no-names', severity: 'error', subject: 'client', title: /both are on network quiet \(DNS disabled\)/ },
    ],
  },
  {
    name: "Podman: when libpod does not answer, the network named podman is still Podman's default",
    facts: podmanWorld(onPodmanNetwork('podman'), new Error('libpod is not there')),
    findings: [{ code: 'default-bridge-no-names', severity: 'error', subject: 'client' }],
  },
  {
    name: 'Podman: two containers on a network of their own (dns_enabled true) that still fail: the lookup, with podman fixes',
    facts: podmanWorld(onPodmanNetwork('app')),
    findings: [{ code: 'lookup-failed', severity: 'error', subject: 'client' }],
    assert: (r) =>
      expect(r.findings[0]!.fixes[0]!.command).toBe(
        'podman run --rm --network app --dns <your DNS server> docker.io/library/busybox nslookup server',
      ),
  },
  {
    name: 'Podman: a loopback --dns gets podman commands',
    facts: podmanWorld({
      containers: [{ id: 'l1', name: 'fetch', exitCode: 6, dns: ['127.0.0.1'], logs: 'curl: (6) Could not resolve host: example.com\n' }],
    }),
    findings: [{ code: 'container-loopback-dns', severity: 'error' }],
    assert: (r) => expect(r.findings[0]!.fixes[0]!.command).toBe('podman rm -f fetch && podman run --dns <your DNS server> …'),
  },
  {
    name: "Podman: an internal network's fix attaches the default network podman",
    facts: podmanWorld({
      containers: [{ id: 'i1', name: 'job', exitCode: 1, networks: ['secret'], logs: '[Errno -3] Temporary failure in name resolution\n' }],
    }),
    findings: [{ code: 'internal-network', severity: 'error' }],
    assert: (r) => expect(r.findings[0]!.fixes[0]!.command).toBe('podman network connect podman job'),
  },
  {
    name: 'Podman: loopback-only host resolvers, fixed in containers.conf',
    facts: podmanWorld({ files: { '/etc/resolv.conf': 'nameserver 127.0.1.1\n' } }),
    findings: [{ code: 'host-loopback-resolver', severity: 'warning' }],
    assert: (r) => {
      expect(r.findings[0]!.fixes[0]).toEqual({
        title:
          'Add dns_servers = ["<your DNS server IP>"] under [containers] in /etc/containers/containers.conf, keeping its other settings',
        command: 'sudoedit /etc/containers/containers.conf',
      });
      expect(r.findings[0]!.fixes.map((f) => f.command ?? '').join('\n')).not.toMatch(/docker/);
    },
  },
];

new CheckTester(dns).run({
  healthy: [...HEALTHY, ...PODMAN_HEALTHY],
  broken: [...BROKEN_HOST, ...BROKEN_CONTAINERS, ...BROKEN_COMPOSE, ...PODMAN_BROKEN],
});

describe('dns: the probe', () => {
  it('probes only with --probe, removes the probe container, and reports the timing', async () => {
    const calls: string[] = [];
    const routes: EngineRoutes = {
      '/images/json': [{ Id: 'i', RepoTags: ['busybox:latest'] }],
      'POST /containers/create': { Id: 'p1' },
      'POST /containers/p1/start': '',
      'POST /containers/p1/wait': { StatusCode: 0 },
      '/containers/p1/logs': 'Name:\texample.test\nAddress: 10.0.0.9\n',
      'DELETE /containers/p1': '',
    };
    const clients = fakeClients({
      engine: () => fakeEngine(routesFor({ routes }), calls),
      files: { '/var/run/docker.sock': { stat: SOCKET } },
    });
    const quiet = await runChecks([dns], fakeFacts({ clients }), { probe: false, verbose: false, timeoutMs: 5000 });
    expect(quiet[0]!.findings).toEqual([]);
    expect(quiet[0]!.status).toBe('passed');
    expect(calls.some((c) => c.startsWith('POST'))).toBe(false);

    const [result] = await runChecks([dns], fakeFacts({ clients }), {
      probe: true,
      probeName: 'example.test',
      probeDns: ['172.17.0.1'],
      verbose: false,
      timeoutMs: 5000,
    });
    expect(result!.findings.map((f) => [f.code, f.subject.name])).toEqual([['dns/probe-ok', 'bridge']]);
    expect(calls.filter((c) => c.startsWith('POST') || c.startsWith('DELETE')).map((c) => c.split('?')[0])).toEqual([
      'POST /containers/create',
      'POST /containers/p1/start',
      'POST /containers/p1/wait',
      'DELETE /containers/p1',
    ]);
  });
});

describe('dns parsing', () => {
  it("reads Docker's resolv.conf footer", () => {
    const conf = parseResolvConf(
      "nameserver 127.0.0.11\noptions ndots:0\n\n# Based on host file: '/etc/resolv.conf' (internal " +
        'resolver)\n# ExtServers: [host(127.0.0.53)]\n',
    );
    expect(conf).toEqual({
      nameservers: ['127.0.0.11'],
      search: [],
      options: ['ndots:0'],
      footer: { basedOn: '/etc/resolv.conf (internal resolver)', usedDefaults: false, extServers: ['host(127.0.0.53)'] },
    });
  });

  it.each([
    ["wget: bad address 'web'", 'web'],
    ['Error: getaddrinfo EAI_AGAIN registry.npmjs.org', 'registry.npmjs.org'],
    ['curl: (6) Could not resolve host: api.example.com', 'api.example.com'],
    ['lookup db on 127.0.0.11:53: no such host', 'db'],
    ["** server can't find redis: NXDOMAIN", 'redis'],
  ])('%s → %s', (line, name) => {
    expect(failedLookup(`${line}\n`, inspect({ id: 'x', name: 'x' }))?.name).toBe(name);
  });

  it('takes the name from the command when the log line has none', () => {
    expect(nameFromCommand(inspect({ id: 'x', name: 'x', path: 'nslookup', args: ['web'] }))).toBe('web');
    expect(nameFromCommand(inspect({ id: 'x', name: 'x', path: 'sh', args: ['-c', 'sleep 1; curl -fsS http://api:8080/health'] }))).toBe(
      'api',
    );
    expect(
      failedLookup(
        ';; connection timed out; no servers could be reached\n',
        inspect({ id: 'x', name: 'x', path: 'nslookup', args: ['db'] }),
      ),
    ).toEqual({ line: ';; connection timed out; no servers could be reached', name: 'db' });
  });
});
