import type { ComposeDependency, ComposeProject, ComposeService, SourceLocation } from '../../src/facts/project/compose.js';
import type { ParsedDockerfile } from '../../src/facts/project/dockerfile.js';
import type { HealthConfig } from '../../src/facts/docker/types.js';
import type { Facts } from '../../src/facts/types.js';
import { builtDockerfile } from '../shared/project-source.js';
import { serverFamily, type ServerFamily } from './families.js';

/** One `depends_on` entry of a service that compose starts, with the service it names. */
export interface Edge {
  dependent: ComposeService;
  dependency: ComposeService;
  entry: ComposeDependency;
}

/**
 * The depends_on entries compose acts on: of services `up` starts, naming a service that exists (a missing one is
 * compose-config's finding) and that starts too.
 */
export function dependencyEdges(project: ComposeProject): Edge[] {
  const byName = new Map(project.services.map((s) => [s.name, s]));
  return project.services
    .filter((s) => s.active)
    .flatMap((dependent) =>
      dependent.dependsOn.flatMap((entry) => {
        const dependency = byName.get(entry.service);
        return dependency && dependency.active && dependency !== dependent ? [{ dependent, dependency, entry }] : [];
      }),
    );
}

/** Whether a service's containers have a healthcheck: yes, no (and why), or cannot be told here. */
export type Health = { has: true; source: string } | { has: false; why: string; at?: SourceLocation } | { has: 'unknown'; why: string };

/** What a dependency runs: the image it names or its build's base image, and the server family that is. */
export interface DependencyImage {
  /** The image reference, or the final stage's external base image for a build. */
  image?: string;
  family?: ServerFamily;
}

export async function dependencyImage(facts: Facts, project: ComposeProject, service: ComposeService): Promise<DependencyImage> {
  if (service.build) {
    const dockerfile = await builtDockerfile(facts, project, service);
    const base = dockerfile ? finalBase(dockerfile).image : undefined;
    const image = base ?? service.image;
    return { ...(image ? { image } : {}), ...familyOf(image) };
  }
  return { ...(service.image ? { image: service.image } : {}), ...familyOf(service.image) };
}

function familyOf(image: string | undefined): { family?: ServerFamily } {
  const family = serverFamily(image);
  return family ? { family } : {};
}

const NONE = (test: string[] | string | undefined) =>
  Array.isArray(test) ? test[0]?.toUpperCase() === 'NONE' : test?.trim().toUpperCase() === 'NONE';

/** The healthcheck a service's containers get: its compose `healthcheck:`, else its image's (or its Dockerfile's). */
export async function healthOf(facts: Facts, project: ComposeProject, service: ComposeService): Promise<Health> {
  const own = service.healthcheck;
  if (own?.disable) return { has: false, why: 'its healthcheck is disabled (disable: true)', at: own.at };
  if (own?.test && NONE(own.test.value)) return { has: false, why: 'its healthcheck test is NONE', at: own.test.at };
  if (own?.test) return { has: true, source: `${own.test.at.file}:${own.test.at.line}` };
  if (service.build) {
    const dockerfile = await builtDockerfile(facts, project, service);
    if (!dockerfile) return { has: 'unknown', why: 'its Dockerfile could not be read' };
    const { healthcheck, image } = finalBase(dockerfile);
    if (healthcheck) return healthcheck;
    return image ? imageHealth(facts, image) : { has: false, why: 'neither the compose file nor its Dockerfile gives it one' };
  }
  if (!service.image) return { has: 'unknown', why: 'it names no image' };
  return imageHealth(facts, service.image);
}

/**
 * Follows the final stage back through the stages it is built FROM: the first HEALTHCHECK met decides, else the
 * external image the chain starts from (undefined for `scratch`).
 */
function finalBase(dockerfile: ParsedDockerfile): { healthcheck?: Health; image?: string } {
  let stage = dockerfile.stages.length - 1;
  const seen = new Set<number>();
  while (stage >= 0 && !seen.has(stage)) {
    seen.add(stage);
    const check = dockerfile.instructions.filter((i) => i.keyword === 'HEALTHCHECK' && i.stage === stage).at(-1);
    if (check) {
      const at = { file: dockerfile.file, line: check.line, column: 1 };
      if (/^NONE\b/i.test(check.args.trim())) return { healthcheck: { has: false, why: `${dockerfile.file} sets HEALTHCHECK NONE`, at } };
      return { healthcheck: { has: true, source: `${dockerfile.file}:${check.line}` } };
    }
    const from = dockerfile.stages[stage]!.image;
    const earlier = dockerfile.stages.findIndex((s, i) => i < stage && s.name !== undefined && s.name.toLowerCase() === from.toLowerCase());
    if (earlier < 0) return from.toLowerCase() === 'scratch' ? {} : { image: from };
    stage = earlier;
  }
  return {};
}

async function imageHealth(facts: Facts, image: string): Promise<Health> {
  const inspect = await facts.imageInspect(image).catch(() => undefined);
  if (inspect === undefined) return { has: 'unknown', why: `image ${image} cannot be inspected (no daemon answers)` };
  if (inspect === null) return { has: 'unknown', why: `image ${image} is not on this engine yet, so its HEALTHCHECK cannot be read` };
  return healthFromConfig(inspect.Config?.Healthcheck, image);
}

function healthFromConfig(config: HealthConfig | null | undefined, image: string): Health {
  const test = config?.Test ?? [];
  if (test.length === 0 || NONE(test)) return { has: false, why: `neither the compose file nor image ${image} gives it one` };
  return { has: true, source: `image ${image}` };
}
