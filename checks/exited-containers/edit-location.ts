import type { Location } from '../../src/engine/types.js';
import type { Facts } from '../../src/facts/types.js';
import { builtDockerfile, commandSource, composeServiceOf, finalCommand, locationOf } from '../shared/project-source.js';

/**
 * Where the project sets the part of the command a fix rewrites: compose `command:` or `entrypoint:`, else the built
 * Dockerfile's CMD or ENTRYPOINT. With both set (an entrypoint script plus a command), the fix names the one it changes.
 */
export async function editLocation(
  facts: Facts,
  labels: Record<string, string> | null | undefined,
  part: 'command' | 'entrypoint',
): Promise<Location | undefined> {
  const found = await composeServiceOf(facts, labels);
  if (!found) return undefined;
  const { service, project } = found;
  const set = part === 'command' ? service.command : service.entrypoint;
  if (set) return locationOf(set.at);
  if (service.build && !service.command && !service.entrypoint) {
    const dockerfile = await builtDockerfile(facts, project, service);
    const instruction = dockerfile && finalCommand(dockerfile, part === 'command' ? 'CMD' : 'ENTRYPOINT');
    if (dockerfile && instruction) return { file: dockerfile.file, line: instruction.line };
  }
  return commandSource(facts, labels);
}
