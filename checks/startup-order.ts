import { defineCheck } from '../src/engine/define-check.js';
import type { CheckContext, FindingInput } from '../src/engine/types.js';
import type { ComposeProject, ComposeService } from '../src/facts/project/compose.js';
import { prose } from '../src/util/text.js';
import { reportComposeProblems } from './shared/compose-problems.js';
import { containerName, containerSubject, formatDuration, runtimeMs } from './shared/containers.js';
import { locationOf } from './shared/project-source.js';
import { startupOrderCodes } from './startup-order/codes.js';
import { dependencyEdges, dependencyImage, healthOf, type DependencyImage, type Edge, type Health } from './startup-order/dependency.js';
import { listNames, reportCapped, type PendingFinding } from './shared/capped.js';
import {
  applyFix,
  composeAbility,
  restartOnFailureFix,
  waitForAllHealthyFixes,
  waitForHealthyFixes,
  type ComposeAbility,
} from './startup-order/fixes.js';
import { refusals, type Refusal } from './startup-order/runtime.js';
import { waitsByItself } from './startup-order/waits-itself.js';
import { imageName } from './startup-order/families.js';

export default defineCheck({
  meta: {
    id: 'startup-order',
    title: 'Services start after what they need is ready',
    category: 'containers',
    description: prose`
      Answers "my app starts before the database is ready" and "dependency failed to start: container db has no healthcheck
      configured". It reads every depends_on of the project's compose file. \`condition: service_healthy\` on a service that has no
      healthcheck (none in the compose file, none in its image or Dockerfile) is an error at the depends_on line: compose refuses to start
      the dependent. On the engine, a dependent container that exited (or is restarting) within seconds of starting, with a connection
      failure in its logs that names a service it depends on ("connection refused", ECONNREFUSED, "could not connect", "is the server
      running", by the service's name, its container's address or its port), while that service is running now, is a warning at the
      depends_on line: compose started it when the dependency's container started, not when the server inside accepted connections. The
      fix gives the dependency a healthcheck with a probe its image has (pg_isready, mysqladmin ping, redis-cli ping, mongosh…) and makes
      the dependent wait for \`condition: service_healthy\` (with \`restart: true\` where the compose in use is 2.17 or later); where the
      compose in use has no conditions (v1 before 1.27 with a 3.x file), \`restart: on-failure\` instead.

      Without such evidence, depends_on without a condition on a database, a broker or a service with a healthcheck is only a note: many
      applications retry. depends_on naming a service that does not exist is left to compose-config; a dependency that is down itself is
      left to exited-containers; a name that does not resolve is the dns check's unless the dependency started after the dependent did.
    `,
    requires: [],
    codes: startupOrderCodes,
  },
  async run(ctx) {
    const compose = await ctx.facts.compose();
    if (!compose) return ctx.skip('no compose file in the project');
    const verdict = await reportComposeProblems(ctx, compose);
    if (!verdict.usable) return;
    const edges = dependencyEdges(compose);
    if (edges.length === 0) return;
    let ability: Promise<ComposeAbility> | undefined;
    const abilityOnce = () => (ability ??= composeAbility(ctx.facts, compose));
    await reportMissingHealthchecks(ctx, compose, edges, abilityOnce);
    const docker = await ctx.facts.need('docker').then(
      () => true,
      () => false,
    );
    const found = docker ? await refusals(ctx.facts, compose, edges) : [];
    for (const refusal of found) await reportRefusal(ctx, compose, refusal, await composeAbility(ctx.facts, compose, refusal.container));
    const explained = new Set(found.map((r) => r.edge));
    await reportNotWaiting(
      ctx,
      compose,
      edges.filter((e) => !explained.has(e)),
      abilityOnce,
    );
  },
});

type Ability = () => Promise<ComposeAbility>;

/** Database admin UIs connect when someone logs in, not at start-up: their depends_on order is only for show. */
const ON_DEMAND = new Set(['adminer', 'pgadmin4', 'phpmyadmin', 'redisinsight', 'redis-commander']);
const connectsOnDemand = (image: string | undefined) => image !== undefined && ON_DEMAND.has(imageName(image).base);

function missingHealthcheckTitle(waiting: Edge[], health: Health, podman: boolean): string {
  const { dependency, entry } = waiting[0]!;
  const where = `${entry.at.file}:${entry.at.line}`;
  const dependents = listNames(waiting.map((e) => e.dependent.name));
  const one = waiting.length === 1;
  if (health.has === 'unknown')
    return prose`
      ${dependents} ${one ? 'waits' : 'wait'} for ${dependency.name} to be healthy, and ${dependency.name} has no healthcheck in the
      compose file; ${health.why} (${where})
    `;
  // Podman's API gives every container an (empty) health state, which Compose v1 takes for a healthcheck: it does not
  // refuse, and starts the dependent without waiting.
  const them = one ? waiting[0]!.dependent.name : 'them';
  const consequence = podman ? `so ${one ? `${them} does` : 'they do'} not really wait for it` : `so compose refuses to start ${them}`;
  const waits = one ? 'waits' : 'wait';
  return `${dependents} ${waits} for ${dependency.name} to be healthy, but it has no healthcheck, ${consequence} (${where})`;
}

/**
 * `condition: service_healthy` on a service without a healthcheck: compose refuses to start the dependents. One cause
 * per dependency, however many services wait for it.
 */
async function reportMissingHealthchecks(ctx: CheckContext, compose: ComposeProject, edges: Edge[], ability: Ability): Promise<void> {
  const byDependency = new Map<ComposeService, Edge[]>();
  for (const edge of edges.filter((e) => e.entry.condition === 'service_healthy')) {
    const list = byDependency.get(edge.dependency);
    if (list) list.push(edge);
    else byDependency.set(edge.dependency, [edge]);
  }
  const podman = (await ctx.facts.dockerConnection()).kind?.startsWith('podman') === true;
  const pending: PendingFinding[] = [];
  for (const waiting of byDependency.values()) {
    const health = await healthOf(ctx.facts, compose, waiting[0]!.dependency);
    if (health.has === true) continue;
    const severity = health.has === false ? (podman ? 'warning' : 'error') : 'info';
    const build = () => missingHealthcheck(ctx, compose, waiting, health, podman, ability);
    const { dependent, dependency, entry } = waiting[0]!;
    pending.push({ name: dependent.name, listed: dependency.name, at: entry.at, severity, build });
  }
  await reportCapped(
    ctx,
    'no-healthcheck',
    pending,
    (count, names) => `${count} more services have no healthcheck but are waited for with condition: service_healthy: ${names}`,
  );
}

async function missingHealthcheck(
  ctx: CheckContext,
  compose: ComposeProject,
  waiting: Edge[],
  health: Exclude<Health, { has: true }>,
  podman: boolean,
  ability: Ability,
): Promise<FindingInput> {
  const { dependent, dependency, entry } = waiting[0]!;
  const image = await dependencyImage(ctx.facts, compose, dependency);
  const others = waiting.length - 1;
  const where = `${entry.at.file}:${entry.at.line}${others > 0 ? ` and ${others} more ${others > 1 ? 'places' : 'place'}` : ''}`;
  return {
    cause: 'no-healthcheck',
    ...(health.has === false ? (podman ? { severity: 'warning' as const } : {}) : { severity: 'info' as const }),
    title: missingHealthcheckTitle(waiting, health, podman),
    subject: { kind: 'service', name: dependent.name },
    location: locationOf(entry.at),
    fixes: [
      ...waitForHealthyFixes(waiting[0]!, false, image, await ability()).slice(0, 1),
      {
        title: `Or wait only for ${dependency.name}'s container to start (${where})`,
        command: `      ${dependency.name}:\n        condition: service_started`,
      },
    ],
    evidence: {
      dependency: dependency.name,
      ...(waiting.length > 1 ? { dependents: waiting.slice(0, 100).map((e) => e.dependent.name) } : {}),
      condition: entry.condition,
      healthcheck: health.has === false ? 'none' : 'unknown',
      why: health.why,
    },
  };
}

async function reportRefusal(ctx: CheckContext, compose: ComposeProject, refusal: Refusal, ability: ComposeAbility): Promise<void> {
  const { edge, container, line, namedBy } = refusal;
  const { dependent, dependency, entry } = edge;
  const [health, image] = await Promise.all([healthOf(ctx.facts, compose, dependency), dependencyImage(ctx.facts, compose, dependency)]);
  const name = containerName(container);
  const ran = runtimeMs(container);
  const when = ran !== undefined ? ` ${formatDuration(ran)} after it started` : '';
  const state = refusal.restarting ? `keeps restarting: it exited${when}` : `exited${when}`;
  const noRestart = (container.HostConfig.RestartPolicy?.Name || 'no') === 'no';
  const fixes = ability.conditions
    ? [...waitForHealthyFixes(edge, health.has === true, image, ability), ...(noRestart ? [restartOnFailureFix(dependent, true)] : [])]
    : [restartOnFailureFix(dependent, false)];
  ctx.report({
    cause: 'connected-before-ready',
    title: prose`
      ${name} ${state} because ${dependency.name} was not accepting connections yet: depends_on waits only for its container to
      start (${entry.at.file}:${entry.at.line})
    `,
    subject: containerSubject(container),
    location: locationOf(entry.at),
    ...(ability.conditions
      ? {}
      : {
          explanation: prose`
            ${ability.command} ${ability.version ?? ''} reads this ${compose.version?.value ?? ''} file without depends_on
            conditions, so it cannot wait for ${dependency.name} to be healthy; a restart policy lets ${dependent.name} retry until
            ${dependency.name} accepts connections.
          `,
        }),
    fixes: [...fixes, applyFix(ability, dependent)],
    evidence: {
      service: dependent.name,
      dependency: dependency.name,
      dependencyContainer: containerName(refusal.dependencyContainer),
      logLine: line,
      namedBy,
      exitCode: container.State.ExitCode,
      restartCount: container.RestartCount,
      ...(ran !== undefined ? { runtimeMs: ran } : {}),
      dependencyHealthcheck: health.has === true ? health.source : 'none',
      compose: { command: ability.command, ...(ability.version ? { version: ability.version } : {}) },
    },
  });
}

/**
 * depends_on without a condition on a server that needs time, with nothing showing the dependent failing: a note, one
 * per dependent naming each such dependency (one block of fixes: one per dependency would undo each other).
 */
async function reportNotWaiting(ctx: CheckContext, compose: ComposeProject, edges: Edge[], ability: Ability): Promise<void> {
  // The long form is a choice written out (`condition: service_started` next to service_healthy ones): only the short one.
  const byDependent = new Map<ComposeService, Edge[]>();
  for (const edge of edges.filter((e) => e.entry.form === 'short')) {
    const list = byDependent.get(edge.dependent);
    if (list) list.push(edge);
    else byDependent.set(edge.dependent, [edge]);
  }
  // What each dependency runs, asked once: in a file where every service depends on every other, it is met n times.
  const known = new Map<ComposeService, Promise<[DependencyImage, Health]>>();
  const lookUp = (service: ComposeService) => {
    let found = known.get(service);
    if (!found)
      known.set(service, (found = Promise.all([dependencyImage(ctx.facts, compose, service), healthOf(ctx.facts, compose, service)])));
    return found;
  };
  const pending: PendingFinding[] = [];
  for (const [dependent, own] of byDependent) {
    if (connectsOnDemand(dependent.image)) continue;
    const waits: NotReady[] = [];
    for (const edge of own) {
      const [image, health] = await lookUp(edge.dependency);
      if (image.family || health.has === true) waits.push({ edge, image, health });
    }
    if (waits.length === 0 || (await waitsByItself(ctx.facts, compose, dependent))) continue;
    pending.push({
      name: dependent.name,
      at: waits[0]!.edge.entry.at,
      severity: 'info',
      build: async () => notWaiting(waits, await ability()),
    });
  }
  await reportCapped(
    ctx,
    'started-not-ready',
    pending,
    (count, names) =>
      `${count} more services start as soon as a database, broker or health-checked service they depend on has started: ${names}`,
  );
}

interface NotReady {
  edge: Edge;
  image: DependencyImage;
  health: Health;
}

const described = ({ edge, image }: NotReady) =>
  image.family ? `${edge.dependency.name} (${image.family.label})` : `${edge.dependency.name} (it has a healthcheck)`;

function notWaiting(waits: NotReady[], ability: ComposeAbility): FindingInput {
  const { edge, image, health } = waits[0]!;
  const { dependent, dependency, entry } = edge;
  const one = waits.length === 1;
  const list = listNames(waits.map(described));
  const fixes = !ability.conditions
    ? [restartOnFailureFix(dependent, false)]
    : one
      ? waitForHealthyFixes(edge, health.has === true, image, ability)
      : waitForAllHealthyFixes(
          waits.map((w) => ({ edge: w.edge, has: w.health.has === true, image: w.image })),
          ability,
          (names) => listNames(names),
        );
  return {
    cause: 'started-not-ready',
    title: prose`
      ${dependent.name} starts as soon as ${list} ${one ? 'has' : 'have'} started, before ${one ? 'it accepts' : 'they accept'}
      connections (${entry.at.file}:${entry.at.line})
    `,
    subject: { kind: 'service', name: dependent.name },
    location: locationOf(entry.at),
    fixes,
    evidence: one
      ? {
          dependency: dependency.name,
          condition: entry.condition,
          form: entry.form,
          ...(image.family ? { server: image.family.label } : {}),
          dependencyHealthcheck: health.has === true ? health.source : 'none',
        }
      : {
          dependencies: waits.slice(0, 100).map((w) => ({
            dependency: w.edge.dependency.name,
            ...(w.image.family ? { server: w.image.family.label } : {}),
            dependencyHealthcheck: w.health.has === true ? w.health.source : 'none',
          })),
          condition: entry.condition,
          form: entry.form,
        },
  };
}
