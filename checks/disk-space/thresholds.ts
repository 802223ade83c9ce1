import type { Severity } from '../../src/engine/types.js';
import { usedFraction, type DiskSpace } from '../../src/facts/host/disk.js';

const GiB = 1024 ** 3;

const clamp = (value: number, low: number, high: number) => Math.min(high, Math.max(low, value));

/**
 * Free bytes below which the Docker root is short of space: a share of the disk, bounded both ways. A pull or a build
 * needs a few GiB whatever the disk's size, so a small disk is judged by the floor; a 2 TB disk with 50 GiB free
 * (2.5 %) is fine, so a big one is judged by the ceiling.
 */
export const SPACE_THRESHOLDS = {
  error: { share: 0.02, min: 1 * GiB, max: 5 * GiB },
  warning: { share: 0.1, min: 5 * GiB, max: 20 * GiB },
} as const;

/** Free inodes, as a share of the file system's inodes. */
export const INODE_THRESHOLDS = { error: 0.02, warning: 0.05 } as const;

/** The bytes of free space below which a disk of this size reaches a level. */
export function spaceThreshold(space: DiskSpace, level: 'error' | 'warning'): number {
  const { share, min, max } = SPACE_THRESHOLDS[level];
  return clamp((space.usedBytes + space.availableBytes) * share, min, max);
}

export interface SpaceVerdict {
  severity: Severity;
  /** The free bytes below which this severity applies. */
  threshold: number;
}

/** Whether the disk is short of space, and how badly; undefined when it has room. */
export function judgeSpace(space: DiskSpace): SpaceVerdict | undefined {
  for (const level of ['error', 'warning'] as const) {
    const threshold = spaceThreshold(space, level);
    if (space.availableBytes < threshold) return { severity: level, threshold };
  }
  return undefined;
}

/** Whether the disk is running out of inodes; undefined when it has enough, or keeps no inode count (btrfs says 0). */
export function judgeInodes(space: DiskSpace): { severity: Severity; share: number } | undefined {
  if (space.totalInodes <= 0) return undefined;
  const share = space.freeInodes / space.totalInodes;
  if (share < INODE_THRESHOLDS.error) return { severity: 'error', share };
  if (share < INODE_THRESHOLDS.warning) return { severity: 'warning', share };
  return undefined;
}

/** `df`'s Use%, rounded up as df rounds it. */
export function percentUsed(space: DiskSpace): number {
  return Math.ceil(usedFraction(space) * 100);
}
