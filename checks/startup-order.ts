import { defineCheck } from '../src/engine/define-check.js';
import type { CheckContext } from '../src/engine/types.js';
import type { ComposeProject } from '../src/facts/project/compose.js';
import { prose } from '../src/util/text.js';
import { reportComposeProblems } from './shared/compose-problems.js';
import { containerName, containerSubject, formatDuration, runtimeMs } from './shared/containers.js';
import { locationOf } from './shared/project-source.js';
import { startupOrderCodes } from './startup-order/codes.js';
import { dependencyEdges, dependencyImage, healthOf, type Edge, type Health } from './startup-order/dependency.js';
import { applyFix, composeAbility, restartOnFailureFix, waitForHealthyFixes, type ComposeAbility } from './startup-order/fixes.js';
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

function missingHealthcheckTitle({ dependent, dependency, entry }: Edge, health: Health, podman: boolean): string {
  const where = `${entry.at.file}:${entry.at.line}`;
  if (health.has === 'unknown')
    return prose`
      ${dependent.name} waits for ${dependency.name} to be healthy, and ${dependency.name} has no healthcheck in the compose file;
      ${health.why} (${where})
    `;
  // Podman's API gives every container an (empty) health state, which Compose v1 takes for a healthcheck: it does not
  // refuse, and starts the dependent without waiting.
  const consequence = podman ? `so ${dependent.name} does not really wait for it` : `so compose refuses to start ${dependent.name}`;
  return `${dependent.name} waits for ${dependency.name} to be healthy, but it has no healthcheck, ${consequence} (${where})`;
}

/** `condition: service_healthy` on a service without a healthcheck: compose refuses to start the dependent. */
async function reportMissingHealthchecks(ctx: CheckContext, compose: ComposeProject, edges: Edge[], ability: Ability): Promise<void> {
  for (const edge of edges.filter((e) => e.entry.condition === 'service_healthy')) {
    const { dependent, dependency, entry } = edge;
    const health = await healthOf(ctx.facts, compose, dependency);
    if (health.has === true) continue;
    const image = await dependencyImage(ctx.facts, compose, dependency);
    const where = `${entry.at.file}:${entry.at.line}`;
    const podman = (await ctx.facts.dockerConnection()).kind?.startsWith('podman') === true;
    ctx.report({
      cause: 'no-healthcheck',
      ...(health.has === false ? (podman ? { severity: 'warning' as const } : {}) : { severity: 'info' as const }),
      title: missingHealthcheckTitle(edge, health, podman),
      subject: { kind: 'service', name: dependent.name },
      location: locationOf(entry.at),
      fixes: [
        ...waitForHealthyFixes(edge, false, image, await ability()).slice(0, 1),
        {
          title: `Or wait only for ${dependency.name}'s container to start (${where})`,
          command: `      ${dependency.name}:\n        condition: service_started`,
        },
      ],
      evidence: {
        dependency: dependency.name,
        condition: entry.condition,
        healthcheck: health.has === false ? 'none' : 'unknown',
        why: health.why,
      },
    });
  }
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

/** depends_on without a condition on a server that needs time, with nothing showing the dependent failing: a note. */
async function reportNotWaiting(ctx: CheckContext, compose: ComposeProject, edges: Edge[], ability: Ability): Promise<void> {
  // The long form is a choice written out (`condition: service_started` next to service_healthy ones): only the short one.
  for (const edge of edges.filter((e) => e.entry.form === 'short')) {
    const { dependent, dependency, entry } = edge;
    const image = await dependencyImage(ctx.facts, compose, dependency);
    const health = await healthOf(ctx.facts, compose, dependency);
    if (!image.family && health.has !== true) continue;
    if (connectsOnDemand(dependent.image) || (await waitsByItself(ctx.facts, compose, dependent))) continue;
    const what = image.family ? `${dependency.name} (${image.family.label})` : `${dependency.name} (it has a healthcheck)`;
    ctx.report({
      cause: 'started-not-ready',
      title: `${dependent.name} starts as soon as ${what} has started, before it accepts connections (${entry.at.file}:${entry.at.line})`,
      subject: { kind: 'service', name: dependent.name },
      location: locationOf(entry.at),
      fixes: (await ability()).conditions
        ? waitForHealthyFixes(edge, health.has === true, image, await ability())
        : [restartOnFailureFix(dependent, false)],
      evidence: {
        dependency: dependency.name,
        condition: entry.condition,
        form: entry.form,
        ...(image.family ? { server: image.family.label } : {}),
        dependencyHealthcheck: health.has === true ? health.source : 'none',
      },
    });
  }
}
