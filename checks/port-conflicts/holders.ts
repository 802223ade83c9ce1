import type { ContainerSummary } from '../../src/facts/docker/types.js';
import { addressesOverlap, type Listener } from '../../src/facts/host/listeners.js';
import { composeLabels, containerName } from '../shared/containers.js';
import { prose } from '../../src/util/text.js';

export interface HostPort {
  ip: string;
  port: number;
  protocol: string;
}

export type Holder =
  | { kind: 'container'; name: string; id: string; composeProject?: string; composeService?: string; oneoff?: boolean; via?: string }
  | { kind: 'process'; process?: string; pid?: number; address: string; ownDaemon?: number }
  | { kind: 'engine'; process: string; pid?: number; address: string };

/** Processes that belong to a container engine: their listeners are other engines' published ports. */
const ENGINE_PROCESSES =
  /^(docker-proxy|rootlesskit|rootlessport|slirp4netns|conmon|podman|gvproxy|vpnkit.*|com\.docker\..*|dockerd|containerd)$/;

export function publishedBy(containers: readonly ContainerSummary[], wanted: HostPort, exceptId?: string): ContainerSummary | undefined {
  return containers.find(
    (c) =>
      c.Id !== exceptId &&
      c.State === 'running' &&
      (c.Ports ?? []).some((p) => p.PublicPort === wanted.port && p.Type === wanted.protocol && addressesOverlap(p.IP ?? '', wanted.ip)),
  );
}

function containerHolder(container: ContainerSummary, via?: Listener): Holder {
  const compose = composeLabels(container.Labels);
  return {
    kind: 'container',
    name: containerName(container),
    id: container.Id.slice(0, 12),
    ...(compose ? { composeProject: compose.project, composeService: compose.service, ...(compose.oneoff ? { oneoff: true } : {}) } : {}),
    ...(via ? { via: `${via.process}${via.pid ? ` (pid ${via.pid})` : ''}` } : {}),
  };
}

/** A container of this daemon that lists the port as published, whatever its state (the socket is the daemon's, not the state's). */
function listedBy(containers: readonly ContainerSummary[], wanted: HostPort, exceptId?: string): ContainerSummary | undefined {
  return containers.find(
    (c) => c.Id !== exceptId && (c.Ports ?? []).some((p) => p.PublicPort === wanted.port && p.Type === wanted.protocol),
  );
}

/**
 * Who holds a host port: a container of this daemon first (its docker-proxy is only the daemon's agent), else a host listener.
 * Engine 28 binds published ports in dockerd itself before handing them to docker-proxy, so a dockerd listener is this
 * daemon's container when one lists the port; with none, it is another engine's only when its pid is not this daemon's
 * (`daemonPid`, from its pid file); when that is unknown it is named as the process it is.
 */
export function findHolder(
  wanted: HostPort,
  containers: readonly ContainerSummary[],
  listeners: readonly Listener[] | undefined,
  exceptId?: string,
  daemonPid?: number,
): Holder | undefined {
  const container = publishedBy(containers, wanted, exceptId);
  if (container) return containerHolder(container);
  const listener = listeners?.find(
    (l) => l.port === wanted.port && l.protocol === wanted.protocol && addressesOverlap(l.address, wanted.ip),
  );
  if (!listener) return undefined;
  const at = { pid: listener.pid, address: listener.address };
  if (listener.process === 'dockerd') {
    const listed = listedBy(containers, wanted, exceptId);
    if (listed) return containerHolder(listed, listener);
    const another = daemonPid !== undefined && listener.pid !== undefined && listener.pid !== daemonPid;
    return another ? { kind: 'engine', process: 'dockerd', ...at } : { kind: 'process', process: 'dockerd', ...at, ownDaemon: daemonPid };
  }
  if (listener.process && ENGINE_PROCESSES.test(listener.process)) return { kind: 'engine', process: listener.process, ...at };
  return { kind: 'process', process: listener.process, ...at };
}

export function describeHolder(holder: Holder): string {
  switch (holder.kind) {
    case 'container':
      return prose`
        container
        ${holder.name}${holder.composeProject ? ` (compose project ${holder.composeProject}, service ${holder.composeService})` : ''}
      `;
    case 'engine':
      return `${holder.process}${holder.pid ? ` (pid ${holder.pid})` : ''}, part of another container engine`;
    case 'process':
      if (holder.process === 'dockerd' && holder.ownDaemon !== undefined && holder.ownDaemon === holder.pid)
        return `this Docker daemon itself (dockerd, pid ${holder.pid}), though none of its containers lists the port`;
      return holder.process
        ? `${holder.process}${holder.pid ? ` (pid ${holder.pid})` : ''}`
        : 'a process this user cannot see (run as root to name it)';
  }
}

/** The host port a failed start names in its error, when it names one. */
export function portInError(error: string): HostPort | undefined {
  const patterns = [
    /Bind for (\[?[0-9a-f.:]*\]?):(\d+) failed/i,
    /listen (tcp|udp)[46]? (\[?[0-9a-f.:]*\]?):(\d+): bind/i,
    /failed to bind host port for (\[?[0-9a-f.:]*\]?):(\d+):[^/]*\/(tcp|udp|sctp)/i,
    /cannot expose privileged port (\d+)/i,
  ];
  let m = patterns[0]!.exec(error);
  if (m) return { ip: stripBrackets(m[1]!), port: Number(m[2]), protocol: 'tcp' };
  m = patterns[1]!.exec(error);
  if (m) return { ip: stripBrackets(m[2]!), port: Number(m[3]), protocol: m[1]!.toLowerCase() };
  m = patterns[2]!.exec(error);
  if (m) return { ip: stripBrackets(m[1]!), port: Number(m[2]), protocol: m[3]!.toLowerCase() };
  m = patterns[3]!.exec(error);
  if (m) return { ip: '', port: Number(m[1]), protocol: 'tcp' };
  return undefined;
}

function stripBrackets(ip: string): string {
  return ip.replace(/^\[|\]$/g, '');
}

const MAX_PORT = 65535;

/** The first port from `start` (within 200) that nothing here holds and the project does not publish, for a remap the user can paste. */
function firstFreeFrom(
  start: number,
  protocol: string,
  containers: readonly ContainerSummary[],
  listeners: readonly Listener[] | undefined,
  taken: ReadonlySet<number>,
): number | undefined {
  for (let candidate = start; candidate <= Math.min(MAX_PORT, start + 200); candidate++) {
    if (taken.has(candidate)) continue;
    if (!findHolder({ ip: '', port: candidate, protocol }, containers, listeners)) return candidate;
  }
  return undefined;
}

/** The next free port above `port`; always a valid port number (at the top of the range it looks from 1024 up). */
export function nextFreePort(
  port: number,
  protocol: string,
  containers: readonly ContainerSummary[],
  listeners: readonly Listener[] | undefined,
  taken: ReadonlySet<number> = new Set(),
): number {
  const start = port < MAX_PORT ? port + 1 : 1024;
  return firstFreeFrom(start, protocol, containers, listeners, taken) ?? start;
}

/**
 * An unprivileged host port to publish instead of `port` on a rootless engine: 8000 + port where that is valid and at
 * least `floor` (80 → 8080, 443 → 8443), else from `floor` up; free of every holder we know of, and never above 65535.
 */
export function unprivilegedAlternative(
  port: number,
  floor: number,
  protocol: string,
  containers: readonly ContainerSummary[],
  listeners: readonly Listener[] | undefined,
  taken: ReadonlySet<number> = new Set(),
): number {
  const low = Math.max(floor, 1024);
  const preferred = port + 8000 <= MAX_PORT && port + 8000 >= low ? port + 8000 : low;
  return firstFreeFrom(preferred, protocol, containers, listeners, taken) ?? preferred;
}
