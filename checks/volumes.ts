import { defineCheck } from '../src/engine/define-check.js';
import type { CheckContext } from '../src/engine/types.js';
import type { ContainerSummary } from '../src/facts/docker/types.js';
import type { ComposeProject, ComposeService } from '../src/facts/project/compose.js';
import { composeProblemCodes, reportComposeProblems } from './shared/compose-problems.js';
import { builtDockerfile } from './shared/project-source.js';
import { composeLabels } from './shared/containers.js';
import { engineCli, type EngineCli } from './shared/engine-cli.js';
import { prose } from '../src/util/text.js';
import { volumeCodes } from './volumes/codes.js';
import { checkHiddenDependencies } from './volumes/hidden-dependencies.js';
import { checkDatabaseContainer, checkDatabaseService } from './volumes/database-rules.js';
import { checkMountKinds } from './volumes/mount-kinds.js';
import { databaseImage } from './volumes/databases.js';
import { inspectIfPresent } from './shared/inspect.js';
import { cappedReports } from './shared/capped.js';

export default defineCheck({
  meta: {
    id: 'volumes',
    title: 'Mounts keep what the app needs',
    category: 'storage',
    description: prose`
      Answers "Cannot find module" after adding \`.:/app\`, a database that comes back empty, and "Are you trying to mount a directory
      onto a file (or vice-versa)?". In the project's compose file it reports a bind mount over a directory the service's Dockerfile
      installs dependencies into (WORKDIR plus npm ci, yarn, pnpm install → node_modules; pip install --target or a virtualenv; bundle
      install --path; composer install → vendor; COPY --from of such a directory) without a volume of its own, with the anonymous volume
      line that keeps the image's copy (a note only when the host directory has its own dependencies, and nothing when the service's
      command installs them at start); a database service (postgres and images built on it, mysql, mariadb, mongo, redis with
      --appendonly or --save, elasticsearch, rabbitmq, clickhouse, cassandra, couchdb) with no volume where its data goes, or a volume at a
      path the image does not use (PostgreSQL 18 keeps data under /var/lib/postgresql/<major>/docker; the image's VOLUME and PGDATA are
      read when it is on this engine, else known by its tag); and a bind source of the wrong kind: a directory (usually the empty one
      Docker made on an earlier up) where a file is mounted, or a file mounted onto a directory, confirmed by a container's start error
      when there is one. For running database containers outside this project it notes data kept in an anonymous volume or in the
      container itself. Sources that do not exist yet and permissions are the bind-mounts check's.
    `,
    requires: [],
    codes: { ...volumeCodes, ...composeProblemCodes },
  },
  async run(ctx) {
    const { facts } = ctx;
    const [project, connection] = await Promise.all([facts.compose().catch(() => null), facts.dockerConnection()]);
    // A compose file compose refuses is reported once per run (by the check shared/compose-problems.ts names) and judged by none.
    const compose = project && (await reportComposeProblems(ctx, project)).usable ? project : null;
    const containers = connection.reachable ? await facts.containers().catch(() => []) : [];
    if (!project && !connection.reachable) ctx.skip('no compose file in the project, and the daemon is not reachable for its containers');
    // Bind sources are paths on the engine's host: read here only for an engine on this machine (or none to ask).
    const hostReadable = connection.local && connection.kind !== 'docker-desktop';
    const databaseServices = new Set<string>();
    const capped = cappedReports(ctx);
    for (const service of compose?.services ?? []) {
      if (!service.active) continue;
      const mine = serviceContainers(containers, compose!, service);
      if (await judgeService(capped.ctx, compose!, service, mine, hostReadable)) databaseServices.add(service.name);
    }
    if (containers.length > 0) await judgeDatabaseContainers(capped.ctx, containers, compose, await engineCli(facts));
    capped.flush();
  },
});

/** The containers compose made for this service (not `compose run` ones). */
function serviceContainers(containers: ContainerSummary[], compose: ComposeProject, service: ComposeService): ContainerSummary[] {
  return containers.filter((c) => {
    const labels = composeLabels(c.Labels);
    return labels !== undefined && !labels.oneoff && labels.project === compose.name && labels.service === service.name;
  });
}

/** Every rule for one compose service; true when it runs a database image. */
async function judgeService(
  ctx: CheckContext,
  compose: ComposeProject,
  service: ComposeService,
  containers: ContainerSummary[],
  hostReadable: boolean,
): Promise<boolean> {
  if (service.build) {
    const dockerfile = await builtDockerfile(ctx.facts, compose, service);
    if (dockerfile) await checkHiddenDependencies(ctx, compose, service, dockerfile, containers);
  }
  const database = await checkDatabaseService(ctx, compose, service);
  if (hostReadable) {
    const image = service.image;
    await checkMountKinds(ctx, compose, service, containers, async () =>
      image ? ((await ctx.facts.imageInspect(image).catch(() => null))?.Config ?? undefined) : undefined,
    );
  }
  return database;
}

/** Running database containers outside this project's compose services: where their data lives. */
async function judgeDatabaseContainers(
  ctx: CheckContext,
  containers: ContainerSummary[],
  compose: ComposeProject | null,
  cli: EngineCli,
): Promise<void> {
  // The list's image name and command pick the few to inspect; a service of this project is judged by its compose file.
  const candidates = containers.filter((c) => {
    if (c.State !== 'running' || !databaseImage(c.Image, { env: {}, command: c.Command })) return false;
    const labels = composeLabels(c.Labels);
    return !(compose && labels?.project === compose.name && compose.services.some((s) => s.name === labels.service));
  });
  for (const c of candidates) {
    const inspect = await inspectIfPresent(ctx.facts, c.Id);
    if (!inspect) continue;
    const image = (await ctx.facts.imageInspect(inspect.Config.Image ?? c.Image).catch(() => null))?.Config ?? undefined;
    checkDatabaseContainer(ctx, inspect, cli, image);
  }
}
