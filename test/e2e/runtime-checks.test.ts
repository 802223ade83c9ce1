import { chmodSync, chownSync, mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/engine/report.js';
import type { Finding } from '../../src/engine/types.js';
import { runCli } from '../helpers/cli.js';
import { START_GRACE_MS } from '../../checks/shared/containers.js';
import { engines, TEST_LABEL, waitFor } from '../helpers/engine.js';
import { freePort, tempDir } from '../helpers/sockets.js';
import { dockerCommandsOnPodman } from '../helpers/podman.js';

// The same broken states on Docker and on Podman (its Docker-compatible API), diagnosed with the same codes and subjects.
describe.each(engines)('exited-containers, port-conflicts and bind-mounts on a real engine: $name', (engine) => {
  if (!engine.available()) return void it.skip(`${engine.name} does not answer here`, () => {});
  const docker = engine.cli;
  const dockerMayFail = engine.cliMayFail;
  const scope = `rt-${engine.name}-${process.pid}-${Date.now().toString(36)}`;
  const p = (name: string) => `dd-${scope}-${name}`;
  const label = ['--label', `${TEST_LABEL}=${scope}`];
  // The test's own resolver address: nothing a test container looks up may reach the machine's real resolver.
  const dns = ['--dns', '127.0.0.1'];

  let report: Report;
  let hostServer: net.Server;
  let projectDir: string;
  const ports: Record<string, number> = {};

  function findingsFor(subject: string, checkId?: string): Finding[] {
    return report.checks.filter((c) => !checkId || c.id === checkId).flatMap((c) => c.findings.filter((f) => f.subject.name === subject));
  }

  beforeAll(async () => {
    const image = await engine.ensureTestImage();
    ports.hostHeld = await freePort();
    ports.containerHeld = await freePort();
    ports.healthy = await freePort();

    hostServer = net.createServer();
    await new Promise<void>((resolve) => hostServer.listen(ports.hostHeld, '127.0.0.1', resolve));

    const rootOwned = tempDir('dd-bind-root-');
    chmodSync(rootOwned, 0o755);
    const userOwned = tempDir('dd-bind-user-');
    chownSync(userOwned, 1000, 1000);
    projectDir = tempDir('dd-runtime-project-');
    writeFileSync(
      path.join(projectDir, 'compose.yaml'),
      `services:\n  web:\n    image: ${image}\n    ports:\n      - "127.0.0.1:\${WEB_PORT:-1}:80"\n    volumes:\n      - ./not-created-yet.conf:/etc/app.conf\n`,
    );
    writeFileSync(path.join(projectDir, '.env'), `WEB_PORT=${ports.hostHeld}\n`);
    mkdirSync(path.join(projectDir, 'src'));

    const none = ['--network', 'none'];
    await Promise.all([
      dockerMayFail('run', '--name', p('echo'), ...label, ...none, image, 'echo', 'hello'),
      dockerMayFail('run', '--name', p('nobin'), ...label, ...none, image, 'nosuchcmd'),
      dockerMayFail('run', '--name', p('sh127'), ...label, ...none, image, 'sh', '-c', 'nosuchcmd'),
      dockerMayFail('run', '--name', p('noexec'), ...label, ...none, image, '/etc/passwd'),
      dockerMayFail(
        'run',
        '--name',
        p('oom'),
        ...label,
        ...none,
        '-m',
        '8m',
        '--memory-swap',
        '8m',
        image,
        'dd',
        'if=/dev/zero',
        'of=/dev/null',
        'bs=64M',
        'count=1',
      ),
      docker(
        'run',
        '-d',
        '--name',
        p('loop'),
        ...label,
        ...none,
        '--restart',
        'always',
        image,
        'sh',
        '-c',
        'echo "fatal: config file /etc/app.conf missing"; exit 3',
      ),
      dockerMayFail('run', '-d', '--name', p('hostport'), ...label, ...dns, '-p', `127.0.0.1:${ports.hostHeld}:80`, image, 'sleep', '300'),
      dockerMayFail(
        'run',
        '--name',
        p('denied'),
        ...label,
        ...none,
        '--user',
        '1000',
        '-v',
        `${rootOwned}:/data`,
        image,
        'sh',
        '-c',
        'echo hi > /data/out',
      ),
      docker(
        'run',
        '-d',
        '--name',
        p('healthy'),
        ...label,
        ...dns,
        '--user',
        '1000',
        '-p',
        `127.0.0.1:${ports.healthy}:80`,
        '-v',
        `${userOwned}:/data`,
        image,
        'sh',
        '-c',
        'while true; do date > /data/t; sleep 1; done',
      ),
      docker('run', '-d', '--name', p('holder'), ...label, ...dns, '-p', `127.0.0.1:${ports.containerHeld}:80`, image, 'sleep', '300'),
    ]);
    // Only once the holder publishes its port can the second container fail on it.
    await dockerMayFail(
      'run',
      '-d',
      '--name',
      p('blocked'),
      ...label,
      ...dns,
      '-p',
      `127.0.0.1:${ports.containerHeld}:80`,
      image,
      'sleep',
      '300',
    );
    // The last container created: the Podman grace below counts from here, not from the first one (a loaded machine can
    // take longer than the grace to create the others).
    const blockedAt = Date.now();
    await waitFor(async () => Number(await docker('inspect', '-f', '{{.RestartCount}}', p('loop'))) >= 2, 'the restart loop');

    // Podman leaves a failed start in Created with no error; the doctor judges such a container once it is a few seconds old.
    if (engine.name === 'podman') await new Promise((r) => setTimeout(r, Math.max(0, START_GRACE_MS + 500 - (Date.now() - blockedAt))));
    // The whole engine is diagnosed, other test files' containers too, on a 2-core machine: give each check room beyond 10 s.
    const args = ['exited-containers', 'port-conflicts', 'bind-mounts', '--json', '--timeout', '30'];
    const run = await runCli([...args, '-H', engine.host, '-C', projectDir]);
    expect(run.exitCode).toBe(1);
    report = run.report!;
  });

  afterAll(async () => {
    await engine.removeLabelled(scope);
    await new Promise<void>((resolve) => (hostServer ? hostServer.close(() => resolve()) : resolve()));
  });

  describe('exited-containers', () => {
    it('a container whose command is echo: finished, as a note', () => {
      expect(findingsFor(p('echo'))).toEqual([expect.objectContaining({ code: 'exited-containers/finished', severity: 'info' })]);
      expect(findingsFor(p('echo'))[0]!.title, findingsFor(p('echo'))[0]!.title).toMatch(
        new RegExp(`^Container ${p('echo')} exited 0 after [\\d.]+ s: its command \`echo hello\` finished`),
      );
    });

    it('a missing binary, at start and from a shell (127)', () => {
      expect(findingsFor(p('nobin'))).toEqual([
        expect.objectContaining({ code: 'exited-containers/command-not-found', severity: 'error' }),
      ]);
      // Docker names the start error; Podman records none, so the doctor looked the command up in the image.
      expect(findingsFor(p('nobin'))[0]!.title).toContain(
        engine.name === 'docker'
          ? 'exec: "nosuchcmd": executable file not found in $PATH'
          : 'never started: its command `nosuchcmd` is not in the image',
      );
      const [shell] = findingsFor(p('sh127'));
      expect(shell).toMatchObject({ code: 'exited-containers/command-not-found' });
      // On Podman the log line can be lost (its logs endpoint with tail= drops lines stored in partial chunks; see the
      // bind-mount case below): the title then names the command instead.
      expect(shell!.title).toMatch(
        engine.name === 'docker' ? /nosuchcmd: not found/ : /nosuchcmd: not found|`sh -c nosuchcmd` was not found/,
      );
    });

    it('a file that is not executable (126)', () => {
      expect(findingsFor(p('noexec'))).toEqual([expect.objectContaining({ code: 'exited-containers/not-executable', severity: 'error' })]);
      const [finding] = findingsFor(p('noexec'));
      // Docker names the start error; Podman records none (the container stays Created), so the doctor read the file's
      // mode from the archive API's tar header.
      expect(finding!.title).toBe(
        engine.name === 'docker'
          ? `Container ${p('noexec')} never started: exec: "/etc/passwd": permission denied`
          : `Container ${p('noexec')} never started: its command \`/etc/passwd\` is not executable (mode 0644)`,
      );
      expect(finding!.fixes.map((f) => f.command)).toEqual(['RUN chmod +x /etc/passwd', `${engine.name} rm ${p('noexec')}`]);
    });

    it('an OOM kill under a small memory limit', () => {
      const [finding] = findingsFor(p('oom'));
      expect(finding).toMatchObject({
        code: 'exited-containers/oom-killed',
        evidence: expect.objectContaining({ exitCode: 137, oomKilled: true }),
      });
      expect(finding!.title).toContain('its 8 MiB memory limit');
      // The fix asks for more than it has, never the same or less (swap was capped at the limit, so it stays at the new one).
      // On Podman the fix names its own CLI: Podman's Docker API has no update endpoint, and `podman update` has --memory.
      const cli = engine.name === 'podman' ? 'podman' : 'docker';
      expect(finding!.fixes[0]!.command).toBe(`${cli} update --memory 16m --memory-swap 16m ${p('oom')}`);
    });

    it('a restart loop, with the log line that explains it', () => {
      const [finding] = findingsFor(p('loop'));
      expect(finding).toMatchObject({ code: 'exited-containers/restart-loop', severity: 'error' });
      // Whether the loop is caught running or stopped, the title names the log line that explains it.
      expect(finding!.title).toMatch(
        new RegExp(
          `^Container ${p('loop')} is restarting in a loop \\(\\d+ restarts?\\); (it last exited with code 3: the application failed; |it is up again for now: )last log line "fatal: config file /etc/app.conf missing"$`,
        ),
      );
      expect(finding!.evidence!.logTail).toContain('fatal: config file /etc/app.conf missing');
    });
  });

  describe('port-conflicts', () => {
    it('a port held by a host process the test started', () => {
      const [finding] = findingsFor(p('hostport'), 'port-conflicts');
      expect(finding).toMatchObject({ code: 'port-conflicts/held-by-process' });
      expect(finding!.title).toBe(
        `Port ${ports.hostHeld}/tcp is held by ${(finding!.evidence!.holder as { process: string }).process} (pid ${process.pid}), so container ${p('hostport')} cannot start`,
      );
      expect(finding!.fixes.map((f) => f.command)).toContain(`${engine.name} rm ${p('hostport')}`);
      // The failed start is one cause: exited-containers leaves it to port-conflicts.
      expect(findingsFor(p('hostport'), 'exited-containers')).toEqual([]);
    });

    it('a port held by another container', () => {
      const [finding] = findingsFor(p('blocked'), 'port-conflicts');
      expect(finding).toMatchObject({
        code: 'port-conflicts/held-by-container',
        evidence: expect.objectContaining({ holder: expect.objectContaining({ name: p('holder') }) }),
      });
    });

    it('a compose file whose published port is held, interpolated from .env, at its line', () => {
      const [finding] = findingsFor('web', 'port-conflicts');
      expect(finding).toMatchObject({ code: 'port-conflicts/compose-port-taken', location: { file: 'compose.yaml', line: 5, column: 9 } });
      expect(finding!.title).toContain(`publishes host port ${ports.hostHeld}/tcp`);
    });
  });

  describe('bind-mounts', () => {
    // On Podman too: its logs endpoint with `tail=` splices a line its k8s-file log stored in pieces ("sh: " + "can't create
    // /data/out: Permission denied") onto the line before, so the log fact reads Podman's logs whole (bounded) and cuts them itself.
    it('a root-owned 0755 bind source written by uid 1000', () => {
      const [finding] = findingsFor(p('denied'));
      expect(finding).toMatchObject({
        code: 'bind-mounts/not-writable',
        severity: 'error',
        evidence: expect.objectContaining({ uid: 1000, owner: 0, permissions: '0755' }),
      });
      expect(finding!.title).toContain('mounted at /data');
      expect(finding!.fixes[0]!.command).toMatch(/^sudo chown -R 1000:\d+ /);
      expect(findingsFor(p('denied'), 'exited-containers')).toEqual([]);
    });

    it('a compose bind source that does not exist and is meant as a file', () => {
      const [finding] = findingsFor('web', 'bind-mounts');
      expect(finding).toMatchObject({
        code: 'bind-mounts/compose-source-missing',
        severity: 'warning',
        location: { file: 'compose.yaml', line: 7 },
      });
    });
  });

  it.runIf(engine.name === 'podman')('on Podman, no fix names docker (the podman CLI is installed)', () => {
    expect(dockerCommandsOnPodman(report)).toEqual([]);
  });

  it('a healthy long-running container with a published port and a writable bind mount gets no finding', () => {
    expect(findingsFor(p('healthy'))).toEqual([]);
    expect(findingsFor(p('holder'))).toEqual([]);
  });
});
