import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/engine/report.js';
import type { Finding } from '../../src/engine/types.js';
import { runCli } from '../helpers/cli.js';
import { dockerEngine, engines, FAST_HEALTH, TEST_LABEL, waitFor } from '../helpers/engine.js';
import { tempDir } from '../helpers/sockets.js';

/*
 * Health checks on the real engines. Docker runs them itself. Podman 4.3 runs them only from the systemd timers it
 * creates per container: its service here runs without systemd, so no probe ever runs on its own (the health stays
 * "starting" with an empty log). The Podman cases therefore run each probe the way Podman's own timer would, with
 * `podman healthcheck run`, which records the result in the container's health log; and one container left alone
 * shows what the doctor says of a check that never ran.
 */
describe.each(engines)('unhealthy-containers on a real engine: $name', (engine) => {
  if (!engine.available()) return void it.skip(`${engine.name} does not answer here`, () => {});
  const scope = `health-${engine.name}-${process.pid}-${Date.now().toString(36)}`;
  const p = (name: string) => `dd-${scope}-${name}`;
  const label = ['--label', `${TEST_LABEL}=${scope}`, '--network', 'none'];
  let report: Report;

  const findingsFor = (name: string): Finding[] => report.checks.flatMap((c) => c.findings.filter((f) => f.subject.name === name));
  const health = async (name: string) => (await engine.cliMayFail('inspect', '--format', '{{.State.Health.Status}}', name)).stdout;

  beforeAll(async () => {
    const image = await engine.ensureTestImage();
    const serve = ['sh', '-c', 'mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 8080 -h /www'];
    await Promise.all([
      // curl is not in busybox: every probe says "curl: not found"; the image has wget.
      engine.cli(
        'run',
        '-d',
        '--name',
        p('curl'),
        ...label,
        '--health-cmd',
        'curl -f http://localhost:8080/',
        ...FAST_HEALTH,
        image,
        ...serve,
      ),
      // The app listens on 8080, the probe asks port 80.
      engine.cli(
        'run',
        '-d',
        '--name',
        p('port'),
        ...label,
        '--health-cmd',
        'wget -q --spider http://localhost/',
        ...FAST_HEALTH,
        image,
        ...serve,
      ),
      engine.cli(
        'run',
        '-d',
        '--name',
        p('ok'),
        ...label,
        '--health-cmd',
        'wget -q --spider http://localhost:8080/',
        ...FAST_HEALTH,
        image,
        ...serve,
      ),
      engine.cli('run', '-d', '--name', p('none'), ...label, image, ...serve),
      ...(engine.name === 'podman'
        ? [engine.cli('run', '-d', '--name', p('never'), ...label, '--health-cmd', 'true', ...FAST_HEALTH, image, ...serve)]
        : []),
    ]);
    if (engine.name === 'podman') {
      // What Podman's timer would do: the first probe waits for httpd to be up, as a timer's would after an interval.
      await new Promise((r) => setTimeout(r, 1000));
      for (const name of ['curl', 'port', 'ok']) await engine.cliMayFail('healthcheck', 'run', p(name));
    }
    await waitFor(async () => (await health(p('curl'))) === 'unhealthy', 'curl probe to fail');
    await waitFor(async () => (await health(p('port'))) === 'unhealthy', 'port probe to fail');
    await waitFor(async () => (await health(p('ok'))) === 'healthy', 'passing probe');
    // Past the never-run container's first intervals and timeout (1 s + 2 × 1 s + 2 s), with no probe run.
    if (engine.name === 'podman') await new Promise((r) => setTimeout(r, 5500));
    const run = await runCli(['unhealthy-containers', '--json', '-H', engine.host]);
    expect(run.report, run.stderr).toBeDefined();
    report = run.report!;
  }, 120_000);

  afterAll(async () => {
    await engine.removeLabelled(scope);
  });

  it('a probe calling curl in busybox: the tool is missing, the fix probes with wget', () => {
    const [finding, ...more] = findingsFor(p('curl'));
    expect(more).toEqual([]);
    expect(finding).toMatchObject({ code: 'unhealthy-containers/tool-missing', severity: 'error' });
    expect(finding!.title).toBe(
      `Container ${p('curl')} is unhealthy: its health check runs curl, which the image does not have (it has wget)`,
    );
    expect(finding!.fixes.map((f) => f.command)).toEqual(["--health-cmd 'wget -q --spider http://localhost:8080/'"]);
  });

  it('a probe on port 80 while httpd listens on 8080: the wrong port, naming 8080', () => {
    const [finding, ...more] = findingsFor(p('port'));
    expect(more).toEqual([]);
    expect(finding).toMatchObject({ code: 'unhealthy-containers/wrong-port', severity: 'error' });
    expect(finding!.title).toMatch(/probes port 80, where nothing listens inside the container; the app listens on 8080$/);
    expect(finding!.fixes.map((f) => f.command)).toEqual(["--health-cmd 'wget -q --spider http://localhost:8080/'"]);
  });

  it('a passing health check and no health check: nothing to say', () => {
    expect(findingsFor(p('ok'))).toEqual([]);
    expect(findingsFor(p('none'))).toEqual([]);
  });

  it.runIf(engine.name === 'podman')('Podman without systemd timers: a check that never ran is a note', async () => {
    // Where this Podman does run its timers, the check has run and there is nothing to say.
    const ran = (await health(p('never'))) !== 'starting';
    expect(findingsFor(p('never')).map((f) => [f.code, f.severity])).toEqual(ran ? [] : [['unhealthy-containers/never-run', 'info']]);
  });
});

describe('unhealthy-containers on a compose project (Docker, docker-compose)', () => {
  const engine = dockerEngine;
  if (!engine.available()) return void it.skip('docker does not answer here', () => {});
  const scope = `health-compose-${process.pid}-${Date.now().toString(36)}`;
  let report: Report;
  let projectDir: string;

  beforeAll(async () => {
    const image = await engine.ensureTestImage();
    projectDir = tempDir('dd-health-compose-');
    mkdirSync(projectDir, { recursive: true });
    writeFileSync(
      path.join(projectDir, 'compose.yaml'),
      [
        'services:',
        '  web:',
        `    image: ${image}`,
        '    command: ["httpd", "-f", "-p", "8080", "-h", "/"]',
        '    network_mode: none',
        `    labels: { "${TEST_LABEL}": "${scope}" }`,
        '    healthcheck:',
        '      test: ["CMD", "curl", "-f", "http://localhost:8080/"]',
        '      interval: 1s',
        '      retries: 1',
        '',
      ].join('\n'),
    );
    await execa('docker-compose', ['-p', scope, 'up', '-d'], { cwd: projectDir });
    await waitFor(
      async () => (await engine.cliMayFail('inspect', '--format', '{{.State.Health.Status}}', `${scope}_web_1`)).stdout === 'unhealthy',
      'the compose service to turn unhealthy',
    );
    const run = await runCli(['unhealthy-containers', '--json', '-H', engine.host, '-C', projectDir]);
    report = run.report!;
  }, 120_000);

  afterAll(async () => {
    await engine.removeLabelled(scope);
  });

  it('ties the container to its test line and gives the compose snippet and the recreate command', () => {
    const findings = report.checks.flatMap((c) => c.findings.filter((f) => f.subject.name === `${scope}_web_1`));
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      code: 'unhealthy-containers/tool-missing',
      location: { file: 'compose.yaml', line: 8 },
    });
    expect(findings[0]!.fixes.map((f) => f.command)).toEqual([
      'test: ["CMD", "wget", "-q", "--spider", "http://localhost:8080/"]',
      `cd ${projectDir} && docker-compose up -d web`,
    ]);
  });
});
