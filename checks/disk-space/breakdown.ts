import type { Fix } from '../../src/engine/types.js';
import type { DiskUsage } from '../../src/facts/docker/system-df.js';
import { formatBytes } from '../shared/containers.js';
import { engineCommand, type EngineCli } from '../shared/engine-cli.js';

/** What /system/df gave within the check's budget: the usage, or why there is none. */
export type UsageAnswer = { usage: DiskUsage } | { missing: string };

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The space prunes could give back, in bytes (volumes not counted: their data is not junk until someone says so). */
export function reclaimableWithoutVolumes(usage: DiskUsage): number {
  return usage.buildCache.reclaimable + usage.images.reclaimable + usage.containers.reclaimable;
}

/** One line of the breakdown for the title's evidence: "build cache 12 GiB (12 GiB reclaimable)". */
export function breakdown(usage: DiskUsage): Record<string, string> {
  const part = (size: number, reclaimable: number) => `${formatBytes(size)} (${formatBytes(reclaimable)} reclaimable)`;
  return {
    images: `${plural(usage.images.count, 'image')}, ${part(usage.images.size, usage.images.reclaimable)}`,
    buildCache: part(usage.buildCache.size, usage.buildCache.reclaimable),
    containers: `${plural(usage.containers.stopped, 'stopped container')}, ${part(usage.containers.size, usage.containers.reclaimable)}`,
    volumes: `${plural(usage.volumes.unused, 'unused volume')}, ${part(usage.volumes.size, usage.volumes.reclaimable)}`,
  };
}

/**
 * The prune commands for what takes the space, safest first, each saying in its title what it deletes. Only the kinds
 * with something to give back when the usage is known; when it is not (the engine did not answer in time), the
 * commands that delete nothing anyone still uses, and `system df` to look. Volumes are listed before any removal:
 * their data goes with them.
 */
export function pruneFixes(answer: UsageAnswer, cli: EngineCli): Fix[] {
  const run = (rest: string) => engineCommand(cli, rest);
  if (!('usage' in answer)) {
    return [
      { title: 'See what takes the space (it may take a while on a big host)', command: run('system df') },
      ...(cli.podman
        ? []
        : [{ title: 'Delete the build cache no build is using: later builds run those steps again', command: run('builder prune') }]),
      { title: 'Delete dangling images (untagged, used by no container)', command: run('image prune') },
      {
        title: 'Remove stopped containers, with their writable layers and logs: files written inside them are lost',
        command: run('container prune'),
      },
    ];
  }
  const { usage } = answer;
  const fixes: Fix[] = [];
  const cache = usage.buildCache.reclaimable;
  if (cache > 0 && !cli.podman)
    fixes.push({
      title: `Delete the build cache no build is using (${formatBytes(cache)}): later builds run those steps again`,
      command: run('builder prune'),
    });
  const dangling = usage.images.dangling;
  if (dangling && dangling.count > 0)
    fixes.push({
      title: `Delete ${plural(dangling.count, 'dangling image')} (untagged, used by no container: about ${formatBytes(dangling.size)})`,
      command: run('image prune'),
    });
  if (usage.containers.stopped > 0 && usage.containers.reclaimable > 0)
    fixes.push({
      title: containersTitle(usage.containers.stopped, usage.containers.reclaimable),
      command: run('container prune'),
    });
  const unusedImages = usage.images.reclaimable - (dangling?.size ?? 0);
  if (unusedImages > 0 && usage.images.count > usage.images.active)
    fixes.push({
      title: `Delete every image no container uses (${formatBytes(unusedImages)} more): they must be pulled or built again`,
      command: run('image prune -a'),
    });
  if (usage.volumes.unused > 0 && usage.volumes.reclaimable > 0) fixes.push(...volumeFixes(usage, cli));
  return fixes;
}

function containersTitle(stopped: number, bytes: number): string {
  const what = `${plural(stopped, 'stopped container')} with their writable layers and logs (${formatBytes(bytes)})`;
  return `Remove ${what}: files written inside them are lost`;
}

/** First the list, to review; then the removal, whose title says the data goes. */
function volumeFixes(usage: DiskUsage, cli: EngineCli): Fix[] {
  const { unused, reclaimable, unusedNames } = usage.volumes;
  const named = unusedNames.length > 0 && unusedNames.length <= 5 ? `: ${unusedNames.join(', ')}` : '';
  return [
    {
      title: `List the ${plural(unused, 'volume')} no container uses (${formatBytes(reclaimable)}${named}); check none holds data you need`,
      command: engineCommand(cli, 'volume ls -f dangling=true'),
    },
    {
      title: `Delete the unused volumes and ALL THE DATA IN THEM (${formatBytes(reclaimable)}), once the list holds nothing you need`,
      command: engineCommand(cli, 'volume prune'),
    },
  ];
}
