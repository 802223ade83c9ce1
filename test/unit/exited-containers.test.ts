import { describe, expect, it } from 'vitest';
import exitedContainers from '../../checks/exited-containers.js';
import { exitCodeMeaning, shortError } from '../../checks/exited-containers/diagnose.js';
import { engineWith, minutesBefore, type FakeContainer } from '../helpers/containers.js';
import { fakeClients, fakeFacts, runCheck } from '../helpers/fakes.js';

async function diagnose(containers: FakeContainer[], files: Record<string, string> = {}) {
  const clients = fakeClients({ engine: engineWith(containers), files: { '/var/run/docker.sock': { stat: { type: 'socket' } }, ...files } });
  return runCheck(exitedContainers, fakeFacts(clients));
}

const codes = (r: Awaited<ReturnType<typeof diagnose>>) => r.findings.map((f) => [f.code, f.severity, f.subject.name]);

describe('exited-containers', () => {
  it.each<[string, FakeContainer, string, string]>([
    ['echo that finished at once', { id: 'a1', name: 'job', cmd: ['echo', 'hello'], exitCode: 0 }, 'exited-containers/finished', 'info'],
    ['a bare shell without a TTY', { id: 'a2', name: 'shell', cmd: ['bash'], exitCode: 0 }, 'exited-containers/shell-without-tty', 'warning'],
    ['a one-shot under restart always', { id: 'a3', name: 'cron', cmd: ['echo', 'x'], exitCode: 0, restartPolicy: 'always' }, 'exited-containers/not-long-running', 'warning'],
    ['exit 127 after start', { id: 'a4', name: 'web', cmd: ['sh', '-c', 'nosuch'], exitCode: 127, logs: 'sh: nosuch: not found\n' }, 'exited-containers/command-not-found', 'error'],
    ['exit 126', { id: 'a5', name: 'web', cmd: ['/start.sh'], exitCode: 126 }, 'exited-containers/not-executable', 'error'],
    ['an OOM kill', { id: 'a6', name: 'db', exitCode: 137, oomKilled: true, memory: 64 * 1024 * 1024 }, 'exited-containers/oom-killed', 'error'],
    ['SIGKILL without OOM', { id: 'a7', name: 'slow', exitCode: 137 }, 'exited-containers/killed', 'info'],
    ['exec format error', { id: 'a8', name: 'arm', exitCode: 255, logs: 'exec /usr/local/bin/app: exec format error\n' }, 'exited-containers/exec-format-error', 'error'],
    ['a CRLF shebang', { id: 'a9', name: 'crlf', exitCode: 255, logs: 'exec /entrypoint.sh: no such file or directory\n' }, 'exited-containers/bad-interpreter', 'error'],
    ['a segfault', { id: 'b1', name: 'native', exitCode: 139 }, 'exited-containers/crashed-by-signal', 'error'],
    ['an app error', { id: 'b2', name: 'api', exitCode: 1, logs: 'starting\nError: Cannot find module \'express\'\n' }, 'exited-containers/app-error', 'error'],
    ['an app error after hours of running', { id: 'b3', name: 'api', exitCode: 1, startedAt: minutesBefore(300), finishedAt: minutesBefore(2) }, 'exited-containers/app-error', 'warning'],
    ['a restart loop', { id: 'b4', name: 'loop', state: 'restarting', exitCode: 3, restartCount: 7, restartPolicy: 'always', logs: 'connect ECONNREFUSED 127.0.0.1:5432\n' }, 'exited-containers/restart-loop', 'error'],
    ['a start failure: missing binary', { id: 'b5', name: 'never', state: 'created', exitCode: 127, error: 'failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "nosuch": executable file not found in $PATH: unknown' }, 'exited-containers/command-not-found', 'error'],
    ['a start failure: other', { id: 'b6', name: 'weird', state: 'created', exitCode: 128, error: 'something odd happened' }, 'exited-containers/start-failed', 'error'],
  ])('%s', async (_name, container, code, severity) => {
    const result = await diagnose([container]);
    expect(codes(result)).toEqual([[code, severity, container.name]]);
  });

  it('names the log line that explains an app error, with a redacted tail in the evidence', async () => {
    const result = await diagnose([{ id: 'c1', name: 'api', exitCode: 1, logs: "DB_PASSWORD=hunter2\nError: connect ECONNREFUSED 127.0.0.1:5432\n" }]);
    const [finding] = result.findings;
    expect(finding!.title).toBe('Container api exited with code 1 after 1 s: a service it connects to was not accepting connections (not started yet, wrong host, or localhost inside a container): "Error: connect ECONNREFUSED 127.0.0.1:5432"');
    expect(finding!.evidence!.logTail).toEqual(['DB_PASSWORD=[redacted]', 'Error: connect ECONNREFUSED 127.0.0.1:5432']);
  });

  it.each<[string, FakeContainer]>([
    ['a healthy running container', { id: 'n1', name: 'web', state: 'running' }],
    ['a container stopped by docker stop (143)', { id: 'n2', name: 'web', exitCode: 143 }],
    ['Ctrl-C (130)', { id: 'n3', name: 'web', exitCode: 130 }],
    ['a job that ran a minute and succeeded', { id: 'n4', name: 'job', exitCode: 0, startedAt: minutesBefore(3), finishedAt: minutesBefore(2) }],
    ['a failure from last week', { id: 'n5', name: 'old', exitCode: 1, status: 'Exited (1) 8 days ago', startedAt: '2026-11-14T00:00:00Z', finishedAt: '2026-11-14T00:00:01Z' }],
    ['a failure from yesterday that the list does not show as old', { id: 'n6', name: 'old', exitCode: 1, status: 'Exited (1) 25 hours ago', startedAt: minutesBefore(25 * 60, 1), finishedAt: minutesBefore(25 * 60) }],
    ['a container created and never started', { id: 'n7', name: 'fresh', state: 'created' }],
    ['a port start failure (port-conflicts reports it)', { id: 'n8', name: 'p', state: 'created', exitCode: 128, error: 'driver failed programming external connectivity on endpoint p (x): Bind for 0.0.0.0:8080 failed: port is already allocated' }],
    ['a mount start failure (bind-mounts reports it)', { id: 'n9', name: 'm', state: 'created', exitCode: 127, error: 'error mounting "/x" to rootfs at "/etc/x.conf": not a directory: unknown: Are you trying to mount a directory onto a file (or vice-versa)?' }],
    ['a permission error on a bind mount (bind-mounts reports it)', { id: 'p1', name: 'w', exitCode: 1, logs: 'touch: /data/x: Permission denied\n', mounts: [{ Type: 'bind', Source: '/srv/data', Destination: '/data', RW: true }] }],
    ['a failed name lookup (the dns check reports it)', { id: 'p3', name: 'q', exitCode: 1, logs: 'getaddrinfo ENOTFOUND db\n' }],
    ['a running container that restarted long ago and is up again', { id: 'p2', name: 'r', state: 'running', status: 'Up 3 hours', restartCount: 2 }],
  ])('stays quiet about %s', async (_name, container) => {
    const result = await diagnose([container]);
    expect(result.findings).toEqual([]);
    expect(result.status).toBe('passed');
  });

  it.each([
    ['the daemon\'s oom event', { '/events': '{"status":"oom","id":"o1"}\n' }, ''],
    ['the kernel log', {}, '[ 4859.46] oom-kill:constraint=CONSTRAINT_MEMCG,oom_memcg=/docker/o1,task=dd,pid=31167\n'],
  ])('recognises an OOM kill the OOMKilled flag missed, from %s', async (_name, routes, dmesg) => {
    const clients = fakeClients({
      engine: engineWith([{ id: 'o1', name: 'hog', exitCode: 137, memory: 8 * 1024 * 1024 }], { '/events': '', ...routes }),
      files: { '/var/run/docker.sock': { stat: { type: 'socket' } } },
      exec: { run: async (file) => ({ exitCode: file === 'dmesg' ? 0 : 1, stdout: file === 'dmesg' ? dmesg : '', stderr: '', failed: file !== 'dmesg' }) },
    });
    const result = await runCheck(exitedContainers, fakeFacts(clients));
    expect(result.findings.map((f) => f.code)).toEqual(['exited-containers/oom-killed']);
  });

  it('does not claim an exit code for a loop caught between restarts (State.ExitCode reads 0 then)', async () => {
    const result = await diagnose([{ id: 'l2', name: 'loop2', state: 'running', status: 'Up 1 second', restartCount: 4, restartPolicy: 'always', logs: 'fatal: no config\n' }]);
    expect(result.findings[0]!.title).toBe('Container loop2 is restarting in a loop (4 restarts); it is up again for now: last log line "fatal: no config"');
  });

  it('points at the compose line that sets the command when the container comes from this project', async () => {
    const labels = { 'com.docker.compose.project': 'project', 'com.docker.compose.service': 'worker', 'com.docker.compose.project.working_dir': '/project' };
    const result = await diagnose([{ id: 'd1', name: 'project-worker-1', exitCode: 127, cmd: ['sh', '-c', 'runworker'], labels, logs: 'sh: runworker: not found\n' }], {
      '/project/compose.yaml': 'services:\n  worker:\n    image: busybox\n    command: ["sh", "-c", "runworker"]\n',
    });
    expect(result.findings[0]!.location).toEqual({ file: 'compose.yaml', line: 4, column: 14 });
  });

  it('points at the Dockerfile CMD when the service is built from the project', async () => {
    const labels = { 'com.docker.compose.project': 'project', 'com.docker.compose.service': 'app', 'com.docker.compose.project.working_dir': '/project' };
    const result = await diagnose([{ id: 'd2', name: 'project-app-1', exitCode: 1, labels }], {
      '/project/compose.yaml': 'services:\n  app:\n    build: .\n',
      '/project/Dockerfile': 'FROM node:20\nWORKDIR /app\nCOPY . .\nCMD ["node", "server.js"]\n',
    });
    expect(result.findings[0]!.location).toEqual({ file: 'Dockerfile', line: 4 });
  });

  it('inspects only containers that may have a story', async () => {
    const calls: string[] = [];
    const { fakeEngine } = await import('../helpers/fakes.js');
    const containers: FakeContainer[] = [
      { id: 'r1', name: 'up', state: 'running' },
      { id: 'r2', name: 'stopped', exitCode: 143 },
      { id: 'r3', name: 'old', exitCode: 1, status: 'Exited (1) 3 weeks ago' },
      { id: 'r4', name: 'fail', exitCode: 1 },
    ];
    const clients = fakeClients({ engine: () => fakeEngine(engineWith(containers), calls) });
    await runCheck(exitedContainers, fakeFacts(clients));
    expect(calls.filter((c) => c.endsWith('/json') && c.startsWith('/containers/r'))).toEqual(['/containers/r4/json']);
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
    expect(shortError('failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "x": executable file not found in $PATH: unknown')).toBe('exec: "x": executable file not found in $PATH');
  });
});
