import { describe, expect, it } from 'vitest';
import portConflicts from '../../checks/port-conflicts.js';
import { nextFreePort, portInError, unprivilegedAlternative } from '../../checks/port-conflicts/holders.js';
import { decodeIPv4, decodeIPv6, parseProcNet } from '../../src/facts/host/listeners.js';
import { engineWith, type FakeContainer } from '../helpers/containers.js';
import { fakeClients, fakeFacts, runCheck, SOCKET, HEALTHY_ENGINE, type FakeFile } from '../helpers/fakes.js';

const hex = (port: number) => port.toString(16).toUpperCase().padStart(4, '0');
/** /proc/net/tcp with LISTEN rows, and the /proc/<pid> entries that own their inodes. */
function procWithListeners(
  rows: { ip: string; port: number; pid: number; comm: string; inode: number }[],
): Record<string, FakeFile | string> {
  const header = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
  const lines = rows.map(
    (r, i) =>
      `   ${i}: ${r.ip}:${hex(r.port)} 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 ${r.inode} 1 0000000000000000 100 0 0 10 0`,
  );
  const files: Record<string, FakeFile | string> = { '/proc/net/tcp': header + lines.join('\n') + '\n' };
  for (const r of rows) {
    files[`/proc/${r.pid}/comm`] = `${r.comm}\n`;
    files[`/proc/${r.pid}/fd/3`] = { link: `socket:[${r.inode}]` };
  }
  return files;
}

async function diagnose(containers: FakeContainer[], files: Record<string, FakeFile | string> = {}, infoOverride: object = {}) {
  const engine = engineWith(containers, { '/info': { ...(HEALTHY_ENGINE['/info'] as object), ...infoOverride } });
  const clients = fakeClients({ engine, files: { '/var/run/docker.sock': { stat: SOCKET }, ...files } });
  return runCheck(portConflicts, fakeFacts(clients));
}

const allocated = (name: string, ip: string, port: number): FakeContainer => ({
  id: `id-${name}`,
  name,
  state: 'created',
  exitCode: 128,
  error: `driver failed programming external connectivity on endpoint ${name} (abc): Bind for ${ip}:${port} failed: port is already allocated`,
  portBindings: { '80/tcp': [{ HostIp: ip === '0.0.0.0' ? '' : ip, HostPort: String(port) }] },
});

describe('port-conflicts', () => {
  it('names the container that holds the port, with its compose project', async () => {
    const holder: FakeContainer = {
      id: 'id-old',
      name: 'shop-web-1',
      state: 'running',
      ports: [{ IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' }],
      labels: { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'web' },
    };
    const result = await diagnose([holder, allocated('web', '0.0.0.0', 8080)]);
    expect(result.findings.map((f) => [f.code, f.subject.name])).toEqual([['port-conflicts/held-by-container', 'web']]);
    expect(result.findings[0]!.title).toBe(
      'Port 8080/tcp is already published by container shop-web-1 (compose project shop, service web), so container web cannot start',
    );
    expect(result.findings[0]!.fixes.map((f) => f.command)).toEqual([
      'docker compose -p shop down',
      'docker run -p 8081:80 … busybox',
      'docker rm web',
    ]);
  });

  it("places a compose container's failed start at its compose port line, with a compose fix, and never `down`s its own project", async () => {
    const labels = (service: string) => ({
      'com.docker.compose.project': 'project',
      'com.docker.compose.service': service,
      'com.docker.compose.project.working_dir': '/project',
      'com.docker.compose.project.config_files': '/project/compose.yaml',
      'com.docker.compose.oneoff': 'False',
    });
    const holder: FakeContainer = {
      id: 'id-admin',
      name: 'project-admin-1',
      state: 'running',
      ports: [{ IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' }],
      labels: labels('admin'),
    };
    const failed: FakeContainer = { ...allocated('project-web-1', '0.0.0.0', 8080), labels: labels('web') };
    const result = await diagnose([holder, failed], {
      '/project/compose.yaml': 'services:\n  web:\n    image: busybox\n    ports:\n      - "8080:80"\n',
    });
    const finding = result.findings.find((f) => f.subject.name === 'project-web-1')!;
    expect(finding).toMatchObject({ code: 'port-conflicts/held-by-container', location: { file: 'compose.yaml', line: 5, column: 9 } });
    expect(finding.fixes.map((f) => f.command)).toEqual(['docker stop project-admin-1', '- "8081:80"', 'docker rm project-web-1']);
  });

  it('names the host process that holds the port, from /proc', async () => {
    const error =
      'driver failed programming external connectivity on endpoint api (x): Error starting userland proxy: listen tcp4 127.0.0.1:8081: bind: address already in use';
    const result = await diagnose(
      [
        {
          id: 'id-api',
          name: 'api',
          state: 'created',
          exitCode: 128,
          error,
          portBindings: { '3000/tcp': [{ HostIp: '127.0.0.1', HostPort: '8081' }] },
        },
      ],
      procWithListeners([{ ip: '0100007F', port: 8081, pid: 4242, comm: 'python3', inode: 999 }]),
    );
    expect(result.findings[0]).toMatchObject({
      code: 'port-conflicts/held-by-process',
      title: 'Port 8081/tcp is held by python3 (pid 4242), so container api cannot start',
    });
    expect(result.findings[0]!.fixes.map((f) => f.command)).toContain('kill 4242');
  });

  it("recognises another engine's proxy", async () => {
    const error =
      'failed to set up container networking: driver failed programming external connectivity on endpoint x (y): failed to bind host port for 0.0.0.0:7148:172.18.0.2:7148/tcp: address already in use';
    const result = await diagnose(
      [{ id: 'id-x', name: 'x', state: 'created', exitCode: 128, error }],
      procWithListeners([{ ip: '00000000', port: 7148, pid: 77, comm: 'rootlesskit', inode: 5 }]),
    );
    expect(result.findings[0]!.code).toBe('port-conflicts/held-by-other-engine');
  });

  it('says the port is free now for a leftover Created container', async () => {
    const result = await diagnose([allocated('web', '0.0.0.0', 8080)], procWithListeners([]));
    expect(result.findings[0]).toMatchObject({ code: 'port-conflicts/leftover-created', severity: 'warning' });
  });

  it('reports rootless privileged ports', async () => {
    const result = await diagnose(
      [
        {
          id: 'id-r',
          name: 'r',
          state: 'created',
          exitCode: 128,
          error:
            "cannot expose privileged port 80, you can add 'net.ipv4.ip_unprivileged_port_start=80' to /etc/sysctl.conf (currently 1024), or set CAP_NET_BIND_SERVICE on rootlesskit binary, or choose a larger port number (>= 1024): listen tcp4 0.0.0.0:80: bind: permission denied",
        },
      ],
      {},
      { SecurityOptions: ['name=seccomp,profile=default', 'name=rootless'] },
    );
    expect(result.findings[0]!.code).toBe('port-conflicts/rootless-privileged-port');
    expect(result.findings[0]!.fixes[0]!.command).toBe('sudo sysctl net.ipv4.ip_unprivileged_port_start=80');
  });

  it('proposes a port at most 65535 for a privileged port of 1000 or more (not -p 81010)', async () => {
    const error =
      "cannot expose privileged port 1010, you can add 'net.ipv4.ip_unprivileged_port_start=1010' to /etc/sysctl.conf (currently 1024), or set CAP_NET_BIND_SERVICE on rootlesskit binary, or choose a larger port number (>= 1024): listen tcp4 0.0.0.0:1010: bind: permission denied";
    const result = await diagnose(
      [{ id: 'id-r', name: 'r', state: 'created', exitCode: 128, error, portBindings: { '8000/tcp': [{ HostIp: '', HostPort: '1010' }] } }],
      {},
      { SecurityOptions: ['name=seccomp,profile=default', 'name=rootless'] },
    );
    expect(result.findings[0]!.fixes.map((f) => f.command)).toContain('docker run -p 9010:8000 … busybox');
  });

  describe('compose ports before `up`', () => {
    const compose = (yaml: string, env = '') => ({ '/project/compose.yaml': yaml, ...(env ? { '/project/.env': env } : {}) });

    it('reports a published port held by a host process, at its line, with .env interpolation', async () => {
      const result = await diagnose([], {
        ...compose('services:\n  web:\n    image: nginx\n    ports:\n      - "${WEB_PORT:-80}:80"\n', 'WEB_PORT=5173\n'),
        ...procWithListeners([{ ip: '00000000', port: 5173, pid: 31, comm: 'node', inode: 7 }]),
      });
      expect(result.findings.map((f) => [f.code, f.subject.name, f.location])).toEqual([
        ['port-conflicts/compose-port-taken', 'web', { file: 'compose.yaml', line: 5, column: 9 }],
      ]);
      expect(result.findings[0]!.title).toBe('Service web publishes host port 5173/tcp (compose.yaml:5), but it is held by node (pid 31)');
    });

    it('reports two services on one host port, and fixed ports on replicated services', async () => {
      const yaml =
        'services:\n  a:\n    ports: ["8080:80"]\n  b:\n    ports:\n      - target: 81\n        published: "8080"\n  c:\n    deploy:\n      replicas: 3\n    ports: ["9000:9000"]\n';
      const result = await diagnose([], compose(yaml));
      expect(result.findings.map((f) => [f.code, f.subject.name])).toEqual([
        ['port-conflicts/compose-duplicate-port', 'b'],
        ['port-conflicts/compose-fixed-port-replicas', 'c'],
      ]);
    });

    it('does not flag different protocols, different host IPs, or ephemeral ports', async () => {
      const yaml =
        'services:\n  a:\n    ports: ["53:53/udp", "127.0.0.1:8080:80", "3000"]\n  b:\n    ports: ["53:53/tcp", "127.0.0.2:8080:80", "3000"]\n';
      expect(await diagnose([], compose(yaml))).toMatchObject({ status: 'passed', findings: [] });
    });

    it("does not flag a port held by the same service's running container", async () => {
      const own: FakeContainer = {
        id: 'id-own',
        name: 'project-web-1',
        state: 'running',
        ports: [{ IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' }],
        labels: { 'com.docker.compose.project': 'project', 'com.docker.compose.service': 'web' },
      };
      const result = await diagnose([own], {
        ...compose('services:\n  web:\n    ports: ["8080:80"]\n'),
        ...procWithListeners([{ ip: '00000000', port: 8080, pid: 9, comm: 'docker-proxy', inode: 3 }]),
      });
      expect(result).toMatchObject({ status: 'passed', findings: [] });
    });

    it('knows its own container when .env sets COMPOSE_PROJECT_NAME', async () => {
      const own: FakeContainer = {
        id: 'id-own',
        name: 'x-web-1',
        state: 'running',
        ports: [{ IP: '127.0.0.1', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' }],
        labels: { 'com.docker.compose.project': 'x', 'com.docker.compose.service': 'web', 'com.docker.compose.oneoff': 'False' },
      };
      const files = {
        ...compose('services:\n  web:\n    ports: ["127.0.0.1:8080:80"]\n', 'COMPOSE_PROJECT_NAME=x\n'),
        ...procWithListeners([{ ip: '0100007F', port: 8080, pid: 9, comm: 'docker-proxy', inode: 3 }]),
      };
      expect(await diagnose([own], files)).toMatchObject({ status: 'passed', findings: [] });
    });

    it('reports a port held by a `docker compose run --service-ports` container of the same service: up will fail on it', async () => {
      const run: FakeContainer = {
        id: 'id-run',
        name: 'project-web-run-1a2b',
        state: 'running',
        ports: [{ IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' }],
        labels: { 'com.docker.compose.project': 'project', 'com.docker.compose.service': 'web', 'com.docker.compose.oneoff': 'True' },
      };
      const result = await diagnose([run], compose('services:\n  web:\n    ports: ["8080:80"]\n'));
      expect(result.findings.map((f) => [f.code, f.subject.name])).toEqual([['port-conflicts/compose-port-taken', 'web']]);
      expect(result.findings[0]!.fixes[0]!.command).toBe('docker stop project-web-run-1a2b');
    });

    it('does not flag services in exclusive profiles that publish the same port', async () => {
      const yaml =
        'services:\n  web:\n    profiles: [dev]\n    ports: ["8080:80"]\n  web-prod:\n    profiles: [prod]\n    ports: ["8080:80"]\n';
      expect(await diagnose([], compose(yaml))).toMatchObject({ status: 'passed', findings: [] });
      expect(await diagnose([], compose(yaml, 'COMPOSE_PROFILES=prod\n'))).toMatchObject({ status: 'passed', findings: [] });
    });

    it('flags the same port when COMPOSE_PROFILES enables both services', async () => {
      const yaml =
        'services:\n  web:\n    profiles: [dev]\n    ports: ["8080:80"]\n  web-prod:\n    profiles: [prod]\n    ports: ["8080:80"]\n';
      const result = await diagnose([], compose(yaml, 'COMPOSE_PROFILES=dev,prod\n'));
      expect(result.findings.map((f) => [f.code, f.subject.name])).toEqual([['port-conflicts/compose-duplicate-port', 'web-prod']]);
    });

    it('does not flag a held port of a service whose profile is not enabled', async () => {
      const files = {
        ...compose('services:\n  docs:\n    profiles: [docs]\n    ports: ["5173:80"]\n'),
        ...procWithListeners([{ ip: '00000000', port: 5173, pid: 31, comm: 'node', inode: 7 }]),
      };
      expect(await diagnose([], files)).toMatchObject({ status: 'passed', findings: [] });
    });

    it('reads ports from a merge key, at the line the anchor writes them', async () => {
      const yaml = 'x-web: &web\n  ports:\n    - "5173:80"\nservices:\n  web:\n    <<: *web\n';
      const result = await diagnose([], {
        ...compose(yaml),
        ...procWithListeners([{ ip: '00000000', port: 5173, pid: 31, comm: 'node', inode: 7 }]),
      });
      expect(result.findings.map((f) => [f.code, f.location])).toEqual([
        ['port-conflicts/compose-port-taken', { file: 'compose.yaml', line: 3, column: 7 }],
      ]);
    });

    it('says the port must leave the shared anchor when two services merge the same ports', async () => {
      const yaml = 'x-web: &web\n  image: app\n  ports: ["8080:80"]\nservices:\n  a:\n    <<: *web\n  b:\n    <<: *web\n';
      const result = await diagnose([], compose(yaml));
      expect(result.findings.map((f) => [f.code, f.subject.name, f.location?.line])).toEqual([
        ['port-conflicts/compose-duplicate-port', 'b', 3],
      ]);
      expect(result.findings[0]!.fixes[0]!.title).toBe(
        'Both services take this port from the shared definition at compose.yaml:3: move the port out of it and give b its own (compose.yaml:7), e.g.',
      );
    });

    it('gives words, not an invalid line, for a published range that is taken', async () => {
      const yaml = 'services:\n  b:\n    image: b\n    ports: ["8001:80"]\n  a:\n    image: a\n    ports: ["8000-8002:8000-8002"]\n';
      const result = await diagnose([], compose(yaml));
      const fixes = result.findings.flatMap((f) => f.fixes);
      expect(result.findings.map((f) => [f.code, f.subject.name])).toEqual([['port-conflicts/compose-duplicate-port', 'a']]);
      expect(fixes.map((f) => f.command).filter((c) => c?.includes('8000-8002'))).toEqual([]);
      expect(fixes.filter((f) => /\d+:\d+-\d+/.test(f.command ?? ''))).toEqual([]);
    });

    it('proposes valid unprivileged ports on a rootless engine', async () => {
      const rootless = { SecurityOptions: ['name=seccomp,profile=default', 'name=rootless'] };
      const yaml = 'services:\n  web:\n    ports: ["80:3000", "1000:1000/udp"]\n';
      const result = await diagnose([], { ...compose(yaml), '/proc/sys/net/ipv4/ip_unprivileged_port_start': '1024\n' }, rootless);
      expect(result.findings.map((f) => f.fixes.at(-1)!.command)).toEqual(['- "8080:3000"', '- "9000:1000"']);
    });

    it('reports a port held by a container of another project', async () => {
      const other: FakeContainer = {
        id: 'id-o',
        name: 'other-web-1',
        state: 'running',
        ports: [{ IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' }],
        labels: { 'com.docker.compose.project': 'other', 'com.docker.compose.service': 'web' },
      };
      const result = await diagnose([other], compose('services:\n  web:\n    ports: ["8080:80"]\n'));
      expect(result.findings[0]!.fixes[0]!.command).toBe('docker compose -p other down');
    });

    it('reports malformed YAML at its line instead of crashing', async () => {
      const result = await diagnose([], compose('services:\n  web:\n    ports: [8080:80\n'));
      expect(result.status).toBe('failed');
      expect(result.findings[0]).toMatchObject({ code: 'port-conflicts/compose-invalid', location: { file: 'compose.yaml' } });
    });
  });

  it('stays quiet for a running container publishing its own port', async () => {
    const web: FakeContainer = {
      id: 'id-w',
      name: 'web',
      state: 'running',
      ports: [{ IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' }],
      portBindings: { '80/tcp': [{ HostIp: '', HostPort: '8080' }] },
    };
    const result = await diagnose([web], procWithListeners([{ ip: '00000000', port: 8080, pid: 9, comm: 'docker-proxy', inode: 3 }]));
    expect(result).toMatchObject({ status: 'passed', findings: [] });
  });
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
