import path from 'node:path';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/engine/report.js';
import type { Finding } from '../../src/engine/types.js';
import { runCli } from '../helpers/cli.js';
import { dockerCommandsOnPodman } from '../helpers/podman.js';
import { engines, scopedEngine, TEST_LABEL } from '../helpers/engine.js';
import { freePort, tempDir } from '../helpers/sockets.js';

// Nothing a test container looks up may reach the machine's real resolver.
const dns = ['--dns', '127.0.0.1'];
const none = ['--network', 'none'];

// Docker and Podman alike; where Podman differs, the test says so.
describe.each(engines)('exited-containers on a real engine: containers meant to stay up ($name)', (engine) => {
  if (!engine.available()) return void it.skip(`${engine.name} does not answer here`, () => {});
  const { cli: docker, cliMayFail: dockerMayFail } = engine;
  const scope = `ex-${engine.name}-${process.pid}-${Date.now().toString(36)}`;
  const healthyScope = `${scope}-ok`;
  const p = (name: string) => `dd-${scope}-${name}`;
  const label = (value = scope) => ['--label', `${TEST_LABEL}=${value}`];
  const composeProject = `dd${scope.replace(/[^a-z0-9]/g, '')}`;
  let report: Report;
  let healthy: Report;
  let exitCode: number;
  let projectDir: string;
  // Podman stores the imported image as localhost/docker-doctor-test/busybox:1, and the fixes name the image as the engine does.
  let image: string;
  const ports: Record<string, number> = {};
  const findingsFor = (subject: string): Finding[] => report.checks.flatMap((c) => c.findings.filter((f) => f.subject.name === subject));
  const compose = (...args: string[]) =>
    // DOCKER_HOST rather than -H: compose v1 builds through the docker CLI, which must reach the same engine.
    execa('docker-compose', ['-p', composeProject, ...args], {
      env: { DOCKER_HOST: engine.host },
      cwd: projectDir,
      reject: false,
      timeout: 120_000,
      stdin: 'ignore',
    });

  beforeAll(async () => {
    image = await engine.ensureTestImage();
    ports.httpd = await freePort();
    ports.composeWeb = await freePort();
    ports.echo = await freePort();
    ports.built = await freePort();
    projectDir = tempDir('dd-exited-project-');
    // A web service whose command daemonises, and an init job (restart "no", no ports) that finishes: compose v1 starts both detached.
    writeFileSync(
      path.join(projectDir, 'docker-compose.yml'),
      [
        'services:',
        '  web:',
        `    image: ${image}`,
        '    command: ["httpd", "-p", "80"]',
        '    dns: 127.0.0.1',
        '    ports:',
        `      - "127.0.0.1:${ports.composeWeb}:80"`,
        `    labels: ["${TEST_LABEL}=${scope}"]`,
        '  built:',
        // Labelled, so every image of it (the first build, left dangling by the rebuild) is removed afterwards.
        `    build: { context: ./built, labels: ["${TEST_LABEL}=${scope}"] }`,
        '    dns: 127.0.0.1',
        '    ports:',
        `      - "127.0.0.1:${ports.built}:80"`,
        `    labels: ["${TEST_LABEL}=${scope}"]`,
        '  init:',
        `    image: ${image}`,
        '    command: ["sh", "-c", "echo seeded"]',
        '    restart: "no"',
        '    network_mode: none',
        `    labels: ["${TEST_LABEL}=${scope}"]`,
        '',
      ].join('\n'),
    );

    // A project image whose entrypoint script execs the CMD, and the CMD daemonises: the fix edits the CMD line.
    mkdirSync(path.join(projectDir, 'built'));
    writeFileSync(path.join(projectDir, 'built', 'entry.sh'), '#!/bin/sh\nexec "$@"\n');
    writeFileSync(
      path.join(projectDir, 'built', 'Dockerfile'),
      `FROM ${image}\nCOPY entry.sh /entry.sh\nENTRYPOINT ["/bin/sh", "/entry.sh"]\nCMD ["httpd", "-p", "80"]\n`,
    );

    await Promise.all([
      docker('run', '-d', '--name', p('httpd'), ...label(), ...dns, '-p', `127.0.0.1:${ports.httpd}:80`, image, 'httpd', '-p', '80'),
      docker('run', '-d', '--name', p('bg'), ...label(), ...none, image, 'sh', '-c', 'sleep 100 &'),
      docker('run', '-d', '--name', p('true'), ...label(), ...none, '--restart', 'no', image, 'true'),
      dockerMayFail('run', '--name', p('echo'), ...label(), ...none, image, 'echo', 'hi'),
      dockerMayFail('run', '--name', p('ports'), ...label(), ...dns, '-p', `127.0.0.1:${ports.echo}:80`, image, 'echo', 'listening'),
      dockerMayFail('run', '--name', p('try'), ...label(), ...none, image, 'httpd', '-p', '80'),
      docker('run', '-d', '--name', p('loop'), ...label(), ...none, '--restart', 'always', image, 'httpd', '-p', '80'),
      docker('run', '-d', '--name', p('sleep'), ...label(healthyScope), ...none, image, 'sleep', '300'),
      compose('up', '-d'),
    ]);
    // Every exit-0 container has stopped, and the loop has looped, before the doctor looks.
    for (let i = 0; i < 50; i++) {
      const running = await docker('ps', '-q', '--filter', `label=${TEST_LABEL}=${scope}`, '--filter', 'status=running');
      const restarts = Number(await docker('inspect', '-f', '{{.RestartCount}}', p('loop')));
      if (!running && restarts >= 2) break;
      await new Promise((r) => setTimeout(r, 200));
    }

    const scoped = await scopedEngine(engine, scope);
    const okEngine = await scopedEngine(engine, healthyScope);
    try {
      // Room beyond the default 10 s: under the whole suite's load Podman can take seconds to answer its ping.
      const run = await runCli(['exited-containers', '--json', '-v', '--timeout', '30', '-H', scoped.host, '-C', projectDir]);
      exitCode = run.exitCode;
      report = run.report!;
      healthy = (await runCli(['exited-containers', '--json', '--timeout', '30', '-H', okEngine.host, '-C', projectDir])).report!;
    } finally {
      await Promise.all([scoped.close(), okEngine.close()]);
    }
  }, 180_000);

  afterAll(async () => {
    if (projectDir) await compose('down', '--remove-orphans', '--rmi', 'local');
    await engine.removeLabelled(scope);
    await engine.removeLabelled(healthyScope);
  });

  it('a detached busybox httpd with a published port: a warning with the `httpd -f` fix', () => {
    const [finding] = findingsFor(p('httpd'));
    expect(finding).toMatchObject({ code: 'exited-containers/daemonized', severity: 'warning' });
    expect(finding!.title).toMatch(
      new RegExp(
        `^Container ${p('httpd')} exited 0 after [\\d.]+ s because its command \`httpd -p 80\` does not stay in the foreground: busybox httpd forks`,
      ),
    );
    // The engine's own CLI: podman on Podman (installed here), docker on Docker.
    expect(finding!.fixes[0]!.command).toBe(`${engine.name} run -d -p 127.0.0.1:${ports.httpd}:80 ${image} httpd -f -p 80`);
    expect(finding!.evidence).toMatchObject({
      exitCode: 0,
      // Podman differs: its inspect says AttachStdout false for attached runs too, so a detached start is no signal there.
      meantToStayUp: {
        signals: [`it publishes port 127.0.0.1:${ports.httpd}→80/tcp`, ...(engine.name === 'docker' ? ['it was started detached'] : [])],
        against: [],
      },
    });
  });

  it("a detached `sh -c 'sleep 100 &'`: a warning that drops the trailing &", () => {
    const [finding] = findingsFor(p('bg'));
    // Podman differs: a detached start cannot be told there (AttachStdout always reads false), so the check says less.
    expect(finding).toMatchObject({ code: 'exited-containers/daemonized', severity: engine.name === 'docker' ? 'warning' : 'info' });
    expect(finding!.fixes[0]!.command).toBe(`${engine.name} run -d ${image} sh -c 'sleep 100'`);
  });

  it('a detached `true` with restart "no" and no ports: a job, so a note', () => {
    expect(findingsFor(p('true'))).toEqual([expect.objectContaining({ code: 'exited-containers/finished', severity: 'info' })]);
  });

  it('an attached `echo hi`: a note', () => {
    const [finding] = findingsFor(p('echo'));
    expect(finding).toMatchObject({
      code: 'exited-containers/finished',
      severity: 'info',
      evidence: expect.objectContaining({ meantToStayUp: { signals: [], against: [] } }),
    });
    expect(finding!.title).toContain('its command `echo hi` finished');
  });

  it('an attached echo that publishes a port: a warning although no daemonising command is known', () => {
    const [finding] = findingsFor(p('ports'));
    expect(finding).toMatchObject({ code: 'exited-containers/server-exited', severity: 'warning' });
    expect(finding!.title).toContain(`although it publishes port 127.0.0.1:${ports.echo}→80/tcp: its command \`echo listening\` finished`);
  });

  it('an attached httpd with no ports: the daemonising command named, as a note', () => {
    const [finding] = findingsFor(p('try'));
    expect(finding).toMatchObject({ code: 'exited-containers/daemonized', severity: 'info' });
    expect(finding!.fixes[0]!.command).toBe(`${engine.name} run -d ${image} httpd -f -p 80`);
  });

  it('a restart loop of a daemonising command: the loop names it and the fix keeps it in the foreground', () => {
    const [finding] = findingsFor(p('loop'));
    expect(finding).toMatchObject({ code: 'exited-containers/restart-loop', severity: 'error' });
    expect(finding!.title).toMatch(
      /(it last exited with code 0|it is up again for now): its command `httpd -p 80` does not stay in the foreground/,
    );
    expect(finding!.fixes[0]!.command).toBe(`${engine.name} run -d --restart always ${image} httpd -f -p 80`);
  });

  it('a compose service whose command daemonises: the foreground command at its compose line', () => {
    const [finding] = findingsFor(`${composeProject}_web_1`);
    expect(finding).toMatchObject({
      code: 'exited-containers/daemonized',
      severity: 'warning',
      location: { file: 'docker-compose.yml', line: 4 },
    });
    expect(finding!.fixes).toEqual([
      {
        title: 'Keep `httpd -f -p 80` in the foreground: in docker-compose.yml (line 4), set',
        command: 'command: ["httpd","-f","-p","80"]',
      },
    ]);
  });

  it('a built service whose CMD daemonises behind an entrypoint script: the fix edits the CMD line, and applied, it stays up with no finding', async () => {
    const [finding] = findingsFor(`${composeProject}_built_1`);
    expect(finding).toMatchObject({
      code: 'exited-containers/daemonized',
      severity: 'warning',
      location: { file: 'built/Dockerfile', line: 4 },
    });
    expect(finding!.fixes).toEqual([
      { title: 'Keep `httpd -f -p 80` in the foreground: in built/Dockerfile (line 4), set', command: 'CMD ["httpd","-f","-p","80"]' },
    ]);

    const dockerfile = path.join(projectDir, 'built', 'Dockerfile');
    const lines = readFileSync(dockerfile, 'utf8').split('\n');
    lines[(finding!.location!.line ?? 0) - 1] = finding!.fixes[0]!.command!;
    writeFileSync(dockerfile, lines.join('\n'));
    expect((await compose('up', '-d', '--build', 'built')).exitCode).toBe(0);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await docker('inspect', '-f', '{{.State.Status}}', `${composeProject}_built_1`)).toBe('running');

    const scoped = await scopedEngine(engine, scope);
    try {
      const again = (await runCli(['exited-containers', '--json', '-H', scoped.host, '-C', projectDir])).report!;
      expect(again.checks[0]!.findings.filter((f) => f.subject.name === `${composeProject}_built_1`)).toEqual([]);
      expect(again.checks[0]!.status).not.toBe('crashed');
    } finally {
      await scoped.close();
    }
  }, 120_000);

  it('a compose init job with restart "no" and no ports that exited 0: a note', () => {
    expect(findingsFor(`${composeProject}_init_1`)).toEqual([
      expect.objectContaining({ code: 'exited-containers/finished', severity: 'info' }),
    ]);
  });

  it('the check fails on the loop, so the default --fail-on error exits 1', () => {
    expect(report.checks[0]).toMatchObject({ id: 'exited-containers', status: 'failed' });
    expect(exitCode).toBe(1);
  });

  it('a running busybox sleep: passed', () => {
    expect(healthy.checks[0]).toMatchObject({ id: 'exited-containers', status: 'passed', findings: [] });
  });

  it.runIf(engine.name === 'podman')('on Podman, no fix names docker (the podman CLI is installed)', () => {
    expect(dockerCommandsOnPodman(report)).toEqual([]);
  });
});
