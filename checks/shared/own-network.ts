import type { ContainerInspect } from '../../src/facts/docker/types.js';
import type { Facts } from '../../src/facts/types.js';

/**
 * Whether /proc/<State.Pid>/net shows the container's own sockets, so that what it lists may be said of the container.
 * With host networking the host's sockets are the container's by design. Otherwise only a pid in a namespace other than
 * this process's is the container's: one in ours is a host process (a faulty engine's Pid 1, or a pid reused since
 * the inspect), and one that cannot be told is not judged either.
 */
export async function readsOwnNetwork(facts: Facts, inspect: ContainerInspect): Promise<boolean> {
  if (inspect.HostConfig.NetworkMode === 'host') return true;
  return (await facts.netNamespace(inspect.State.Pid).catch(() => undefined)) === 'other';
}
