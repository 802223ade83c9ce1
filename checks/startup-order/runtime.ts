import path from 'node:path';
import type { ContainerInspect, ContainerSummary } from '../../src/facts/docker/types.js';
import type { ComposeProject } from '../../src/facts/project/compose.js';
import type { Facts } from '../../src/facts/types.js';
import { composeLabels, exitedLatelyOnItsOwn, finishedRecently, parseTime, runtimeMs, USER_STOP_CODES } from '../shared/containers.js';
import { logLines } from '../shared/logs.js';
import { NAME_RESOLUTION_FAILURE } from '../shared/name-resolution.js';
import type { Edge } from './dependency.js';
import { serverFamily } from './families.js';
import { inspectIfPresent } from '../shared/inspect.js';

/** "Within seconds of starting": a run this short that ended in a connection failure died at start-up, not later. */
export const START_WINDOW_MS = 60_000;

/** How clients say the server they connect to is not accepting connections (libpq, mysql, node, python, Java, Go, busybox nc). */
const REFUSED =
  /ECONNREFUSED|connection refused|could not connect|couldn'?t connect|can'?t connect|cannot connect|unable to connect|failed to connect|is the server running|Communications link failure|errno 111|error 111|ECONNRESET|connection reset/i;

/** A loopback target is the service reaching itself (the dns check's localhost finding), not a dependency that was not ready. */
const LOOPBACK = /\blocalhost\b|\b127\.0\.0\.\d+\b|\[?::1\]?(?=[:\s]|$)/i;

/** A dependent container that died at start-up connecting to a dependency: the evidence a finding carries. */
export interface Refusal {
  edge: Edge;
  container: ContainerInspect;
  dependencyContainer: ContainerSummary;
  /** The log line, redacted. */
  line: string;
  /** How the line names the dependency: its service name, container name, address or port. */
  namedBy: string;
  /** True when the dependent is still looping (restarting), false when it exited and stays down. */
  restarting: boolean;
}

/**
 * The service a container runs in this compose project, if it is that service's own container (not `compose run`).
 * The directory compose ran in tells the project apart (the name may have been given with -p); without that label,
 * the project name must match.
 */
function serviceContainer(c: ContainerSummary, project: ComposeProject): { service: string; project: string } | undefined {
  const labels = composeLabels(c.Labels);
  if (!labels || labels.oneoff) return undefined;
  const ours = labels.workingDir ? path.resolve(labels.workingDir) === path.resolve(project.workingDir) : labels.project === project.name;
  return ours ? { service: labels.service, project: labels.project } : undefined;
}

/**
 * The dependents of this project that died at start-up with a connection failure naming a service they depend on
 * without waiting for it to be healthy. Only the project's own dependent containers are inspected, and only when the
 * list says they exited lately or are restarting.
 */
export async function refusals(facts: Facts, project: ComposeProject, edges: Edge[]): Promise<Refusal[]> {
  const waiting = edges.filter((e) => e.entry.condition === 'service_started');
  if (waiting.length === 0) return [];
  const list = await facts.containers();
  const ours = list.flatMap((c) => {
    const labels = serviceContainer(c, project);
    return labels ? [{ c, ...labels }] : [];
  });
  const ofService = (name: string, inProject?: string) =>
    ours.filter((o) => o.service === name && (inProject === undefined || o.project === inProject)).map((o) => o.c);
  const found: Refusal[] = [];
  for (const dependent of new Set(waiting.map((e) => e.dependent))) {
    const candidates = ofService(dependent.name).filter((c) => {
      // Podman lists a container between restarts, or stopped, as 'stopped': its Status reads "Exited (1) …" as Docker's does.
      const state = c.State as ContainerSummary['State'] | 'stopped';
      return state === 'restarting' || ((state === 'exited' || state === 'stopped') && exitedLatelyOnItsOwn(c.Status));
    });
    for (const summary of candidates) {
      const inspect = await inspectIfPresent(facts, summary.Id);
      if (!inspect || !diedAtStart(inspect, facts.now())) continue;
      const logs = await facts.containerLogs(inspect.Id).catch(() => '');
      const refusal = firstRefusal(
        inspect,
        logLines(logs),
        waiting.filter((e) => e.dependent === dependent),
        ofService,
      );
      if (refusal) found.push(refusal);
    }
  }
  return found;
}

/** Exited with an error soon after it started (or is restarting from such exits), lately. */
function diedAtStart(inspect: ContainerInspect, now: number): boolean {
  const state = inspect.State;
  if (state.Running && !state.Restarting) return false;
  if (!state.Restarting && (state.ExitCode === 0 || USER_STOP_CODES.has(state.ExitCode))) return false;
  if (!finishedRecently(inspect, now)) return false;
  const ran = runtimeMs(inspect);
  return ran !== undefined && ran <= START_WINDOW_MS;
}

function firstRefusal(
  inspect: ContainerInspect,
  lines: string[],
  edges: Edge[],
  ofService: (name: string) => ContainerSummary[],
): Refusal | undefined {
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    for (const edge of edges) {
      // The dependency must be up now: one that is down is its own failure (exited-containers), not a start order.
      const running = ofService(edge.dependency.name).filter((c) => c.State === 'running');
      for (const dependencyContainer of running) {
        const namedBy = failureNaming(line, edge, dependencyContainer, inspect);
        if (namedBy)
          return {
            edge,
            container: inspect,
            dependencyContainer,
            line: line.length > 300 ? `${line.slice(0, 300)}…` : line,
            namedBy,
            restarting: inspect.State.Restarting,
          };
      }
    }
  }
  return undefined;
}

/** How a failure line names the dependency, if it is a failure to reach it; undefined otherwise. */
function failureNaming(line: string, edge: Edge, dependency: ContainerSummary, dependent: ContainerInspect): string | undefined {
  const name = edge.dependency.name;
  if (NAME_RESOLUTION_FAILURE.test(line)) {
    // The name did not resolve while the dependency's container was not running yet: it started after this run did.
    const started = parseTime(dependent.State.StartedAt);
    const depCreated = dependency.Created * 1000;
    return mentions(line, name) && started !== undefined && depCreated > started ? `the name ${name}` : undefined;
  }
  if (!REFUSED.test(line)) return undefined;
  if (mentions(line, name)) return `the name ${name}`;
  const containerName = dependency.Names[0]?.replace(/^\//, '');
  if (containerName && mentions(line, containerName)) return `the name ${containerName}`;
  const address = Object.values(dependency.NetworkSettings?.Networks ?? {})
    .map((n) => n.IPAddress)
    .find((ip) => !!ip && new RegExp(`(^|[^\\d.])${ip.replaceAll('.', '\\.')}(?![\\d])`).test(line));
  if (address) return `its address ${address}`;
  if (LOOPBACK.test(line)) return undefined;
  const port = dependencyPorts(edge, dependency).find((p) => new RegExp(`(:|port |port=)${p}(?!\\d)`, 'i').test(line));
  return port !== undefined ? `its port ${port}` : undefined;
}

/** A name as a word of the line (`db` in `db:5432` or `"db"`, not in `mongodb`). */
function mentions(line: string, name: string): boolean {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^\\w.-])${escaped}($|[^\\w-])`, 'i').test(line);
}

/** The ports the dependency serves on: its exposed and published container ports, else its family's. */
function dependencyPorts(edge: Edge, dependency: ContainerSummary): number[] {
  const ports = new Set<number>();
  for (const p of dependency.Ports ?? []) ports.add(p.PrivatePort);
  for (const p of edge.dependency.ports) {
    const target = Number.parseInt(p.target, 10);
    if (Number.isInteger(target)) ports.add(target);
  }
  for (const e of edge.dependency.expose) if (/^\d+/.test(e)) ports.add(Number.parseInt(e, 10));
  const family = serverFamily(edge.dependency.image ?? dependency.Image);
  if (family) ports.add(family.port);
  return [...ports];
}
