import type { FsClient } from '../clients.js';

/** A file system's size and what is left on it, as `df` and `df -i` show them. */
export interface DiskSpace {
  /** The path that was measured (any path on the file system). */
  path: string;
  totalBytes: number;
  /** Blocks in use (`df`'s Used). */
  usedBytes: number;
  /** What an unprivileged process can still write (`df`'s Avail; root may also have the reserved blocks). */
  availableBytes: number;
  /** 0 where the file system has no fixed inode table (btrfs, some network file systems). */
  totalInodes: number;
  freeInodes: number;
}

/** The statfs(2) fields node gives (`fs.statfs`), as the fs client hands them over. */
export interface StatFs {
  bsize: number;
  blocks: number;
  bfree: number;
  bavail: number;
  files: number;
  ffree: number;
}

/** A disk reading, or why there is none: the path is missing here, or this user may not reach it. */
export type DiskReading =
  { ok: true; space: DiskSpace } | { ok: false; reason: 'missing' | 'permission' | 'unsupported' | 'error'; message: string };

export function diskSpaceOf(path: string, s: StatFs): DiskSpace {
  return {
    path,
    totalBytes: s.blocks * s.bsize,
    usedBytes: (s.blocks - s.bfree) * s.bsize,
    availableBytes: s.bavail * s.bsize,
    totalInodes: s.files,
    freeInodes: s.ffree,
  };
}

/**
 * statfs(2) of a path. It needs no read permission on the path itself, only search permission on the directories
 * above it: /var/lib/docker (root, 0710) can be measured by any user, /var/lib/containers/storage (below a 0700
 * directory) only by root.
 */
export async function readDiskSpace(fs: FsClient, path: string): Promise<DiskReading> {
  if (!fs.statfs) return { ok: false, reason: 'unsupported', message: 'this file system client cannot measure disks' };
  try {
    return { ok: true, space: diskSpaceOf(path, await fs.statfs(path)) };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { ok: false, reason: 'missing', message: `${path} does not exist on this machine` };
    if (code === 'EACCES' || code === 'EPERM')
      return { ok: false, reason: 'permission', message: `permission denied on the way to ${path}` };
    return { ok: false, reason: 'error', message: (error as Error).message };
  }
}

/** Share of the space in use, as `df` computes Use%: used / (used + available), so root's reserve does not count as free. */
export function usedFraction(space: DiskSpace): number {
  const usable = space.usedBytes + space.availableBytes;
  return usable > 0 ? space.usedBytes / usable : 0;
}
