import path from 'node:path';
import type { Location } from '../../src/engine/types.js';
import { COMPOSE_WORKING_DIR } from '../../src/facts/docker/types.js';
import type { ComposeProject, ComposeService } from '../../src/facts/project/compose.js';
import type { DockerfileInstruction, ParsedDockerfile } from '../../src/facts/project/dockerfile.js';
import type { Facts } from '../../src/facts/types.js';
import { composeLabels } from './containers.js';

/** The service of this project's compose file that a container was created from, if it was. */
export async function composeServiceOf(facts: Facts, labels: Record<string, string> | null | undefined): Promise<{ project: ComposeProject; service: ComposeService } | undefined> {
  const compose = composeLabels(labels);
  if (!compose) return undefined;
  const project = await facts.compose().catch(() => null);
  if (!project) return undefined;
  const sameProject = compose.project === project.name || path.resolve(labels?.[COMPOSE_WORKING_DIR] ?? '/nonexistent') === project.dir;
  if (!sameProject) return undefined;
  const service = project.services.find((s) => s.name === compose.service);
  return service ? { project, service } : undefined;
}

/** Where the project sets the command a container runs: the compose `command:`/`entrypoint:` line, else the built Dockerfile's CMD/ENTRYPOINT. */
export async function commandSource(facts: Facts, labels: Record<string, string> | null | undefined): Promise<Location | undefined> {
  const found = await composeServiceOf(facts, labels);
  if (!found) return undefined;
  const { service, project } = found;
  const set = service.entrypoint ?? service.command;
  if (set) return { file: set.at.file, line: set.at.line, column: set.at.column };
  if (!service.build) return undefined;
  const absolute = path.resolve(service.build.context, service.build.dockerfile);
  const dockerfile = await facts.dockerfileAt(absolute, path.relative(project.dir, absolute)).catch(() => undefined);
  if (!dockerfile) return { file: service.build.at.file, line: service.build.at.line, column: service.build.at.column };
  const instruction = finalCommand(dockerfile, 'ENTRYPOINT') ?? finalCommand(dockerfile, 'CMD');
  return instruction ? { file: dockerfile.file, line: instruction.line } : undefined;
}

/** The instruction that sets the final stage's command, if the Dockerfile sets one. */
function finalCommand(dockerfile: ParsedDockerfile, keyword: 'CMD' | 'ENTRYPOINT'): DockerfileInstruction | undefined {
  const last = dockerfile.stages.length - 1;
  return dockerfile.instructions.filter((i) => i.keyword === keyword && i.stage === last).at(-1);
}
