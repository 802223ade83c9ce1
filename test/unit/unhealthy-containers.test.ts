import { describe, expect, it } from 'vitest';
import unhealthyContainers from '../../checks/unhealthy-containers.js';
import { knownBase } from '../../checks/unhealthy-containers/base-images.js';
import { probeOfInstruction, probeOfTest, targetsOf } from '../../checks/unhealthy-containers/probe.js';
import { boundedHealth, notFoundProgram } from '../../checks/unhealthy-containers/runtime.js';
import { CheckTester, containerInspect, HEALTHY_ENGINE, listener, minutesBefore, type ContainerFields } from '../../src/testing/index.js';

CheckTester.describe = describe;
CheckTester.it = it;

const S = 1e9;
const at = (minutes: number, seconds = 0) => minutesBefore(minutes, seconds);
const probe = (exitCode: number, output: string, minutes = 0, seconds = 10) => ({
  Start: at(minutes, seconds),
  End: at(minutes, seconds - 0.1),
  ExitCode: exitCode,
  Output: output,
});

/** A running busybox-like container with a health check; the list's Status carries the health, as Docker's does. */
function withHealth(
  fields: Partial<ContainerFields> & { test: string[]; health: NonNullable<ContainerFields['health']> },
): ContainerFields {
  const { test, health, ...rest } = fields;
  const status = health.status === 'starting' ? 'health: starting' : health.status;
  return {
    name: 'web',
    state: 'running',
    status: `Up 2 hours (${status})`,
    startedAt: at(120),
    pid: 4242,
    healthcheck: { Test: test, Interval: 1 * S, Retries: 1 },
    health,
    ...rest,
  };
}

const CURL = ['CMD-SHELL', 'curl -f http://localhost:8080/'];
const unhealthy = (output: string, exitCode = 1) => ({ status: 'unhealthy', failingStreak: 5, log: [probe(exitCode, output)] });

const COMPOSE = 'services:\n  web:\n    image: busybox\n    healthcheck:\n      test: curl -f http://localhost:8080/\n      interval: 1s\n';
const COMPOSE_LABELS = {
  'com.docker.compose.project': 'project',
  'com.docker.compose.service': 'web',
  'com.docker.compose.project.working_dir': '/project',
  'com.docker.compose.project.config_files': '/project/compose.yaml',
  'com.docker.compose.version': '2.29.1',
};

const PODMAN = {
  '/version': { Version: '4.3.1', ApiVersion: '1.41', Components: [{ Name: 'Podman Engine', Version: '4.3.1' }] },
  '/info': HEALTHY_ENGINE['/info'],
};

new CheckTester(unhealthyContainers).run({
  healthy: [
    {
      name: 'a healthy container whose probes pass',
      facts: { containers: [withHealth({ test: CURL, health: { status: 'healthy', log: [probe(0, ''), probe(0, '')] } })] },
    },
    { name: 'a running container without a health check', facts: { containers: [{ name: 'web', state: 'running', pid: 7 }] } },
    {
      name: 'starting within its start period',
      facts: {
        containers: [
          withHealth({
            test: CURL,
            startedAt: at(0, 10),
            status: 'Up 10 seconds (health: starting)',
            healthcheck: { Test: CURL, Interval: 5 * S, StartPeriod: 60 * S },
            health: { status: 'starting', log: [probe(7, 'curl: (7) Failed to connect', 0, 5)] },
          }),
        ],
      },
    },
    {
      name: 'healthy after failures inside its start period only',
      facts: {
        containers: [
          withHealth({
            test: CURL,
            startedAt: at(0, 50),
            status: 'Up 50 seconds (healthy)',
            healthcheck: { Test: CURL, Interval: 5 * S, StartPeriod: 40 * S, Retries: 3 },
            health: {
              status: 'healthy',
              log: [probe(7, 'refused', 0, 45), probe(7, 'refused', 0, 40), probe(7, 'refused', 0, 35), probe(0, '', 0, 5)],
            },
          }),
        ],
      },
    },
    {
      name: 'Podman: starting with no probe yet, within the first intervals',
      facts: {
        engine: PODMAN,
        containers: [withHealth({ test: CURL, startedAt: at(0, 3), status: 'Up 3 seconds', health: { status: 'starting' } })],
      },
    },
    {
      name: 'a compose healthcheck written well, and a HEALTHCHECK using a tool the base has',
      facts: {
        project: {
          'compose.yaml':
            'services:\n  web:\n    build: .\n    healthcheck:\n      test: ["CMD", "wget", "-q", "--spider", "http://localhost:3000/"]\n' +
            '      interval: 30s\n      timeout: 5s\n      start_period: 1m30s\n      retries: 3\n',
          Dockerfile: 'FROM node:20-alpine\nHEALTHCHECK --interval=30s CMD wget -q --spider http://localhost:3000/ || exit 1\n',
        },
      },
    },
    {
      name: 'curl on alpine, installed by a RUN line',
      facts: { project: { Dockerfile: 'FROM alpine:3.19\nRUN apk add --no-cache curl\nHEALTHCHECK CMD curl -f http://localhost/\n' } },
    },
    {
      name: 'curl on a base image not known to lack it (the full node image)',
      facts: { project: { Dockerfile: 'FROM node:20\nHEALTHCHECK CMD curl -f http://localhost:3000/\n' } },
    },
    {
      name: 'curl in a builder stage only, the final stage probes with wget',
      facts: {
        project: {
          Dockerfile:
            'FROM debian:12-slim AS build\nHEALTHCHECK CMD curl -f http://localhost/\nFROM alpine:3.19\nHEALTHCHECK CMD wget -q --spider http://localhost/\n',
        },
      },
    },
    {
      name: 'odd input: a map as test, a list as interval, a HEALTHCHECK with no command, a built service whose Dockerfile has no FROM',
      facts: {
        project: {
          'compose.yaml':
            'services:\n  web:\n    build: .\n    healthcheck:\n      test: curl -f http://localhost/\n      interval: [1]\n' +
            '  api:\n    image: x\n    healthcheck:\n      test: {a: 1}\n      disable: maybe\n',
          Dockerfile: 'HEALTHCHECK\nHEALTHCHECK CMD ["unterminated\nRUN true\n',
        },
      },
    },
  ],
  broken: [
    {
      name: 'the probe runs curl, which the image does not have; it has wget',
      facts: { containers: [withHealth({ test: CURL, health: unhealthy('/bin/sh: curl: not found\n', 127), files: { '/bin/wget': '' } })] },
      findings: [
        {
          code: 'tool-missing',
          severity: 'error',
          subject: 'web',
          title: 'Container web is unhealthy: its health check runs curl, which the image does not have (it has wget)',
          fixes: ["--health-cmd 'wget -q --spider http://localhost:8080/'"],
        },
      ],
    },
    {
      name: 'Podman says exit 1 for the same missing curl',
      facts: {
        engine: PODMAN,
        containers: [
          withHealth({ test: CURL, status: 'Up 2 hours', health: unhealthy('/bin/sh: curl: not found'), files: { '/bin/wget': '' } }),
        ],
      },
      findings: [
        {
          code: 'tool-missing',
          severity: 'error',
          title: /runs curl, which the image does not have \(it has wget\)/,
          fixes: ["--health-cmd 'wget -q --spider http://localhost:8080/'"],
        },
      ],
    },
    {
      name: 'exec form: the runtime cannot find curl, and the image has no other HTTP client',
      facts: {
        containers: [
          withHealth({
            test: ['CMD', 'curl', '-f', 'http://localhost/'],
            health: unhealthy('OCI runtime exec failed: exec failed: exec: "curl": executable file not found in $PATH: unknown', -1),
          }),
        ],
      },
      findings: [{ code: 'tool-missing', severity: 'error', title: /runs curl, which the image does not have$/ }],
      assert: (result) => expect(result.findings[0]!.fixes[0]!.title).toMatch(/^Install curl in the image/),
    },
    {
      name: '"not found" in the output, but the program is there: not called missing',
      facts: {
        containers: [withHealth({ test: CURL, health: unhealthy('/bin/sh: helper: not found'), files: { '/usr/local/bin/helper': '' } })],
      },
      findings: [
        {
          code: 'failing',
          severity: 'error',
          title: /failed 5 times in a row \(exit 1: \/bin\/sh: helper: not found\)/,
          fixes: [`docker inspect --format '{{json .State.Health}}' web`, "docker exec web sh -c 'curl -f http://localhost:8080/'"],
        },
      ],
    },
    {
      name: "a faulty engine's 400,000-character probe output is read as Docker keeps it: its first 4096 characters, in linear time",
      facts: {
        containers: [withHealth({ test: CURL, health: unhealthy(`${'A'.repeat(400_000)}\n/bin/sh: curl: not found`) })],
      },
      findings: [{ code: 'failing', severity: 'error', title: /failed 5 times in a row \(exit 1: A{100,}…\)/ }],
    },
    {
      name: 'the probe targets port 80; the app listens on 8080',
      facts: {
        containers: [
          withHealth({
            test: ['CMD-SHELL', 'wget -q --spider http://localhost/'],
            health: unhealthy("wget: can't connect to remote host (127.0.0.1): Connection refused"),
          }),
        ],
        namespaces: { 4242: [listener({ port: 8080, address: '0.0.0.0' })] },
      },
      findings: [
        {
          code: 'wrong-port',
          severity: 'error',
          title:
            'Container web is unhealthy: its health check probes port 80, where nothing listens inside the container; the app listens on 8080',
          fixes: ["--health-cmd 'wget -q --spider http://localhost:8080/'"],
        },
      ],
    },
    {
      name: "State.Pid names a host process (a faulty engine's): the host's listeners are not the app's, no port claim",
      facts: {
        containers: [
          withHealth({
            test: ['CMD-SHELL', 'wget -q --spider http://localhost/'],
            health: unhealthy("wget: can't connect to remote host (127.0.0.1): Connection refused"),
          }),
        ],
        namespaces: { 4242: [listener({ port: 2024, address: '0.0.0.0' })] },
        hostNetworkPids: [4242],
      },
      findings: [{ code: 'failing', severity: 'error', title: /Connection refused/ }],
    },
    {
      name: "host networking: the host's listeners are the container's, so the probed port is judged",
      facts: {
        containers: [
          withHealth({
            test: ['CMD-SHELL', 'wget -q --spider http://localhost/'],
            health: unhealthy("wget: can't connect to remote host (127.0.0.1): Connection refused"),
            networkMode: 'host',
          }),
        ],
        namespaces: { 4242: [listener({ port: 8080, address: '0.0.0.0' })] },
        hostNetworkPids: [4242],
      },
      findings: [
        {
          code: 'wrong-port',
          severity: 'error',
          title: /probes port 80, where nothing listens inside the container; the app listens on 8080$/,
        },
      ],
    },
    {
      name: "the app listens on the probed port, but only at the container's eth0 address",
      facts: {
        containers: [
          withHealth({
            test: ['CMD-SHELL', 'wget -q --spider http://localhost:8080/'],
            health: unhealthy("wget: can't connect to remote host (127.0.0.1): Connection refused"),
          }),
        ],
        namespaces: { 4242: [listener({ port: 8080, address: '172.17.0.2' })] },
      },
      findings: [
        { code: 'wrong-port', severity: 'error', title: /the app listens on 8080 only at 172\.17\.0\.2, which localhost does not reach$/ },
      ],
    },
    {
      name: 'a probe of localhost:8080, the app on 127.0.0.1:8080: a different failure, not a port problem',
      facts: {
        containers: [
          withHealth({
            test: ['CMD-SHELL', 'wget -q --spider http://localhost:8080/'],
            health: unhealthy('wget: server returned error: HTTP/1.1 500'),
          }),
        ],
        namespaces: { 4242: [listener({ port: 8080, address: '127.0.0.1' })] },
      },
      findings: [{ code: 'failing', severity: 'error', title: /HTTP\/1\.1 500/ }],
    },
    {
      name: 'the listeners cannot be read: no port claim, the failure as it is',
      facts: {
        containers: [
          withHealth({
            test: ['CMD-SHELL', 'wget -q --spider http://localhost/'],
            health: unhealthy("wget: can't connect to remote host (127.0.0.1): Connection refused"),
          }),
        ],
      },
      findings: [{ code: 'failing', severity: 'error', title: /Connection refused/ }],
    },
    {
      name: "a probe of another host is not judged against this container's ports",
      facts: {
        containers: [withHealth({ test: ['CMD-SHELL', 'wget -q --spider http://db:5432/'], health: unhealthy('wget: bad address') })],
        namespaces: { 4242: [listener({ port: 8080 })] },
      },
      findings: [{ code: 'failing', severity: 'error' }],
    },
    {
      name: 'every probe runs past its timeout',
      facts: {
        containers: [
          withHealth({
            test: ['CMD', 'sleep', '5'],
            healthcheck: { Test: ['CMD', 'sleep', '5'], Timeout: 1 * S },
            health: unhealthy('Health check exceeded timeout (1s)', -1),
          }),
        ],
      },
      findings: [
        {
          code: 'timeout',
          severity: 'error',
          title: /run past their 1 s timeout/,
          fixes: ['docker exec web sleep 5', '--health-timeout 10s'],
        },
      ],
    },
    {
      name: 'exec form with the whole command line in one item',
      facts: {
        containers: [
          withHealth({
            test: ['CMD', 'wget -q --spider http://localhost:8080/'],
            health: unhealthy(
              'OCI runtime exec failed: exec: "wget -q --spider http://localhost:8080/": stat …: no such file or directory',
              -1,
            ),
          }),
        ],
      },
      findings: [{ code: 'exec-form-spaces', severity: 'error', fixes: ["--health-cmd 'wget -q --spider http://localhost:8080/'"] }],
    },
    {
      name: 'exec form with || that needs a shell',
      facts: {
        containers: [
          withHealth({
            test: ['CMD', 'curl', '-f', 'http://localhost/', '||', 'exit', '1'],
            health: unhealthy('curl: (6) Could not resolve host: ||'),
          }),
        ],
      },
      findings: [
        {
          code: 'needs-shell',
          severity: 'error',
          title: /passes "\|\|" to curl/,
          fixes: ["--health-cmd 'curl -f http://localhost/ || exit 1'"],
        },
      ],
    },
    {
      name: 'a failure with a secret in its output: redacted, cut short',
      facts: {
        containers: [
          withHealth({ test: CURL, health: unhealthy(`curl: (22) http://admin:hunter2@localhost:8080/ 401 ${'x'.repeat(300)}`) }),
        ],
      },
      findings: [{ code: 'failing', severity: 'error' }],
      assert: (result) => {
        const title = result.findings[0]!.title;
        expect(title).not.toContain('hunter2');
        expect(title.length).toBeLessThan(300);
      },
    },
    {
      name: 'a compose service: the finding sits on its test line, the fix is a compose snippet and a recreate',
      facts: {
        project: { 'compose.yaml': COMPOSE },
        containers: [
          withHealth({
            test: CURL,
            labels: COMPOSE_LABELS,
            health: unhealthy('/bin/sh: curl: not found', 127),
            files: { '/bin/wget': '' },
          }),
        ],
      },
      findings: [
        {
          code: 'tool-missing',
          severity: 'error',
          subject: 'compose.yaml:5',
          title: /\(it has wget\) \(compose\.yaml:5\)$/,
          fixes: ['test: ["CMD", "wget", "-q", "--spider", "http://localhost:8080/"]', 'docker compose up -d web'],
        },
      ],
    },
    {
      name: 'healthy now, but unhealthy for a while after it started',
      facts: {
        containers: [
          withHealth({
            test: CURL,
            startedAt: at(1),
            status: 'Up About a minute (healthy)',
            healthcheck: { Test: CURL, Interval: 10 * S, Retries: 3 },
            health: {
              status: 'healthy',
              log: [probe(7, 'refused', 0, 50), probe(7, 'refused', 0, 40), probe(7, 'refused', 0, 30), probe(0, '', 0, 20)],
            },
          }),
        ],
      },
      findings: [
        {
          code: 'slow-start',
          severity: 'info',
          title: /took 40\.1 s to pass, it has no start period$/,
          fixes: ['--health-start-period 70s'],
        },
      ],
    },
    {
      name: 'Podman: the health check never ran, long after the start',
      facts: {
        engine: PODMAN,
        containers: [withHealth({ test: CURL, startedAt: at(10), status: 'Up 10 minutes', health: { status: 'starting' } })],
      },
      findings: [{ code: 'never-run', severity: 'info', title: /has never run/ }],
    },
    {
      name: 'compose: a test list without CMD, a duration without unit, disable beside a test',
      facts: {
        project: {
          'compose.yaml':
            'services:\n  web:\n    image: busybox\n    healthcheck:\n      test: ["wget", "-q", "http://localhost/"]\n      interval: 30\n' +
            '  api:\n    image: busybox\n    healthcheck:\n      test: ["CMD", "true"]\n      disable: true\n',
        },
      },
      findings: [
        {
          code: 'compose-test-form',
          severity: 'error',
          subject: 'compose.yaml:5',
          fixes: ['test: ["CMD", "wget", "-q", "http://localhost/"]'],
        },
        { code: 'compose-duration', severity: 'error', subject: 'compose.yaml:6', fixes: ['interval: 30s'] },
        { code: 'compose-disable-with-test', severity: 'info', subject: 'compose.yaml:10' },
      ],
    },
    {
      name: 'a HEALTHCHECK calling curl on alpine: probe with wget, or install curl',
      facts: {
        project: {
          Dockerfile: 'FROM alpine:3.19\nCOPY app /app\nHEALTHCHECK --interval=5s CMD curl -f http://localhost:3000/health || exit 1\n',
        },
      },
      findings: [
        {
          code: 'image-lacks-tool',
          severity: 'error',
          subject: 'Dockerfile:3',
          title: 'The HEALTHCHECK runs curl, which the final stage (FROM alpine:3.19) does not have (Dockerfile:3)',
          fixes: [
            'HEALTHCHECK --interval=5s CMD ["wget", "-q", "--spider", "http://localhost:3000/health"]',
            'RUN apk add --no-cache curl',
          ],
        },
      ],
    },
    {
      name: 'a compose healthcheck calling wget on a service built from a slim image',
      facts: {
        project: {
          'compose.yaml': 'services:\n  api:\n    build: .\n    healthcheck:\n      test: wget -q --spider http://localhost:8000/\n',
          Dockerfile: 'FROM python:3.12-slim\nCOPY . /app\nCMD ["python", "/app/main.py"]\n',
        },
      },
      findings: [
        {
          code: 'image-lacks-tool',
          severity: 'error',
          subject: 'compose.yaml:5',
          title: /runs wget, which its image \(FROM python:3\.12-slim\) does not have/,
        },
      ],
    },
    {
      name: 'a shell-form HEALTHCHECK on distroless, which has no shell',
      facts: { project: { Dockerfile: 'FROM gcr.io/distroless/static-debian12\nCOPY app /app\nHEALTHCHECK CMD /app --health\n' } },
      findings: [{ code: 'image-lacks-tool', severity: 'error', title: /runs a shell \(\/bin\/sh, for the shell form\)/ }],
    },
  ],
  skipped: [{ name: 'no daemon and no project files', facts: { socket: false }, reason: /not reachable/ }],
});

describe('reading health tests', () => {
  it('parses the engine, compose and Dockerfile forms', () => {
    expect(probeOfTest(['CMD-SHELL', 'curl -f http://x/'])).toMatchObject({ form: 'shell', text: 'curl -f http://x/' });
    expect(probeOfTest(['CMD', 'curl', '-f'])).toMatchObject({ form: 'exec', words: ['curl', '-f'] });
    expect(probeOfTest(['NONE'])).toBeUndefined();
    expect(probeOfTest('pg_isready -U app')).toMatchObject({ form: 'shell' });
    expect(probeOfInstruction('CMD ["wget", "-q", "http://x/"]')).toMatchObject({ form: 'exec', words: ['wget', '-q', 'http://x/'] });
    expect(probeOfInstruction('NONE')).toBeUndefined();
  });

  it('finds local targets and their ports', () => {
    expect(targetsOf(probeOfTest('curl -f https://localhost/health')!)).toEqual({
      targets: [{ url: 'https://localhost/health', host: 'localhost', port: 443 }],
      local: true,
    });
    expect(targetsOf(probeOfTest('nc -z 127.0.0.1 5432')!)).toEqual({ targets: [{ host: '127.0.0.1', port: 5432 }], local: true });
    expect(targetsOf(probeOfTest('curl http://db:8080/')!).local).toBe(false);
    expect(targetsOf(probeOfTest('wget -qO- "http://localhost:${PORT:-3000}/_health"')!).local).toBe(false);
  });

  it('names the program a shell or the runtime could not find', () => {
    expect(notFoundProgram('/bin/sh: 1: curl: not found\n')).toBe('curl');
    expect(notFoundProgram('/bin/sh: line 1: curl: command not found')).toBe('curl');
    expect(notFoundProgram('exec: "curl": executable file not found in $PATH')).toBe('curl');
    expect(notFoundProgram('wget: server returned error: HTTP/1.1 404 Not Found')).toBeUndefined();
  });

  it('finds a "not found" in time linear in the output, whatever runs of name characters it holds', () => {
    // The unanchored pattern took about 0.5 s on 30,000 characters and grew with their square.
    const started = performance.now();
    expect(notFoundProgram('A'.repeat(30_000))).toBeUndefined();
    expect(notFoundProgram(`${'A'.repeat(30_000)}: xnot found\n${' '.repeat(30_000)}x`)).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(100);
    expect(notFoundProgram(`${'A'.repeat(30_000)} sh: curl: not found  \n`)).toBe('curl');
  });

  it('keeps of a health log what the engine keeps: the last five probes, the first 4096 characters of each output', () => {
    const log = Array.from({ length: 100 }, (_, k) => probe(1, `${k}:${'x'.repeat(10_000)}`));
    const inspect = containerInspect(withHealth({ test: CURL, health: { status: 'unhealthy', failingStreak: 100, log } }));
    const kept = boundedHealth(inspect).State.Health!.Log!;
    expect(kept.map((p) => p.Output.split(':')[0])).toEqual(['95', '96', '97', '98', '99']);
    expect(kept.every((p) => p.Output.length === 4096 + 3 && p.Output.endsWith('x...'))).toBe(true);
    const real = containerInspect(withHealth({ test: CURL, health: unhealthy(`${'x'.repeat(4096)}...`) }));
    expect(boundedHealth(real)).toBe(real);
  });

  it('knows only the bases it is sure of', () => {
    expect(knownBase('alpine:3.19')).toMatchObject({ curl: false, wget: true });
    expect(knownBase('node:20-slim')).toMatchObject({ curl: false, wget: false });
    expect(knownBase('scratch')).toMatchObject({ shell: false });
    expect(knownBase('node:20')).toBeUndefined();
    expect(knownBase('nginx:alpine')).toBeUndefined();
  });
});
