import type { ContainerInspect } from '../../src/facts/docker/types.js';
import type { Listener } from '../../src/facts/host/listeners.js';

/*
 * What a container publishes against what its app listens on: pure, so every case is a table row.
 */

/** One container port published on the host, with the host addresses and ports it is bound to. */
export interface PublishedPort {
  containerPort: number;
  bindings: { hostIp: string; hostPort?: number }[];
}

export type PortVerdict =
  | { kind: 'ok' }
  /** Nothing listens on the port; the app listens on these other (unpublished) ports, on a reachable address. */
  | { kind: 'wrong-port'; listening: number[] }
  /** The app listens on loopback only: on the published port itself, or (port differs) on another one. */
  | { kind: 'loopback-only'; port: number; addresses: string[] }
  /** Nothing listens on the port; `elsewhere` lists what it does listen on (ports already published, working). */
  | { kind: 'nothing-listening'; elsewhere: number[] };

/** Docker's embedded DNS listens on 127.0.0.11 in every container of a user-defined network: not the app. */
const EMBEDDED_DNS = '127.0.0.11';

export function isLoopback(address: string): boolean {
  const v4 = address.replace(/^::ffff:/i, '');
  return v4.startsWith('127.') || address === '::1';
}

/** The app's listening sockets: TCP, without Docker's embedded DNS. */
export function appListeners(listeners: readonly Listener[]): Listener[] {
  return listeners.filter((l) => l.protocol === 'tcp' && l.address !== EMBEDDED_DNS);
}

/** The TCP ports a container publishes on purpose (-p, compose ports:), with the host side the engine bound. */
export function publishedPorts(inspect: ContainerInspect): PublishedPort[] {
  const wanted = inspect.HostConfig.PortBindings ?? {};
  const actual = inspect.NetworkSettings?.Ports ?? {};
  const ports: PublishedPort[] = [];
  for (const [key, bindings] of Object.entries(wanted)) {
    const m = /^(\d+)\/tcp$/.exec(key);
    if (!m || !bindings?.length) continue;
    // The engine's answer has the host port it picked for `-p 80` (an ephemeral port); the wanted one may be empty.
    const bound = actual[key]?.length ? actual[key]! : bindings;
    ports.push({
      containerPort: Number(m[1]),
      bindings: bound.map((b) => ({ hostIp: b.HostIp ?? '', ...(Number(b.HostPort) > 0 ? { hostPort: Number(b.HostPort) } : {}) })),
    });
  }
  return ports.sort((a, b) => a.containerPort - b.containerPort);
}

/** What one published container port reaches, given the app's listeners and every port the container publishes. */
export function judgePort(port: number, listeners: readonly Listener[], published: ReadonlySet<number>): PortVerdict {
  const app = appListeners(listeners);
  const here = app.filter((l) => l.port === port);
  if (here.some((l) => !isLoopback(l.address))) return { kind: 'ok' };
  if (here.length > 0) return { kind: 'loopback-only', port, addresses: unique(here.map((l) => l.address)) };
  const others = app.filter((l) => !published.has(l.port));
  const reachable = unique(others.filter((l) => !isLoopback(l.address)).map((l) => l.port));
  if (reachable.length > 0) return { kind: 'wrong-port', listening: reachable.sort((a, b) => a - b) };
  const loopback = others.filter((l) => isLoopback(l.address));
  if (loopback.length > 0) {
    const first = Math.min(...loopback.map((l) => l.port));
    return { kind: 'loopback-only', port: first, addresses: unique(loopback.filter((l) => l.port === first).map((l) => l.address)) };
  }
  return {
    kind: 'nothing-listening',
    elsewhere: unique(app.filter((l) => published.has(l.port)).map((l) => l.port)).sort((a, b) => a - b),
  };
}

/** The ports the app listens on from outside its loopback, for the not-published note. */
export function reachablePorts(listeners: readonly Listener[]): number[] {
  return unique(
    appListeners(listeners)
      .filter((l) => !isLoopback(l.address))
      .map((l) => l.port),
  ).sort((a, b) => a - b);
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}
