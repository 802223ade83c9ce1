import { describe, expect, it } from 'vitest';
import { judgeInodes, judgeSpace, percentUsed, spaceThreshold } from '../../checks/disk-space/thresholds.js';
import { expectedLogPath } from '../../checks/disk-space/logs.js';
import { diskUsageOf } from '../../src/facts/docker/system-df.js';
import { diskSpaceOf, readDiskSpace, type DiskSpace } from '../../src/facts/host/disk.js';
import type { DockerConnection } from '../../src/facts/types.js';
import { memoryFs } from '../../src/testing/index.js';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

const disk = (totalGiB: number, availableGiB: number, inodes = { total: 1_000_000, free: 500_000 }): DiskSpace => ({
  path: '/var/lib/docker',
  totalBytes: totalGiB * GiB,
  usedBytes: (totalGiB - availableGiB) * GiB,
  availableBytes: availableGiB * GiB,
  totalInodes: inodes.total,
  freeInodes: inodes.free,
});

describe('disk-space thresholds', () => {
  it.each([
    // total, free, verdict
    [20, 0.5, 'error'],
    [20, 1.5, 'warning'],
    [20, 5.5, undefined],
    [100, 1.9, 'error'],
    [100, 2.1, 'warning'],
    [100, 9.9, 'warning'],
    [100, 10.1, undefined],
    [2000, 4.9, 'error'],
    [2000, 19.9, 'warning'],
    [2000, 20.1, undefined],
  ] as const)('a %d GiB disk with %d GiB free: %s', (total, free, verdict) => {
    expect(judgeSpace(disk(total, free))?.severity).toBe(verdict);
  });

  it('the share is bounded: at least 1 GiB / 5 GiB, at most 5 GiB / 20 GiB', () => {
    expect(spaceThreshold(disk(10, 5), 'error')).toBe(1 * GiB);
    expect(spaceThreshold(disk(10, 5), 'warning')).toBe(5 * GiB);
    expect(spaceThreshold(disk(4000, 5), 'error')).toBe(5 * GiB);
    expect(spaceThreshold(disk(4000, 5), 'warning')).toBe(20 * GiB);
  });

  it('counts as df does: blocks reserved for root are neither used nor free (Use% = used / (used + available))', () => {
    // 100 GiB, 20 GiB used, 30 GiB available: 50 GiB reserved.
    const space = { ...disk(100, 30), usedBytes: 20 * GiB };
    expect(percentUsed(space)).toBe(40);
  });

  it('inodes: an error below 2 %, a warning below 5 %, nothing for a file system without an inode table', () => {
    expect(judgeInodes(disk(100, 50, { total: 1000, free: 10 }))?.severity).toBe('error');
    expect(judgeInodes(disk(100, 50, { total: 1000, free: 40 }))?.severity).toBe('warning');
    expect(judgeInodes(disk(100, 50, { total: 1000, free: 60 }))).toBeUndefined();
    expect(judgeInodes(disk(100, 50, { total: 0, free: 0 }))).toBeUndefined();
  });
});

describe('statfs through the fs client', () => {
  it('turns statfs blocks into bytes as df shows them', () => {
    const space = diskSpaceOf('/x', { bsize: 4096, blocks: 1000, bfree: 400, bavail: 300, files: 50, ffree: 20 });
    expect(space).toEqual({
      path: '/x',
      totalBytes: 4096000,
      usedBytes: 2457600,
      availableBytes: 1228800,
      totalInodes: 50,
      freeInodes: 20,
    });
  });

  it('says why a path cannot be measured', async () => {
    const fs = memoryFs(
      {},
      { '/': { totalBytes: GiB, availableBytes: GiB }, '/closed': { totalBytes: 0, availableBytes: 0, error: 'EACCES' } },
    );
    expect(await readDiskSpace(fs, '/closed/storage')).toMatchObject({ ok: false, reason: 'permission' });
    expect(await readDiskSpace(memoryFs({}, {}), '/var/lib/docker')).toMatchObject({ ok: false, reason: 'missing' });
    const { statfs: _none, ...noStatfs } = fs;
    expect(await readDiskSpace(noStatfs, '/')).toMatchObject({ ok: false, reason: 'unsupported' });
  });

  it('measures the real root of this machine', async () => {
    const { nodeFs } = await import('../../src/facts/clients.js');
    const reading = await readDiskSpace(nodeFs, '/');
    expect(reading.ok).toBe(true);
    if (reading.ok) expect(reading.space.totalBytes).toBeGreaterThan(reading.space.availableBytes);
  });
});

describe('GET /system/df in either shape', () => {
  it('legacy lists: reclaimable amounts as the docker CLI computes them', () => {
    const usage = diskUsageOf({
      LayersSize: 10 * GiB,
      Images: [
        { RepoTags: ['app:1'], Size: 4 * GiB, SharedSize: 1 * GiB, Containers: 2 },
        { RepoTags: ['<none>:<none>'], Size: 2 * GiB, SharedSize: 0, Containers: 0 },
        { RepoTags: null, Size: 1 * GiB, SharedSize: 0, Containers: 0 },
        null,
      ],
      Containers: [
        { State: 'running', SizeRw: 5 * MiB },
        { State: 'exited', SizeRw: 50 * MiB },
        { State: 'created', SizeRw: 0 },
      ],
      Volumes: [
        { Name: 'a', UsageData: { RefCount: 0, Size: 3 * GiB } },
        { Name: 'b', UsageData: { RefCount: 0, Size: -1 } },
        { Name: 'c', UsageData: { RefCount: 2, Size: 1 * GiB } },
      ],
      BuildCache: [
        { Size: 2 * GiB, InUse: false, Shared: false },
        { Size: 1 * GiB, InUse: true, Shared: false },
        { Size: 5 * GiB, InUse: false, Shared: true },
      ],
    });
    expect(usage).toEqual({
      images: { count: 3, active: 1, size: 10 * GiB, reclaimable: 7 * GiB, dangling: { count: 2, size: 3 * GiB } },
      containers: { count: 3, stopped: 2, size: 55 * MiB, reclaimable: 50 * MiB },
      volumes: { count: 3, unused: 2, size: 4 * GiB, reclaimable: 3 * GiB, unusedNames: ['a', 'b'] },
      buildCache: { count: 3, size: 3 * GiB, reclaimable: 2 * GiB },
    });
  });

  it('API 1.52 summaries', () => {
    const usage = diskUsageOf({
      ImageUsage: { ActiveCount: 1, TotalCount: 3, TotalSize: 100, Reclaimable: 60 },
      ContainerUsage: { ActiveCount: 2, TotalCount: 5, TotalSize: 10, Reclaimable: 4 },
      VolumeUsage: { ActiveCount: 1, TotalCount: 1, TotalSize: 7, Reclaimable: 0 },
      BuildCacheUsage: { ActiveCount: 0, TotalCount: 2, TotalSize: 30, Reclaimable: 30 },
    });
    expect(usage).toMatchObject({
      images: { count: 3, active: 1, reclaimable: 60 },
      containers: { stopped: 3, reclaimable: 4 },
      volumes: { unused: 0 },
      buildCache: { size: 30, reclaimable: 30 },
    });
  });

  it.each([null, 'text', [], { message: 'page not found' }])('%j is not a disk usage report', (answer) => {
    expect(diskUsageOf(answer)).toBeUndefined();
  });
});

describe("where each engine keeps a container's log", () => {
  const connection = (kind: DockerConnection['kind'], root: string, driver?: string) =>
    ({ local: true, kind, info: { DockerRootDir: root, ...(driver ? { Driver: driver } : {}) } }) as DockerConnection;
  const id = 'ab'.repeat(32);

  it('Docker: <root>/containers/<id>/<id>-json.log; Podman: <root>/<driver>-containers/<id>/userdata/ctr.log', () => {
    expect(expectedLogPath(connection('docker', '/var/lib/docker'), id)).toBe(`/var/lib/docker/containers/${id}/${id}-json.log`);
    expect(expectedLogPath(connection('podman', '/var/lib/containers/storage', 'vfs'), id)).toBe(
      `/var/lib/containers/storage/vfs-containers/${id}/userdata/ctr.log`,
    );
  });

  it('an id that is not hex names no path (nothing from the API becomes a path unchecked)', () => {
    expect(expectedLogPath(connection('docker', '/var/lib/docker'), '../../etc/passwd')).toBeUndefined();
  });
});
