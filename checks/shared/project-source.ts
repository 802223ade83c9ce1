import path from 'node:path';
import type { Location } from '../../src/engine/types.js';
import type { ComposeProject, ComposeService, SourceLocation } from '../../src/facts/project/compose.js';
import type { DockerfileInstruction, ParsedDockerfile } from '../../src/facts/project/dockerfile.js';
import type { Facts } from '../../src/facts/types.js';
import { COMPOSE_CONFIG_FILES } from '../../src/facts/docker/types.js';
import { composeLabels, type ComposeLabels } from './containers.js';

/** The compose version that created a container (`1.29.2` for Compose v1, `2.x` for v2). */
const COMPOSE_VERSION = 'com.docker.compose.version';

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
  const origin = composeOrigin(labels!, compose);
  const here = [compose.workingDir, origin.ranIn].some((d) => d !== undefined && path.resolve(d) === path.resolve(files.dir));
  // The name alone is enough only when the container does not say where it came from: two unrelated projects called
  // "app" must not send the user to edit the other one's files.
  if (!here && (compose.workingDir !== undefined || compose.project !== project?.name)) return undefined;
  let model = project;
  if (compose.workingDir && origin.files.length > 0 && !sameFiles(origin.files, project)) {
    model = await facts.composeAt(origin.files, compose.workingDir).catch(() => null);
  }
  const service = model?.services.find((s) => s.name === compose.service);
  return model && service ? { project: model, service } : undefined;
}

/**
 * Where compose ran and the files it read. Compose v2 labels both absolutely. Compose v1 (1.x in
 * `com.docker.compose.version`) writes config_files as typed, relative to the directory it ran in, and working_dir as
 * the first file's directory: `docker-compose -f stack/prod.yml up` in /src labels `stack/prod.yml` and /src/stack.
 * So v1 ran in working_dir less the first file's typed directory; where that cannot be undone (`..`,
 * --project-directory), no files rather than wrong ones.
 */
export function composeOrigin(labels: Record<string, string>, compose: ComposeLabels): { ranIn?: string; files: string[] } {
  const typed = (labels[COMPOSE_CONFIG_FILES] ?? '').split(',').filter(Boolean);
  const v1 = /^1\./.test(labels[COMPOSE_VERSION] ?? '');
  if (!v1 || !compose.workingDir || typed.length === 0 || path.isAbsolute(typed[0]!)) return { files: compose.configFiles };
  const workingDir = path.resolve(compose.workingDir);
  const firstDir = path.normalize(path.dirname(typed[0]!));
  if (firstDir === '.') return { ranIn: workingDir, files: typed.map((f) => path.resolve(workingDir, f)) };
  if (firstDir.split('/').includes('..') || !workingDir.endsWith(`/${firstDir}`)) return { files: [] };
  const ranIn = workingDir.slice(0, -firstDir.length - 1) || '/';
  return { ranIn, files: typed.map((f) => path.resolve(ranIn, f)) };
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
