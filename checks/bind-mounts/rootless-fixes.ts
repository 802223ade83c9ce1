import type { Fix } from '../../src/engine/types.js';
import type { MountPoint } from '../../src/facts/docker/types.js';
import type { FileStat } from '../../src/facts/types.js';
import { shellWord } from '../../src/util/text.js';
import type { EngineCli } from '../shared/engine-cli.js';
import type { ContainerUser, IdMapping } from './users.js';

/**
 * Permission fixes under rootless Podman, where container uid N≥1 is host uid subuid_start+N-1 and 0 is the user:
 * `sudo chown <uid>` would give the path to a host user the container never runs as. `podman unshare` runs chown inside
 * Podman's user namespace, so the container's uid is written as the container sees it; `--userns=keep-id` runs the
 * container as the user's own uid; the `:U` volume option has Podman chown the source when the container starts.
 * `podman unshare` can only change what the namespace owns: a source that belongs to another host user (root) is
 * first given to the engine's user, with sudo.
 */
export function podmanRootlessFixes(
  cli: EngineCli,
  mount: MountPoint,
  user: ContainerUser,
  stat: FileStat | null,
  mapping: IdMapping,
): Fix[] {
  const source = shellWord(mount.Source);
  const volume = `${mount.Source}:${mount.Destination}`;
  const [you, yourGroup] = [mapping.map(0, 'uid'), mapping.map(0, 'gid')];
  const foreign = stat !== null && you !== undefined && !(mapping.inNamespace?.(stat.uid) ?? true);
  const take = `sudo chown -R ${you}:${yourGroup ?? you} ${source}`;
  const unshare = `podman unshare chown -R ${user.uid}:${user.gid} ${source}`;
  // Container root is the engine's user: owning the source is all it needs.
  const first: Fix =
    foreign && user.uid === 0
      ? { title: `Give the source to uid ${you}, the host user container root runs as under rootless Podman`, command: take }
      : {
          title: foreign
            ? `The source belongs to uid ${stat.uid}, outside Podman's user namespace: take it, then give it to ${user.label} through it`
            : `Give ${user.label} the source inside Podman's user namespace (podman unshare applies the mapping; no host uid to work out)`,
          command: foreign ? `${take} && ${unshare}` : unshare,
        };
  return [
    first,
    {
      title: 'Or run the container as your own uid inside it (--userns=keep-id), so the files you own are its files',
      command: `${cli.cli} run --userns=keep-id -v ${shellWord(volume)} …`,
    },
    {
      title: "Or have Podman give the source to the container's user each time it starts (the :U volume option chowns it recursively)",
      command: `-v ${shellWord(`${volume}:U`)}`,
    },
  ];
}
