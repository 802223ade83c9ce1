import { defineCheck } from '../src/engine/define-check.js';
import type { CheckContext } from '../src/engine/types.js';
import type { ContainerInspect, ContainerSummary } from '../src/facts/docker/types.js';
import type { Facts } from '../src/facts/types.js';
import { exitedCodes } from './exited-containers/codes.js';
import { configuredArgv, findDaemoniser, ranCommand, type Daemoniser } from './exited-containers/daemonising.js';
import { diagnoseExit, silentStartDiagnosis, type Diagnosis, type ExitContext } from './exited-containers/diagnose.js';
import { commandProblem } from './exited-containers/missing-command.js';
import { engineCli } from './shared/engine-cli.js';
import { MOUNT_START_ERROR, NO_SPACE_START_ERROR, PORT_START_ERROR } from './shared/start-errors.js';
import { editLocation } from './exited-containers/edit-location.js';
import { rewrittenPart } from './exited-containers/foreground-fix.js';
import { stayUpEvidence } from './exited-containers/intent.js';
import {
  bindMountForLine,
  containerSubject,
  exitedLatelyOnItsOwn,
  finishedRecently,
  neverStarted,
  parseTime,
  runtimeMs,
  silentlyNeverStarted,
} from './shared/containers.js';
import { logTail } from './shared/logs.js';
import { formatMode } from './shared/permissions.js';
import { commandSource } from './shared/project-source.js';
import { prose } from '../src/util/text.js';
import { inspectIfPresent } from './shared/inspect.js';

/** A successful exit after running longer than this is a job that finished, not a container that "exits immediately". */
export const SHORT_RUN_MS = 10_000;

async function missedOomKill(facts: Facts, inspect: ContainerInspect): Promise<boolean> {
  const started = parseTime(inspect.State.StartedAt) ?? parseTime(inspect.Created) ?? 0;
  if ((await facts.oomEvents(inspect.Id, started - 1000).catch(() => 0)) > 0) return true;
  const connection = await facts.dockerConnection();
  if (!connection.local) return false;
  // "oom-kill:… oom_memcg=/docker/<id>" (cgroup v1) or "…/docker-<id>.scope" (systemd, cgroup v2).
  const kernel = await facts.kernelLog();
  return kernel !== undefined && kernel.split('\n').some((line) => line.includes('oom') && line.includes(inspect.Id));
}

/** The daemonising command a container ran, confirmed against its config file when that file decides. */
async function confirmedDaemoniser(facts: Facts, inspect: ContainerInspect): Promise<Daemoniser | undefined> {
  const found = findDaemoniser(configuredArgv(inspect.Config));
  if (!found?.configFile) return found;
  const file = await facts.containerFile(inspect.Id, found.configFile.path).catch(() => undefined);
  if (file === undefined) return found.configFile.whenUnreadable === 'daemonises' ? found : undefined;
  return found.configFile.daemonises(file.toString('utf8')) ? found : undefined;
}

/** For a container that exited 0 at once: what it ran, what says it was meant to stay up, and where the project sets its command. */
async function exitContext(facts: Facts, inspect: ContainerInspect): Promise<ExitContext> {
  const [daemoniser, image, connection] = await Promise.all([
    confirmedDaemoniser(facts, inspect),
    facts.imageInspect(inspect.Image).catch(() => null),
    facts.dockerConnection(),
  ]);
  // Podman's inspect says AttachStdout false for every container: a detached start cannot be told there.
  const attachKnown = !connection.kind?.startsWith('podman');
  // The finding points where the fix edits: the command or the entrypoint, whichever the foreground form rewrites.
  const location = daemoniser
    ? await editLocation(facts, inspect.Config.Labels, rewrittenPart(inspect, daemoniser))
    : await commandSource(facts, inspect.Config.Labels);
  return { ...(daemoniser ? { daemoniser } : {}), stayUp: stayUpEvidence(inspect, image, attachKnown), ...(location ? { location } : {}) };
}

/** Cheap pre-filter on the list so only containers that may have a story get inspected. */
function worthInspecting(c: ContainerSummary): boolean {
  // Podman lists a container between restarts as 'stopped', a state Docker's API does not have.
  switch (c.State as ContainerSummary['State'] | 'stopped') {
    case 'restarting':
    case 'dead':
    case 'created':
      return true;
    case 'running':
      // A crash loop shows up as a young running container between restarts.
      return /^Up (Less than a second|\d+ seconds?)/.test(c.Status);
    // Podman's state for a container between restarts, or stopped: its Status reads "Exited (3) …" as Docker's does.
    case 'exited':
    case 'stopped':
      return exitedLatelyOnItsOwn(c.Status);
    default:
      return false;
  }
}

export default defineCheck({
  meta: {
    id: 'exited-containers',
    title: 'Containers stay up',
    category: 'containers',
    description: prose`
      Answers "my container starts and exits immediately" and "it restarts in a loop". For every container that exited soon after starting,
      never started, or is restarting, it reads the state (exit code, OOMKilled, start error, start and finish times, restart count and
      policy), explains the exit code in words, reads the last log lines and matches known failure shapes in them (exec format error,
      permission denied, address already in use, name resolution, missing modules…), and points at the compose or Dockerfile line that sets
      the command when the container comes from this project.

      A container that exits 0 within seconds is a warning when it was meant to stay up (started detached, published ports, a health check
      of its own, a restart policy, a server image run with its own command) and its command is a known daemonising one (busybox or Apache
      httpd, nginx, php-fpm, sshd, redis-server with daemonize yes, supervisord, crond, \`service x start\`, a trailing \`&\` in \`sh -c\`):
      the finding names that command and gives its foreground form, at the compose or Dockerfile line that sets it. Such a container with
      strong signs of a service (ports, a health check, a server image) is a warning even without a known daemoniser. A one-off \`compose
      run\`, an on-failure restart policy or nothing but a detached start keep it a note (jobs, migrations and CI containers exit 0 too).
      For an OOM kill the fix raises the memory limit above the current one; with no limit it says the host ran out.

      Containers that finished normally after running a while, containers stopped by the user (exit 143 or 130), containers created but
      never started, and exits older than a day are left alone. Start failures caused by ports or mounts are reported by the port-conflicts
      and bind-mounts checks instead. Podman leaves a failed start in Created with no error: a container there that never started
      a few seconds after its creation is judged by its command, looked for in the image (the path as given, else the image's PATH).
    `,
    requires: ['docker'],
    codes: exitedCodes,
  },
  async run(ctx) {
    const { facts } = ctx;
    const now = facts.now();
    const candidates = (await facts.containers()).filter(worthInspecting);
    const inspected = await Promise.all(candidates.map((c) => inspectIfPresent(facts, c.Id)));
    // Undefined: removed between list and inspect.
    const withStory = inspected.filter((i): i is ContainerInspect => i !== undefined && hasStory(i, now));
    await lookUpSilentCommands(facts, withStory, now);
    for (const inspect of withStory) await diagnoseContainer(ctx, inspect);
  },
});

/** Running containers only got here when young, so any restart count means a loop that is still going. */
const isRestarting = (inspect: ContainerInspect) => inspect.State.Restarting || inspect.RestartCount > 0;

/**
 * A container with something to say: restarting, a start failure no other check owns, or a recent exit (a failure, or
 * a success after only seconds).
 */
function hasStory(inspect: ContainerInspect, now: number): boolean {
  const state = inspect.State;
  const restarting = isRestarting(inspect);
  if (state.Running && !restarting) return false;
  if (state.Status === 'created') {
    // Podman leaves a failed start in Created with no error: its command is then looked for in the image.
    if (silentlyNeverStarted(inspect, now)) return true;
    return (
      !!state.Error &&
      !PORT_START_ERROR.test(state.Error) &&
      !MOUNT_START_ERROR.test(state.Error) &&
      !NO_SPACE_START_ERROR.test(state.Error)
    );
  }
  if (restarting) return true;
  if (!finishedRecently(inspect, now) || neverStarted(inspect)) return false;
  return !(state.ExitCode === 0 && (runtimeMs(inspect) ?? 0) >= SHORT_RUN_MS);
}

/** Looks up every silently never-started container's command at once, so the (memoised) archive reads overlap. */
async function lookUpSilentCommands(facts: Facts, inspected: ContainerInspect[], now: number): Promise<void> {
  const silent = inspected.filter((i) => silentlyNeverStarted(i, now));
  if (silent.length === 0 || !(await facts.dockerConnection()).kind?.startsWith('podman')) return;
  await Promise.all(silent.map((i) => commandProblem(facts, i)));
}

/** A container that never started and recorded no error (Podman): a finding only when its command is missing from the image. */
async function diagnoseSilentStart(ctx: CheckContext, inspect: ContainerInspect): Promise<void> {
  const connection = await ctx.facts.dockerConnection();
  if (!connection.kind?.startsWith('podman')) return;
  const problem = await commandProblem(ctx.facts, inspect);
  if (!problem) return;
  const diagnosis = silentStartDiagnosis(inspect, problem, await engineCli(ctx.facts));
  const location = await commandSource(ctx.facts, inspect.Config.Labels);
  ctx.report({
    cause: diagnosis.cause,
    title: diagnosis.title,
    subject: containerSubject(inspect),
    ...(location ? { location } : {}),
    fixes: diagnosis.fixes,
    evidence: {
      image: inspect.Config.Image ?? inspect.Image,
      command: ranCommand(inspect),
      status: inspect.State.Status,
      ...(problem.kind === 'missing'
        ? { searched: problem.searched }
        : { path: problem.path, ...(problem.directory ? { directory: true } : { mode: formatMode(problem.mode) }) }),
    },
  });
}

async function diagnoseContainer(ctx: CheckContext, inspect: ContainerInspect): Promise<void> {
  const { facts } = ctx;
  if (silentlyNeverStarted(inspect, facts.now())) return diagnoseSilentStart(ctx, inspect);
  const state = inspect.State;
  const restarting = isRestarting(inspect);
  const failing = restarting || state.ExitCode !== 0 || state.Status === 'created';
  const logs = failing && state.Status !== 'created' ? await facts.containerLogs(inspect.Id).catch(() => '') : '';
  // The daemon sets OOMKilled from an event it can miss under load; the event log and the kernel log keep the truth.
  const oomKilled = state.OOMKilled || (state.ExitCode === 137 && !restarting && (await missedOomKill(facts, inspect)));
  // Exit 0 (a loop between restarts reads 0 too): what it ran decides whether a daemonising command explains it.
  const context = {
    ...(state.ExitCode === 0 && state.Status !== 'created' ? await exitContext(facts, inspect) : {}),
    cli: await engineCli(facts),
  };
  const diagnosis = diagnoseExit(
    oomKilled === state.OOMKilled ? inspect : { ...inspect, State: { ...state, OOMKilled: true } },
    logs,
    restarting,
    context,
  );
  if (!diagnosis || ownedElsewhere(inspect, diagnosis)) return;
  const location = context.location ?? (await commandSource(facts, inspect.Config.Labels));
  const ran = runtimeMs(inspect);
  ctx.report({
    cause: diagnosis.cause,
    ...(diagnosis.severity ? { severity: diagnosis.severity } : {}),
    // A failure after a long healthy run is worth knowing, but it is not "exits immediately".
    ...(diagnosis.cause === 'app-error' && ran !== undefined && ran > 60_000 && !restarting ? { severity: 'warning' as const } : {}),
    title: diagnosis.title,
    subject: containerSubject(inspect),
    ...(location ? { location } : {}),
    fixes: diagnosis.fixes,
    evidence: exitEvidence(inspect, diagnosis, context, oomKilled, logs),
  });
}

/** A diagnosis another check reports: one cause, one finding. */
function ownedElsewhere(inspect: ContainerInspect, diagnosis: Diagnosis): boolean {
  const { match } = diagnosis;
  // A permission or read-only error on a bind-mounted path is the bind-mounts check's finding.
  if (match && ['permission-denied', 'read-only'].includes(match.signature.id) && bindMountForLine(inspect.Mounts ?? [], match.line)) {
    return true;
  }
  // A failed name lookup is the dns check's finding, unless the container is looping (that is the symptom here).
  return diagnosis.cause === 'app-error' && match?.signature.id === 'name-resolution';
}

function exitEvidence(inspect: ContainerInspect, diagnosis: Diagnosis, context: ExitContext, oomKilled: boolean, logs: string) {
  const state = inspect.State;
  const ran = runtimeMs(inspect);
  return {
    image: inspect.Config.Image ?? inspect.Image,
    command: ranCommand(inspect),
    status: state.Status,
    exitCode: state.ExitCode,
    oomKilled,
    ...(oomKilled && !state.OOMKilled ? { oomSource: "the daemon's oom event or the kernel log (State.OOMKilled was not set)" } : {}),
    ...(state.Error ? { error: state.Error } : {}),
    startedAt: state.StartedAt,
    finishedAt: state.FinishedAt,
    ...(ran !== undefined ? { runtimeMs: ran } : {}),
    restartCount: inspect.RestartCount,
    restartPolicy: inspect.HostConfig.RestartPolicy?.Name || 'no',
    ...(diagnosis.match ? { logLine: diagnosis.match.line } : {}),
    ...(context.daemoniser ? { daemonising: { command: context.daemoniser.program, foreground: context.daemoniser.foregroundPart } } : {}),
    ...(context.stayUp
      ? {
          meantToStayUp: {
            signals: [...context.stayUp.strong, ...(context.stayUp.detached ? ['it was started detached'] : [])],
            against: context.stayUp.against,
          },
        }
      : {}),
    ...(logs ? { logTail: logTail(logs) } : {}),
  };
}
