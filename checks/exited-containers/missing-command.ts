import path from 'node:path';
import type { ContainerInspect } from '../../src/facts/docker/types.js';
import type { Facts } from '../../src/facts/types.js';

/** The PATH a container gets when its image sets none (Docker's and Podman's default). */
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Where the runtime looks for a container's command: the path as given, else each directory of the image's PATH. */
export function commandCandidates(inspect: ContainerInspect): string[] {
  const command = inspect.Path;
  if (!command) return [];
  if (command.includes('/')) return [path.posix.resolve(inspect.Config.WorkingDir || '/', command)];
  const envPath = (inspect.Config.Env ?? []).find((e) => e.startsWith('PATH='))?.slice('PATH='.length) || DEFAULT_PATH;
  return envPath
    .split(':')
    .filter((dir) => dir.startsWith('/'))
    .map((dir) => path.posix.join(dir, command));
}

/**
 * The paths a never-started container's command was looked for in, when it is in none of them; undefined when it is
 * there or when the engine cannot tell. Only for Podman: its archive API follows symlinks (Docker's answers a symlink
 * such as /bin/sh with the link itself, which reads as no file), and only Podman leaves a failed start without an error.
 */
export async function missingCommand(facts: Facts, inspect: ContainerInspect): Promise<string[] | undefined> {
  const candidates = commandCandidates(inspect);
  if (candidates.length === 0) return undefined;
  // All at once: Podman answers each archive read slowly under load. A failed read is not a missing file: say nothing.
  const files = await Promise.all(candidates.map((c) => facts.containerFile(inspect.Id, c).catch(() => 'unknown' as const)));
  return files.every((file) => file === undefined) ? candidates : undefined;
}
