import { execFileSync } from 'node:child_process';
import { execa } from 'execa';
import { testRootfsTar } from './rootfs.js';

/** The socket .ci/run starts `podman system service` on, next to dockerd's; DOCKER_DOCTOR_TEST_PODMAN_SOCKET points elsewhere. */
export const PODMAN_SOCKET = process.env.DOCKER_DOCTOR_TEST_PODMAN_SOCKET ?? '/run/docker-doctor-ci/podman.sock';
export const PODMAN_HOST = `unix://${PODMAN_SOCKET}`;
/** `podman import` names an image without a registry under localhost/; `podman run docker-doctor-test/busybox:1` finds it there. */
export const PODMAN_TEST_IMAGE = 'localhost/docker-doctor-test/busybox:1';

let available: boolean | undefined;

/**
 * Whether the test's Podman service answers. Podman cases need root (the CI service is rootful, and rootless Podman
 * is a per-user service: README, "Podman"); as another user they skip and say why. Under CI=true a silent service fails the suite.
 */
export function podmanAvailable(): boolean {
  if (available !== undefined) return available;
  available = false;
  if (process.getuid?.() !== 0) {
    console.warn('\n!!! Not root: the Podman engine tests are SKIPPED (the test service is rootful Podman; see README, "Podman"). !!!\n');
    return available;
  }
  try {
    execFileSync('podman', ['--url', PODMAN_HOST, 'version', '--format', '{{.Server.Version}}'], { stdio: 'pipe', timeout: 10_000 });
    available = true;
  } catch {
    if (process.env.CI === 'true')
      throw new Error(`CI=true but no Podman answers at ${PODMAN_SOCKET}: .ci/run must start podman system service`);
    console.warn(`\n!!! No Podman answers at ${PODMAN_SOCKET}: the Podman engine tests are SKIPPED. Start it as .ci/run does. !!!\n`);
  }
  return available;
}

export async function podman(...args: string[]): Promise<string> {
  const result = await execa('podman', ['--url', PODMAN_HOST, ...args], { reject: true, timeout: 60_000, stdin: 'ignore' });
  return String(result.stdout).trim();
}

export async function podmanMayFail(...args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const result = await execa('podman', ['--url', PODMAN_HOST, ...args], { reject: false, timeout: 60_000, stdin: 'ignore' });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout).trim(), stderr: String(result.stderr).trim() };
}

/** The same busybox image as Docker's, imported into Podman's store. */
export async function ensurePodmanTestImage(): Promise<string> {
  const present = await podmanMayFail('image', 'exists', PODMAN_TEST_IMAGE);
  if (present.exitCode === 0) return PODMAN_TEST_IMAGE;
  await podman('import', '-c', 'CMD ["/bin/sh"]', await testRootfsTar(), PODMAN_TEST_IMAGE);
  return PODMAN_TEST_IMAGE;
}

/** Removes what one test file created in Podman; every test resource carries the test label. */
export async function removePodmanLabelled(label: string): Promise<void> {
  const list = async (...args: string[]) => (await podmanMayFail(...args, '--filter', `label=${label}`)).stdout.split('\n').filter(Boolean);
  const ids = await list('ps', '-aq');
  if (ids.length) await podmanMayFail('rm', '-f', '-v', ...ids);
  const nets = await list('network', 'ls', '-q');
  if (nets.length) await podmanMayFail('network', 'rm', '-f', ...nets);
  const images = await list('images', '-q');
  if (images.length) await podmanMayFail('rmi', '-f', ...new Set(images));
}

/** `docker` as a command in a fix (not `docker-compose`, `docker-doctor`, `docker.io/…` or prose). */
const DOCKER_COMMAND = /(^|[\s;&|($])docker(\s|$)/;

/** Whether a command answers `--version` on this host (what the doctor asks to choose a fix's CLI). */
function installed(command: string): boolean {
  try {
    execFileSync(command, ['--version'], { stdio: 'pipe', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * The fix commands of a report that name `docker` where the user's engine is Podman and its CLI is installed (the
 * doctor then names `podman`). Empty is right; on a host with only the docker CLI, `docker` against Podman is right too.
 */
export function dockerCommandsOnPodman(report: { checks: { findings: { fixes: { command?: string }[] }[] }[] }): string[] {
  if (!installed('podman')) return [];
  const commands = report.checks.flatMap((c) => c.findings.flatMap((f) => f.fixes.map((x) => x.command ?? '')));
  return commands.filter((c) => DOCKER_COMMAND.test(c));
}

/** The unprivileged user .ci/run creates (with /etc/subuid and /etc/subgid ranges) for the rootless Podman tests. */
export const ROOTLESS_USER = 'dd-rootless';

/** A rootless Podman service run as ROOTLESS_USER with its own XDG_RUNTIME_DIR, for one test file. */
export interface RootlessPodman {
  host: string;
  /** Runs a command as the user, in the user's environment. */
  asUser(command: string, ...args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }>;
  stop(): Promise<void>;
}

function userIds(user: string): { uid: number; gid: number } | undefined {
  try {
    const id = (flag: string) => Number(execFileSync('id', [flag, user], { encoding: 'utf8' }).trim());
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    return undefined;
  }
}

/**
 * Starts `podman system service` as ROOTLESS_USER on a socket in its own runtime directory, or says why it cannot:
 * not root (only root can switch to the user), no such user (.ci/run makes it), or the service does not answer.
 */
export async function startRootlessPodman(): Promise<RootlessPodman | string> {
  if (process.getuid?.() !== 0) return 'not root: only root can run the service as another user';
  const ids = userIds(ROOTLESS_USER);
  if (!ids) return `no user ${ROOTLESS_USER} (.ci/run creates it, with /etc/subuid and /etc/subgid ranges)`;
  const runtime = `/run/${ROOTLESS_USER}-${ids.uid}`;
  execFileSync('install', ['-d', '-m', '700', '-o', String(ids.uid), '-g', String(ids.gid), runtime, `${runtime}/podman`]);
  const socket = `${runtime}/podman/podman.sock`;
  const env = {
    HOME: `/home/${ROOTLESS_USER}`,
    USER: ROOTLESS_USER,
    XDG_RUNTIME_DIR: runtime,
    PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
    // The same limits as the rootful service's: this machine cannot raise them to Podman's defaults.
    CONTAINERS_CONF: '/run/docker-doctor-ci/containers.conf',
  };
  const asUser = async (command: string, ...args: string[]) => {
    const result = await execa('setpriv', ['--reuid', String(ids.uid), '--regid', String(ids.gid), '--init-groups', command, ...args], {
      env,
      extendEnv: false,
      reject: false,
      timeout: 60_000,
      stdin: 'ignore',
    });
    return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout).trim(), stderr: String(result.stderr).trim() };
  };
  const service = execa(
    'setpriv',
    [
      '--reuid',
      String(ids.uid),
      '--regid',
      String(ids.gid),
      '--init-groups',
      'podman',
      'system',
      'service',
      '--time=0',
      `unix://${socket}`,
    ],
    { env, extendEnv: false, reject: false, stdin: 'ignore' },
  );
  const stop = async () => {
    service.kill('SIGTERM');
    await service;
  };
  for (let i = 0; i < 30; i++) {
    if ((await asUser('podman', '--url', `unix://${socket}`, 'version')).exitCode === 0) return { host: `unix://${socket}`, asUser, stop };
    await new Promise((r) => setTimeout(r, 500));
  }
  await stop();
  return `the rootless Podman service did not answer at ${socket}`;
}
