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

/** Why a never-started container's command cannot run: nowhere the runtime looks, or a path that cannot be executed. */
export type CommandProblem =
  { kind: 'missing'; searched: string[] } | { kind: 'not-executable'; path: string; mode: number; directory: boolean };

/**
 * What is wrong with a never-started container's command, when the image says so; undefined when it is there and
 * executable, or when the engine cannot tell. Only for Podman: its archive API follows symlinks (Docker's answers a
 * symlink such as /bin/sh with the link itself), and only Podman leaves a failed start without an error.
 *
 * A path with a slash the runtime executes as it is: a file with no execute bit, or a directory, fails with "permission
 * denied" (exit 126 on Docker). A bare name is looked up on PATH, where a file that is not executable does not count;
 * it is reported only when no candidate exists at all, as before.
 */
export async function commandProblem(facts: Facts, inspect: ContainerInspect): Promise<CommandProblem | undefined> {
  const candidates = commandCandidates(inspect);
  if (candidates.length === 0) return undefined;
  // All at once: Podman answers each archive read slowly under load. A failed read is not a missing file: say nothing.
  const entries = await Promise.all(candidates.map((c) => facts.containerFileEntry(inspect.Id, c).catch(() => 'unknown' as const)));
  if (entries.every((entry) => entry === undefined)) return { kind: 'missing', searched: candidates };
  const [only] = entries;
  if (!inspect.Path.includes('/') || only === undefined || only === 'unknown') return undefined;
  const directory = only.type === 'dir';
  if (directory || (only.type === 'file' && (only.mode & 0o111) === 0))
    return { kind: 'not-executable', path: candidates[0]!, mode: only.mode, directory };
  return undefined;
}
