import { describe, expect, it } from 'vitest';
import exitedContainers from '../../checks/exited-containers.js';
import { findDaemoniser } from '../../checks/exited-containers/daemonising.js';
import { exitCodeMeaning } from '../../checks/exited-containers/diagnose.js';
import { shortError } from '../../checks/shared/start-errors.js';
import { dockerSize, raisedLimit } from '../../checks/exited-containers/memory-fix.js';
import type { Severity } from '../../src/engine/types.js';
import {
  CheckTester,
  engineWith,
  fakeClients,
  fakeEngine,
  fakeFacts,
  minutesBefore,
  tarOf,
  type BrokenCase,
  type ContainerFields,
  type EngineRoutes,
  type FakeWorld,
  type TesterCase,
} from '../../src/testing/index.js';
import { runCheck } from '../helpers/fakes.js';

type FakeContainer = ContainerFields & { id: string };

/** Inspect fields the shared fake does not model (AttachStdout, Healthcheck, MemorySwap…), merged into its answer. */
interface Extra {
  config?: Record<string, unknown>;
  hostConfig?: Record<string, unknown>;
  /** The image's inspect (ExposedPorts, Healthcheck, Cmd), served for the container's image id. */
  image?: Record<string, unknown>;
}

function routesFor(containers: (FakeContainer & { extra?: Extra })[]): EngineRoutes {
  const routes = engineWith(containers);
  for (const c of containers) {
    const key = `/containers/${c.id}/json`;
    const base = routes[key] as { Config: object; HostConfig: object };
    routes[key] = { ...base, Config: { ...base.Config, ...c.extra?.config }, HostConfig: { ...base.HostConfig, ...c.extra?.hostConfig } };
    if (c.extra?.image) routes[`/images/${encodeURIComponent('sha256:1')}/json`] = { Id: 'sha256:1', Config: c.extra.image };
  }
  return routes;
}

/** A host with the daemon socket and these project files, and a daemon serving these containers. */
const world = (containers: (FakeContainer & { extra?: Extra })[], files: Record<string, string> = {}): FakeWorld => ({
  engine: routesFor(containers),
  files,
});

const detached: Extra = { config: { AttachStdout: false } };
const attached: Extra = { config: { AttachStdout: true } };
const published = (host: string, port: string): Extra['hostConfig'] => ({
  PortBindings: { [`${port}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: host }] },
});
const composeLabels = (service: string, oneoff = 'False') => ({
  'com.docker.compose.project': 'project',
  'com.docker.compose.service': service,
  'com.docker.compose.project.working_dir': '/project',
  'com.docker.compose.oneoff': oneoff,
});

/** One container, one finding about it: the rows of the tables below. */
const oneFinding = ([name, container, code, severity]: [string, FakeContainer & { extra?: Extra }, string, string]): BrokenCase => ({
  name,
  facts: world([container]),
  findings: [{ code, severity: severity as Severity, subject: { kind: 'container', name: container.name } }],
});
const quiet = ([name, container]: [string, FakeContainer & { extra?: Extra }]): TesterCase => ({
  name: `quiet about ${name}`,
  facts: world([container]),
});

const EXITS: [string, FakeContainer, string, string][] = [
  ['echo that finished at once', { id: 'a1', name: 'job', cmd: ['echo', 'hello'], exitCode: 0 }, 'exited-containers/finished', 'info'],
  ['a bare shell without a TTY', { id: 'a2', name: 'shell', cmd: ['bash'], exitCode: 0 }, 'exited-containers/shell-without-tty', 'warning'],
  [
    'a one-shot under restart always',
    { id: 'a3', name: 'cron', cmd: ['echo', 'x'], exitCode: 0, restartPolicy: 'always' },
    'exited-containers/not-long-running',
    'warning',
  ],
  [
    'exit 127 after start',
    { id: 'a4', name: 'web', cmd: ['sh', '-c', 'nosuch'], exitCode: 127, logs: 'sh: nosuch: not found\n' },
    'exited-containers/command-not-found',
    'error',
  ],
  ['exit 126', { id: 'a5', name: 'web', cmd: ['/start.sh'], exitCode: 126 }, 'exited-containers/not-executable', 'error'],
  [
    'an OOM kill',
    { id: 'a6', name: 'db', exitCode: 137, oomKilled: true, memory: 64 * 1024 * 1024 },
    'exited-containers/oom-killed',
    'error',
  ],
  ['SIGKILL without OOM', { id: 'a7', name: 'slow', exitCode: 137 }, 'exited-containers/killed', 'info'],
  [
    'exec format error',
    { id: 'a8', name: 'arm', exitCode: 255, logs: 'exec /usr/local/bin/app: exec format error\n' },
    'exited-containers/exec-format-error',
    'error',
  ],
  [
    'a CRLF shebang',
    { id: 'a9', name: 'crlf', exitCode: 255, logs: 'exec /entrypoint.sh: no such file or directory\n' },
    'exited-containers/bad-interpreter',
    'error',
  ],
  ['a segfault', { id: 'b1', name: 'native', exitCode: 139 }, 'exited-containers/crashed-by-signal', 'error'],
  [
    'an app error',
    { id: 'b2', name: 'api', exitCode: 1, logs: "starting\nError: Cannot find module 'express'\n" },
    'exited-containers/app-error',
    'error',
  ],
  [
    'an app error after hours of running',
    { id: 'b3', name: 'api', exitCode: 1, startedAt: minutesBefore(300), finishedAt: minutesBefore(2) },
    'exited-containers/app-error',
    'warning',
  ],
  [
    'a restart loop',
    {
      id: 'b4',
      name: 'loop',
      state: 'restarting',
      exitCode: 3,
      restartCount: 7,
      restartPolicy: 'always',
      logs: 'connect ECONNREFUSED 127.0.0.1:5432\n',
    },
    'exited-containers/restart-loop',
    'error',
  ],
  [
    'a start failure: missing binary',
    {
      id: 'b5',
      name: 'never',
      state: 'created',
      exitCode: 127,
      error:
        'failed to create shim task: OCI runtime create failed: runc create failed: unable to start ' +
        'container process: exec: "nosuch": executable file not found in $PATH: unknown',
    },
    'exited-containers/command-not-found',
    'error',
  ],
  [
    'a start failure: other',
    { id: 'b6', name: 'weird', state: 'created', exitCode: 128, error: 'something odd happened' },
    'exited-containers/start-failed',
    'error',
  ],
];

const QUIET: [string, FakeContainer][] = [
  ['a healthy running container', { id: 'n1', name: 'web', state: 'running' }],
  ['a container stopped by docker stop (143)', { id: 'n2', name: 'web', exitCode: 143 }],
  ['Ctrl-C (130)', { id: 'n3', name: 'web', exitCode: 130 }],
  [
    'a job that ran a minute and succeeded',
    { id: 'n4', name: 'job', exitCode: 0, startedAt: minutesBefore(3), finishedAt: minutesBefore(2) },
  ],
  [
    'a failure from last week',
    {
      id: 'n5',
      name: 'old',
      exitCode: 1,
      status: 'Exited (1) 8 days ago',
      startedAt: '2026-11-14T00:00:00Z',
      finishedAt: '2026-11-14T00:00:01Z',
    },
  ],
  [
    'a failure from yesterday that the list does not show as old',
    {
      id: 'n6',
      name: 'old',
      exitCode: 1,
      status: 'Exited (1) 25 hours ago',
      startedAt: minutesBefore(25 * 60, 1),
      finishedAt: minutesBefore(25 * 60),
    },
  ],
  ['a container created and never started', { id: 'n7', name: 'fresh', state: 'created' }],
  [
    'a port start failure (port-conflicts reports it)',
    {
      id: 'n8',
      name: 'p',
      state: 'created',
      exitCode: 128,
      error: 'driver failed programming external connectivity on endpoint p (x): Bind for 0.0.0.0:8080 failed: port is already allocated',
    },
  ],
  [
    'a mount start failure (bind-mounts reports it)',
    {
      id: 'n9',
      name: 'm',
      state: 'created',
      exitCode: 127,
      error:
        'error mounting "/x" to rootfs at "/etc/x.conf": not a directory: unknown: Are you trying to ' +
        'mount a directory onto a file (or vice-versa)?',
    },
  ],
  [
    'a permission error on a bind mount (bind-mounts reports it)',
    {
      id: 'p1',
      name: 'w',
      exitCode: 1,
      logs: 'touch: /data/x: Permission denied\n',
      mounts: [{ Type: 'bind', Source: '/srv/data', Destination: '/data', RW: true }],
    },
  ],
  ['a failed name lookup (the dns check reports it)', { id: 'p3', name: 'q', exitCode: 1, logs: 'getaddrinfo ENOTFOUND db\n' }],
  [
    'a running container that restarted long ago and is up again',
    { id: 'p2', name: 'r', state: 'running', status: 'Up 3 hours', restartCount: 2 },
  ],
];

const STAY_UP: [string, FakeContainer & { extra?: Extra }, string, string][] = [
  [
    'detached busybox httpd with a published port',
    { id: 'h1', name: 'web', cmd: ['httpd', '-p', '80'], extra: { ...detached, hostConfig: published('8080', '80') } },
    'exited-containers/daemonized',
    'warning',
  ],
  [
    'detached sh -c with a trailing &',
    { id: 'h2', name: 'bg', cmd: ['sh', '-c', 'sleep 100 &'], extra: detached },
    'exited-containers/daemonized',
    'warning',
  ],
  [
    'a daemonising command under restart always',
    { id: 'h3', name: 'sshd', cmd: ['/usr/sbin/sshd'], restartPolicy: 'unless-stopped' },
    'exited-containers/daemonized',
    'warning',
  ],
  [
    'an attached run of a daemonising command with nothing else to go on',
    { id: 'h4', name: 'try', cmd: ['crond'], extra: attached },
    'exited-containers/daemonized',
    'info',
  ],
  [
    'a daemonising command in a one-off compose run',
    {
      id: 'h5',
      name: 'project-web-run-1',
      cmd: ['nginx'],
      labels: composeLabels('web', 'True'),
      extra: { ...detached, hostConfig: published('8080', '80') },
    },
    'exited-containers/daemonized',
    'info',
  ],
  [
    'an attached echo that publishes a port',
    { id: 's1', name: 'srv', cmd: ['echo', 'listening'], extra: { ...attached, hostConfig: published('8080', '80') } },
    'exited-containers/server-exited',
    'warning',
  ],
  [
    'a server image (EXPOSE 80) run with its own command',
    {
      id: 's2',
      name: 'srv2',
      cmd: ['/start-server'],
      extra: { ...detached, image: { Cmd: ['/start-server'], ExposedPorts: { '80/tcp': {} } } },
    },
    'exited-containers/server-exited',
    'warning',
  ],
  [
    'a health check set on the container',
    { id: 's3', name: 'srv3', cmd: ['./serve'], extra: { config: { Healthcheck: { Test: ['CMD', 'wget', '-q', 'localhost'] } } } },
    'exited-containers/server-exited',
    'warning',
  ],
  [
    'a detached `true` with no ports (a job started detached)',
    { id: 'f1', name: 'job', cmd: ['true'], extra: detached },
    'exited-containers/finished',
    'info',
  ],
  ['an attached `echo hi`', { id: 'f2', name: 'hi', cmd: ['echo', 'hi'], extra: attached }, 'exited-containers/finished', 'info'],
  [
    'a compose migration job reusing the app image (which EXPOSEs 8000)',
    {
      id: 'f3',
      name: 'project-migrate-1',
      cmd: ['python', 'manage.py', 'migrate'],
      labels: composeLabels('migrate'),
      extra: { ...detached, image: { Cmd: ['gunicorn', 'app'], ExposedPorts: { '8000/tcp': {} } } },
    },
    'exited-containers/finished',
    'info',
  ],
  [
    'a compose init job with restart "no", detached by compose v1',
    { id: 'f4', name: 'project-init-1', cmd: ['sh', '-c', 'cp -r /seed/. /data/'], labels: composeLabels('init'), extra: detached },
    'exited-containers/finished',
    'info',
  ],
  [
    'a one-off compose run with --service-ports',
    {
      id: 'f5',
      name: 'project-web-run-2',
      cmd: ['echo', 'x'],
      labels: composeLabels('web', 'True'),
      extra: { hostConfig: published('8080', '80') },
    },
    'exited-containers/finished',
    'info',
  ],
  [
    'an on-failure job that publishes a port (the signals disagree)',
    { id: 'f6', name: 'retry', cmd: ['./fetch'], restartPolicy: 'on-failure', extra: { hostConfig: published('9000', '9000') } },
    'exited-containers/finished',
    'info',
  ],
  [
    "the image's own health check on a job that overrides the command",
    {
      id: 'f7',
      name: 'project-migrate-2',
      cmd: ['migrate'],
      labels: composeLabels('migrate'),
      extra: {
        config: { Healthcheck: { Test: ['CMD', 'curl', 'localhost'] } },
        image: { Cmd: ['serve'], Healthcheck: { Test: ['CMD', 'curl', 'localhost'] } },
      },
    },
    'exited-containers/finished',
    'info',
  ],
  [
    'nginx whose config already says daemon off (something else ended it)',
    { id: 'f8', name: 'ngx', cmd: ['nginx'], files: { '/etc/nginx/nginx.conf': 'daemon off;\nevents {}\n' }, extra: detached },
    'exited-containers/finished',
    'info',
  ],
  [
    'redis-server with a config file that does not daemonise',
    { id: 'f9', name: 'rds', cmd: ['redis-server', '/etc/redis.conf'], files: { '/etc/redis.conf': 'port 6379\n' }, extra: detached },
    'exited-containers/finished',
    'info',
  ],
  [
    'redis-server with a config file that cannot be read (say less)',
    { id: 'fa', name: 'rds2', cmd: ['redis-server', '/etc/redis.conf'], extra: detached },
    'exited-containers/finished',
    'info',
  ],
];

const QUIET_STAY_UP: [string, FakeContainer & { extra?: Extra }][] = [
  [
    'a running server started with `service x start && tail -f`',
    { id: 'q1', name: 'tail', state: 'running', cmd: ['sh', '-c', 'service nginx start && tail -f /dev/null'], extra: detached },
  ],
  [
    'a running busybox httpd -f',
    {
      id: 'q2',
      name: 'fg',
      state: 'running',
      cmd: ['httpd', '-f', '-p', '80'],
      extra: { ...detached, hostConfig: published('8080', '80') },
    },
  ],
  [
    'a daemonising command that exited 0 after running a minute',
    { id: 'q3', name: 'slow', cmd: ['nginx'], startedAt: minutesBefore(3), finishedAt: minutesBefore(2), extra: detached },
  ],
];

const OOM_LIMITS: [string, number, number | undefined, string][] = [
  ["64 MiB, swap at docker's default", 64 * 1024 ** 2, undefined, 'docker update --memory 128m --memory-swap 256m db'],
  ['8 MiB with no swap', 8 * 1024 ** 2, 8 * 1024 ** 2, 'docker update --memory 16m --memory-swap 16m db'],
  ['1 GiB with unlimited swap', 1024 ** 3, -1, 'docker update --memory 2g --memory-swap -1 db'],
  ['768 MiB with 256 MiB of swap', 768 * 1024 ** 2, 1024 ** 3, 'docker update --memory 1536m --memory-swap 1792m db'],
];

/** A host whose daemon keeps OOM events and whose kernel log this user may read. */
const oomWorld = (routes: EngineRoutes, dmesg: string): FakeWorld => ({
  clients: fakeClients({
    engine: engineWith([{ id: 'o1', name: 'hog', exitCode: 137, memory: 8 * 1024 * 1024 }], { '/events': '', ...routes }),
    files: { '/var/run/docker.sock': { stat: { type: 'socket' } } },
    exec: {
      run: async (file) => ({
        exitCode: file === 'dmesg' ? 0 : 1,
        stdout: file === 'dmesg' ? dmesg : '',
        stderr: '',
        failed: file !== 'dmesg',
      }),
    },
  }),
});

/** Podman's Engine API names itself in /version: its failed starts leave containers in Created with no State.Error. */
const PODMAN_VERSION = { Version: '4.3.1', ApiVersion: '1.41', Os: 'linux', Arch: 'amd64', Components: [{ Name: 'Podman Engine' }] };
const podmanWorld = (containers: FakeContainer[]): FakeWorld => ({ engine: { ...routesFor(containers), '/version': PODMAN_VERSION } });
/** A container Podman created, tried to start and left in Created without a word: made a minute ago, never started. */
const silentlyCreated = (c: Partial<FakeContainer> & { id: string; name: string }): FakeContainer => ({
  state: 'created',
  created: minutesBefore(1),
  ...c,
});

/** A tar whose first entry is the directory asked for, as Podman's archive API answers a directory. */
const dirTar = (name: string) => {
  const tar = tarOf(name, '', 0o755);
  tar.write('5', 156);
  return tar;
};

const PODMAN_QUIET: TesterCase[] = [
  {
    name: 'Podman: a never-started container whose command path is an executable file says nothing',
    facts: podmanWorld([
      silentlyCreated({ id: 'q9', name: 'ok', cmd: ['/app/run'], files: { '/app/run': { content: '#!/bin/sh', mode: 0o755 } } }),
    ]),
  },
  {
    name: 'Podman: a bare command name found on PATH, even where an earlier PATH entry is not executable, says nothing',
    facts: podmanWorld([
      silentlyCreated({
        id: 'q10',
        name: 'onpath',
        cmd: ['tool'],
        files: { '/usr/local/bin/tool': 'not a program', '/usr/bin/tool': { content: 'ELF', mode: 0o755 } },
      }),
    ]),
  },
  {
    name: 'Podman: a never-started container whose command is in the image (bin/sh through PATH) says nothing',
    facts: podmanWorld([silentlyCreated({ id: 'q1', name: 'later', cmd: ['sh'], files: { '/bin/sh': 'busybox' } })]),
  },
  {
    name: 'Podman: a container created a second ago and not started yet (`podman create` for later) says nothing',
    facts: podmanWorld([silentlyCreated({ id: 'q2', name: 'fresh', cmd: ['nosuchcmd'], created: minutesBefore(0, 1) })]),
  },
  {
    name: 'Docker: a never-started container with no start error is a `docker create` for later, whatever its command',
    facts: world([silentlyCreated({ id: 'q3', name: 'made', cmd: ['nosuchcmd'] })]),
  },
];

const PODMAN_BROKEN: BrokenCase[] = [
  {
    name: 'Podman: a never-started container whose command is a file without an execute bit (exit 126 on Docker)',
    facts: podmanWorld([
      silentlyCreated({ id: 'q11', name: 'noexec', cmd: ['/etc/passwd'], files: { '/etc/passwd': 'root:x:0:0::/:/bin/sh' } }),
    ]),
    findings: [
      {
        code: 'not-executable',
        severity: 'error',
        subject: 'noexec',
        title: 'Container noexec never started: its command `/etc/passwd` is not executable (mode 0644)',
        fixes: ['RUN chmod +x /etc/passwd', 'podman rm noexec'],
      },
    ],
    assert: (r) => expect(r.findings[0]!.evidence).toMatchObject({ path: '/etc/passwd', mode: '0644', status: 'created' }),
  },
  {
    name: 'Podman: a never-started container whose command is a directory',
    facts: {
      engine: {
        ...routesFor([silentlyCreated({ id: 'q12', name: 'dir', cmd: ['/etc'] })]),
        '/version': PODMAN_VERSION,
        '/containers/q12/archive?path=%2Fetc': dirTar('etc'),
      },
    },
    findings: [{ code: 'not-executable', severity: 'error', title: 'Container dir never started: its command `/etc` is a directory' }],
  },
  {
    name: 'Podman: a one-word command is named once, though Podman repeats the path in Args',
    facts: podmanWorld([{ id: 'q8', name: 'once', cmd: ['true'], path: 'true', args: ['true'] }]),
    findings: [{ code: 'finished', severity: 'info' }],
    assert: (r) => expect(r.findings[0]!.title).toContain('its command `true` finished'),
  },
  {
    name: 'Podman: AttachStdout reads false for every run, so a daemonising command with nothing else to go on stays a note',
    facts: { engine: { ...routesFor([{ id: 'q7', name: 'try', cmd: ['crond'], extra: detached }]), '/version': PODMAN_VERSION } },
    findings: [{ code: 'daemonized', severity: 'info' }],
    assert: (r) => expect(r.findings[0]!.evidence!.meantToStayUp).toEqual({ signals: [], against: [] }),
  },
  {
    name: "Podman: a restart loop caught in its 'stopped' state between restarts",
    facts: podmanWorld([
      {
        id: 'q6',
        name: 'loop',
        // Podman's list state between restarts, which Docker's API does not have.
        state: 'stopped' as FakeContainer['state'],
        status: 'Exited (3) Less than a second ago',
        exitCode: 3,
        restartCount: 5,
        restartPolicy: 'always',
        logs: 'fatal: no config\n',
      },
    ]),
    findings: [
      {
        code: 'restart-loop',
        severity: 'error',
        title:
          'Container loop is restarting in a loop (5 restarts); it last exited with code 3: the application failed; ' +
          'last log line "fatal: no config"',
      },
    ],
  },
  {
    name: 'Podman: a never-started container whose command is nowhere on the image PATH (no State.Error)',
    facts: podmanWorld([silentlyCreated({ id: 'q4', name: 'nobin', cmd: ['nosuchcmd'] })]),
    findings: [
      {
        code: 'command-not-found',
        severity: 'error',
        title:
          'Container nobin never started: its command `nosuchcmd` is not in the image (looked for /usr/local/sbin/nosuchcmd, ' +
          '/usr/local/bin/nosuchcmd, /usr/sbin/nosuchcmd, /usr/bin/nosuchcmd, /sbin/nosuchcmd, /bin/nosuchcmd)',
      },
    ],
  },
  {
    name: 'Podman: a never-started container whose command path is missing from the image',
    facts: podmanWorld([silentlyCreated({ id: 'q5', name: 'abs', cmd: ['/app/server'], files: { '/bin/sh': 'busybox' } })]),
    findings: [
      {
        code: 'command-not-found',
        severity: 'error',
        title: 'Container abs never started: its command `/app/server` is not in the image (looked for /app/server)',
      },
    ],
    assert: (r) => expect(r.findings[0]!.fixes.map((f) => f.command)).toContain('podman rm abs'),
  },
];

new CheckTester(exitedContainers).run({
  healthy: [...QUIET.map(quiet), ...QUIET_STAY_UP.map(quiet), ...PODMAN_QUIET],
  broken: [
    ...EXITS.map(oneFinding),
    ...PODMAN_BROKEN,
    {
      name: 'the log line that explains an app error, with a redacted tail in the evidence',
      facts: world([{ id: 'c1', name: 'api', exitCode: 1, logs: 'DB_PASSWORD=hunter2\nError: connect ECONNREFUSED 127.0.0.1:5432\n' }]),
      findings: [
        {
          code: 'app-error',
          severity: 'error',
          title:
            'Container api exited with code 1 after 1 s: a service it connects to was not accepting connections ' +
            '(not started yet, wrong host, ' +
            'or localhost inside a container): "Error: connect ECONNREFUSED 127.0.0.1:5432"',
        },
      ],
      assert: (r) =>
        expect(r.findings[0]!.evidence!.logTail).toEqual(['DB_PASSWORD=[redacted]', 'Error: connect ECONNREFUSED 127.0.0.1:5432']),
    },
    {
      name: "an OOM kill the OOMKilled flag missed, from the daemon's oom event",
      facts: oomWorld({ '/events': '{"status":"oom","id":"o1"}\n' }, ''),
      findings: [{ code: 'oom-killed', severity: 'error' }],
    },
    {
      name: 'an OOM kill the OOMKilled flag missed, from the kernel log',
      facts: oomWorld({}, '[ 4859.46] oom-kill:constraint=CONSTRAINT_MEMCG,oom_memcg=/docker/o1,task=dd,pid=31167\n'),
      findings: [{ code: 'oom-killed', severity: 'error' }],
    },
    {
      name: 'no exit code claimed for a loop caught between restarts (State.ExitCode reads 0 then)',
      facts: world([
        {
          id: 'l2',
          name: 'loop2',
          state: 'running',
          status: 'Up 1 second',
          restartCount: 4,
          restartPolicy: 'always',
          logs: 'fatal: no config\n',
        },
      ]),
      findings: [
        {
          code: 'restart-loop',
          severity: 'error',
          title: 'Container loop2 is restarting in a loop (4 restarts); it is up again for now: last log line "fatal: no config"',
        },
      ],
    },
    {
      name: 'the compose line that sets the command, when the container comes from this project',
      facts: world(
        [
          {
            id: 'd1',
            name: 'project-worker-1',
            exitCode: 127,
            cmd: ['sh', '-c', 'runworker'],
            labels: composeLabels('worker'),
            logs: 'sh: runworker: not found\n',
          },
        ],
        { '/project/compose.yaml': 'services:\n  worker:\n    image: busybox\n    command: ["sh", "-c", "runworker"]\n' },
      ),
      findings: [{ code: 'command-not-found', severity: 'error', subject: 'compose.yaml:4:14' }],
      assert: (r) => expect(r.findings[0]!.location).toEqual({ file: 'compose.yaml', line: 4, column: 14 }),
    },
    {
      name: 'the Dockerfile CMD, when the service is built from the project',
      facts: world([{ id: 'd2', name: 'project-app-1', exitCode: 1, labels: composeLabels('app') }], {
        '/project/compose.yaml': 'services:\n  app:\n    build: .\n',
        '/project/Dockerfile': 'FROM node:20\nWORKDIR /app\nCOPY . .\nCMD ["node", "server.js"]\n',
      }),
      findings: [{ code: 'app-error', severity: 'error', subject: 'Dockerfile:4' }],
      assert: (r) => expect(r.findings[0]!.location).toEqual({ file: 'Dockerfile', line: 4 }),
    },
    ...STAY_UP.map(oneFinding),
    {
      name: 'busybox httpd named, with its foreground form keeping the published port',
      facts: world([{ id: 'h1', name: 'web', cmd: ['httpd', '-p', '80'], extra: { ...detached, hostConfig: published('8080', '80') } }]),
      findings: [
        {
          code: 'daemonized',
          severity: 'warning',
          title:
            'Container web exited 0 after 1 s because its command `httpd -p 80` does not stay in the foreground: ' +
            'busybox httpd forks into ' +
            'the background unless started with -f',
        },
      ],
      assert: (r) => {
        expect(r.findings[0]!.fixes).toEqual([
          {
            title:
              'Keep `httpd -f -p 80` in the foreground: run it again with the foreground command (plus any volumes or environment it had)',
            command: 'docker run -d -p 127.0.0.1:8080:80 busybox httpd -f -p 80',
          },
        ]);
        expect(r.findings[0]!.evidence).toMatchObject({
          daemonising: { command: 'httpd -p 80', foreground: 'httpd -f -p 80' },
          meantToStayUp: { signals: ['it publishes port 127.0.0.1:8080→80/tcp', 'it was started detached'], against: [] },
        });
      },
    },
    {
      name: 'the trailing & of a sh -c script dropped',
      facts: world([{ id: 'h2', name: 'bg', cmd: ['sh', '-c', 'sleep 100 &'], extra: detached }]),
      findings: [{ code: 'daemonized', severity: 'warning' }],
      assert: (r) => expect(r.findings[0]!.fixes[0]!.command).toBe("docker run -d busybox sh -c 'sleep 100'"),
    },
    {
      name: 'the foreground command written into the compose command: line that sets it',
      facts: world([{ id: 'c1', name: 'project-web-1', cmd: ['nginx'], labels: composeLabels('web') }], {
        '/project/compose.yaml': 'services:\n  web:\n    image: nginx\n    command: nginx\n    ports: ["8080:80"]\n',
      }),
      findings: [{ code: 'daemonized', severity: 'info', subject: 'compose.yaml:4' }],
      assert: (r) =>
        expect(r.findings[0]!.fixes).toEqual([
          {
            title: "Keep `nginx -g 'daemon off;'` in the foreground: in compose.yaml (line 4), set",
            command: 'command: ["nginx","-g","daemon off;"]',
          },
        ]),
    },
    {
      name: 'the foreground form of `service x start` written into the Dockerfile CMD',
      facts: world(
        [
          {
            id: 'c2',
            name: 'project-app-1',
            cmd: ['/bin/sh', '-c', 'service nginx start'],
            labels: composeLabels('app'),
            extra: { hostConfig: published('8080', '80') },
          },
        ],
        {
          '/project/compose.yaml': 'services:\n  app:\n    build: .\n    ports: ["8080:80"]\n',
          '/project/Dockerfile': 'FROM debian\nRUN apt-get install -y nginx\nCMD service nginx start\n',
        },
      ),
      findings: [{ code: 'daemonized', severity: 'warning', subject: 'Dockerfile:3' }],
      assert: (r) => expect(r.findings[0]!.fixes[0]!.command).toBe('CMD ["/bin/sh","-c","nginx -g \'daemon off;\'"]'),
    },
    {
      name: 'the Dockerfile CMD, not the ENTRYPOINT script before it, when only the command changes',
      facts: world(
        [
          {
            id: 'c3',
            name: 'project-proxy-1',
            entrypoint: ['/docker-entrypoint.sh'],
            cmd: ['nginx'],
            labels: composeLabels('proxy'),
            extra: { hostConfig: published('8080', '80') },
          },
        ],
        {
          '/project/compose.yaml': 'services:\n  proxy:\n    build: .\n    ports: ["8080:80"]\n',
          '/project/Dockerfile': 'FROM nginx\nENTRYPOINT ["/docker-entrypoint.sh"]\nCMD ["nginx"]\n',
        },
      ),
      findings: [{ code: 'daemonized', severity: 'warning', subject: 'Dockerfile:3' }],
      assert: (r) =>
        expect(r.findings[0]!.fixes[0]).toEqual({
          title: "Keep `nginx -g 'daemon off;'` in the foreground: in Dockerfile (line 3), set",
          command: 'CMD ["nginx","-g","daemon off;"]',
        }),
    },
    {
      name: 'a redis config file that says daemonize yes, believed',
      facts: world([
        {
          id: 'r1',
          name: 'cache',
          cmd: ['redis-server', '/etc/redis.conf'],
          files: { '/etc/redis.conf': 'port 6379\ndaemonize yes\n' },
          extra: detached,
        },
      ]),
      findings: [{ code: 'daemonized', severity: 'warning', fixes: ['docker run -d busybox redis-server /etc/redis.conf --daemonize no'] }],
    },
    {
      name: 'the daemonising command of a restart loop that exits 0, with the foreground fix first',
      facts: world([
        { id: 'l1', name: 'loop', state: 'restarting', exitCode: 0, restartCount: 5, restartPolicy: 'always', cmd: ['httpd', '-p', '80'] },
      ]),
      findings: [
        {
          code: 'restart-loop',
          severity: 'error',
          title:
            'Container loop is restarting in a loop (5 restarts); it last exited with code 0: its command ' +
            '`httpd -p 80` does not stay in the ' +
            'foreground (busybox httpd forks into the background unless started with -f)',
          fixes: ['docker run -d --restart always busybox httpd -f -p 80', 'docker update --restart=no loop && docker stop loop'],
        },
      ],
    },
    {
      name: 'the program not printed twice on Podman, which repeats it in Args',
      facts: world([{ id: 'p1', name: 'pod', cmd: ['true'], path: 'true', args: ['true'], extra: detached }]),
      findings: [{ code: 'finished', severity: 'info', title: /its command `true` finished/ }],
    },
    ...OOM_LIMITS.map(([name, memory, swap, command]) => ({
      name: `OOM, ${name}: a higher limit, never the same or lower`,
      facts: world([
        {
          id: 'm1',
          name: 'db',
          exitCode: 137,
          oomKilled: true,
          memory,
          extra: swap === undefined ? {} : { hostConfig: { MemorySwap: swap } },
        },
      ]),
      findings: [{ code: 'oom-killed', severity: 'error' as const }],
      assert: (r: { findings: { fixes: { command?: string }[] }[] }) => expect(r.findings[0]!.fixes[0]!.command).toBe(command),
    })),
    {
      name: 'OOM without a limit: the host ran out, and no --memory suggested',
      facts: world([{ id: 'm2', name: 'big', exitCode: 137, oomKilled: true, memory: 0 }]),
      findings: [
        {
          code: 'oom-killed',
          severity: 'error',
          title:
            "Container big was killed by the kernel's OOM killer (exit 137) after 1 s: it has no memory limit of its own, so the host " +
            '(or a parent cgroup) ran out of memory',
          fixes: ['docker stats --no-stream', 'free -m', 'docker logs --tail 100 big'],
        },
      ],
    },
    {
      name: 'OOM of a Node compose service: the heap capped below the raised limit, and the compose limit named',
      facts: world([
        {
          id: 'm3',
          name: 'project-api-1',
          exitCode: 137,
          oomKilled: true,
          memory: 512 * 1024 ** 2,
          cmd: ['node', 'server.js'],
          labels: composeLabels('api'),
        },
      ]),
      findings: [{ code: 'oom-killed', severity: 'error' }],
      assert: (r) =>
        expect(r.findings[0]!.fixes.map((f) => f.command ?? f.title)).toEqual([
          'docker update --memory 1g --memory-swap 2g project-api-1',
          "In the compose file, raise the service's mem_limit (or deploy.resources.limits.memory) to 1g, or the next `up` brings the old " +
            'limit back',
          'NODE_OPTIONS=--max-old-space-size=768',
        ]),
    },
  ],
});

describe('exited-containers: what it asks the daemon', () => {
  it('inspects only containers that may have a story', async () => {
    const calls: string[] = [];
    const containers: FakeContainer[] = [
      { id: 'r1', name: 'up', state: 'running' },
      { id: 'r2', name: 'stopped', exitCode: 143 },
      { id: 'r3', name: 'old', exitCode: 1, status: 'Exited (1) 3 weeks ago' },
      { id: 'r4', name: 'fail', exitCode: 1 },
    ];
    const clients = fakeClients({ engine: () => fakeEngine(engineWith(containers), calls) });
    await runCheck(exitedContainers, fakeFacts({ clients }));
    expect(calls.filter((c) => c.endsWith('/json') && c.startsWith('/containers/r'))).toEqual(['/containers/r4/json']);
  });
});

describe('daemonising commands', () => {
  it.each<[string[], string | undefined]>([
    [['httpd'], 'httpd -f'],
    [['httpd', '-f', '-p', '80'], undefined],
    [['httpd', '-h', '/www', '-p', '8080'], 'httpd -f -h /www -p 8080'],
    [['httpd', '-m', 'secret'], undefined],
    [['/usr/local/apache2/bin/httpd', '-k', 'start'], '/usr/local/apache2/bin/httpd -DFOREGROUND'],
    [['httpd', '-D', 'FOREGROUND'], undefined],
    [['httpd', '-f', '/etc/httpd/httpd.conf', '-DSSL'], 'httpd -f /etc/httpd/httpd.conf -DSSL -DFOREGROUND'],
    [['nginx'], "nginx -g 'daemon off;'"],
    [['nginx', '-g', 'daemon off;'], undefined],
    [['nginx', '-t'], undefined],
    [['/docker-entrypoint.sh', 'nginx'], "nginx -g 'daemon off;'"],
    [['tini', '--', 'nginx'], "nginx -g 'daemon off;'"],
    [['/bin/sh', '/entry.sh', 'httpd', '-p', '80'], 'httpd -f -p 80'],
    [['php-fpm8.2'], 'php-fpm8.2 -F'],
    [['php-fpm', '-F'], undefined],
    [['sshd'], '/usr/sbin/sshd -D'],
    [['/usr/sbin/sshd', '-D'], undefined],
    [['redis-server', '--daemonize', 'yes'], 'redis-server --daemonize no'],
    [['redis-server'], undefined],
    [['supervisord', '-c', '/etc/supervisor/supervisord.conf'], 'supervisord -n -c /etc/supervisor/supervisord.conf'],
    [['supervisord', '-n'], undefined],
    [['crond'], 'crond -f'],
    [['crond', '-f', '-l', '2'], undefined],
    [['service', 'ssh', 'start'], '/usr/sbin/sshd -D'],
    [['service', 'postgresql', 'start'], "postgresql's own program, in its foreground mode"],
    [['sh', '-c', 'sleep 100 &'], 'sleep 100'],
    [['sh', '-c', 'service nginx start && tail -f /dev/null'], undefined],
    [['sh', '-c', 'migrate && exec crond'], 'crond -f'],
    [['sh', '-c', 'nginx | tee /log'], undefined],
    [['sh', '-c', 'echo \\&'], undefined],
    [['echo', 'hi'], undefined],
  ])('%j → %s', (argv, foreground) => {
    expect(findDaemoniser(argv)?.foregroundPart).toBe(foreground);
  });

  it('keeps assignments and wrappers in a rewritten script', () => {
    expect(findDaemoniser(['sh', '-c', 'FOO=1 exec gosu www nginx'])?.foreground).toEqual([
      'sh',
      '-c',
      "FOO=1 exec gosu www nginx -g 'daemon off;'",
    ]);
  });

  it('does not rewrite a script with expansions (they would come back quoted)', () => {
    const found = findDaemoniser(['sh', '-c', 'echo $HOME; nginx']);
    expect(found?.foregroundPart).toBe("nginx -g 'daemon off;'");
    expect(found?.foreground).toBeUndefined();
  });
});

describe('exited-containers: memory sizes', () => {
  it.each([
    [8 * 1024 ** 2, '16m'],
    [1024 ** 3, '2g'],
    [1.5 * 1024 ** 3, '3g'],
    [700 * 1024 ** 2, '1400m'],
  ])('raises %i bytes to %s', (bytes, size) => {
    expect(dockerSize(raisedLimit(bytes))).toBe(size);
    expect(raisedLimit(bytes)).toBeGreaterThan(bytes);
  });
});

describe('exit code words', () => {
  it.each([
    [0, false, 'the main process finished'],
    [137, true, 'killed for running out of memory'],
    [137, false, 'killed (SIGKILL)'],
    [143, false, 'stopped (SIGTERM)'],
    [135, false, 'killed by signal 7'],
  ])('%i (oom %s) → %s', (code, oom, words) => {
    expect(exitCodeMeaning(code, oom)).toBe(words);
  });

  it('shortens OCI start errors to the part that matters', () => {
    expect(
      shortError(
        'failed to create shim task: OCI runtime create failed: runc create failed: unable to start ' +
          'container process: exec: "x": executable file not found in $PATH: unknown',
      ),
    ).toBe('exec: "x": executable file not found in $PATH');
  });
});

/**
 * Podman's logs with tail= splice a line stored in pieces onto the line before (what Podman 4.3 answered here for
 * `printf 'first line\n'; printf 'sh: ' >&2; sleep 0.2; printf "can't create …\n" >&2`): the log is read whole, bounded, and cut here.
 */
describe('container logs on Podman', () => {
  const frame = (stream: 1 | 2, text: string) => {
    const payload = Buffer.from(text);
    const header = Buffer.alloc(8);
    header[0] = stream;
    header.writeUInt32BE(payload.length, 4);
    return Buffer.concat([header, payload]);
  };
  const whole = Buffer.concat([frame(1, 'first line\n'), frame(2, 'sh: '), frame(2, "can't create /data/out: Permission denied\n")]);
  const spliced = Buffer.concat([frame(1, 'first linesh: \n'), frame(2, "can't create /data/out: Permission denied\n")]);
  const logsOf = (routes: EngineRoutes, version: object = PODMAN_VERSION) =>
    fakeFacts({
      engine: {
        ...routes,
        '/version': version,
        '/containers/c1/json': { Id: 'c1', Config: { Tty: false }, State: {}, HostConfig: {} },
      },
    }).containerLogs('c1');

  it('reads the whole log without tail=, so a line stored in pieces reads back whole', async () => {
    const routes = { '/containers/c1/logs?stdout=1&stderr=1': whole, '/containers/c1/logs?stdout=1&stderr=1&tail=60': spliced };
    expect(await logsOf(routes)).toBe("first line\nsh: can't create /data/out: Permission denied\n");
  });
  it('keeps the last 60 lines, as tail=60 would', async () => {
    const lines = Array.from({ length: 100 }, (_, i) => `line ${i + 1}\n`).join('');
    const text = await logsOf({ '/containers/c1/logs?stdout=1&stderr=1': frame(1, lines) });
    expect(text.split('\n').slice(0, -1)).toEqual(Array.from({ length: 60 }, (_, i) => `line ${i + 41}`));
  });
  it("a log over the 1 MiB bound (its oldest part) falls back to Podman's tail=", async () => {
    const routes = {
      '/containers/c1/logs?stdout=1&stderr=1': frame(1, 'x'.repeat(1024 * 1024)),
      '/containers/c1/logs?stdout=1&stderr=1&tail=60': frame(2, 'Error: the last line\n'),
    };
    expect(await logsOf(routes)).toBe('Error: the last line\n');
  });
  it('Docker keeps asking for tail=60', async () => {
    const routes = { '/containers/c1/logs?stdout=1&stderr=1&tail=60': frame(2, 'Error: docker\n') };
    expect(await logsOf(routes, { Version: '28.2.2', ApiVersion: '1.50' })).toBe('Error: docker\n');
  });
});
