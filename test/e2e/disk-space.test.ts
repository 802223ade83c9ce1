import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/engine/report.js';
import type { Finding } from '../../src/engine/types.js';
import { cleanEnv, findingsOf, runCli } from '../helpers/cli.js';
import { engines, scopedEngine, TEST_LABEL } from '../helpers/engine.js';
import { tempDir } from '../helpers/sockets.js';

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

// A compose service with a chatty log: the finding sits at the service's line, and the printed fix, applied (the
// logging block pasted under the service, the recreate typed as printed), leaves a bounded log and no finding.
describe.each(engines)('disk-space on a compose service, fix applied ($name)', (engine) => {
  if (!engine.available()) return void it.skip(`${engine.name} does not answer here`, () => {});
  const scope = `diskc-${engine.name}-${process.pid}-${Date.now().toString(36)}`;
  const composeName = `dd${scope.replace(/[^a-z0-9]/g, '')}`;
  let projectDir: string;
  let before: Finding[];
  let after: Finding[];
  const env = () => ({ ...cleanEnv(), DOCKER_HOST: engine.host });
  const serviceFindings = (report: Report | undefined) =>
    findingsOf(report, 'disk-space').filter((f) => f.subject.name.startsWith(`${composeName}_web_`));

  beforeAll(async () => {
    const image = await engine.ensureTestImage();
    projectDir = tempDir('dd-disk-compose-');
    const command = JSON.stringify(['sh', '-c', WRITE_BIG_LOG.replaceAll('$', () => '$$')]);
    const yaml = ['services:', '  web:', `    image: ${image}`, `    command: ${command}`, '    network_mode: none'];
    writeFileSync(path.join(projectDir, 'docker-compose.yml'), [...yaml, `    labels: ["${TEST_LABEL}=${scope}"]`, ''].join('\n'));
    const up = await execa('docker-compose', ['-p', composeName, 'up', '-d'], { cwd: projectDir, env: env(), reject: false });
    expect(up.exitCode, up.stderr).toBe(0);
    const container = `${composeName}_web_1`;
    const field = engine.name === 'podman' ? '{{.HostConfig.LogConfig.Path}}' : '{{.LogPath}}';
    const size = async () =>
      statSync((await engine.cliMayFail('inspect', '-f', field, container)).stdout, { throwIfNoEntry: false })?.size ?? 0;
    for (let i = 0; i < 120 && (await size()) < LOG_BYTES_WANTED; i++) await new Promise((r) => setTimeout(r, 500));

    const scoped = await scopedEngine(engine, scope);
    try {
      before = serviceFindings((await runCli(['disk-space', '--json', '-H', scoped.host, '-C', projectDir])).report);
      const fixes = before[0]?.fixes ?? [];
      const block = fixes.find((f) => f.command?.startsWith('logging:'))?.command;
      const recreate = fixes.find((f) => f.command?.includes('up -d --force-recreate'))?.command;
      if (block && recreate) {
        const indented = block.split('\n').map((l) => `    ${l}`);
        writeFileSync(
          path.join(projectDir, 'docker-compose.yml'),
          [...yaml, ...indented, `    labels: ["${TEST_LABEL}=${scope}"]`, ''].join('\n'),
        );
        const typed = await execa('sh', ['-c', recreate], { cwd: projectDir, env: env(), reject: false });
        expect(typed.exitCode, typed.stderr).toBe(0);
        // The writer runs again under the limit: its log rotates at 10 MB however much it writes.
        await new Promise((r) => setTimeout(r, 6000));
      }
      after = serviceFindings((await runCli(['disk-space', '--json', '-H', scoped.host, '-C', projectDir])).report);
    } finally {
      await scoped.close();
    }
  }, 240_000);

  afterAll(async () => {
    await execa('docker-compose', ['-p', composeName, 'down'], { cwd: projectDir, env: env(), reject: false });
    await engine.removeLabelled(scope);
  }, 120_000);

  it("reports the service's container at its compose line, with the logging block and the recreate as printed", () => {
    expect(before).toHaveLength(1);
    expect(before[0]).toMatchObject({
      code: 'disk-space/unbounded-log',
      severity: 'warning',
      location: { file: 'docker-compose.yml', line: 2 },
    });
    // Run from elsewhere with -C: the recreate goes to the project directory first.
    const recreate = `cd ${projectDir} && docker-compose -p ${composeName} up -d --force-recreate web`;
    expect(before[0]!.fixes.map((f) => f.command)).toContain(recreate);
  });

  it('the fix applied: the container was recreated with a bounded log, and the finding is gone', () => {
    expect(after).toEqual([]);
  });
});

/**
 * A second dockerd whose root is a 300 MiB tmpfs: a disk that is really short of space, in a second. Root only (mount,
 * dockerd). It gets a bridge of its own: with `--bridge none`, dockerd DELETES docker0 when it starts, the main
 * engine's bridge. iptables, ip_forward and masquerading are left alone, and its containerd namespace is its own.
 */
async function smallDisk(): Promise<{ host: string; cli(...args: string[]): Promise<string>; stop(): Promise<void> }> {
  const dir = tempDir('dd-disk-small-');
  const root = path.join(dir, 'root');
  const socket = path.join(dir, 'docker.sock');
  mkdirSync(root);
  await execa('mount', ['-t', 'tmpfs', '-o', 'size=300m', 'tmpfs', root]);
  const ns = `dd-disk-${process.pid}`;
  const bridge = `dddisk${process.pid % 100_000}`;
  await execa('ip', ['link', 'add', bridge, 'type', 'bridge']);
  await execa('ip', ['addr', 'add', '10.213.213.1/24', 'dev', bridge]);
  const flags = [
    ...['--data-root', root, '--exec-root', path.join(dir, 'exec'), '-H', `unix://${socket}`, '--pidfile', path.join(dir, 'pid')],
    ...['--bridge', bridge, '--iptables=false', '--ip6tables=false', '--ip-forward=false', '--ip-masq=false'],
    ...['--containerd-namespace', ns, '--containerd-plugins-namespace', `${ns}-p`],
  ];
  if (flags.includes('none')) throw new Error('never start a second dockerd with --bridge none: it deletes docker0');
  const daemon = execa('dockerd', flags, { reject: false, stdin: 'ignore', stdout: 'ignore', stderr: 'ignore' });
  const cli = async (...args: string[]) => String((await execa('docker', ['-H', `unix://${socket}`, ...args], { timeout: 60_000 })).stdout);
  const answers = () =>
    cli('version').then(
      () => true,
      () => false,
    );
  for (let i = 0; i < 60 && !(await answers()); i++) await new Promise((r) => setTimeout(r, 500));
  return {
    host: `unix://${socket}`,
    cli,
    async stop() {
      await cli('rm', '-f', ...(await cli('ps', '-aq')).split('\n').filter(Boolean)).catch(() => undefined);
      daemon.kill('SIGTERM');
      await daemon;
      await execa('umount', [root], { reject: false });
      await execa('ip', ['link', 'del', bridge], { reject: false });
    },
  };
}

describe('disk-space on a Docker root that is really full (a second dockerd on a 300 MiB tmpfs)', () => {
  const root = process.getuid?.() === 0;
  if (!engines[0]!.available() || !root) return void it.skip('needs root and Docker: it mounts a tmpfs and starts a dockerd', () => {});
  let disk: Awaited<ReturnType<typeof smallDisk>>;
  let before: Finding[];
  let after: Finding[];

  beforeAll(async () => {
    disk = await smallDisk();
    const image = await engines[0]!.ensureTestImage();
    await execa('sh', ['-c', `docker save ${image} | docker -H ${disk.host} load`]);
    // A job that left 250 MB in its writable layer, and an application that then failed to write.
    await disk.cli('run', '--name', 'filler', '--network', 'none', image, 'dd', 'if=/dev/zero', 'of=/fill', 'bs=1M', 'count=250');
    await disk
      .cli('run', '--name', 'writer', '--network', 'none', image, 'sh', '-c', 'echo "write /data/x: no space left on device" >&2; exit 1')
      .catch(() => undefined);
    before = findingsOf((await runCli(['disk-space', '--json', '-H', disk.host])).report, 'disk-space');
    // The prune the finding prints, typed as printed (with --force: no one is there to answer its question).
    const prune = before.find((f) => f.code === 'disk-space/low-space')?.fixes.find((f) => f.command === 'docker container prune');
    if (prune) await execa('sh', ['-c', `${prune.command} --force`], { env: { ...process.env, DOCKER_HOST: disk.host } });
    after = findingsOf((await runCli(['disk-space', '--json', '-H', disk.host])).report, 'disk-space');
  }, 180_000);

  afterAll(async () => {
    await disk?.stop();
  }, 60_000);

  it('the root is short of space: an error with the breakdown from /system/df and the container prune saying what it deletes', () => {
    const low = before.find((f) => f.code === 'disk-space/low-space')!;
    expect(low).toMatchObject({ severity: 'error', subject: { kind: 'file' } });
    expect(low.title).toMatch(/^The Docker root \/.*\/root has \d+ MiB free of 300 MiB \(\d+ % used\); prunes can give back 2\d\d MiB$/);
    const prune = low.fixes.find((f) => f.command === 'docker container prune')!;
    expect(prune.title).toMatch(
      /^Remove 2 stopped containers with their writable layers and logs \(2\d\d MiB\): files written inside them are lost$/,
    );
  });

  it('the application that printed ENOSPC: an error, since the root is short of space now', () => {
    const writer = before.find((f) => f.subject.name === 'writer')!;
    expect(writer).toMatchObject({ code: 'disk-space/no-space-error', severity: 'error' });
    expect(writer.title).toMatch(/short of space/);
  });

  it('the prune applied gives the space back (the disk stays under the 1 GiB floor, so the finding stays, with more free)', () => {
    const free = (findings: Finding[]) => findings.find((f) => f.code === 'disk-space/low-space')!.evidence!.availableBytes as number;
    expect(free(after) - free(before)).toBeGreaterThan(200 * 1024 * 1024);
    expect(after.some((f) => f.subject.name === 'writer')).toBe(false);
  });
});
