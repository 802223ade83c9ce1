import type { Fix } from '../../src/engine/types.js';
import type { ContainerInspect } from '../../src/facts/docker/types.js';
import { composeLabels, containerName, formatBytes } from '../shared/containers.js';
import { configuredArgv } from './daemonising.js';
import { DOCKER_CLI, engineCommand, updateCommand, type EngineCli } from '../shared/engine-cli.js';
import { prose } from '../../src/util/text.js';

const MIB = 1024 ** 2;
const GIB = 1024 ** 3;

/** A size as docker's -m reads it, in whole units: `2g` when it is whole gibibytes, else mebibytes rounded up (`1536m`). */
export function dockerSize(bytes: number): string {
  return bytes % GIB === 0 ? `${bytes / GIB}g` : `${Math.ceil(bytes / MIB)}m`;
}

/** The next limit to try: double the current one, so the suggestion is always above what it already has. */
export function raisedLimit(current: number): number {
  return Math.ceil((current * 2) / MIB) * MIB;
}

/**
 * Fixes for an OOM kill. With a limit, a higher one (never lower or equal); swap moves with it, because `docker update`
 * refuses a memory limit above the current memory+swap limit. Without a limit, raising one would not help: the host ran out.
 * Commands name the user's CLI (`cli`); where the engine cannot change the limit in place (Podman's Docker API), the fix
 * recreates the container with the new limit.
 */
export function memoryFixes(inspect: ContainerInspect, cli: EngineCli = DOCKER_CLI): Fix[] {
  const name = containerName(inspect);
  const limit = inspect.HostConfig.Memory ?? 0;
  if (!limit) {
    return [
      { title: 'See which containers use the most memory now', command: engineCommand(cli, 'stats --no-stream') },
      { title: 'See how much memory the host has left', command: 'free -m' },
      { title: 'Read its last log lines', command: engineCommand(cli, `logs --tail 100 ${name}`) },
    ];
  }
  const next = raisedLimit(limit);
  const swap = (inspect.HostConfig as { MemorySwap?: number }).MemorySwap ?? 0;
  // -1 is unlimited swap; 0 means docker's default (twice the memory limit); otherwise keep the same swap allowance.
  const nextSwap = swap === -1 ? '-1' : dockerSize(swap >= limit ? next + (swap - limit) : next * 2);
  const flags = `--memory ${dockerSize(next)} --memory-swap ${nextSwap}`;
  const compose = composeLabels(inspect.Config.Labels) !== undefined;
  const fixes: Fix[] = [raiseFix(cli, flags, name, limit, compose)];
  if (compose) {
    fixes.push({
      title: prose`
        In the compose file, raise the service's mem_limit (or deploy.resources.limits.memory) to ${dockerSize(next)}, or the next \`up\`
        brings the old limit back
      `,
    });
  }
  if (configuredArgv(inspect.Config).some((w) => /(^|\/)node(js)?(\s|$)/.test(w))) {
    fixes.push({
      title: "For Node, also cap the heap below the new limit (in the container's environment)",
      command: `NODE_OPTIONS=--max-old-space-size=${Math.floor((next / MIB) * 0.75)}`,
    });
  }
  return fixes;
}

/** `docker update` (or `podman update`) where the engine takes it; else the run command gets the flags (compose: its file). */
function raiseFix(cli: EngineCli, flags: string, name: string, limit: number, compose: boolean): Fix {
  const twice = `more memory than its current ${formatBytes(limit)} (twice as much)`;
  const update = updateCommand(cli, 'memory', flags, name);
  if (update) return { title: `Give it ${twice}`, command: update };
  if (compose) return { title: `Give it ${twice}: this engine cannot change the limit in place, so set it in the compose file (below)` };
  return {
    title: prose`
      Give it ${twice}: this engine cannot change the limit of an existing container, so remove it and run it again with ${flags}
      (the container's writable layer is lost; volumes stay)
    `,
    command: engineCommand(cli, `rm ${name} && ${cli.cli} run ${flags} …`),
  };
}
