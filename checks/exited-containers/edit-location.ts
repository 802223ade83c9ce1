import path from 'node:path';
import type { Location } from '../../src/engine/types.js';
import type { Facts } from '../../src/facts/types.js';
import { commandSource, composeServiceOf } from '../shared/project-source.js';

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
  if (set) return { file: set.at.file, line: set.at.line, column: set.at.column };
  if (service.build && !service.command && !service.entrypoint) {
    const absolute = path.resolve(service.build.context, service.build.dockerfile);
    const dockerfile = await facts.dockerfileAt(absolute, path.relative(project.dir, absolute)).catch(() => undefined);
    const keyword = part === 'command' ? 'CMD' : 'ENTRYPOINT';
    const last = (dockerfile?.stages.length ?? 0) - 1;
    const instruction = dockerfile?.instructions.filter((i) => i.keyword === keyword && i.stage === last).at(-1);
    if (dockerfile && instruction) return { file: dockerfile.file, line: instruction.line };
  }
  return commandSource(facts, labels);
}
