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
