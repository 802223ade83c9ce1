import type { Fix } from '../../src/engine/types.js';
import type { ComposeDependency, ComposeProject, ComposeService } from '../../src/facts/project/compose.js';
import type { Facts } from '../../src/facts/types.js';
import type { ContainerInspect } from '../../src/facts/docker/types.js';

/** The compose version that created a container (`1.29.2`, `2.24.5`). */
const COMPOSE_VERSION = 'com.docker.compose.version';
import type { Edge } from './dependency.js';
import { probeFor, type ServerFamily } from './families.js';
import { prose } from '../../src/util/text.js';

/** What the user's compose accepts in depends_on, which decides the fix it is given. */
export interface ComposeAbility {
  command: 'docker compose' | 'docker-compose';
  version?: string;
  /** `condition:` entries: every Compose v2, and v1 from 1.27 (earlier v1 only in 2.1–2.4 files). */
  conditions: boolean;
  /** `restart: true` (restart the dependent when the dependency restarts): Compose 2.17 and later. */
  restartOption: boolean;
}

function atLeast(version: string | undefined, major: number, minor: number): boolean | undefined {
  const match = /^(\d+)\.(\d+)/.exec(version ?? '');
  if (!match) return undefined;
  const [a, b] = [Number(match[1]), Number(match[2])];
  return a > major || (a === major && b >= minor);
}

/**
 * What the user's compose accepts. The version comes from the label compose put on the container when there is one
 * (free); else `docker compose version` (quick); Compose v1, a Python program that takes seconds to answer, is asked
 * only when it decides something: a `version: "3.x"` file, whose conditions v1 before 1.27 refuses.
 */
export async function composeAbility(facts: Facts, project: ComposeProject, container?: ContainerInspect): Promise<ComposeAbility> {
  const command = await facts.composeCommand();
  const fileVersion = project.version?.value ?? '';
  const labelled = container?.Config.Labels?.[COMPOSE_VERSION];
  const version =
    labelled || (command === 'docker compose' || /^3/.test(fileVersion) ? await facts.composeVersion().catch(() => undefined) : undefined);
  const v1 = /^1\./.test(version ?? '') || (command === 'docker-compose' && version === undefined);
  // v1 before 1.27 read `version: "3.x"` files with the 3.x schema, which has no depends_on conditions.
  const oldV1 = v1 && atLeast(version, 1, 27) === false;
  return {
    command,
    ...(version ? { version } : {}),
    conditions: !(oldV1 && !/^2\.[1-9]/.test(fileVersion)),
    restartOption: !v1 && atLeast(version, 2, 17) === true,
  };
}

/** YAML for a healthcheck test in exec form, as a flow sequence: ["CMD", "pg_isready", …]. */
function flow(test: string[]): string {
  return `[${test.map((t) => JSON.stringify(t)).join(', ')}]`;
}

/** The healthcheck block to add under the dependency, with a probe for its image, or a placeholder to fill in. */
export function healthcheckSnippet(dependency: ComposeService, image: string | undefined, family: ServerFamily | undefined): string {
  const probe = image && family ? probeFor(image, family) : undefined;
  const port = family?.port ?? firstPort(dependency);
  const test = probe
    ? flow(probe)
    : `["CMD-SHELL", "<a command that exits 0 once ${dependency.name} accepts connections${port ? ` on port ${port}` : ''}>"]`;
  return [
    `  ${dependency.name}:`,
    '    healthcheck:',
    `      test: ${test}`,
    '      interval: 5s',
    '      timeout: 5s',
    '      retries: 20',
  ].join('\n');
}

function firstPort(service: ComposeService): number | undefined {
  const target = service.ports[0]?.target ?? service.expose[0];
  const port = target ? Number.parseInt(target, 10) : Number.NaN;
  return Number.isInteger(port) ? port : undefined;
}

/**
 * The dependent's whole depends_on, in the long form (compose does not mix the forms), with the named dependencies
 * waiting for service_healthy and every other entry kept as it is.
 */
export function dependsOnSnippet(dependent: ComposeService, healthy: Set<string>, ability: ComposeAbility): string {
  const lines = [`  ${dependent.name}:`, '    depends_on:'];
  for (const entry of dependent.dependsOn) {
    lines.push(`      ${entry.service}:`);
    lines.push(`        condition: ${healthy.has(entry.service) ? 'service_healthy' : entry.condition}`);
    const restart = healthy.has(entry.service) && ability.restartOption ? true : entry.restart;
    // A `restart:` the user wrote stays: their compose accepts it.
    if (restart !== undefined) lines.push(`        restart: ${restart}`);
    if (!entry.required) lines.push('        required: false');
  }
  return lines.join('\n');
}

const at = (entry: ComposeDependency) => `${entry.at.file}:${entry.at.line}`;

/** Make the dependent wait for the dependency to be healthy, giving the dependency a healthcheck first when it has none. */
export function waitForHealthyFixes(
  edge: Edge,
  dependencyHas: boolean,
  image: { image?: string; family?: ServerFamily },
  ability: ComposeAbility,
): Fix[] {
  const { dependent, dependency, entry } = edge;
  const where = entry.form === 'short' ? `replace the depends_on list of ${dependent.name} (${at(entry)})` : `change ${at(entry)}`;
  const dependsOn: Fix = {
    title: `In ${entry.at.file}, ${where} so ${dependent.name} waits until ${dependency.name} is healthy`,
    command: dependsOnSnippet(dependent, new Set([dependency.name]), ability),
  };
  if (dependencyHas) return [dependsOn];
  return [
    healthcheckFix(dependency, image),
    { ...dependsOn, title: `Then, ${dependsOn.title.charAt(0).toLowerCase()}${dependsOn.title.slice(1)}` },
  ];
}

/** Give the dependency a healthcheck, with a probe its image has when one is known. */
export function healthcheckFix(dependency: ComposeService, image: { image?: string; family?: ServerFamily }): Fix {
  const probe = image.image && image.family ? probeFor(image.image, image.family) : undefined;
  return {
    title: prose`
      Give ${dependency.name} a healthcheck in ${dependency.at.file} (under services.${dependency.name})
      ${probe ? '' : 'with a command its image has '}that passes once it accepts connections
    `,
    command: healthcheckSnippet(dependency, image.image, image.family),
  };
}

/** One dependency a dependent should wait for: whether it has a healthcheck already, and what it runs. */
export interface Wait {
  edge: Edge;
  has: boolean;
  image: { image?: string; family?: ServerFamily };
}

/** How many healthcheck snippets one fix gives: each is six lines, and a dependent of hundreds would repeat them all. */
export const MAX_HEALTHCHECK_FIXES = 3;

/**
 * Make one dependent wait for several dependencies at once: one depends_on block (several blocks would undo each
 * other), after healthchecks for the first MAX_HEALTHCHECK_FIXES of those without one. The others stay as they are
 * in the block, since service_healthy on a service without a healthcheck is what compose refuses.
 */
export function waitForAllHealthyFixes(waits: readonly Wait[], ability: ComposeAbility, names: (list: string[]) => string): Fix[] {
  const { dependent, entry } = waits[0]!.edge;
  const given = waits.filter((w) => !w.has).slice(0, MAX_HEALTHCHECK_FIXES);
  const healthy = waits.filter((w) => w.has || given.includes(w)).map((w) => w.edge.dependency.name);
  const left = waits.length - healthy.length;
  const where =
    entry.form === 'short' ? `replace the depends_on list of ${dependent.name} (${at(entry)})` : `change its depends_on (${at(entry)})`;
  const others = left > 0 ? `; the other ${left} can wait the same way once they have a healthcheck` : '';
  const dependsOn: Fix = {
    title: prose`
      ${given.length > 0 ? 'Then, in' : 'In'} ${entry.at.file}, ${where} so ${dependent.name} waits until ${names(healthy)}
      ${healthy.length > 1 ? 'are' : 'is'} healthy${others}
    `,
    command: dependsOnSnippet(dependent, new Set(healthy), ability),
  };
  return [...given.map((w) => healthcheckFix(w.edge.dependency, w.image)), dependsOn];
}

/** Retry instead of waiting: restart the dependent when it exits with an error. */
export function restartOnFailureFix(dependent: ComposeService, alternative: boolean): Fix {
  return {
    title: prose`
      ${alternative ? 'Or let' : 'Let'} ${dependent.name} retry until the connection succeeds: restart it when it exits with an
      error (under services.${dependent.name})
    `,
    command: `  ${dependent.name}:\n    restart: on-failure`,
  };
}

export function applyFix(ability: ComposeAbility, dependent: ComposeService): Fix {
  return { title: `Then recreate ${dependent.name} with the new settings`, command: `${ability.command} up -d`, runIn: 'project' };
}
