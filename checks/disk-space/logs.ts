import type { ContainerInspect, ContainerSummary } from '../../src/facts/docker/types.js';
import type { DockerConnection, Facts } from '../../src/facts/types.js';
import { inspectIfPresent } from '../shared/inspect.js';

/** A log file past this size is worth a word when nothing limits it. */
export const LOG_SIZE_THRESHOLD = 100 * 1024 * 1024;

export interface LargeLog {
  inspect: ContainerInspect;
  path: string;
  size: number;
  /** The driver as the engine names it (Podman's compat API says json-file for its k8s-file logs). */
  driver: string;
}

export interface LogScan {
  large: LargeLog[];
  /** Why the log files could not be measured (permission denied as this user), when they could not. */
  unreadable?: string;
}

/**
 * Where the engine keeps a container's log file when it has one: Docker's json-file log under the root's containers
 * directory, Podman's k8s-file log in the container's userdata directory. Stat'ing the known place costs one stat per
 * container and no inspect; only a file past the threshold has its container inspected, to confirm its LogPath and
 * read its LogConfig. A driver that keeps no file there (journald, local, syslog…) is not measured, rightly.
 */
export function expectedLogPath(connection: DockerConnection, id: string): string | undefined {
  const root = connection.info?.DockerRootDir;
  if (!root || !/^[0-9a-f]{12,64}$/.test(id)) return undefined;
  if (connection.kind === 'podman' || connection.kind === 'podman-rootless') {
    return `${root}/${connection.info?.Driver || 'overlay'}-containers/${id}/userdata/ctr.log`;
  }
  return `${root}/containers/${id}/${id}-json.log`;
}

/** The containers whose log file is past the threshold and has no size limit at or below it. Local engines only. */
export async function scanLogs(facts: Facts, connection: DockerConnection, containers: ContainerSummary[]): Promise<LogScan> {
  if (!connection.local) return { large: [] };
  let denied = 0;
  const sized = await Promise.all(
    containers.map(async (summary) => {
      const path = expectedLogPath(connection, summary.Id);
      if (!path) return undefined;
      const stat = await facts.stat(path).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'EACCES' || error.code === 'EPERM') denied++;
        return null;
      });
      return stat?.type === 'file' && stat.size > LOG_SIZE_THRESHOLD ? { summary, path, size: stat.size } : undefined;
    }),
  );
  const candidates = sized.filter((s) => s !== undefined);
  const confirmed = await Promise.all(candidates.map(async (c) => confirm(facts, c.summary.Id, c.path, c.size)));
  const large = confirmed.filter((l): l is LargeLog => l !== undefined).sort((a, b) => b.size - a.size);
  const root = connection.info?.DockerRootDir ?? 'the engine root';
  return { large, ...(denied > 0 ? { unreadable: `this user may not read the container directories under ${root}` } : {}) };
}

/** The container's own word on its log: the file is its LogPath, and no max-size at or below the threshold bounds it. */
async function confirm(facts: Facts, id: string, path: string, size: number): Promise<LargeLog | undefined> {
  const inspect = await inspectIfPresent(facts, id);
  if (!inspect || (inspect.LogPath && inspect.LogPath !== path)) return undefined;
  const config = inspect.HostConfig.LogConfig;
  const driver = config?.Type || 'json-file';
  if (driver !== 'json-file' && driver !== 'k8s-file') return undefined;
  const maxSize = config?.Config?.['max-size'];
  // A limit the user chose (say 1g) is theirs to choose: the file can only be this big because the limit allows it.
  if (maxSize && maxSize !== '-1') return undefined;
  return { inspect, path, size, driver };
}
