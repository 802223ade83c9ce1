import type { DiskSpace } from '../../src/facts/host/disk.js';
import type { DockerConnection, Facts } from '../../src/facts/types.js';

/** The engine's root directory, measured on this machine, or why it could not be. */
export type RootReading =
  | { measured: true; root: string; space: DiskSpace }
  /** `elsewhere`: the engine runs on another machine (or Desktop's VM), so its root is no path here. */
  | { measured: false; root?: string; why: string; elsewhere?: string };

/**
 * statfs of the engine's root (`Info.DockerRootDir`) when the engine runs on this machine. A root that is missing here,
 * or present but empty, is not the engine's (docker-doctor runs in a container with only the socket mounted): its
 * file system would be this container's, so it is not measured. A root this user may not list (0710 root) is trusted.
 */
export async function measureRoot(facts: Facts, connection: DockerConnection): Promise<RootReading> {
  const root = connection.info?.DockerRootDir;
  if (!connection.local) {
    const why =
      connection.kind === 'docker-desktop'
        ? "Docker Desktop keeps images and containers in its VM's disk, which cannot be measured from the host"
        : `the engine at ${connection.endpoint.host ?? 'its endpoint'} runs on another machine`;
    return { measured: false, why, elsewhere: connection.endpoint.host ?? 'engine' };
  }
  if (!root) return { measured: false, why: 'the engine does not say where its root directory is (Docker Root Dir)' };
  const reading = await facts.diskSpace(root);
  if (!reading.ok) {
    const why =
      reading.reason === 'missing'
        ? `${root} does not exist on this machine, so the engine keeps its data elsewhere (in a container with only the socket mounted?)`
        : reading.reason === 'permission'
          ? `this user may not reach ${root} (run as root to measure it)`
          : `${root} could not be measured: ${reading.message}`;
    return { measured: false, root, why };
  }
  // A file system of 0 blocks (procfs, sysfs: a faulty engine's DockerRootDir /proc) has no size to run out of; judged,
  // it would read as 0 B free of 0 B, full.
  if (!(reading.space.totalBytes > 0)) {
    return { measured: false, root, why: `${root} is on a file system that reports no size (0 blocks), so its free space means nothing` };
  }
  const entries = await facts.listDir(root);
  if (entries !== null && entries.length === 0) {
    return {
      measured: false,
      root,
      why: `${root} is empty here, so it is not the engine's root (docker-doctor may run in a container with only the socket)`,
    };
  }
  return { measured: true, root, space: reading.space };
}
