import { describe, expect, it } from 'vitest';
import portConflicts from '../../checks/port-conflicts.js';
import { nextFreePort, portInError, unprivilegedAlternative } from '../../checks/port-conflicts/holders.js';
import type { CheckResult } from '../../src/engine/types.js';
import { decodeIPv4, decodeIPv6, parseProcNet } from '../../src/facts/host/listeners.js';
import {
  CheckTester,
  HEALTHY_ENGINE,
  listener,
  minutesBefore,
  type ContainerFields,
  type FakeWorld,
  type ListenerFields,
} from '../../src/testing/index.js';

const ROOTLESS = { SecurityOptions: ['name=seccomp,profile=default', 'name=rootless'] };

interface PortWorld {
  containers?: ContainerFields[];
  /** Host sockets; a world that names none has empty /proc tables only when `listeners: []`. */
  listeners?: ListenerFields[];
  compose?: string;
  env?: string;
  files?: FakeWorld['files'];
  info?: object;
}

/** A Linux host with a healthy daemon, these containers and listeners, and this compose file and .env. */
function world(w: PortWorld): FakeWorld {
  return {
    containers: w.containers ?? [],
    ...(w.listeners ? { listeners: w.listeners.map(listener) } : {}),
    project: { ...(w.compose ? { 'compose.yaml': w.compose } : {}), ...(w.env ? { '.env': w.env } : {}) },
    files: w.files,
    engine: { '/info': { ...(HEALTHY_ENGINE['/info'] as object), ...w.info } },
  };
}

const allocated = (name: string, ip: string, port: number): ContainerFields => ({
  id: `id-${name}`,
  name,
  state: 'created',
  exitCode: 128,
  error:
    `driver failed programming external connectivity on endpoint ${name} (abc): ` +
    `Bind for ${ip}:${port} failed: port is already allocated`,
  portBindings: { '80/tcp': [{ HostIp: ip === '0.0.0.0' ? '' : ip, HostPort: String(port) }] },
});

const composeLabels = (service: string) => ({
  'com.docker.compose.project': 'project',
  'com.docker.compose.service': service,
  'com.docker.compose.project.working_dir': '/project',
  'com.docker.compose.project.config_files': '/project/compose.yaml',
  'com.docker.compose.oneoff': 'False',
});

const published = (name: string, labels: Record<string, string>, ip = '0.0.0.0'): ContainerFields => ({
  id: `id-${name}`,
  name,
  state: 'running',
  ports: [{ IP: ip, PrivatePort: 80, PublicPort: 8080, Type: 'tcp' }],
  labels,
});

const commands = (r: CheckResult) => r.findings.flatMap((f) => f.fixes.map((x) => x.command));
const rootlessError = (port: number) =>
  `cannot expose privileged port ${port}, you can add 'net.ipv4.ip_unprivileged_port_start=${port}' to /etc/sysctl.conf ` +
  `(currently 1024), or set CAP_NET_BIND_SERVICE on rootlesskit binary, or choose a larger port number (>= 1024): ` +
  `listen tcp4 0.0.0.0:${port}: bind: permission denied`;
const PROFILES =
  'services:\n  web:\n    profiles: [dev]\n    ports: ["8080:80"]\n  web-prod:\n    profiles: [prod]\n    ports: ["8080:80"]\n';

/** Podman leaves a container whose start failed in Created with no State.Error: created a minute ago, never started. */
const silentlyCreated = (name: string, hostPort: number, created = minutesBefore(1)): ContainerFields => ({
  id: `id-${name}`,
  name,
  state: 'created',
  created,
  portBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: String(hostPort) }] },
});

const SILENT_HEALTHY = [
  {
    name: 'a never-started container whose ports nobody holds (a create for later) says nothing',
    facts: world({ containers: [silentlyCreated('later', 8080)], listeners: [] }),
  },
  {
    name: 'a container created a second ago whose port is held: not judged yet (its start may still come)',
    facts: world({
      containers: [silentlyCreated('fresh', 8080, minutesBefore(0, 1))],
      listeners: [{ port: 8080, address: '127.0.0.1', pid: 4242, command: 'python3' }],
    }),
  },
];

const SILENT_BROKEN = [
  {
    name: 'a never-started container with no start error (Podman) whose port a host process holds',
    facts: world({
      containers: [silentlyCreated('web', 8080)],
      listeners: [{ port: 8080, address: '127.0.0.1', pid: 4242, command: 'python3' }],
    }),
    findings: [
      {
        code: 'held-by-process',
        severity: 'error' as const,
        subject: 'web',
        title: 'Port 8080/tcp is held by python3 (pid 4242), so container web cannot start',
      },
    ],
    assert: (r: CheckResult) => expect(commands(r)).toContain('docker rm web'),
  },
  {
    name: 'a never-started container with no start error (Podman) whose port another container publishes',
    facts: world({ containers: [silentlyCreated('blocked', 8080), published('holder', {}, '127.0.0.1')], listeners: [] }),
    findings: [{ code: 'held-by-container', severity: 'error' as const, subject: 'blocked' }],
  },
];

/**
 * Engine 28 binds a published port in dockerd itself before handing it to docker-proxy, so /proc may name dockerd as the
 * holder. A dockerd listener is this daemon's container when one lists the port, else another engine's only when its pid
 * is not this daemon's (/var/run/docker.pid); unknown, it is named as the process it is, and never given a kill.
 */
const DOCKERD_PID = { '/var/run/docker.pid': '77\n' };
const paused = (name: string, labels: Record<string, string> = {}): ContainerFields => ({ ...published(name, labels), state: 'paused' });
const DOCKERD_HEALTHY = [
  {
    name: "Engine 28: compose service web's own container, its port bound by this daemon's dockerd",
    facts: world({
      containers: [paused('project-web-1', { 'com.docker.compose.project': 'project', 'com.docker.compose.service': 'web' })],
      compose: 'services:\n  web:\n    ports: ["8080:80"]\n',
      listeners: [{ port: 8080, pid: 77, command: 'dockerd' }],
      files: DOCKERD_PID,
    }),
  },
];
const DOCKERD_BROKEN = [
  {
    name: "Engine 28: a port dockerd binds for a container of this daemon is that container's",
    facts: world({
      containers: [allocated('blocked', '0.0.0.0', 8080), paused('holder')],
      listeners: [{ port: 8080, pid: 77, command: 'dockerd' }],
      files: DOCKERD_PID,
    }),
    findings: [
      {
        code: 'held-by-container',
        severity: 'error' as const,
        subject: 'blocked',
        title: 'Port 8080/tcp is already published by container holder, so container blocked cannot start',
        fixes: ['docker stop holder', 'docker run -p 8081:80 … busybox', 'docker rm blocked'],
      },
    ],
    assert: (r: CheckResult) => expect(r.findings[0]!.evidence!.holder).toMatchObject({ kind: 'container', via: 'dockerd (pid 77)' }),
  },
  {
    name: "Engine 28: this daemon's own dockerd with no container listing the port: named as this daemon, never killed",
    facts: world({
      containers: [allocated('blocked', '0.0.0.0', 8080)],
      listeners: [{ port: 8080, pid: 77, command: 'dockerd' }],
      files: DOCKERD_PID,
    }),
    findings: [
      {
        code: 'held-by-process',
        severity: 'error' as const,
        title:
          'Port 8080/tcp is held by this Docker daemon itself (dockerd, pid 77), though none of its containers lists the port, ' +
          'so container blocked cannot start',
        fixes: ["sudo ss -tlnp 'sport = :8080'", 'docker run -p 8081:80 … busybox', 'docker rm blocked'],
      },
    ],
  },
  {
    name: "Engine 28: a dockerd whose pid is not this daemon's is another container engine",
    facts: world({
      containers: [allocated('blocked', '0.0.0.0', 8080)],
      listeners: [{ port: 8080, pid: 88, command: 'dockerd' }],
      files: DOCKERD_PID,
    }),
    findings: [
      {
        code: 'held-by-other-engine',
        severity: 'error' as const,
        title: 'Port 8080/tcp is held by dockerd (pid 88), part of another container engine, so container blocked cannot start',
      },
    ],
  },
  {
    name: "Engine 28: a dockerd when this daemon's pid is unknown is named as the process, not as another engine",
    facts: world({ containers: [allocated('blocked', '0.0.0.0', 8080)], listeners: [{ port: 8080, pid: 88, command: 'dockerd' }] }),
    findings: [
      {
        code: 'held-by-process',
        severity: 'error' as const,
        title: 'Port 8080/tcp is held by dockerd (pid 88), so container blocked cannot start',
        fixes: ["sudo ss -tlnp 'sport = :8080'", 'docker run -p 8081:80 … busybox', 'docker rm blocked'],
      },
    ],
  },
];

new CheckTester(portConflicts).run({
  healthy: [
    ...SILENT_HEALTHY,
    ...DOCKERD_HEALTHY,
    {
      name: 'a running container publishing its own port',
      facts: world({
        containers: [{ ...published('web', {}), id: 'id-w', portBindings: { '80/tcp': [{ HostIp: '', HostPort: '8080' }] } }],
        listeners: [{ port: 8080, pid: 9, command: 'docker-proxy' }],
      }),
    },
    {
      name: 'compose: different protocols, different host IPs, ephemeral ports',
      facts: world({
        compose:
          'services:\n  a:\n    ports: ["53:53/udp", "127.0.0.1:8080:80", "3000"]\n  b:\n    ports: ["53:53/tcp", ' +
          '"127.0.0.2:8080:80", "3000"]\n',
      }),
    },
    {
      name: "compose: a port held by the same service's running container",
      facts: world({
        containers: [{ ...published('project-web-1', { 'com.docker.compose.project': 'project', 'com.docker.compose.service': 'web' }) }],
        compose: 'services:\n  web:\n    ports: ["8080:80"]\n',
        listeners: [{ port: 8080, pid: 9, command: 'docker-proxy' }],
      }),
    },
    {
      name: 'compose: its own container when .env sets COMPOSE_PROJECT_NAME',
      facts: world({
        containers: [
          published(
            'x-web-1',
            { 'com.docker.compose.project': 'x', 'com.docker.compose.service': 'web', 'com.docker.compose.oneoff': 'False' },
            '127.0.0.1',
          ),
        ],
        compose: 'services:\n  web:\n    ports: ["127.0.0.1:8080:80"]\n',
        env: 'COMPOSE_PROJECT_NAME=x\n',
        listeners: [{ port: 8080, address: '127.0.0.1', pid: 9, command: 'docker-proxy' }],
      }),
    },
    { name: 'compose: services in exclusive profiles on the same port', facts: world({ compose: PROFILES }) },
    { name: 'compose: exclusive profiles, prod enabled', facts: world({ compose: PROFILES, env: 'COMPOSE_PROFILES=prod\n' }) },
    {
      name: 'compose: a held port of a service whose profile is not enabled',
      facts: world({
        compose: 'services:\n  docs:\n    profiles: [docs]\n    ports: ["5173:80"]\n',
        listeners: [{ port: 5173, pid: 31, command: 'node' }],
      }),
    },
  ],
  broken: [
    ...SILENT_BROKEN,
    ...DOCKERD_BROKEN,
    {
      name: 'the container that holds the port, with its compose project',
      facts: world({
        containers: [
          { ...published('shop-web-1', { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'web' }), id: 'id-old' },
          allocated('web', '0.0.0.0', 8080),
        ],
      }),
      findings: [
        {
          code: 'held-by-container',
          severity: 'error',
          subject: 'web',
          title:
            'Port 8080/tcp is already published by container shop-web-1 (compose project shop, service web), so container web cannot start',
          fixes: ['docker compose -p shop down', 'docker run -p 8081:80 … busybox', 'docker rm web'],
        },
      ],
    },
    {
      name: "a compose container's failed start at its compose port line, with a compose fix, never `down` of its own project",
      facts: world({
        containers: [
          { ...published('project-admin-1', composeLabels('admin')), id: 'id-admin' },
          { ...allocated('project-web-1', '0.0.0.0', 8080), labels: composeLabels('web') },
        ],
        compose: 'services:\n  web:\n    image: busybox\n    ports:\n      - "8080:80"\n',
      }),
      findings: [
        {
          code: 'held-by-container',
          severity: 'error',
          subject: 'compose.yaml:5:9',
          fixes: ['docker stop project-admin-1', '- "8081:80"', 'docker rm project-web-1'],
        },
        // The compose file's view of the same port: `up` would fail on it too.
        { code: 'compose-port-taken', severity: 'error', subject: { kind: 'service', name: 'web' } },
      ],
      assert: (r) => expect(r.findings[0]!.subject.name).toBe('project-web-1'),
    },
    {
      name: 'the host process that holds the port, from /proc',
      facts: world({
        containers: [
          {
            id: 'id-api',
            name: 'api',
            state: 'created',
            exitCode: 128,
            error:
              'driver failed programming external connectivity on endpoint api (x): Error starting userland proxy: ' +
              'listen tcp4 127.0.0.1:8081: bind: address already in use',
            portBindings: { '3000/tcp': [{ HostIp: '127.0.0.1', HostPort: '8081' }] },
          },
        ],
        listeners: [{ port: 8081, address: '127.0.0.1', pid: 4242, command: 'python3' }],
      }),
      findings: [
        {
          code: 'held-by-process',
          severity: 'error',
          subject: 'api',
          title: 'Port 8081/tcp is held by python3 (pid 4242), so container api cannot start',
        },
      ],
      assert: (r) => expect(commands(r)).toContain('kill 4242'),
    },
    {
      name: "another engine's proxy",
      facts: world({
        containers: [
          {
            id: 'id-x',
            name: 'x',
            state: 'created',
            exitCode: 128,
            error:
              'failed to set up container networking: driver failed programming external connectivity on endpoint x (y): ' +
              'failed to bind host port for 0.0.0.0:7148:172.18.0.2:7148/tcp: address already in use',
          },
        ],
        listeners: [{ port: 7148, pid: 77, command: 'rootlesskit' }],
      }),
      findings: [{ code: 'held-by-other-engine', severity: 'error', subject: 'x' }],
    },
    {
      name: 'a leftover Created container whose port is free now',
      facts: world({ containers: [allocated('web', '0.0.0.0', 8080)], listeners: [] }),
      findings: [{ code: 'leftover-created', severity: 'warning', subject: 'web' }],
    },
    {
      name: 'rootless privileged ports',
      facts: world({ containers: [{ id: 'id-r', name: 'r', state: 'created', exitCode: 128, error: rootlessError(80) }], info: ROOTLESS }),
      findings: [{ code: 'rootless-privileged-port', severity: 'error', subject: 'r' }],
      assert: (r) => expect(r.findings[0]!.fixes[0]!.command).toBe('sudo sysctl net.ipv4.ip_unprivileged_port_start=80'),
    },
    {
      name: 'a port at most 65535 for a privileged port of 1000 or more (not -p 81010)',
      facts: world({
        containers: [
          {
            id: 'id-r',
            name: 'r',
            state: 'created',
            exitCode: 128,
            error: rootlessError(1010),
            portBindings: { '8000/tcp': [{ HostIp: '', HostPort: '1010' }] },
          },
        ],
        info: ROOTLESS,
      }),
      findings: [{ code: 'rootless-privileged-port', severity: 'error', subject: 'r' }],
      assert: (r) => expect(commands(r)).toContain('docker run -p 9010:8000 … busybox'),
    },
    {
      name: 'compose: a published port held by a host process, at its line, with .env interpolation',
      facts: world({
        compose: 'services:\n  web:\n    image: nginx\n    ports:\n      - "${WEB_PORT:-80}:80"\n',
        env: 'WEB_PORT=5173\n',
        listeners: [{ port: 5173, pid: 31, command: 'node' }],
      }),
      findings: [
        {
          code: 'compose-port-taken',
          severity: 'error',
          subject: 'compose.yaml:5:9',
          title: 'Service web publishes host port 5173/tcp (compose.yaml:5), but it is held by node (pid 31)',
        },
      ],
      assert: (r) => expect(r.findings[0]!.subject.name).toBe('web'),
    },
    {
      name: 'compose: two services on one host port, and fixed ports on replicated services',
      facts: world({
        compose:
          'services:\n  a:\n    ports: ["8080:80"]\n  b:\n    ports:\n      - target: 81\n        published: "8080"\n' +
          '  c:\n    deploy:\n      replicas: 3\n    ports: ["9000:9000"]\n',
      }),
      findings: [
        { code: 'compose-duplicate-port', severity: 'error', subject: { kind: 'service', name: 'b' } },
        { code: 'compose-fixed-port-replicas', severity: 'error', subject: { kind: 'service', name: 'c' } },
      ],
    },
    {
      name: 'compose: the same port when COMPOSE_PROFILES enables both services',
      facts: world({ compose: PROFILES, env: 'COMPOSE_PROFILES=dev,prod\n' }),
      findings: [{ code: 'compose-duplicate-port', severity: 'error', subject: { kind: 'service', name: 'web-prod' } }],
    },
    {
      name: 'compose: a port held by a `docker compose run --service-ports` container of the same service: up will fail on it',
      facts: world({
        containers: [
          published('project-web-run-1a2b', {
            'com.docker.compose.project': 'project',
            'com.docker.compose.service': 'web',
            'com.docker.compose.oneoff': 'True',
          }),
        ],
        compose: 'services:\n  web:\n    ports: ["8080:80"]\n',
      }),
      findings: [{ code: 'compose-port-taken', severity: 'error', subject: { kind: 'service', name: 'web' } }],
      assert: (r) => expect(r.findings[0]!.fixes[0]!.command).toBe('docker stop project-web-run-1a2b'),
    },
    {
      name: 'compose: ports from a merge key, at the line the anchor writes them',
      facts: world({
        compose: 'x-web: &web\n  ports:\n    - "5173:80"\nservices:\n  web:\n    <<: *web\n',
        listeners: [{ port: 5173, pid: 31, command: 'node' }],
      }),
      findings: [{ code: 'compose-port-taken', severity: 'error', subject: 'compose.yaml:3:7' }],
    },
    {
      name: 'compose: the port must leave the shared anchor when two services merge the same ports',
      facts: world({ compose: 'x-web: &web\n  image: app\n  ports: ["8080:80"]\nservices:\n  a:\n    <<: *web\n  b:\n    <<: *web\n' }),
      findings: [{ code: 'compose-duplicate-port', severity: 'error', subject: 'compose.yaml:3' }],
      assert: (r) => {
        expect(r.findings[0]!.subject.name).toBe('b');
        expect(r.findings[0]!.fixes[0]!.title).toBe(
          'Both services take this port from the shared definition at compose.yaml:3: move the port out of it and give b its own ' +
            '(compose.yaml:7), e.g.',
        );
      },
    },
    {
      name: 'compose: words, not an invalid line, for a published range that is taken',
      facts: world({
        compose: 'services:\n  b:\n    image: b\n    ports: ["8001:80"]\n  a:\n    image: a\n    ports: ["8000-8002:8000-8002"]\n',
      }),
      findings: [{ code: 'compose-duplicate-port', severity: 'error', subject: { kind: 'service', name: 'a' } }],
      assert: (r) => {
        expect(commands(r).filter((c) => c?.includes('8000-8002'))).toEqual([]);
        expect(commands(r).filter((c) => /\d+:\d+-\d+/.test(c ?? ''))).toEqual([]);
      },
    },
    {
      name: 'compose: valid unprivileged ports on a rootless engine',
      facts: world({
        compose: 'services:\n  web:\n    ports: ["80:3000", "1000:1000/udp"]\n',
        files: { '/proc/sys/net/ipv4/ip_unprivileged_port_start': '1024\n' },
        info: ROOTLESS,
      }),
      findings: [
        { code: 'rootless-privileged-port', severity: 'error', subject: 'web' },
        { code: 'rootless-privileged-port', severity: 'error', subject: 'web' },
      ],
      assert: (r) => expect(r.findings.map((f) => f.fixes.at(-1)!.command)).toEqual(['- "8080:3000"', '- "9000:1000"']),
    },
    {
      name: 'compose: a port held by a container of another project',
      facts: world({
        containers: [published('other-web-1', { 'com.docker.compose.project': 'other', 'com.docker.compose.service': 'web' })],
        compose: 'services:\n  web:\n    ports: ["8080:80"]\n',
      }),
      findings: [{ code: 'compose-port-taken', severity: 'error', subject: 'web' }],
      assert: (r) => expect(r.findings[0]!.fixes[0]!.command).toBe('docker compose -p other down'),
    },
    {
      name: 'compose: malformed YAML at its line instead of a crash',
      facts: world({ compose: 'services:\n  web:\n    ports: [8080:80\n' }),
      findings: [{ code: 'compose-invalid', severity: 'error', subject: 'compose.yaml' }],
      assert: (r) => expect(r.findings[0]!.location).toMatchObject({ file: 'compose.yaml' }),
    },
  ],
});

describe('port parsing helpers', () => {
  it.each([
    ['Bind for 0.0.0.0:8081 failed: port is already allocated', { ip: '0.0.0.0', port: 8081, protocol: 'tcp' }],
    ['Bind for :::8080 failed: port is already allocated', { ip: '::', port: 8080, protocol: 'tcp' }],
    ['Error starting userland proxy: listen udp4 0.0.0.0:53: bind: address already in use', { ip: '0.0.0.0', port: 53, protocol: 'udp' }],
    [
      'failed to bind host port for 0.0.0.0:7148:172.18.0.2:7148/tcp: address already in use',
      { ip: '0.0.0.0', port: 7148, protocol: 'tcp' },
    ],
  ])('%s', (error, port) => {
    expect(portInError(error)).toEqual(port);
  });

  it('proposes only valid port numbers', () => {
    expect(nextFreePort(65535, 'tcp', [], [])).toBe(1024);
    expect(unprivilegedAlternative(80, 1024, 'tcp', [], [])).toBe(8080);
    expect(unprivilegedAlternative(1010, 1024, 'tcp', [], [])).toBe(9010);
    expect(unprivilegedAlternative(60000, 61000, 'tcp', [], [])).toBe(61000);
    expect(unprivilegedAlternative(80, 1024, 'tcp', [], [], new Set([8080]))).toBe(8081);
  });

  it('decodes /proc addresses', () => {
    expect(decodeIPv4('0100007F')).toBe('127.0.0.1');
    expect(decodeIPv6('00000000000000000000000001000000')).toBe('::1');
    expect(decodeIPv6('00000000000000000000000000000000')).toBe('::');
    expect(
      parseProcNet(
        'h\n 0: 00000000:1F90 00000000:0000 0A 0:0 0:0 0 0 0 42 1\n 1: 00000000:1F91 00000000:0000 01 0:0 0:0 0 0 0 43 1\n',
        'tcp',
        4,
      ),
    ).toEqual([{ protocol: 'tcp', address: '0.0.0.0', port: 8080, inode: 42 }]);
  });
});
