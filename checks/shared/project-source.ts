import path from 'node:path';
import type { Location } from '../../src/engine/types.js';
import type { ComposeProject, ComposeService, SourceLocation } from '../../src/facts/project/compose.js';
import type { DockerfileInstruction, ParsedDockerfile } from '../../src/facts/project/dockerfile.js';
import type { Facts } from '../../src/facts/types.js';
import { composeLabels } from './containers.js';

/**
 * The service of this project's compose files that a container was created from, if it was. A container made from other
 * files than the ones discovered here (`docker compose -f stack.yml up`) is matched against the files its labels name.
 */
export async function composeServiceOf(
  facts: Facts,
  labels: Record<string, string> | null | undefined,
): Promise<{ project: ComposeProject; service: ComposeService } | undefined> {
  const compose = composeLabels(labels);
  if (!compose) return undefined;
  const [project, files] = await Promise.all([facts.compose().catch(() => null), facts.projectFiles()]);
  const here = compose.workingDir !== undefined && path.resolve(compose.workingDir) === path.resolve(files.dir);
  // The name alone is enough only when the container does not say where it came from: two unrelated projects called
  // "app" must not send the user to edit the other one's files.
  if (!here && (compose.workingDir !== undefined || compose.project !== project?.name)) return undefined;
  let model = project;
  if (compose.workingDir && compose.configFiles.length > 0 && !sameFiles(compose.configFiles, project)) {
    model = await facts.composeAt(compose.configFiles, compose.workingDir).catch(() => null);
  }
  const service = model?.services.find((s) => s.name === compose.service);
  return model && service ? { project: model, service } : undefined;
}

function sameFiles(files: string[], project: ComposeProject | null): boolean {
  if (!project) return false;
  const ours = project.files.map((f) => path.resolve(project.dir, f));
  return ours.length === files.length && ours.every((f, i) => f === files[i]);
}

/**
 * Where the project sets the command a container runs: the compose `command:`/`entrypoint:` line, else the built
 * Dockerfile's CMD/ENTRYPOINT.
 */
export async function commandSource(facts: Facts, labels: Record<string, string> | null | undefined): Promise<Location | undefined> {
  // `docker compose run web <cmd>` runs the command typed after the service, not the file's.
  if (composeLabels(labels)?.oneoff) return undefined;
  const found = await composeServiceOf(facts, labels);
  if (!found) return undefined;
  const { service, project } = found;
  const set = service.entrypoint ?? service.command;
  if (set) return locationOf(set.at);
  if (!service.build) return undefined;
  const dockerfile = await builtDockerfile(facts, project, service);
  if (!dockerfile) return locationOf(service.build.at);
  const instruction = finalCommand(dockerfile, 'ENTRYPOINT') ?? finalCommand(dockerfile, 'CMD');
  return instruction ? { file: dockerfile.file, line: instruction.line } : undefined;
}

/** A compose file position as a finding's location. */
export function locationOf(at: SourceLocation): Location {
  return { file: at.file, line: at.line, column: at.column };
}

/** The Dockerfile a compose service builds, parsed; undefined when it has no build or the file cannot be read. */
export async function builtDockerfile(
  facts: Facts,
  project: ComposeProject,
  service: ComposeService,
): Promise<ParsedDockerfile | undefined> {
  if (!service.build) return undefined;
  const absolute = path.resolve(service.build.context, service.build.dockerfile);
  return facts.dockerfileAt(absolute, path.relative(project.dir, absolute)).catch(() => undefined);
}

/** The instruction that sets the final stage's command, if the Dockerfile sets one. */
export function finalCommand(dockerfile: ParsedDockerfile, keyword: 'CMD' | 'ENTRYPOINT'): DockerfileInstruction | undefined {
  const last = dockerfile.stages.length - 1;
  return dockerfile.instructions.filter((i) => i.keyword === keyword && i.stage === last).at(-1);
}
