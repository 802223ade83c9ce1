import { execFileSync } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/engine/report.js';
import type { Finding } from '../../src/engine/types.js';
import { LISTEN_GRACE_MS, SILENT_GRACE_MS } from '../../checks/unreachable-ports/containers.js';
import { runCli } from '../helpers/cli.js';
import { engines, TEST_LABEL } from '../helpers/engine.js';
import { freePort } from '../helpers/sockets.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** Whether an HTTP server answers on this loopback port (any status: busybox httpd says 404 without an index). */
function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', timeout: 3000 }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
  });
}

// The app behind a published port, on Docker and on rootful Podman (whose container processes root reads in /proc too).
describe.each(engines)('unreachable-ports on a real engine: $name', (engine) => {
  if (!engine.available()) return void it.skip(`${engine.name} does not answer here`, () => {});
  const docker = engine.cli;
  const scope = `reach-${engine.name}-${process.pid}-${Date.now().toString(36)}`;
  const p = (name: string) => `dd-${scope}-${name}`;
  const run = (name: string, ...args: string[]) =>
    // PID 1 ignores SIGTERM: a short stop timeout keeps the clean-up (rm -f stops each container first on Podman) quick.
    docker('run', '-d', '--name', p(name), '--label', `${TEST_LABEL}=${scope}`, '--dns', '127.0.0.1', '--stop-timeout', '1', ...args);

  const ports: Record<string, number> = {};
  let hostServer: net.Server;
  let image: string;
  let report: Report;
  const findingsFor = (name: string): Finding[] =>
    report.checks.flatMap((c) => c.findings.filter((f) => f.subject.name === p(name) && f.code.startsWith('unreachable-ports/')));

  beforeAll(async () => {
    image = await engine.ensureTestImage();
    for (const name of ['silent', 'wrong', 'loopback', 'ok', 'localOnly', 'hostService', 'fixedWrong', 'fixedLoopback'])
      ports[name] = await freePort();
    // A service on the host that containers try to reach as localhost: a loopback listener the test opens.
    hostServer = net.createServer((s) => s.end());
    await new Promise<void>((resolve) => hostServer.listen(ports.hostService, '127.0.0.1', resolve));

    // First the one judged only after SILENT_GRACE_MS: a published port nothing ever listens on.
    await run('silent', '-p', `${ports.silent}:80`, image, 'sleep', '600');
    const silentStarted = Date.now();
    await Promise.all([
      run('wrong', '-p', `${ports.wrong}:80`, image, 'httpd', '-f', '-p', '8080'),
      run('loopback', '-p', `${ports.loopback}:80`, image, 'httpd', '-f', '-p', '127.0.0.1:80'),
      run('ok', '-p', `${ports.ok}:80`, image, 'httpd', '-f', '-p', '80'),
      run('localOnly', '-p', `127.0.0.1:${ports.localOnly}:80`, image, 'httpd', '-f', '-p', '80'),
      run('unpublished', '--expose', '80', image, 'httpd', '-f', '-p', '80'),
      run(
        'toHost',
        '-e',
        `API_URL=http://localhost:${ports.hostService}/v1`,
        '-e',
        `VITE_API=http://localhost:${ports.hostService}`,
        image,
        'sleep',
        '600',
      ),
      run('gatewayless', '-e', 'OLLAMA_URL=http://host.docker.internal:11434', image, 'sleep', '600'),
      // The fixes the doctor prints for the wrong port and the loopback bind, applied.
      run('fixedWrong', '-p', `${ports.fixedWrong}:8080`, image, 'httpd', '-f', '-p', '8080'),
      run('fixedLoopback', '-p', `${ports.fixedLoopback}:80`, image, 'httpd', '-f', '-p', '0.0.0.0:80'),
      // Docker resolves host.docker.internal when given it; Podman 4.3 has no host-gateway (its name is host.containers.internal).
      engine.name === 'docker'
        ? run(
            'gateway',
            '--add-host',
            'host.docker.internal:host-gateway',
            '-e',
            'OLLAMA_URL=http://host.docker.internal:11434',
            image,
            'sleep',
            '600',
          )
        : run('gateway', '-e', 'OLLAMA_URL=http://host.containers.internal:11434', image, 'sleep', '600'),
    ]);
    await sleep(Math.max(LISTEN_GRACE_MS + 1000 - (Date.now() - silentStarted), SILENT_GRACE_MS + 1000 - (Date.now() - silentStarted)));
    const result = await runCli(['unreachable-ports', '--json', '--timeout', '30', '-H', engine.host]);
    expect(result.exitCode).toBe(1);
    report = result.report!;
  }, 120_000);

  afterAll(async () => {
    await engine.removeLabelled(scope);
    await new Promise<void>((resolve) => hostServer.close(() => resolve()));
  });

  it('a published port while httpd listens on 8080: the fix publishes 8080, and applied it answers', async () => {
    expect(findingsFor('wrong')).toEqual([expect.objectContaining({ code: 'unreachable-ports/wrong-port', severity: 'error' })]);
    const [finding] = findingsFor('wrong');
    expect(finding!.title).toBe(
      `Container ${p('wrong')} publishes ${ports.wrong}->80, but nothing in it listens on port 80: the app listens on 8080`,
    );
    expect(finding!.fixes[0]!.command).toBe(`${engine.name} run -d -p ${ports.wrong}:8080 … ${image}`);
    expect(await answers(ports.wrong!)).toBe(false);
    expect(findingsFor('fixedWrong')).toEqual([]);
    expect(await answers(ports.fixedWrong!)).toBe(true);
  });

  it('httpd bound to 127.0.0.1 inside: the fix binds 0.0.0.0, and applied it answers', async () => {
    expect(findingsFor('loopback')).toEqual([expect.objectContaining({ code: 'unreachable-ports/loopback-only', severity: 'error' })]);
    expect(findingsFor('loopback')[0]!.title).toBe(
      `Container ${p('loopback')} listens on 127.0.0.1:80 only, which its published port ${ports.loopback}->80 cannot reach`,
    );
    expect(findingsFor('loopback')[0]!.fixes[0]!.command).toBe('httpd -f -p 0.0.0.0:80');
    expect(await answers(ports.loopback!)).toBe(false);
    expect(findingsFor('fixedLoopback')).toEqual([]);
    expect(await answers(ports.fixedLoopback!)).toBe(true);
  });

  it('a published port nothing listens on, after the container has been up a while', () => {
    expect(findingsFor('silent')).toEqual([expect.objectContaining({ code: 'unreachable-ports/nothing-listening', severity: 'warning' })]);
    expect(findingsFor('silent')[0]!.fixes[0]!.command).toBe(`${engine.name} logs --tail 50 ${p('silent')}`);
  });

  it('a correct mapping says nothing, and answers', async () => {
    expect(findingsFor('ok')).toEqual([]);
    expect(await answers(ports.ok!)).toBe(true);
  });

  it('a port published on 127.0.0.1 only: a note', () => {
    expect(findingsFor('localOnly')).toEqual([expect.objectContaining({ code: 'unreachable-ports/loopback-published', severity: 'info' })]);
  });

  // Podman's container list leaves out exposed ports that are not published, so such a container is not read there: no note.
  it(`a container on the default bridge that listens but publishes nothing: ${engine.name === 'docker' ? 'a note' : 'nothing on Podman'}`, () => {
    expect(findingsFor('unpublished')).toEqual(
      engine.name === 'docker' ? [expect.objectContaining({ code: 'unreachable-ports/not-published', severity: 'info' })] : [],
    );
  });

  it('localhost:<port> where a host process listens: the host by name (browser-facing VITE_API left alone)', () => {
    const found = findingsFor('toHost');
    expect(found).toEqual([expect.objectContaining({ code: 'unreachable-ports/host-as-localhost', severity: 'warning' })]);
    expect(found[0]!.title).toContain(`reaches localhost:${ports.hostService} through API_URL`);
    const name = engine.name === 'docker' ? 'host.docker.internal' : 'host.containers.internal';
    expect(found[0]!.fixes[0]!.command).toContain(`-e API_URL=http://${name}:${ports.hostService}/v1`);
    // The test's listener is on 127.0.0.1 only: the doctor says the host process must listen beyond loopback.
    expect(found[0]!.fixes.at(-1)!.title).toMatch(/listens on 127\.0\.0\.1 only, which containers cannot reach/);
  });

  it('host.docker.internal without host-gateway: Docker needs --add-host, Podman 4.3 names the host host.containers.internal', () => {
    expect(findingsFor('gatewayless')).toEqual([
      expect.objectContaining({ code: 'unreachable-ports/host-gateway-missing', severity: 'error' }),
    ]);
    expect(findingsFor('gatewayless')[0]!.fixes[0]!.command).toBe(
      engine.name === 'docker'
        ? `docker run -d --add-host host.docker.internal:host-gateway … ${image}`
        : `podman run -d -e OLLAMA_URL=http://host.containers.internal:11434 … ${image}`,
    );
    expect(findingsFor('gateway')).toEqual([]);
  });

  it('the name the fix gives resolves in the container', async () => {
    const name = engine.name === 'docker' ? 'host.docker.internal' : 'host.containers.internal';
    expect(await docker('exec', p('gateway'), 'cat', '/etc/hosts')).toMatch(new RegExp(`\\s${name.replace(/\./g, '\\.')}(\\s|$)`, 'm'));
  });

  // As a user other than root, the CLI reads root's container processes only where the kernel lets it: either it
  // judges the same, or it says once that it could not read them, and never reports a wrong verdict.
  it.runIf(engine.name === 'docker' && process.getuid?.() === 0)('as a non-root user in the docker group (setpriv)', async () => {
    const gid = Number(execFileSync('stat', ['-c', '%g', engine.socket]).toString().trim());
    const pid = (await docker('inspect', '-f', '{{.State.Pid}}', p('wrong'))).trim();
    const readable = (() => {
      try {
        execFileSync('setpriv', ['--reuid=65534', '--regid=65534', `--groups=${gid}`, 'cat', `/proc/${pid}/net/tcp`], { stdio: 'pipe' });
        return true;
      } catch {
        return false;
      }
    })();
    const result = await runCli(['unreachable-ports', '--json', '--timeout', '30', '-H', engine.host], {
      setpriv: ['--reuid=65534', '--regid=65534', `--groups=${gid}`],
    });
    const findings = result.report!.checks[0]!.findings;
    if (readable) {
      // This kernel lets any user read another's /proc/<pid>/net: the verdict is the same as root's.
      expect(findings.filter((f) => f.subject.name === p('wrong')).map((f) => f.code)).toEqual(['unreachable-ports/wrong-port']);
    } else {
      expect(findings.filter((f) => f.code === 'unreachable-ports/wrong-port' && f.subject.name === p('wrong'))).toEqual([]);
      expect(findings.filter((f) => f.code === 'unreachable-ports/listeners-unreadable')).toEqual([
        expect.objectContaining({ title: expect.stringMatching(/runs as uid 65534, not root: run it with sudo/) }),
      ]);
    }
  });
});
