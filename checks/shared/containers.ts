import type { ContainerInspect, ContainerSummary, MountPoint } from '../../src/facts/docker/types.js';
import path from 'node:path';
import {
  COMPOSE_CONFIG_FILES,
  COMPOSE_ONEOFF,
  COMPOSE_PROJECT,
  COMPOSE_SERVICE,
  COMPOSE_WORKING_DIR,
  containerName,
} from '../../src/facts/docker/types.js';
import type { Subject } from '../../src/engine/types.js';

export { containerName };

/** Exits older than this are history, not the problem the user is debugging now. */
export const RECENT_MS = 24 * 3600_000;

/** Exit codes of stops the user asked for (SIGTERM from docker stop, SIGINT from Ctrl-C): not failures. */
export const USER_STOP_CODES: ReadonlySet<number> = new Set([130, 143]);

/** What the list's Status says of an exited container ("Exited (1) 2 minutes ago"), so old or stopped ones need no inspect. */
export function exitedStatus(status: string): { code?: number; old: boolean } {
  const code = /^Exited \((\d+)\)/.exec(status)?.[1];
  return { ...(code !== undefined ? { code: Number(code) } : {}), old: /(days?|weeks?|months?|years?) ago$/.test(status) };
}

/** From the list's Status alone (no inspect): the container exited lately, and not because the user stopped it. */
export function exitedLatelyOnItsOwn(status: string): boolean {
  const { code, old } = exitedStatus(status);
  return !old && !(code !== undefined && USER_STOP_CODES.has(code));
}

/** Whether the container's last run ended within RECENT_MS of now: older exits are history, not today's problem. */
export function finishedRecently(inspect: ContainerInspect, now: number): boolean {
  const finished = parseTime(inspect.State.FinishedAt);
  return finished !== undefined && now - finished <= RECENT_MS;
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

export function parseTime(value: string | undefined): number | undefined {
  if (!value || value.startsWith('0001-01-01')) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

export function neverStarted(inspect: ContainerInspect): boolean {
  return !inspect.State.StartedAt || inspect.State.StartedAt.startsWith(ZERO_TIME.slice(0, 10));
}

/**
 * How long a container may sit in Created before "never started" reads as a failed start rather than a \`docker create\` for
 * later: Podman leaves a container whose start failed (port taken, missing binary) in Created with no State.Error.
 */
export const START_GRACE_MS = 5_000;

/** Created, never started, no start error recorded, and old enough that a start must have been tried: Podman's failed start. */
export function silentlyNeverStarted(inspect: ContainerInspect, now: number): boolean {
  if (inspect.State.Status !== 'created' || inspect.State.Error || !neverStarted(inspect)) return false;
  const created = parseTime(inspect.Created);
  return created !== undefined && now - created >= START_GRACE_MS;
}

/** How long the last run lasted, when both ends are known. */
export function runtimeMs(inspect: ContainerInspect): number | undefined {
  const started = parseTime(inspect.State.StartedAt);
  const finished = parseTime(inspect.State.FinishedAt);
  // Very short runs can report FinishedAt a hair before StartedAt.
  return started !== undefined && finished !== undefined ? Math.max(0, finished - started) : undefined;
}

export function containerSubject(c: ContainerInspect | ContainerSummary): Subject {
  return { kind: 'container', name: containerName(c), id: c.Id.slice(0, 12) };
}

export interface ComposeLabels {
  project: string;
  service: string;
  /** Made by `docker compose run`: not the service's own container, and not running the service's command. */
  oneoff: boolean;
  /** The project directory compose ran in, when the label is there. */
  workingDir?: string;
  /** The compose files it was created from, absolute (v1 writes them as typed, relative to the working directory). */
  configFiles: string[];
}

export function composeLabels(labels: Record<string, string> | null | undefined): ComposeLabels | undefined {
  const project = labels?.[COMPOSE_PROJECT];
  const service = labels?.[COMPOSE_SERVICE];
  if (!project || !service) return undefined;
  const workingDir = labels[COMPOSE_WORKING_DIR] || undefined;
  const files = (labels[COMPOSE_CONFIG_FILES] ?? '').split(',').filter(Boolean);
  return {
    project,
    service,
    oneoff: labels[COMPOSE_ONEOFF]?.toLowerCase() === 'true',
    ...(workingDir ? { workingDir } : {}),
    // A relative path without a working directory cannot be placed: better no files than wrong ones.
    configFiles: files.every((f) => path.isAbsolute(f)) || workingDir ? files.map((f) => path.resolve(workingDir ?? '/', f)) : [],
  };
}

/** The argv that actually ran, as the user would type it. */
export function commandLine(inspect: ContainerInspect): string {
  return [inspect.Path, ...(inspect.Args ?? [])].map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(' ');
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 60_000) return `${Math.round(ms / 100) / 10} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  if (ms < 86_400_000) return `${Math.round(ms / 3_600_000)} h`;
  return `${Math.round(ms / 86_400_000)} days`;
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  if (bytes >= 1024 ** 2) return `${Math.round(bytes / 1024 ** 2)} MiB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KiB`;
  return `${bytes} B`;
}

/** The bind mount a log line's path falls under (longest destination wins), for lines like "touch: /data/x: Permission denied". */
export function bindMountForLine(mounts: readonly MountPoint[], line: string): MountPoint | undefined {
  const paths = line.match(/\/[A-Za-z0-9._@+\-/]*/g) ?? [];
  let best: MountPoint | undefined;
  for (const p of paths) {
    for (const m of mounts) {
      if (m.Type !== 'bind') continue;
      const dest = m.Destination.replace(/\/+$/, '');
      if ((p === dest || p.startsWith(`${dest}/`)) && (!best || dest.length > best.Destination.length)) best = m;
    }
  }
  return best;
}
