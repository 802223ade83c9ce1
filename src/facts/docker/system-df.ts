import type { EngineClient, RequestOptions } from './engine-client.js';

// GET /system/df, read into one shape whatever the API version: the legacy lists (API < 1.52, and Podman) or the
// summaries API 1.52 added (1.53 drops the lists). Reclaimable amounts are computed as the docker CLI computes them
// (docker/cli cli/command/formatter/disk_usage.go), so the figures match what `docker system df` prints.

/** What the engine's disk holds, by kind, with what a prune could give back. Sizes in bytes. */
export interface DiskUsage {
  images: { count: number; active: number; size: number; reclaimable: number; dangling?: { count: number; size: number } };
  containers: { count: number; stopped: number; size: number; reclaimable: number };
  volumes: { count: number; unused: number; size: number; reclaimable: number; unusedNames: string[] };
  buildCache: { count: number; size: number; reclaimable: number };
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0);
const list = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isObject) : []);

/** The usage a /system/df answer describes; undefined when it is not shaped like one. */
export function diskUsageOf(answer: unknown): DiskUsage | undefined {
  if (!isObject(answer)) return undefined;
  if (isObject(answer.ImageUsage) || isObject(answer.ContainerUsage)) return summaryUsage(answer);
  if (!('Images' in answer) && !('Containers' in answer) && !('LayersSize' in answer)) return undefined;
  return legacyUsage(answer);
}

/** API ≥ 1.52: `{ImageUsage, ContainerUsage, VolumeUsage, BuildCacheUsage}`, each `{ActiveCount, TotalCount, TotalSize, Reclaimable}`. */
function summaryUsage(answer: Json): DiskUsage {
  const part = (v: unknown) => {
    const o = isObject(v) ? v : {};
    return { count: num(o.TotalCount), active: num(o.ActiveCount), size: num(o.TotalSize), reclaimable: num(o.Reclaimable) };
  };
  const images = part(answer.ImageUsage);
  const containers = part(answer.ContainerUsage);
  const volumes = part(answer.VolumeUsage);
  const cache = part(answer.BuildCacheUsage);
  return {
    images: { count: images.count, active: images.active, size: images.size, reclaimable: images.reclaimable },
    containers: {
      count: containers.count,
      stopped: containers.count - containers.active,
      size: containers.size,
      reclaimable: containers.reclaimable,
    },
    volumes: {
      count: volumes.count,
      unused: volumes.count - volumes.active,
      size: volumes.size,
      reclaimable: volumes.reclaimable,
      unusedNames: [],
    },
    buildCache: { count: cache.count, size: cache.size, reclaimable: cache.reclaimable },
  };
}

function legacyUsage(answer: Json): DiskUsage {
  return {
    images: legacyImages(answer),
    containers: legacyContainers(list(answer.Containers)),
    volumes: legacyVolumes(list(answer.Volumes)),
    buildCache: legacyBuildCache(list(answer.BuildCache)),
  };
}

/** An image with no tag: `<none>:<none>`, or none at all. */
function dangling(image: Json): boolean {
  const tags = Array.isArray(image.RepoTags) ? image.RepoTags.filter((t): t is string => typeof t === 'string') : [];
  return tags.every((t) => t === '<none>:<none>');
}

/** Reclaimable: LayersSize less the unique size of the images containers use; dangling: unused images without a tag. */
function legacyImages(answer: Json): DiskUsage['images'] {
  const images = list(answer.Images);
  const unique = (i: Json) => Math.max(0, num(i.Size) - num(i.SharedSize));
  const used = images.filter((i) => num(i.Containers) > 0);
  const size = num(answer.LayersSize) || images.reduce((sum, i) => sum + num(i.Size), 0);
  const untagged = images.filter((i) => dangling(i) && num(i.Containers) === 0);
  return {
    count: images.length,
    active: used.length,
    size,
    reclaimable: Math.max(0, size - used.reduce((sum, i) => sum + unique(i), 0)),
    dangling: { count: untagged.length, size: untagged.reduce((sum, i) => sum + unique(i), 0) },
  };
}

/** Reclaimable: the writable layers of containers that are not running. */
function legacyContainers(containers: Json[]): DiskUsage['containers'] {
  const stopped = containers.filter((c) => c.State !== 'running' && c.State !== 'paused' && c.State !== 'restarting');
  return {
    count: containers.length,
    stopped: stopped.length,
    size: containers.reduce((sum, c) => sum + num(c.SizeRw), 0),
    reclaimable: stopped.reduce((sum, c) => sum + num(c.SizeRw), 0),
  };
}

/** Reclaimable: volumes no container refers to (a size of -1 is "not computed", for volumes of other drivers). */
function legacyVolumes(volumes: Json[]): DiskUsage['volumes'] {
  const usage = (v: Json) => (isObject(v.UsageData) ? v.UsageData : {});
  const unused = volumes.filter((v) => usage(v).RefCount === 0);
  return {
    count: volumes.length,
    unused: unused.length,
    size: volumes.reduce((sum, v) => sum + num(usage(v).Size), 0),
    reclaimable: unused.reduce((sum, v) => sum + num(usage(v).Size), 0),
    unusedNames: unused.map((v) => v.Name).filter((n): n is string => typeof n === 'string'),
  };
}

/** Total: records not shared with another; reclaimable: that total less the records in use. */
function legacyBuildCache(records: Json[]): DiskUsage['buildCache'] {
  const own = records.filter((r) => r.Shared !== true);
  const size = own.reduce((sum, r) => sum + num(r.Size), 0);
  const inUse = own.filter((r) => r.InUse === true).reduce((sum, r) => sum + num(r.Size), 0);
  return { count: records.length, size, reclaimable: Math.max(0, size - inUse) };
}

/**
 * Asks the engine for its disk usage, within the request timeout. The daemon walks every layer and volume for it (tens of
 * seconds on a big host), so only a check that needs the breakdown asks. A failure is this fact's alone (a plain
 * Error, not an EndpointFault): the engine is fine, it was only slow, and nothing else is skipped for it.
 */
export async function fetchDiskUsage(client: EngineClient, request: RequestOptions): Promise<DiskUsage> {
  let answer: unknown;
  try {
    answer = await client.getJson<unknown>('/system/df', request);
  } catch (error) {
    throw new Error(`GET /system/df failed: ${(error as Error).message}`, { cause: error });
  }
  const usage = diskUsageOf(answer);
  if (!usage) throw new Error('GET /system/df answered something that is not a disk usage report');
  return usage;
}
