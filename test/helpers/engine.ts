import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync, copyFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { tempDir } from './sockets.js';

export const TEST_LABEL = 'docker-doctor.test';
export const TEST_IMAGE = 'docker-doctor-test/busybox:1';

let available: boolean | undefined;

/** Whether a Docker engine answers here. Under CI=true a missing engine is an error, not a skip. */
export function engineAvailable(): boolean {
  if (available !== undefined) return available;
  try {
    execFileSync('docker', ['version', '--format', '{{.Server.Version}}'], { stdio: 'pipe', timeout: 10_000 });
    available = true;
  } catch {
    available = false;
    if (process.env.CI === 'true') throw new Error('CI=true but no Docker engine answers: .ci/run must install and start dockerd');
    console.warn('\n!!! No Docker engine answers here: the engine tests are SKIPPED. Start dockerd (see .ci/run) to run them. !!!\n');
  }
  return available;
}

export async function docker(...args: string[]): Promise<string> {
  const result = await execa('docker', args, { reject: true, timeout: 60_000, stdin: 'ignore' });
  return String(result.stdout).trim();
}

export async function dockerMayFail(...args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const result = await execa('docker', args, { reject: false, timeout: 60_000, stdin: 'ignore' });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout).trim(), stderr: String(result.stderr).trim() };
}

/** No registry is reachable: the test image is a root filesystem holding the static busybox, imported locally. */
export async function ensureTestImage(): Promise<string> {
  const present = await dockerMayFail('image', 'inspect', TEST_IMAGE);
  if (present.exitCode === 0) return TEST_IMAGE;
  const busybox = ['/bin/busybox', '/usr/bin/busybox'].find((p) => existsSync(p));
  if (!busybox) throw new Error('busybox-static is not installed (apt-get install busybox-static)');
  const root = tempDir('dd-rootfs-');
  for (const dir of ['bin', 'etc', 'tmp', 'data']) mkdirSync(path.join(root, dir), { recursive: true });
  copyFileSync(busybox, path.join(root, 'bin', 'busybox'));
  for (const applet of [
    'sh',
    'echo',
    'cat',
    'sleep',
    'ls',
    'id',
    'nslookup',
    'wget',
    'nc',
    'touch',
    'mkdir',
    'httpd',
    'true',
    'false',
    'env',
    'head',
    'dd',
    'chmod',
  ]) {
    symlinkSync('busybox', path.join(root, 'bin', applet));
  }
  writeFileSync(
    path.join(root, 'etc', 'passwd'),
    'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n',
  );
  writeFileSync(path.join(root, 'etc', 'group'), 'root:x:0:\napp:x:1000:\nnogroup:x:65534:\n');
  const file = path.join(tempDir(), 'rootfs.tar');
  await execa('tar', ['-C', root, '-cf', file, '.']);
  await execa('docker', ['import', '-c', 'CMD ["/bin/sh"]', file, TEST_IMAGE]);
  return TEST_IMAGE;
}

/** Removes what one test file created; every test resource carries TEST_LABEL=<scope>. */
export async function removeLabelled(scope: string): Promise<void> {
  const ids = (await docker('ps', '-aq', '--filter', `label=${TEST_LABEL}=${scope}`)).split('\n').filter(Boolean);
  if (ids.length) await dockerMayFail('rm', '-f', '-v', ...ids);
  const nets = (await docker('network', 'ls', '-q', '--filter', `label=${TEST_LABEL}=${scope}`)).split('\n').filter(Boolean);
  if (nets.length) await dockerMayFail('network', 'rm', ...nets);
  const images = (await docker('images', '-aq', '--filter', `label=${TEST_LABEL}=${scope}`)).split('\n').filter(Boolean);
  if (images.length) await dockerMayFail('rmi', '-f', ...new Set(images));
}
