import { describe, expect, it } from 'vitest';
import { composeLabels, exitedLatelyOnItsOwn, finishedRecently } from '../../checks/shared/containers.js';
import { matchLogSignature } from '../../checks/shared/logs.js';
import { NAME_RESOLUTION_FAILURE, NAME_RESOLUTION_FAILURES } from '../../checks/shared/name-resolution.js';
import { ACCESS_DENIED, formatMode, READ_ONLY } from '../../checks/shared/permissions.js';
import { composeOrigin, locationOf } from '../../checks/shared/project-source.js';
import { MOUNT_START_ERROR, NO_SPACE_START_ERROR, PORT_START_ERROR, shortError } from '../../checks/shared/start-errors.js';
import { prose } from '../../src/util/text.js';
import { inspect, minutesBefore } from '../helpers/containers.js';

const NOW = Date.parse('2026-11-22T12:00:00Z');

describe('shared check helpers: permissions', () => {
  it.each([
    ['touch: /data/x: Permission denied', true],
    ["Error: EACCES: permission denied, open '/data/db'", true],
    ['chown: /data: Operation not permitted', true],
    ['listening on :8080', false],
  ])('ACCESS_DENIED on %j is %s', (line, expected) => expect(ACCESS_DENIED.test(line)).toBe(expected));

  it('READ_ONLY names both spellings', () => {
    expect(READ_ONLY.test('touch: /data/x: Read-only file system')).toBe(true);
    expect(READ_ONLY.test('Error: EROFS: write')).toBe(true);
    expect(READ_ONLY.test('read only once')).toBe(false);
  });

  it.each([
    [0o755, '0755'],
    [0o2775, '2775'],
    [0o600, '0600'],
    [0o7, '0007'],
  ])('formatMode(%o) is %s', (mode, text) => expect(formatMode(mode)).toBe(text));
});

describe('shared check helpers: start errors', () => {
  it('tells port errors from mount errors from the rest', () => {
    const port = 'driver failed programming external connectivity: Bind for 0.0.0.0:8080 failed: port is already allocated';
    const mount =
      'error mounting "/srv/app.conf" to rootfs at "/etc/app.conf": not a directory: Are you trying to mount a directory onto a file?';
    const exec = 'failed to create task: OCI runtime create failed: exec: "nope": executable file not found in $PATH: unknown';
    expect([PORT_START_ERROR.test(port), MOUNT_START_ERROR.test(port)]).toEqual([true, false]);
    expect([PORT_START_ERROR.test(mount), MOUNT_START_ERROR.test(mount)]).toEqual([false, true]);
    expect([PORT_START_ERROR.test(exec), MOUNT_START_ERROR.test(exec)]).toEqual([false, false]);
  });

  it('shortError keeps the part that names the problem', () => {
    expect(
      shortError(
        'OCI runtime create failed: runc create failed: unable to start container process: exec: "nope": executable file not found in $PATH: unknown',
      ),
    ).toBe('exec: "nope": executable file not found in $PATH');
    expect(shortError('  Bind for 0.0.0.0:80 failed: port is already allocated ')).toBe(
      'Bind for 0.0.0.0:80 failed: port is already allocated',
    );
  });
});

describe('shared check helpers: name resolution failures', () => {
  it.each([
    'curl: (6) Could not resolve host: api',
    'Error: getaddrinfo EAI_AGAIN db',
    "wget: bad address 'web'",
    'dial tcp: lookup db on 127.0.0.11:53: no such host',
    "Temporary failure resolving 'deb.debian.org'",
    "nslookup: can't resolve 'db'",
    'java.net.UnknownHostException: db',
    'ping: db: Temporary failure in name resolution',
  ])('%j is a resolution failure, for the dns check and for the log signature alike', (line) => {
    expect(NAME_RESOLUTION_FAILURES.some((p) => p.test(line))).toBe(true);
    expect(NAME_RESOLUTION_FAILURE.test(line)).toBe(true);
    expect(matchLogSignature(line)?.signature.id).toBe('name-resolution');
  });

  it.each([
    "Module not found: Error: Can't resolve './App' in '/app/src'",
    'write /data/x: bad address',
    'connect ECONNREFUSED 127.0.0.1:5432',
  ])('%j is not one', (line) => {
    expect(NAME_RESOLUTION_FAILURES.some((p) => p.test(line))).toBe(false);
    expect(NAME_RESOLUTION_FAILURE.test(line)).toBe(false);
  });
});

describe('shared check helpers: the recent-failure rule', () => {
  it('finishedRecently: within a day of now, never for a run that has not finished', () => {
    expect(finishedRecently(inspect({ id: 'a', name: 'a', finishedAt: minutesBefore(2) }), NOW)).toBe(true);
    expect(finishedRecently(inspect({ id: 'b', name: 'b', finishedAt: minutesBefore(25 * 60) }), NOW)).toBe(false);
    expect(finishedRecently(inspect({ id: 'c', name: 'c', state: 'running' }), NOW)).toBe(false);
  });

  it.each([
    ['Exited (1) 2 minutes ago', true],
    ['Exited (0) 5 seconds ago', true],
    ['Exited (137) About an hour ago', true],
    ['Exited (143) 2 minutes ago', false],
    ['Exited (130) 2 minutes ago', false],
    ['Exited (1) 3 days ago', false],
  ])('exitedLatelyOnItsOwn(%j) is %s', (status, expected) => expect(exitedLatelyOnItsOwn(status)).toBe(expected));
});

describe('shared check helpers: compose locations', () => {
  it('locationOf keeps file, line and column', () => {
    expect(locationOf({ file: 'compose.yaml', line: 7, column: 9 })).toEqual({ file: 'compose.yaml', line: 7, column: 9 });
  });
});

describe('shared check helpers: where compose ran (v1 and v2 labels)', () => {
  const origin = (version: string, files: string, workingDir: string) => {
    const labels = {
      'com.docker.compose.project': 'p',
      'com.docker.compose.service': 'api',
      'com.docker.compose.version': version,
      'com.docker.compose.project.config_files': files,
      'com.docker.compose.project.working_dir': workingDir,
    };
    return composeOrigin(labels, composeLabels(labels)!);
  };
  it.each([
    // What docker-compose 1.29.2 wrote here for `docker-compose -f stack/prod.yml up` run in /src.
    ['v1, -f in a subdirectory', '1.29.2', 'stack/prod.yml', '/src/stack', { ranIn: '/src', files: ['/src/stack/prod.yml'] }],
    ['v1, the default file', '1.29.2', 'docker-compose.yml', '/src', { ranIn: '/src', files: ['/src/docker-compose.yml'] }],
    ['v1, two files', '1.29.2', 'a/base.yml,a/over.yml', '/src/a', { ranIn: '/src', files: ['/src/a/base.yml', '/src/a/over.yml'] }],
    ['v1, a parent directory cannot be undone: no files', '1.29.2', '../x/c.yml', '/x', { files: [] }],
    ['v1, --project-directory elsewhere: no files', '1.29.2', 'stack/prod.yml', '/elsewhere', { files: [] }],
    ['v2 labels absolute paths', '2.29.1', '/src/stack/prod.yml', '/src/stack', { files: ['/src/stack/prod.yml'] }],
  ])('%s', (_name, version, files, workingDir, expected) => expect(origin(version, files, workingDir)).toEqual(expected));
});

describe('prose: long text written as wrapped source lines', () => {
  it('joins wrapped lines with one space, keeps blank lines as paragraph breaks and trims both ends', () => {
    const text = prose`
      The first paragraph runs
      over two lines.

      The second one
      too.
    `;
    expect(text).toBe('The first paragraph runs over two lines.\n\nThe second one too.');
  });

  it('keeps interpolated values as they are, line breaks and all', () => {
    const value = 'a\nb';
    expect(prose`
      before ${value}
      after ${1}`).toBe('before a\nb after 1');
    expect(prose`${'x'} and ${'y'}`).toBe('x and y');
  });
});

describe('start errors: each kind belongs to one check', () => {
  const full = 'error mounting "/srv/data" to rootfs at "/data": mkdir /var/lib/docker/overlay2/x/merged/data: no space left on device';
  it("a mount that failed on a full disk is disk-space's, not a mount error", () => {
    expect(NO_SPACE_START_ERROR.test(full)).toBe(true);
    expect(MOUNT_START_ERROR.test(full)).toBe(false);
  });
  it('other mount errors stay mount errors', () => {
    expect(
      MOUNT_START_ERROR.test('error mounting "/srv/nginx.conf": not a directory: Are you trying to mount a directory onto a file'),
    ).toBe(true);
  });
});
