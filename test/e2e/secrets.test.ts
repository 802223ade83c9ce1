import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/engine/report.js';
import type { Finding } from '../../src/engine/types.js';
import { runCli } from '../helpers/cli.js';
import { engines, FAST_HEALTH, TEST_LABEL, waitFor } from '../helpers/engine.js';

const SECRET = 'Zq7Rw9Pk2Lm4Xv';

/*
 * Issue 11: what containers print reaches the findings (a failing health check's output, the log line that says why a
 * container exited), and it echoes what the container holds: its own password from its environment, a client's
 * password flag. On the real engines, none of it may reach the human, -v or JSON output. Podman runs health checks
 * only from systemd timers, absent here, so its probes are run by hand (`podman healthcheck run`), as health.test.ts does.
 */
describe.each(engines)('secrets that containers print: $name', (engine) => {
  if (!engine.available()) return void it.skip(`${engine.name} does not answer here`, () => {});
  const scope = `secrets-${engine.name}-${process.pid}-${Date.now().toString(36)}`;
  const p = (name: string) => `dd-${scope}-${name}`;
  const label = ['--label', `${TEST_LABEL}=${scope}`, '--network', 'none'];
  let report: Report;
  let human: string;

  const findingsFor = (name: string): Finding[] => report.checks.flatMap((c) => c.findings.filter((f) => f.subject.name === name));
  const health = async (name: string) => (await engine.cliMayFail('inspect', '--format', '{{.State.Health.Status}}', name)).stdout;

  beforeAll(async () => {
    const image = await engine.ensureTestImage();
    /** A container whose health check runs `probe` and fails. */
    const unhealthy = (name: string, probe: string, env: string[] = []) =>
      engine.cli('run', '-d', '--name', p(name), ...label, ...env, '--health-cmd', probe, ...FAST_HEALTH, image, 'sleep', '600');
    await Promise.all([
      // The probe prints the container's own password from its environment.
      unhealthy('env', 'echo "connecting with $DB_PASS"; exit 1', ['-e', `DB_PASS=${SECRET}`]),
      // The probe's output quotes the client's password flags.
      unhealthy('flags', `echo "auth failed: redis-cli -a ${SECRET} ping, curl -u admin:${SECRET}"; exit 1`),
      // The container exits, its last log line quoting a server's password flag.
      engine.cli(
        'run',
        '-d',
        '--name',
        p('exited'),
        ...label,
        image,
        'sh',
        '-c',
        `echo "Error: cannot start (redis-server --requirepass ${SECRET})"; exit 3`,
      ),
    ]);
    if (engine.name === 'podman') {
      for (const name of ['env', 'flags']) await engine.cliMayFail('healthcheck', 'run', p(name));
    }
    for (const name of ['env', 'flags']) await waitFor(async () => (await health(p(name))) === 'unhealthy', `${name} probe to fail`);
    const json = await runCli(['unhealthy-containers', '--json', '-H', engine.host]);
    expect(json.report, json.stderr).toBeDefined();
    report = json.report!;
    const exited = await runCli(['exited-containers', '--json', '-H', engine.host]);
    report.checks.push(...exited.report!.checks);
    human = [
      (await runCli(['unhealthy-containers', '-v', '-H', engine.host])).stdout,
      (await runCli(['exited-containers', '-v', '-H', engine.host])).stdout,
    ].join('\n');
  }, 120_000);

  afterAll(async () => {
    await engine.removeLabelled(scope);
  });

  it('each container gets its finding, with the password shown as [redacted]', () => {
    expect(findingsFor(p('env')).map((f) => f.code)).toEqual(['unhealthy-containers/failing']);
    expect(findingsFor(p('env'))[0]!.title).toContain('connecting with [redacted]');
    expect(findingsFor(p('flags')).map((f) => f.code)).toEqual(['unhealthy-containers/failing']);
    expect(findingsFor(p('flags'))[0]!.title).toContain('redis-cli -a [redacted] ping');
    expect(findingsFor(p('exited')).map((f) => f.code)).toEqual(['exited-containers/app-error']);
  });

  it('no output holds the password, whole or in part', () => {
    const json = JSON.stringify(report);
    for (const text of [json, human]) {
      expect(text).toContain(p('exited'));
      expect(text).not.toContain(SECRET.slice(0, 6));
    }
  });
});
