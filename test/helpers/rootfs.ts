import { copyFileSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { tempDir } from './sockets.js';

const APPLETS = ['sh', 'echo', 'cat', 'sleep', 'ls', 'id', 'nslookup', 'wget', 'nc', 'touch', 'mkdir', 'httpd', 'true', 'false'];
const MORE_APPLETS = ['env', 'head', 'dd', 'chmod'];

/**
 * No registry is reachable: the test image is a root filesystem holding the static busybox, packed as a tar that
 * `docker import` and `podman import` both take.
 */
export async function testRootfsTar(): Promise<string> {
  const busybox = ['/bin/busybox', '/usr/bin/busybox'].find((p) => existsSync(p));
  if (!busybox) throw new Error('busybox-static is not installed (apt-get install busybox-static)');
  const root = tempDir('dd-rootfs-');
  for (const dir of ['bin', 'etc', 'tmp', 'data']) mkdirSync(path.join(root, dir), { recursive: true });
  copyFileSync(busybox, path.join(root, 'bin', 'busybox'));
  for (const applet of [...APPLETS, ...MORE_APPLETS]) symlinkSync('busybox', path.join(root, 'bin', applet));
  writeFileSync(
    path.join(root, 'etc', 'passwd'),
    'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n',
  );
  writeFileSync(path.join(root, 'etc', 'group'), 'root:x:0:\napp:x:1000:\nnogroup:x:65534:\n');
  const file = path.join(tempDir(), 'rootfs.tar');
  await execa('tar', ['-C', root, '-cf', file, '.']);
  return file;
}
