import { statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/engine/report.js';
import type { Finding } from '../../src/engine/types.js';
import { findingsOf, runCli } from '../helpers/cli.js';
import { engines, scopedEngine, TEST_LABEL } from '../helpers/engine.js';

// The log writer: 130,000 lines of 1,000 characters (about 130 MB of log) in a few seconds, then it stays up.
const WRITE_BIG_LOG = 'L=$(head -c 1000 /dev/zero | tr "\\0" x); yes "$L" | head -n 130000; sleep 3600';
const LOG_BYTES_WANTED = 110 * 1024 * 1024;

// Docker and Podman alike: a chatty container's log past 100 MiB, a container that failed on ENOSPC, a healthy scope.
describe.each(engines)('disk-space on a real engine ($name)', (engine) => {
  if (!engine.available()) return void it.skip(`${engine.name} does not answer here`, () => {});
  const scope = `disk-${engine.name}-${process.pid}-${Date.now().toString(36)}`;
  const healthyScope = `${scope}-ok`;
  const name = (n: string) => `dd-${scope}-${n}`;
  const label = (value = scope) => ['--label', `${TEST_LABEL}=${value}`];
  let report: Report;
  let healthy: Report;
  const findingsFor = (subject: string): Finding[] => findingsOf(report, 'disk-space').filter((f) => f.subject.name === subject);

  /** The size of a container's log file on this host, 0 until it exists (Podman's own inspect names it under HostConfig). */
  async function logSize(container: string): Promise<number> {
    const field = engine.name === 'podman' ? '{{.HostConfig.LogConfig.Path}}' : '{{.LogPath}}';
    const { stdout } = await engine.cliMayFail('inspect', '-f', field, container);
    return stdout ? (statSync(stdout, { throwIfNoEntry: false })?.size ?? 0) : 0;
  }

  beforeAll(async () => {
    const image = await engine.ensureTestImage();
    const none = ['--network', 'none'];
    await Promise.all([
      engine.cli('run', '-d', '--name', name('chatty'), ...label(), ...none, image, 'sh', '-c', WRITE_BIG_LOG),
      // What an application prints when its write fails on a full disk; it exits 1.
      engine.cliMayFail(
        'run',
        '--name',
        name('full'),
        ...label(),
        ...none,
        image,
        'sh',
        '-c',
        'echo starting; echo "write /data/db.wal: no space left on device" >&2; exit 1',
      ),
      engine.cli('run', '-d', '--name', name('quiet'), ...label(healthyScope), ...none, image, 'sh', '-c', 'echo hello; sleep 3600'),
    ]);
    for (let i = 0; i < 120 && (await logSize(name('chatty'))) < LOG_BYTES_WANTED; i++) await new Promise((r) => setTimeout(r, 500));
    expect(await logSize(name('chatty'))).toBeGreaterThan(LOG_BYTES_WANTED);

    const scoped = await scopedEngine(engine, scope);
    const okEngine = await scopedEngine(engine, healthyScope);
    try {
      report = (await runCli(['disk-space', '--json', '-H', scoped.host])).report!;
      healthy = (await runCli(['disk-space', '--json', '-H', okEngine.host])).report!;
    } finally {
      await Promise.all([scoped.close(), okEngine.close()]);
    }
  }, 180_000);

  afterAll(async () => {
    await Promise.all([engine.removeLabelled(scope), engine.removeLabelled(healthyScope)]);
  }, 120_000);

  it('the chatty container: its log past 100 MiB with no limit is a warning naming it, with the fixes for new and this container', () => {
    const [finding] = findingsFor(name('chatty'));
    expect(finding).toMatchObject({ code: 'disk-space/unbounded-log', severity: 'warning' });
    expect(finding!.title).toMatch(new RegExp(`^Container ${name('chatty')}'s log is 1\\d\\d MiB and grows without a limit`));
    expect(finding!.evidence!.bytes as number).toBeGreaterThan(100 * 1024 * 1024);
    const commands = finding!.fixes.map((f) => f.command);
    expect(commands).toContain('--log-opt max-size=10m --log-opt max-file=3');
    if (engine.name === 'docker') expect(commands).toContain('sudo systemctl restart docker');
    else expect(commands).toContain('log_size_max = 10485760');
  });

  it('the container that printed "no space left on device" and exited: named, and said that the root has room now', () => {
    const [finding] = findingsFor(name('full'));
    expect(finding).toMatchObject({ code: 'disk-space/no-space-error', severity: 'warning' });
    expect(finding!.title).toContain('its log: write /data/db.wal: no space left on device');
    expect(finding!.title).toMatch(/free now, so space was freed since/);
    expect(finding!.fixes.map((f) => f.command)).toContain(`${engine.name} start ${name('full')}`);
  });

  it('the real root has room: no root finding, the status is what our containers give', () => {
    const check = report.checks.find((c) => c.id === 'disk-space')!;
    expect(check.findings.filter((f) => f.subject.kind !== 'container')).toEqual([]);
    expect(check.status).toBe('warned');
  });

  it('a quiet container on a roomy root: passed', () => {
    const check = healthy.checks.find((c) => c.id === 'disk-space')!;
    expect({ status: check.status, findings: check.findings }).toEqual({ status: 'passed', findings: [] });
  });
});
