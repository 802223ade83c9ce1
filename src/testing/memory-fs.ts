import type { FsClient } from '../facts/clients.js';
import type { FileStat } from '../facts/types.js';

/**
 * One file of an in-memory file system: its text, a symbolic link target, and stat fields that differ from the
 * defaults (a regular file, mode 0644, owned by root). A file without `text` exists but cannot be read (EACCES); a
 * directory is `{ stat: { type: 'directory' } }`, or implied by the files below it.
 */
export interface FakeFile {
  text?: string;
  link?: string;
  stat?: Partial<FileStat>;
}

/** Absolute paths to file text (a string) or to a {@link FakeFile}. */
export type FakeFiles = Record<string, FakeFile | string>;

/** A mounted file system, as statfs sees it; `error` makes statfs fail below it ('EACCES': a directory above is closed). */
export interface FakeDisk {
  totalBytes: number;
  availableBytes: number;
  /** Default: total less available (no blocks reserved for root). */
  usedBytes?: number;
  /** Default 1,000,000 (0: a file system without an inode table, like btrfs). */
  totalInodes?: number;
  /** Default 900,000. */
  freeInodes?: number;
  error?: 'ENOENT' | 'EACCES';
}

/** Mount points to file systems; statfs answers from the longest mount point above the path. */
export type FakeDisks = Record<string, FakeDisk>;

const GiB = 1024 ** 3;

/** A roomy disk: what every fake host has at / unless a test says otherwise. */
export const ROOMY_DISK: FakeDisk = { totalBytes: 200 * GiB, availableBytes: 120 * GiB };

const DIRECTORY: Omit<FileStat, 'path'> = { type: 'directory', mode: 0o755, uid: 0, gid: 0, size: 4096, mtimeMs: 0, ctimeMs: 0 };

const fsError = (code: string, message: string) => Object.assign(new Error(message), { code });

/**
 * An in-memory file system for the fact providers (`stat`, `hostFile`, `listDir`, the compose and Dockerfile readers):
 * paths map to text or stat data; directories are implied by their children.
 *
 * @example memoryFs({ '/etc/resolv.conf': 'nameserver 127.0.0.53\n', '/srv/data': { stat: { type: 'directory', mode: 0o700 } } })
 */
export function memoryFs(files: FakeFiles, disks: FakeDisks = { '/': ROOMY_DISK }): FsClient {
  const entries = new Map(Object.entries(files).map(([p, f]) => [p, typeof f === 'string' ? { text: f } : f]));
  const hasChildren = (dir: string) => [...entries.keys()].some((p) => p.startsWith(dir.endsWith('/') ? dir : `${dir}/`));
  return {
    async readText(file) {
      const entry = entries.get(file);
      if (!entry) return undefined;
      if (entry.text === undefined) throw fsError('EACCES', `EACCES: permission denied, open '${file}'`);
      return entry.text;
    },
    async stat(file) {
      const entry = entries.get(file);
      if (!entry) return hasChildren(file) ? { path: file, ...DIRECTORY } : null;
      const size = entry.text?.length ?? 0;
      return { path: file, type: 'file', mode: 0o644, uid: 0, gid: 0, size, mtimeMs: 0, ctimeMs: 0, ...entry.stat };
    },
    async readdir(dir) {
      const prefix = dir.endsWith('/') ? dir : `${dir}/`;
      const names = new Set<string>();
      for (const p of entries.keys()) if (p.startsWith(prefix)) names.add(p.slice(prefix.length).split('/')[0]!);
      if (names.size === 0 && entries.get(dir)?.stat?.type !== 'directory') throw fsError('ENOENT', `ENOENT: ${dir}`);
      return [...names];
    },
    async readlink(file) {
      return entries.get(file)?.link;
    },
    async statfs(file) {
      const mount = Object.keys(disks)
        .filter((m) => m === '/' || file === m || file.startsWith(`${m.replace(/\/+$/, '')}/`))
        .sort((a, b) => b.length - a.length)[0];
      const disk = mount === undefined ? undefined : disks[mount]!;
      if (!disk || disk.error === 'ENOENT') throw fsError('ENOENT', `ENOENT: no such file or directory, statfs '${file}'`);
      if (disk.error === 'EACCES') throw fsError('EACCES', `EACCES: permission denied, statfs '${file}'`);
      const bsize = 4096;
      const blocks = Math.floor(disk.totalBytes / bsize);
      const bavail = Math.floor(disk.availableBytes / bsize);
      const used = Math.floor((disk.usedBytes ?? disk.totalBytes - disk.availableBytes) / bsize);
      const files = disk.totalInodes ?? 1_000_000;
      return { bsize, blocks, bfree: blocks - used, bavail, files, ffree: disk.freeInodes ?? (files === 0 ? 0 : 900_000) };
    },
  };
}
