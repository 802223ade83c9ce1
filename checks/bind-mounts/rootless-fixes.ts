import type { Fix } from '../../src/engine/types.js';
import type { MountPoint } from '../../src/facts/docker/types.js';
import { shellWord } from '../../src/util/text.js';
import type { EngineCli } from '../shared/engine-cli.js';
import type { ContainerUser } from './users.js';

/**
 * Permission fixes under rootless Podman, where container uid N≥1 is host uid subuid_start+N-1 and 0 is the user:
 * `sudo chown <uid>` would give the path to a host user the container never runs as. `podman unshare` runs chown inside
 * Podman's user namespace, so the container's uid is written as the container sees it; `--userns=keep-id` runs the
 * container as the user's own uid; the `:U` volume option has Podman chown the source when the container starts.
 */
export function podmanRootlessFixes(cli: EngineCli, mount: MountPoint, user: ContainerUser): Fix[] {
  const source = shellWord(mount.Source);
  const volume = `${mount.Source}:${mount.Destination}`;
  return [
    {
      title: unshareTitle(user),
      command: `podman unshare chown -R ${user.uid}:${user.gid} ${source}`,
    },
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

function unshareTitle(user: ContainerUser): string {
  return (
    `Give ${user.label} the source inside Podman's user namespace (podman unshare applies the mapping, ` +
    'so no sudo and no host uid to work out)'
  );
}
