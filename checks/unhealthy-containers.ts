import { defineCheck } from '../src/engine/define-check.js';
import type { CheckContext } from '../src/engine/types.js';
import type { ContainerInspect, ContainerSummary } from '../src/facts/docker/types.js';
import { healthCodes } from './unhealthy-containers/codes.js';
import { judgeComposeHealthchecks, judgeDockerfileHealthchecks } from './unhealthy-containers/project.js';
import { probeOfTest, type Probe } from './unhealthy-containers/probe.js';
import { boundedHealth, diagnoseProbe, healthTimings } from './unhealthy-containers/runtime.js';
import { healthSource } from './unhealthy-containers/source.js';
import { runtimeFinding, slowStartFinding, type Wording } from './unhealthy-containers/wording.js';
import { reportComposeProblems } from './shared/compose-problems.js';
import { containerName, containerSubject, parseTime } from './shared/containers.js';
import { engineCli, engineCommand } from './shared/engine-cli.js';
import { prose } from '../src/util/text.js';
import { inspectIfPresent } from './shared/inspect.js';

/** Docker's list Status carries the health: "Up 5 minutes (unhealthy)", "Up 3 seconds (health: starting)". */
const FAILING_STATUS = /\((unhealthy|health: starting)\)$/;
/** Healthy, and young enough that the last five probes may still show how it started. */
const YOUNG_HEALTHY = /^Up (Less than a second|\d+ seconds?|About a minute|\d+ minutes?) \(healthy\)$/;

export default defineCheck({
  meta: {
    id: 'unhealthy-containers',
    title: 'Health checks pass',
    category: 'containers',
    description: prose`
      Answers "my container is unhealthy" and compose's "dependency failed to start: container x is unhealthy". For every container whose
      health is unhealthy (or still starting long past its start period) it reads the health state (status, failing streak, the last
      probes' exit codes and output) and the health check's test, and says why it fails: the probe's program is not in the image (confirmed
      through the archive API along the container's PATH, naming an HTTP client the image does have, e.g. busybox wget for curl), the
      probe targets a port nothing listens on inside the container (read from the container's network namespace in /proc, on a local engine
      only, naming the ports the app does listen on), the probe runs past its timeout, an exec-form test holds a whole command line in one
      item or uses shell syntax without a shell. Otherwise it reports the failure with the last probe's exit code and first output line
      (redacted, cut short). The finding points at the compose \`test:\` line or the Dockerfile HEALTHCHECK the container came from, with
      the fixed test written for that place. A container that was unhealthy while it started and then became healthy gets a note with a
      longer start period; on Podman without systemd timers a health check that never ran gets a note.

      In the project it reads every compose healthcheck (a test list that does not start with CMD, CMD-SHELL or NONE, durations without a
      unit, disable: true beside a test) and every Dockerfile HEALTHCHECK, and the compose healthcheck of each service built here, for curl
      or wget (or a shell) that the final stage's base image does not have: alpine and busybox lack curl, slim Debian and Ubuntu images lack
      both, distroless and scratch have no shell; only when no RUN, COPY or ADD brings the tool in.

      Healthy containers, containers without a health check and containers within their start period are left alone.
    `,
    requires: [],
    codes: healthCodes,
  },
  async run(ctx) {
    const { facts } = ctx;
    const daemon = await facts.need('docker').then(
      () => undefined,
      (error: Error) => error.message,
    );
    const [compose, dockerfiles] = await Promise.all([facts.compose().catch(() => null), facts.dockerfiles().catch(() => [])]);
    if (daemon !== undefined && !compose && dockerfiles.length === 0) ctx.skip(daemon);
    if (daemon === undefined) await judgeContainers(ctx);
    if (compose && (await reportComposeProblems(ctx, compose)).usable) await judgeComposeHealthchecks(ctx, compose);
    judgeDockerfileHealthchecks(ctx, dockerfiles);
  },
});

/** Which listed containers to inspect: the list's health on Docker; every running one on Podman, whose list omits it. */
function candidates(list: ContainerSummary[], podman: boolean): ContainerSummary[] {
  return list.filter((c) => c.State === 'running' && (podman || FAILING_STATUS.test(c.Status) || YOUNG_HEALTHY.test(c.Status)));
}

async function judgeContainers(ctx: CheckContext): Promise<void> {
  const { facts } = ctx;
  const [list, connection] = await Promise.all([facts.containers(), facts.dockerConnection()]);
  const podman = connection.kind?.startsWith('podman') ?? false;
  const inspected = await Promise.all(
    candidates(list, podman).map(async (c) => {
      const inspect = await inspectIfPresent(facts, c.Id);
      return inspect && boundedHealth(inspect);
    }),
  );
  const withHealth = inspected.filter((i): i is ContainerInspect => !!i?.State.Health && !!probeOfTest(i.Config.Healthcheck?.Test));
  if (withHealth.length === 0) return;
  const [cli, compose] = await Promise.all([engineCli(facts), facts.composeCommand()]);
  for (const inspect of withHealth) {
    const probe = probeOfTest(inspect.Config.Healthcheck?.Test)!;
    const wording = async (status: string): Promise<Wording> => ({
      inspect,
      subject: containerSubject(inspect),
      probe,
      source: await healthSource(facts, inspect, probe),
      cli,
      compose,
      status,
    });
    const status = judgedStatus(inspect, facts.now(), podman);
    if (status === 'unhealthy' || status === 'starting') {
      const cause = await diagnoseProbe(facts, inspect, probe, connection.local);
      ctx.report(runtimeFinding(cause, await wording(status)));
    } else if (status === 'never-run') ctx.report(neverRun(inspect, probe, cli));
    else if (status === 'healthy') {
      const took = unhealthyWhileStarting(inspect);
      if (took !== undefined) ctx.report(slowStartFinding(await wording('healthy'), took));
    }
  }
}

/**
 * The health as judged here: `starting` only when the check has failed past its start period for longer than its
 * retries take; `never-run` for Podman's check that no timer ever ran; `fine` for starting within the start period.
 */
function judgedStatus(inspect: ContainerInspect, now: number, podman: boolean): string {
  const health = inspect.State.Health!;
  if (health.Status !== 'starting') return health.Status;
  const started = parseTime(inspect.State.StartedAt);
  if (started === undefined) return 'fine';
  const t = healthTimings(inspect.Config.Healthcheck);
  const log = health.Log ?? [];
  const overdue = now - started > t.startPeriodMs + t.intervalMs * (t.retries + 1) + t.timeoutMs;
  if (!overdue) return 'fine';
  if (log.length === 0) return podman ? 'never-run' : 'fine';
  return log.at(-1)!.ExitCode !== 0 ? 'starting' : 'fine';
}

/**
 * How long a healthy container took to pass, when its log shows it was unhealthy on the way: at least `retries`
 * failures in a row after the start period, then a pass. Undefined otherwise (failures inside the start period do
 * not count, and the engine keeps only the last five probes).
 */
function unhealthyWhileStarting(inspect: ContainerInspect): number | undefined {
  const started = parseTime(inspect.State.StartedAt);
  if (started === undefined) return undefined;
  const t = healthTimings(inspect.Config.Healthcheck);
  let streak = 0;
  let wasUnhealthy = false;
  for (const probe of inspect.State.Health?.Log ?? []) {
    const at = parseTime(probe.Start);
    if (at === undefined || at < started + t.startPeriodMs) continue;
    if (probe.ExitCode !== 0) {
      streak += 1;
      if (streak >= t.retries) wasUnhealthy = true;
    } else if (wasUnhealthy) {
      return (parseTime(probe.End) ?? at) - started;
    } else streak = 0;
  }
  return undefined;
}

function neverRun(inspect: ContainerInspect, probe: Probe, cli: Awaited<ReturnType<typeof engineCli>>) {
  const name = containerName(inspect);
  return {
    cause: 'never-run',
    title: `Container ${name}'s health check has never run: Podman runs health checks from systemd timers, and none ran it here`,
    subject: containerSubject(inspect),
    fixes: [
      cli.podmanCli
        ? {
            title: 'Run one probe by hand (it prints healthy or unhealthy and records the result)',
            command: engineCommand(cli, `healthcheck run ${name}`),
          }
        : { title: `Run one probe by hand on the Podman host: podman healthcheck run ${name}` },
    ],
    evidence: { health: 'starting', test: probe.text },
  };
}
