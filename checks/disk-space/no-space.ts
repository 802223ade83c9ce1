import type { ContainerInspect, ContainerSummary } from '../../src/facts/docker/types.js';
import type { Facts } from '../../src/facts/types.js';
import { exitedLatelyOnItsOwn } from '../shared/containers.js';
import { logLines } from '../shared/logs.js';
import { inspectIfPresent } from '../shared/inspect.js';

/** ENOSPC as the kernel, Go, Node, Python and Rust print it. */
export const NO_SPACE = /no space left on device|\bENOSPC\b/i;
/** The same error on the container's /dev/shm (64 MiB by default): PostgreSQL's "could not resize shared memory segment". */
const SHARED_MEMORY = /shared memory|\/dev\/shm/i;

export interface NoSpaceFailure {
  inspect: ContainerInspect;
  where: 'start error' | 'log';
  /** The line that says it, redacted and shortened. */
  line: string;
  /** The write that failed went to /dev/shm, not to a disk. */
  sharedMemory: boolean;
}

/** Containers that may have failed lately: the same few the exited-containers check inspects, so the inspects are shared. */
function mayHaveFailed(c: ContainerSummary): boolean {
  switch (c.State as ContainerSummary['State'] | 'stopped') {
    case 'created':
    case 'restarting':
    case 'dead':
      return true;
    case 'exited':
    case 'stopped':
      return exitedLatelyOnItsOwn(c.Status);
    default:
      return false;
  }
}

const shorten = (line: string) => (line.length > 200 ? `${line.slice(0, 200)}…` : line);

/** The last line of the log tail that reports ENOSPC, redacted. */
function lastNoSpaceLine(logs: string): string | undefined {
  return logLines(logs).findLast((l) => NO_SPACE.test(l));
}

/**
 * Containers whose start error or log tail says "no space left on device": those left in Created with the error, and
 * those that stopped or restart after a failure. Running containers are not read (one log request each); a write that
 * failed in one of them is a failure only the application knows of.
 */
export async function noSpaceFailures(facts: Facts, containers: ContainerSummary[]): Promise<NoSpaceFailure[]> {
  const inspected = await Promise.all(containers.filter(mayHaveFailed).map((c) => inspectIfPresent(facts, c.Id)));
  const found = await Promise.all(
    inspected.map(async (inspect): Promise<NoSpaceFailure | undefined> => {
      if (!inspect) return undefined;
      const error = inspect.State.Error ?? '';
      if (NO_SPACE.test(error))
        return { inspect, where: 'start error', line: shorten(logLines(error).join(' ')), sharedMemory: SHARED_MEMORY.test(error) };
      const failed = inspect.State.Restarting || inspect.State.Status === 'dead' || inspect.State.ExitCode !== 0;
      if (!failed || inspect.State.Status === 'created') return undefined;
      const line = lastNoSpaceLine(await facts.containerLogs(inspect.Id).catch(() => ''));
      return line ? { inspect, where: 'log', line: shorten(line), sharedMemory: SHARED_MEMORY.test(line) } : undefined;
    }),
  );
  return found.filter((f): f is NoSpaceFailure => f !== undefined);
}
