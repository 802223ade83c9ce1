import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { startRootlessPodman, type RootlessPodman } from '../helpers/podman.js';

/**
 * Rootless Podman for real: `podman system service` run as an unprivileged user (.ci/run makes it, with /etc/subuid and
 * /etc/subgid ranges) with its own XDG_RUNTIME_DIR, and the doctor pointed at that socket. Skipped, with the reason,
 * when the test does not run as root or the service cannot start here.
 */
let started: RootlessPodman | string = 'not started';

beforeAll(async () => {
  started = await startRootlessPodman();
  if (typeof started === 'string') console.warn(`\n!!! Rootless Podman tests SKIPPED: ${started}. !!!\n`);
}, 60_000);

afterAll(async () => {
  if (typeof started !== 'string') await started.stop();
});

describe('rootless Podman on a real service', () => {
  it('the daemon check answers, with engine kind podman-rootless', async (context) => {
    if (typeof started === 'string') return context.skip();
    const run = await runCli(['daemon', '--json', '-H', started.host, '--timeout', '30']);
    expect(run.report!.environment.docker).toMatchObject({ endpoint: started.host, kind: 'podman-rootless' });
    expect(run.report!.checks[0]).toMatchObject({ id: 'daemon', status: 'passed' });
    // The user's own service: the user namespace maps container root to the user (the uid_map's first line).
    const map = await started.asUser('podman', 'unshare', 'cat', '/proc/self/uid_map');
    expect(map.stdout.split('\n')[0]!.trim().split(/\s+/).slice(0, 1)).toEqual(['0']);
  }, 90_000);
});
