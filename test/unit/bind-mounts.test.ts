import { describe, expect, it } from 'vitest';
import bindMounts from '../../checks/bind-mounts.js';
import { canAccess } from '../../checks/bind-mounts/users.js';
import type { CheckResult, Severity } from '../../src/engine/types.js';
import type { FileStat } from '../../src/facts/types.js';
import {
  CheckTester,
  engineWith,
  fakeFacts,
  HEALTHY_ENGINE,
  minutesBefore,
  type BrokenCase,
  type ContainerFields,
  type EngineRoutes,
  type FakeFile,
  type FakeFiles,
  type FakeWorld,
  type TesterCase,
} from '../../src/testing/index.js';
import { runCheck } from '../helpers/fakes.js';

const dir = (uid: number, gid: number, mode: number, extra: Partial<FileStat> = {}): FakeFile => ({
  stat: { type: 'directory', uid, gid, mode, ctimeMs: Date.parse(minutesBefore(5)), ...extra },
});
const bind = (source: string, destination: string, rw = true, mode = '') => ({
  Type: 'bind' as const,
  Source: source,
  Destination: destination,
  RW: rw,
  Mode: mode,
});
const PASSWD = 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000::/home/node:/bin/sh\n';

/** A Linux host (user dev, uid 1000) with the daemon socket, these files, and a daemon serving these containers. */
const world = (containers: ContainerFields[], files: FakeFiles = {}, info: object = {}): FakeWorld => ({
  containers,
  files,
  engine: { '/info': { ...(HEALTHY_ENGINE['/info'] as object), ...info } },
});

// The project is the user's (uid 1000 in the fakes), as it is when they cloned it.
const compose = (yaml: string) => ({
  '/project': dir(1000, 1000, 0o755),
  '/project/compose.yaml': yaml,
  '/project/Dockerfile': 'FROM scratch\n',
});
const service = (volumes: string, extra = '') => compose(`services:\n  app:\n    image: app:1\n${extra}    volumes:\n${volumes}`);

/** A project with this compose file, as the user (uid 1000 unless given) whose home is /home/dev. */
const project = (
  yaml: string,
  files: FakeFiles = {},
  options: { uid?: number; env?: Record<string, string>; engine?: EngineRoutes } = {},
) => ({
  engine: options.engine,
  files: { ...compose(yaml), ...files },
  uid: options.uid ?? 1000,
  env: { HOME: '/home/dev', ...options.env },
});

// The command a user types for each finding (a file's main fix is the user's own file: its command, if any, makes the directory).
const summary = (r: CheckResult) => r.findings.map((f) => [f.code, f.severity, f.location?.line, f.fixes.find((x) => x.command)?.command]);
const commands = (r: CheckResult) => r.findings.flatMap((f) => f.fixes.map((x) => x.command).filter((c): c is string => c !== undefined));

type Row = [code: string, severity: Severity, line: number, command: string | undefined];

/** Compose findings, one per row, at their compose.yaml line; the rows are also the summary the user would act on. */
const composeCase = (
  name: string,
  facts: FakeWorld,
  rows: Row[],
  more?: (r: CheckResult, facts: FakeWorld) => void | Promise<void>,
): BrokenCase => ({
  name,
  facts,
  findings: rows.map(([code, severity, line]) => ({ code, severity, subject: `compose.yaml:${line}` })),
  assert: async (r) => {
    expect(summary(r)).toEqual(rows);
    await more?.(r, facts);
  },
});

/** The check's own findings, before the CLI places its fixes: `runIn` says which commands must run in the project. */
const raw = async (facts: FakeWorld) => (await runCheck(bindMounts, fakeFacts(facts))).findings;

const MISSING = 'bind-mounts/compose-source-missing';

const CONTAINERS: BrokenCase[] = [
  {
    name: 'a Permission denied log line tied to the mount, naming owner, mode and user',
    facts: world(
      [
        {
          id: 'c1',
          name: 'writer',
          user: 'node',
          exitCode: 1,
          logs: "Error: EACCES: permission denied, open '/app/data/db.json'\n",
          mounts: [bind('/srv/data', '/app/data')],
          files: { '/etc/passwd': PASSWD, '/etc/group': 'node:x:1000:\n' },
        },
      ],
      { '/srv/data': dir(0, 0, 0o755), '/srv/data/old': 'x' },
    ),
    findings: [
      {
        code: 'not-writable',
        severity: 'error',
        subject: { kind: 'container', name: 'writer' },
        title:
          'Container writer runs as node (uid 1000) and cannot write /srv/data (owned by 0:0, mode 0755), mounted at /app/data: ' +
          '"Error: EACCES: permission denied, open \'/app/data/db.json\'"',
      },
    ],
    assert: (r) => expect(r.findings[0]!.fixes[0]!.command).toBe('sudo chown -R 1000:1000 /srv/data'),
  },
  {
    name: 'the mount paths shell-quoted in the fixes for a running container',
    facts: world(
      [
        {
          id: 'q1',
          name: 'writer',
          user: '1000:1000',
          exitCode: 1,
          logs: 'touch: /app/data/x: Permission denied\n',
          mounts: [bind('/srv/my data', '/app/data')],
        },
      ],
      { '/srv/my data': dir(0, 0, 0o755), '/srv/my data/old': 'x' },
    ),
    findings: [
      {
        code: 'not-writable',
        severity: 'error',
        fixes: [
          "sudo chown -R 1000:1000 '/srv/my data'",
          `docker run --user "$(id -u):$(id -g)" -v '/srv/my data:/app/data' …`,
          'user: "0:0"',
          'docker rm -f writer',
        ],
      },
    ],
  },
  {
    name: 'a denial the file mode does not account for, explained',
    facts: world(
      [
        {
          id: 'c2',
          name: 'w',
          user: '1000:1000',
          exitCode: 1,
          logs: 'touch: /data/x: Permission denied\n',
          mounts: [bind('/srv/open', '/data')],
        },
      ],
      { '/srv/open': dir(1000, 1000, 0o755), '/srv/open/a': 'x' },
    ),
    findings: [{ code: 'not-writable', severity: 'error' }],
    assert: (r) => expect(r.findings[0]!.explanation).toMatch(/Something other than the file mode blocks it/),
  },
  {
    name: 'a write to a read-only mount',
    facts: world(
      [
        {
          id: 'c3',
          name: 'ro',
          exitCode: 1,
          logs: 'touch: /cfg/x: Read-only file system\n',
          mounts: [bind('/srv/cfg', '/cfg', false, 'ro')],
        },
      ],
      { '/srv/cfg': dir(0, 0, 0o755) },
    ),
    findings: [{ code: 'read-only', severity: 'error' }],
  },
  {
    name: 'a directory Docker auto-created as root for a non-root user, even while it runs',
    facts: world([{ id: 'c4', name: 'app', state: 'running', user: '1000', mounts: [bind('/srv/new', '/data')] }], {
      '/srv/new': dir(0, 0, 0o755),
    }),
    findings: [{ code: 'auto-created-root', severity: 'warning' }],
  },
  {
    name: 'rootless id shifting, explained',
    facts: world(
      [
        {
          id: 'c5',
          name: 'pg',
          user: '999:999',
          exitCode: 1,
          logs: "mkdir: cannot create directory '/var/lib/postgresql/data/pgdata': Permission denied\n",
          mounts: [bind('/home/dev/pg', '/var/lib/postgresql/data')],
        },
      ],
      {
        '/home/dev/pg': dir(1000, 1000, 0o755),
        '/home/dev/pg/x': 'x',
        '/home/dev/.local/share/docker': dir(1000, 1000, 0o710),
        '/etc/subuid': 'dev:100000:65536\n',
        '/etc/subgid': 'dev:100000:65536\n',
        '/etc/passwd': 'dev:x:1000:1000::/home/dev:/bin/bash\n',
      },
      { SecurityOptions: ['name=seccomp,profile=default', 'name=rootless'], DockerRootDir: '/home/dev/.local/share/docker' },
    ),
    findings: [{ code: 'id-shifted', severity: 'error', title: /uid 100998 on the host/ }],
  },
  {
    name: 'SELinux when enforcing, the mount has no label and the mode allows access',
    facts: world(
      [
        {
          id: 'c6',
          name: 'web',
          exitCode: 1,
          logs: 'nginx: [emerg] open() "/etc/nginx/conf.d/site.conf" failed (13: Permission denied)\n',
          mounts: [bind('/home/dev/site', '/etc/nginx/conf.d')],
        },
      ],
      { '/home/dev/site': dir(1000, 1000, 0o755), '/home/dev/site/site.conf': 'x', '/sys/fs/selinux/enforce': '1\n' },
      { SecurityOptions: ['name=seccomp,profile=default', 'name=selinux'] },
    ),
    findings: [{ code: 'selinux-label', severity: 'error' }],
    assert: (r) => expect(r.findings[0]!.fixes[0]!.command).toBe('-v /home/dev/site:/etc/nginx/conf.d:z'),
  },
  {
    name: 'a container that never started because of its mount',
    facts: world([
      {
        id: 'c7',
        name: 'proxy',
        state: 'created',
        exitCode: 127,
        error:
          'failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during ' +
          'container init: error mounting "/srv/nginx.conf" to rootfs at "/etc/nginx/nginx.conf": mount ' +
          '/srv/nginx.conf:/etc/nginx/nginx.conf ' +
          '(via /proc/self/fd/6), flags: 0x5000: not a directory: unknown: Are you trying to mount a ' +
          'directory onto a file (or vice-versa)? ' +
          'Check if the specified host path exists and is the expected type',
      },
    ]),
    findings: [{ code: 'mount-failed', severity: 'error' }],
    assert: (r) => {
      // The empty directory Docker made goes (rmdir removes nothing else); an empty nginx.conf would be no fix.
      expect(r.findings[0]!.fixes[0]!.command).toBe('rmdir /srv/nginx.conf');
      expect(r.findings[0]!.fixes.map((f) => f.command ?? '').join('\n')).not.toMatch(/touch|</);
    },
  },
];

const COMPOSE: BrokenCase[] = [
  composeCase(
    'long syntax without create_host_path fails, with the right way to create the source',
    {
      files: service(
        '      - type: bind\n        source: ./cache\n        target: /cache\n      - type: bind\n        source: ./conf/app.ini\n' +
          '        target: /etc/app.ini\n',
      ),
    },
    [
      [MISSING, 'error', 5, 'mkdir -p cache'],
      [MISSING, 'error', 8, 'mkdir -p conf'],
    ],
    async (r, facts) => {
      const findings = await raw(facts);
      expect(findings[1]!.fixes).toEqual([
        {
          title:
            'Put your configuration file app.ini at ./conf/app.ini (an empty file is not a configuration file, so touch is no fix; ' +
            'or correct the path if it is a typo)',
        },
        { title: 'Its directory ./conf does not exist yet: create it first', command: 'mkdir -p conf', runIn: 'project' },
      ]);
      expect(findings[0]!.fixes[0]!.runIn).toBe('project');
      expect(r.findings[0]!.title).toBe(
        'Service app bind-mounts ./cache, which does not exist, and long syntax does not create it: `docker compose up` fails with ' +
          '"bind source path does not exist" (compose.yaml:5)',
      );
    },
  ),
  composeCase(
    'rootful Podman creates a missing long-syntax source itself: judged as compose short syntax is, never "up fails"',
    {
      files: service(
        '      - type: bind\n        source: ./cache\n        target: /cache\n      - type: bind\n        source: ./conf/app.ini\n' +
          '        target: /etc/app.ini\n',
      ),
      engine: {
        '/version': { Version: '4.3.1', ApiVersion: '1.41', Components: [{ Name: 'Podman Engine', Version: '4.3.1' }] },
      },
    },
    [
      [MISSING, 'info', 5, 'mkdir -p cache'],
      [MISSING, 'warning', 8, 'mkdir -p conf'],
    ],
    (r) => expect(r.findings.map((f) => f.title).join('\n')).not.toMatch(/fails with|long syntax does not create/),
  ),
  composeCase(
    'a missing file-like source: a warning naming the uncertainty, asking for the file (an empty nginx.conf is no fix)',
    { files: service('      - ./nginx.conf:/etc/nginx/nginx.conf:ro\n') },
    [[MISSING, 'warning', 5, undefined]],
    (r) => {
      expect(r.findings[0]!.fixes[0]!.title).toBe(
        'Put your configuration file nginx.conf at ./nginx.conf (an empty file is not a configuration file, so touch is no fix; ' +
          'or correct the path if it is a typo)',
      );
      expect(r.findings[0]!.title).toBe(
        'Service app mounts ./nginx.conf onto /etc/nginx/nginx.conf, but ./nginx.conf does not exist: Docker will create an empty ' +
          'directory in its place, so the container fails to start if the image has a file at /etc/nginx/nginx.conf ("Are you trying ' +
          'to mount a directory onto a file"), and otherwise finds a directory where a file is expected (compose.yaml:5)',
      );
    },
  ),
  composeCase(
    'a non-root user must write the directory Docker would create as root',
    { files: service('      - ./data:/data\n', '    user: "1000"\n') },
    [[MISSING, 'warning', 6, 'mkdir -p data && sudo chown 1000 data']],
    (r) =>
      expect(r.findings[0]!.title).toBe(
        'Service app bind-mounts ./data, which does not exist: `docker compose up` will create it as root:root 0755, which user 1000 ' +
          'cannot write (compose.yaml:6)',
      ),
  ),
  composeCase(
    'the user read from the image when it is here',
    {
      engine: { '/images/app%3A1/json': { Id: 'a', Config: { User: 'node', Volumes: null } } },
      files: service('      - ./uploads:/app/uploads\n'),
    },
    [[MISSING, 'warning', 5, 'mkdir -p uploads']],
  ),
  composeCase(
    'a missing directory whose user is unknown: a note (info), never touch for a directory',
    {
      files: {
        ...service(
          '      - ./initdb:/docker-entrypoint-initdb.d\n      - ./nginx/conf.d:/etc/nginx/conf.d\n  ' +
            '    - /etc/dnsmasq.d/:/etc/dnsmasq.d/\n' +
            '      - ./site.v2:/srv/site\n',
        ),
        '/etc/hosts': 'x',
      },
    },
    [
      [MISSING, 'info', 5, 'mkdir -p initdb'],
      [MISSING, 'info', 6, 'mkdir -p nginx/conf.d'],
      [MISSING, 'info', 7, 'sudo mkdir -p /etc/dnsmasq.d'],
      [MISSING, 'info', 8, undefined],
    ],
    async (r, facts) => {
      expect(r.findings.flatMap((f) => f.fixes.map((x) => x.command ?? ''))).not.toContainEqual(expect.stringContaining('touch'));
      expect((await raw(facts))[2]!.fixes[0]!.runIn).toBeUndefined();
      expect(r.status).toBe('passed');
    },
  ),
  composeCase(
    "sudo for an absolute source under a directory that is not the user's",
    { files: { ...service('      - type: bind\n        source: /srv/shared/data\n        target: /data\n'), '/srv': dir(0, 0, 0o755) } },
    [[MISSING, 'error', 5, 'sudo mkdir -p /srv/shared/data']],
  ),
];

const systemDirs = { '/srv': dir(0, 0, 0o755), '/etc': dir(0, 0, 0o755), '/opt': dir(0, 0, 0o755), '/usr/share': dir(0, 0, 0o755) };

/** Fixes that are safe to type, as found on real projects. */
const SAFE_FIXES: BrokenCase[] = [
  composeCase(
    'safe: ~ stays ~, absolute paths absolute, project-relative fixes run in the project (P10)',
    project(
      'services:\n  app:\n    image: app:1\n    volumes:\n      - ~/appdata:/data\n      - /srv/app:/srv\n      - ./conf:/conf\n',
      systemDirs,
    ),
    [
      [MISSING, 'info', 5, 'mkdir -p ~/appdata'],
      [MISSING, 'info', 6, 'sudo mkdir -p /srv/app'],
      [MISSING, 'info', 7, 'mkdir -p conf'],
    ],
    async (r, facts) => {
      expect((await raw(facts)).map((f) => f.fixes[0]!.runIn)).toEqual([undefined, undefined, 'project']);
      expect(commands(r).join('\n')).not.toContain('..');
    },
  ),
  {
    name: 'safe: a missing path several services mount, once, naming every service and line, with one fix (R6)',
    facts: project(
      'services:\n  web:\n    image: web:1\n    volumes:\n      - ~/.cache/x:/root/x:ro\n  worker:\n    image: worker:1\n    volumes:\n' +
        '      - ~/.cache/x:/root/x:ro\n      - ./logs:/logs\n  jobs:\n    image: jobs:1\n    volumes:\n      - type: bind\n' +
        '        source: ~/.cache/x\n        target: /cache\n',
    ),
    findings: [
      {
        code: MISSING,
        severity: 'error',
        subject: { kind: 'file', name: '~/.cache/x' },
        title:
          'Services web, worker, jobs bind-mount ~/.cache/x, which does not exist, and long syntax does ' +
          'not create it: `docker compose up` ' +
          'fails with "bind source path does not exist" (compose.yaml:5, 9, 14)',
        fixes: ['mkdir -p ~/.cache/x'],
      },
      // One service keeps the service as subject and its own line, as before.
      { code: MISSING, severity: 'info', subject: { kind: 'service', name: 'worker' } },
    ],
    assert: (r) => {
      expect(summary(r)).toEqual([
        [MISSING, 'error', 14, 'mkdir -p ~/.cache/x'],
        [MISSING, 'info', 10, 'mkdir -p logs'],
      ]);
      expect(r.findings[0]!.evidence?.mounts).toEqual([
        { service: 'web', target: '/root/x', createHostPath: true, at: 'compose.yaml:5' },
        { service: 'worker', target: '/root/x', createHostPath: true, at: 'compose.yaml:9' },
        { service: 'jobs', target: '/cache', createHostPath: false, at: 'compose.yaml:14' },
      ]);
    },
  },
  composeCase(
    'safe: every target named when services mount one missing file at different places (R6)',
    project(
      'services:\n  a:\n    image: a:1\n    volumes:\n      - ./nginx.conf:/etc/nginx/nginx.conf:ro\n  b:\n    image: b:1\n    volumes:\n' +
        '      - ./nginx.conf:/srv/nginx.conf:ro\n',
    ),
    [[MISSING, 'warning', 5, undefined]],
    (r) =>
      expect(r.findings[0]!.title).toMatch(
        /^Services a, b mount \.\/nginx\.conf onto \/etc\/nginx\/nginx\.conf, \/srv\/nginx\.conf, but .* \(compose\.yaml:5, 9\)$/,
      ),
  ),
  composeCase(
    "safe: sudo for system paths, then the directory given to the service's uid when it is known (P11)",
    project(
      'services:\n  app:\n    image: app:1\n    volumes:\n      - "/etc/app/:/etc/app/"\n      - /opt/app/cert.p12:/opt/app/cert.p12:ro\n' +
        '      - /usr/share/appdata/x:/x\n  worker:\n    image: worker:1\n    user: "1000:1000"\n    volumes:\n      - /srv/data:/data\n',
      systemDirs,
    ),
    [
      [MISSING, 'info', 5, 'sudo mkdir -p /etc/app'],
      [MISSING, 'warning', 6, 'sudo mkdir -p /opt/app'],
      [MISSING, 'info', 7, 'sudo mkdir -p /usr/share/appdata/x'],
      [MISSING, 'warning', 12, 'sudo mkdir -p /srv/data && sudo chown 1000:1000 /srv/data'],
    ],
    (r) => {
      expect(r.findings[0]!.fixes[0]!.title).toBe('Create the directory first (as root: /etc is not yours to write)');
      expect(r.findings[1]!.fixes).toEqual([
        {
          title:
            'Put your certificate cert.p12 at /opt/app/cert.p12 (an empty file is not a certificate, so touch is no fix; or correct the ' +
            'path if it is a typo)',
        },
        {
          title: 'Its directory /opt/app does not exist yet: create it first (as root: /opt is not yours to write)',
          command: 'sudo mkdir -p /opt/app',
        },
      ]);
    },
  ),
  {
    name: 'safe: sudo for system paths even to root, who types the fix in a shell of its own, but not for its home or the project (P11)',
    facts: project(
      'services:\n  app:\n    image: app:1\n    volumes:\n      - /srv/app:/srv\n      - ./data:/data\n      - ~/cache:/cache\n',
      { ...systemDirs, '/etc/passwd': 'root:x:0:0:root:/root:/bin/sh\n' },
      { uid: 0 },
    ),
    findings: [
      { code: MISSING, severity: 'info', subject: 'compose.yaml:5', fixes: ['sudo mkdir -p /srv/app'] },
      { code: MISSING, severity: 'info', subject: 'compose.yaml:6', fixes: ['mkdir -p data'] },
      { code: MISSING, severity: 'info', subject: 'compose.yaml:7', fixes: ['mkdir -p ~/cache'] },
    ],
    assert: (r) => {
      expect(commands(r)).toEqual(['sudo mkdir -p /srv/app', 'mkdir -p data', 'mkdir -p ~/cache']);
      expect(r.findings[0]!.fixes[0]!.title).toBe('Create the directory first (as root: /srv is a system directory)');
    },
  },
  {
    name: 'safe: the .env variable that is still a placeholder named, and the placeholder tree never created (P13)',
    facts: project(
      'services:\n  n8n:\n    image: n8n:1\n    volumes:\n      - ${DATA_FOLDER}/local_files:/files\n' +
        '      - ${DATA_FOLDER}/caddy_config/Caddyfile:/etc/caddy/Caddyfile\n  plex:\n    image: plex:1\n    volumes:\n' +
        '      - ${PLEX_MEDIA_PATH}:/data\n      - /path/to/backups:/backups\n      - ${MEDIA}:/media\n',
      {
        '/project/.env':
          '# copy to .env and edit\nDATA_FOLDER=/<directory-path>/n8n-docker-caddy\nPLEX_MEDIA_PATH="/media/your/plex/path"\n',
      },
      { env: { MEDIA: '/mnt/changeme' } },
    ),
    findings: [
      {
        code: 'compose-source-placeholder',
        severity: 'warning',
        subject: '.env:2',
        title:
          "DATA_FOLDER in .env:2 is still the sample's placeholder /<directory-path>/n8n-docker-caddy: service n8n bind-mounts 2 paths " +
          'under it (compose.yaml:5, 6), and `docker compose up` would create that placeholder tree as empty root-owned directories',
      },
      { code: 'compose-source-placeholder', severity: 'warning', subject: '.env:3' },
      { code: 'compose-source-placeholder', severity: 'warning', subject: 'compose.yaml:11' },
      {
        code: 'compose-source-placeholder',
        severity: 'warning',
        subject: 'compose.yaml:12',
        title: /bind-mounts \/mnt\/changeme \(from MEDIA\), a placeholder path/,
      },
    ],
    assert: (r) => {
      expect(r.findings.map((f) => [f.code, f.severity, f.subject.name, f.location?.file, f.location?.line])).toEqual([
        ['bind-mounts/compose-source-placeholder', 'warning', '.env', '.env', 2],
        ['bind-mounts/compose-source-placeholder', 'warning', '.env', '.env', 3],
        ['bind-mounts/compose-source-placeholder', 'warning', 'plex', 'compose.yaml', 11],
        ['bind-mounts/compose-source-placeholder', 'warning', 'plex', 'compose.yaml', 12],
      ]);
      expect(r.findings[0]!.fixes).toEqual([
        {
          title: 'Edit .env line 2: set DATA_FOLDER to the real path on this machine (the sample says /<directory-path>/n8n-docker-caddy)',
        },
      ]);
      expect(r.findings[3]!.fixes).toEqual([{ title: 'Set MEDIA (in .env or your shell) to the real path on this machine' }]);
      expect(commands(r)).toEqual([]);
    },
  },
  {
    name: 'safe: every path shell-quoted in a fix, ~/ kept outside the quotes (P14)',
    facts: project(
      'services:\n  app:\n    image: app:1\n    user: "1000"\n    volumes:\n      - ./my data:/data\n      - ~/my app/x:/x\n' +
        '      - "/srv/a b;c:/y"\n      - ./$$(id):/z\n',
      systemDirs,
    ),
    findings: [
      { code: MISSING, severity: 'warning', subject: 'compose.yaml:6', fixes: ["mkdir -p 'my data' && sudo chown 1000 'my data'"] },
      { code: MISSING, severity: 'warning', subject: 'compose.yaml:7', fixes: ["mkdir -p ~/'my app/x' && sudo chown 1000 ~/'my app/x'"] },
      {
        code: MISSING,
        severity: 'warning',
        subject: 'compose.yaml:8',
        fixes: ["sudo mkdir -p '/srv/a b;c' && sudo chown 1000 '/srv/a b;c'"],
      },
      { code: MISSING, severity: 'warning', subject: 'compose.yaml:9', fixes: ["mkdir -p '$(id)' && sudo chown 1000 '$(id)'"] },
    ],
  },
  composeCase(
    'safe: never a directory where a file is meant; touch only for files the service fills itself (P15)',
    project(
      'services:\n  proxy:\n    image: caddy:2\n    volumes:\n      - ./caddy_config/Caddyfile:/etc/caddy/Caddyfile\n' +
        '      - ./letsencrypt/acme.json:/letsencrypt/acme.json\n      - ./certs/server.key:/etc/ssl/server.key:ro\n' +
        '      - ./logs/access.log:/var/log/access.log\n',
      { '/project/caddy_config/other.txt': 'x' },
    ),
    [
      [MISSING, 'warning', 5, undefined],
      [MISSING, 'warning', 6, 'mkdir -p letsencrypt && touch letsencrypt/acme.json && chmod 600 letsencrypt/acme.json'],
      [MISSING, 'warning', 7, 'mkdir -p certs'],
      [MISSING, 'warning', 8, 'mkdir -p logs && touch logs/access.log'],
    ],
    (r) => {
      expect(r.findings[0]!.fixes[0]!.title).toBe(
        'Put your configuration file Caddyfile at ./caddy_config/Caddyfile (an empty file is not a configuration file, so touch is no ' +
          'fix; or correct the path if it is a typo)',
      );
      expect(r.findings[2]!.fixes[0]).toEqual({
        title:
          'Put your key server.key at ./certs/server.key (an empty file is not a key, so touch is no ' +
          'fix; or correct the path if it is a typo)',
      });
      expect(commands(r).join('\n')).not.toMatch(/mkdir[^&]*(Caddyfile|server\.key)|touch[^&]*(Caddyfile|server\.key)/);
    },
  ),
  composeCase(
    'safe: never mkdir for what the host provides: kernel modules, /dev entries, sockets',
    project(
      'services:\n  vpn:\n    image: vpn:1\n    volumes:\n      - /lib/modules:/lib/modules\n      - /dev/net/tun:/dev/net/tun\n' +
        '      - /run/agent/agent.sock:/agent.sock\n',
      systemDirs,
    ),
    [
      [MISSING, 'info', 5, undefined],
      [MISSING, 'info', 6, undefined],
      [MISSING, 'info', 7, undefined],
    ],
    (r) => {
      expect(r.findings[0]!.title).toBe(
        "Service vpn bind-mounts /lib/modules, which this host does not have: the host's kernel provides " +
          'it (kernel modules), so no mkdir ' +
          'or touch can stand in for it (compose.yaml:5)',
      );
      expect(r.findings[2]!.fixes[0]!.title).toBe(
        'Start the program that serves /run/agent/agent.sock (or point the mount at where its socket lives on this host)',
      );
      expect(r.status).toBe('passed');
    },
  ),
  composeCase(
    'safe: directory-looking sources are directories: no error, no touch, nothing about files (P12)',
    project(
      'services:\n  mysql:\n    image: mysql:9\n    volumes:\n      - ./conf.d:/etc/mysql/conf.d:ro\n' +
        '  dns:\n    image: pihole:1\n    volumes:\n' +
        '      - "/etc/dnsmasq.d/:/etc/dnsmasq.d/"\n',
      systemDirs,
    ),
    [
      [MISSING, 'info', 5, 'mkdir -p conf.d'],
      [MISSING, 'info', 9, 'sudo mkdir -p /etc/dnsmasq.d'],
    ],
    (r) => {
      for (const f of r.findings) expect(f.title).not.toMatch(/onto a file|should be a file/);
      expect(r.status).toBe('passed');
    },
  ),
];

const COMPOSE_HEALTHY: [string, FakeFiles, string][] = [
  ['the sources exist', { '/project/data': dir(1000, 1000, 0o755) }, '      - ./data:/data\n'],
  ['a missing directory for a root service', {}, '      - ./data:/data\n'],
  ['a missing directory for a root image that is here', {}, '      - ./initdb/:/docker-entrypoint-initdb.d/\n'],
  ['a missing directory mounted read-only for a non-root user', {}, '      - ./conf.d:/etc/app/conf.d:ro\n'],
  ['named volumes and tmpfs', {}, '      - named:/named\n      - type: tmpfs\n        target: /tmp\n'],
];

const composeHealthy = ([name, files, volumes]: (typeof COMPOSE_HEALTHY)[number]): TesterCase => {
  const user = name.includes('non-root') ? '    user: app\n' : name.includes('root service') ? '    user: root\n' : '';
  const engine = name.includes('image that is here') ? { '/images/app%3A1/json': { Id: 'a', Config: { User: '' } } } : {};
  return { name: `compose: ${name}`, facts: { engine, files: { ...service(volumes, user), ...files } } };
};

const QUIET: [string, ContainerFields, FakeFiles][] = [
  [
    'a running container writing its own directory',
    { id: 'h1', name: 'ok', state: 'running', user: '1000', mounts: [bind('/srv/mine', '/data')] },
    { '/srv/mine': dir(1000, 1000, 0o755) },
  ],
  [
    'a root container on a root-owned directory',
    { id: 'h2', name: 'ok', state: 'running', mounts: [bind('/srv/rootdir', '/data')] },
    { '/srv/rootdir': dir(0, 0, 0o755) },
  ],
  [
    'a non-root container on a root-owned directory with content (a config dir it reads)',
    { id: 'h3', name: 'ok', state: 'running', user: '101', mounts: [bind('/srv/conf', '/etc/app')] },
    { '/srv/conf': dir(0, 0, 0o755), '/srv/conf/app.ini': 'x' },
  ],
  [
    'a failing container whose logs say nothing about its mounts',
    { id: 'h4', name: 'ok', exitCode: 1, logs: 'Error: missing API_URL\n', mounts: [bind('/srv/x', '/x')] },
    { '/srv/x': dir(0, 0, 0o700) },
  ],
];

/** A socket shared through its group, with the group added by --group-add. */
function groupAddWorld(): FakeWorld {
  const routes = engineWith([
    { id: 'g1', name: 'agent', state: 'running', user: '1000', mounts: [bind('/var/run/docker.sock', '/var/run/docker.sock')] },
  ]);
  const base = routes['/containers/g1/json'] as { HostConfig: object };
  routes['/containers/g1/json'] = { ...base, HostConfig: { ...base.HostConfig, GroupAdd: ['999'] } };
  return { engine: routes, files: { '/var/run/docker.sock': { stat: { type: 'socket', uid: 0, gid: 999, mode: 0o660 } } } };
}

/** Rootless Podman for user dev (uid 1000, subuids from 100000): Podman names itself in /version, rootless in /info. */
const PODMAN_ROOTLESS = {
  '/version': { Version: '4.3.1', ApiVersion: '1.41', Components: [{ Name: 'Podman Engine', Version: '4.3.1' }] },
  '/info': {
    ...(HEALTHY_ENGINE['/info'] as object),
    SecurityOptions: ['name=seccomp,profile=default', 'name=rootless'],
    DockerRootDir: '/home/dev/.local/share/containers/storage',
  },
};
const SUBIDS: FakeFiles = {
  '/home/dev/.local/share/containers/storage': dir(1000, 1000, 0o700),
  '/etc/subuid': 'dev:100000:65536\n',
  '/etc/subgid': 'dev:100000:65536\n',
  '/etc/passwd': 'dev:x:1000:1000::/home/dev:/bin/bash\n',
};
/** The commands this host has: `<command> --version` answers for these. */
const onPath = (...commands: string[]): FakeWorld['exec'] => ({
  run: async (file, args) =>
    commands.includes(file) && args[0] === '--version'
      ? { exitCode: 0, stdout: `${file} version 4.3.1\n`, stderr: '', failed: false }
      : { exitCode: undefined, stdout: '', stderr: 'not found', failed: true },
});
const pg: ContainerFields = {
  id: 'p1',
  name: 'pg',
  user: '999:999',
  exitCode: 1,
  logs: "mkdir: cannot create directory '/var/lib/postgresql/data/pgdata': Permission denied\n",
  mounts: [bind('/home/dev/pg', '/var/lib/postgresql/data')],
};
const podmanWorld = (c: ContainerFields, files: FakeFiles, exec = onPath('podman')): FakeWorld => ({
  containers: [c],
  files: { ...SUBIDS, ...files },
  engine: PODMAN_ROOTLESS,
  exec,
});
const noSudoChown = (r: CheckResult) => expect(commands(r).join('\n')).not.toMatch(/sudo chown/);

const PODMAN_ROOTLESS_CASES: BrokenCase[] = [
  {
    name: 'rootless Podman: uid 999 is host uid 100998; podman unshare chown, --userns=keep-id or :U, never sudo chown',
    facts: podmanWorld(pg, { '/home/dev/pg': dir(1000, 1000, 0o755), '/home/dev/pg/x': 'x' }),
    findings: [
      { code: 'id-shifted', severity: 'error', subject: 'pg', title: /uid 100998 on the host \(rootless Podman maps container root/ },
    ],
    assert: (r) => {
      expect(commands(r)).toEqual([
        'podman unshare chown -R 999:999 /home/dev/pg',
        'podman run --userns=keep-id -v /home/dev/pg:/var/lib/postgresql/data …',
        '-v /home/dev/pg:/var/lib/postgresql/data:U',
      ]);
      noSudoChown(r);
    },
  },
  {
    name: 'rootless Podman, a source its user cannot read: the unshare fixes, and podman to recreate it',
    facts: podmanWorld(
      { id: 'p2', name: 'api', state: 'running', user: '1000', mounts: [bind('/home/dev/conf', '/conf')] },
      { '/home/dev/conf': dir(1000, 1000, 0o700), '/home/dev/conf/a': 'x' },
    ),
    findings: [{ code: 'not-readable', severity: 'warning', title: /uid 100999 on the host/ }],
    assert: (r) => {
      expect(commands(r)[0]).toBe('podman unshare chown -R 1000:0 /home/dev/conf');
      expect(commands(r).at(-1)).toBe('podman rm -f api');
      noSudoChown(r);
    },
  },
  {
    name: 'rootless Podman driven by the docker CLI alone: chown from inside a container, with docker',
    facts: podmanWorld(pg, { '/home/dev/pg': dir(1000, 1000, 0o755), '/home/dev/pg/x': 'x' }, onPath('docker')),
    findings: [{ code: 'id-shifted', severity: 'error' }],
    assert: (r) => {
      expect(commands(r)[0]).toMatch(/^docker run --rm -v \/home\/dev\/pg:\/fix .* chown -R 999:999 \/fix$/);
      expect(commands(r).join('\n')).not.toMatch(/podman/);
    },
  },
];

PODMAN_ROOTLESS_CASES.push(
  {
    name: 'rootless Podman, a root-owned source: take it with sudo first (podman unshare cannot chown what root owns)',
    facts: podmanWorld({ ...pg, mounts: [bind('/srv/pg', '/var/lib/postgresql/data')] }, { '/srv/pg': dir(0, 0, 0o755), '/srv/pg/x': 'x' }),
    findings: [{ code: 'id-shifted', severity: 'error' }],
    assert: (r) => {
      expect(commands(r)[0]).toBe('sudo chown -R 1000:1000 /srv/pg && podman unshare chown -R 999:999 /srv/pg');
      expect(commands(r).join('\n')).not.toMatch(/sudo chown -R 999/);
    },
  },
  {
    name: 'rootless Podman, container root and a root-owned source: give it to the user container root is',
    facts: podmanWorld(
      { ...pg, user: '', mounts: [bind('/srv/pg', '/var/lib/postgresql/data')] },
      { '/srv/pg': dir(0, 0, 0o755), '/srv/pg/x': 'x' },
    ),
    findings: [{ code: 'id-shifted', severity: 'error', title: /runs as root, which is uid 1000 on the host/ }],
    assert: (r) => expect(commands(r)[0]).toBe('sudo chown -R 1000:1000 /srv/pg'),
  },
  composeCase(
    'rootless Podman: a directory for a non-root service user is given to it through podman unshare',
    {
      ...project(`services:\n  app:\n    image: app:1\n    user: "1000"\n    volumes:\n      - ./data:/data\n`, SUBIDS, {
        engine: PODMAN_ROOTLESS,
      }),
      exec: onPath('podman'),
    },
    [[MISSING, 'warning', 6, 'mkdir -p data && podman unshare chown 1000 data']],
  ),
);

new CheckTester(bindMounts).run({
  healthy: [
    { name: '--group-add groups count, so a socket shared through its group is readable', facts: groupAddWorld() },
    ...COMPOSE_HEALTHY.map(composeHealthy),
    ...QUIET.map(([name, container, files]) => ({ name: `quiet about ${name}`, facts: world([container], files) })),
  ],
  broken: [...CONTAINERS, ...COMPOSE, ...SAFE_FIXES, ...PODMAN_ROOTLESS_CASES],
});

describe('canAccess', () => {
  const s = (uid: number, gid: number, mode: number, type: FileStat['type'] = 'directory'): FileStat => ({
    path: '/x',
    type,
    uid,
    gid,
    mode,
    size: 0,
    mtimeMs: 0,
    ctimeMs: 0,
  });
  it.each([
    [s(0, 0, 0o755), 1000, [1000], 'write', false],
    [s(0, 0, 0o755), 1000, [1000], 'read', true],
    [s(0, 1000, 0o775), 1000, [1000], 'write', true],
    [s(0, 0, 0o777), 1000, [1000], 'write', true],
    [s(1000, 1000, 0o700), 0, [0], 'write', true],
    [s(1000, 1000, 0o700), 1001, [1001], 'read', false],
    [s(1000, 1000, 0o644, 'file'), 1001, [1001], 'read', true],
  ] as const)('%o as %i %o %s → %s', (stat, uid, gids, access, ok) => {
    expect(canAccess(stat, uid, [...gids], access)).toBe(ok);
  });
});
