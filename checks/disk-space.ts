import { defineCheck } from '../src/engine/define-check.js';
import type { CheckContext, Fix, Severity } from '../src/engine/types.js';
import type { DockerConnection } from '../src/facts/types.js';
import { breakdown, pruneFixes, reclaimableWithoutVolumes, type UsageAnswer } from './disk-space/breakdown.js';
import { diskCodes } from './disk-space/codes.js';
import { logLimitFixes } from './disk-space/log-fixes.js';
import { LOG_SIZE_THRESHOLD, scanLogs, type LargeLog } from './disk-space/logs.js';
import { noSpaceFailures, type NoSpaceFailure } from './disk-space/no-space.js';
import { measureRoot, type RootReading } from './disk-space/root.js';
import { judgeInodes, judgeSpace, percentUsed } from './disk-space/thresholds.js';
import { containerName, containerSubject, formatBytes } from './shared/containers.js';
import { engineCli, engineCommand, type EngineCli } from './shared/engine-cli.js';
import { prose } from '../src/util/text.js';

/** Share of the check's timeout /system/df may take: the rest is for the findings, so a slow engine still gets its word. */
const DF_BUDGET_SHARE = 0.6;

export default defineCheck({
  meta: {
    id: 'disk-space',
    title: 'The Docker root has room',
    category: 'storage',
    description: prose`
      Answers "no space left on device". Measures the file system of the engine's root directory (Docker Root Dir, /var/lib/docker by
      default; Podman's storage root) with statfs: an error below 2 % free (at least 1 GiB, at most 5 GiB), a warning below 10 % free (at
      least 5 GiB, at most 20 GiB), counted as \`df\` counts them; inodes likewise (error below 2 % free, warning below 5 %). Only when
      space or
      inodes are short does it ask the engine for \`docker system df\`, within part of the check's timeout (the engine walks every layer for
      it, which takes long on a big host), and give the breakdown with the prune commands, each saying what it deletes: build cache,
      dangling images, stopped containers with their writable layers, unused images, and unused volumes, which are listed before any
      removal because their data goes with them. When the engine does not answer in time, it says so and gives the commands without sizes.

      Container logs: the json-file log of every container (Podman: k8s-file) is measured with one stat per container, never read; a log
      past 100 MiB with no max-size is a warning for a running container (a note for a stopped one) with the fixes: log-opts in daemon.json
      (or log_size_max in Podman's containers.conf) for new containers, the restart that needs, and the compose \`logging:\` block or run
      flags for this container, which must be recreated to get them.

      A container whose start error or last log lines say "no space left on device" is reported by name, even when the root has room now
      (space may have been freed since, or the write went to a bind mount's file system, a tmpfs or /dev/shm). For an engine on another
      machine, Docker Desktop, or a root this user may not reach, it says once that the space cannot be measured and judges the rest.
    `,
    requires: ['docker'],
    codes: diskCodes,
  },
  async run(ctx) {
    const started = performance.now();
    const { facts } = ctx;
    const [connection, containers, cli] = await Promise.all([facts.dockerConnection(), facts.containers(), engineCli(facts)]);
    const root = await measureRoot(facts, connection);
    const space = root.measured ? judgeSpace(root.space) : undefined;
    const inodes = root.measured ? judgeInodes(root.space) : undefined;
    // Started at once, so it runs while the logs are measured; awaited within its share of the budget.
    const usage =
      space || inodes ? usageWithin(ctx, cli, ctx.options.timeoutMs * DF_BUDGET_SHARE - (performance.now() - started)) : undefined;
    const [logs, failures] = await Promise.all([scanLogs(facts, connection, containers), noSpaceFailures(facts, containers)]);

    if (!root.measured) reportNotMeasured(ctx, root);
    if (root.measured && (space || inodes)) await reportLowRoot(ctx, root, cli, await usage!, logs.unreadable);
    for (const log of logs.large) await reportLargeLog(ctx, connection, cli, log);
    const rootIsLow = space !== undefined || inodes !== undefined;
    for (const failure of failures) reportNoSpace(ctx, cli, failure, root, rootIsLow);
  },
});

/** /system/df within the time left, or why it is missing; it never takes the check past its timeout. */
async function usageWithin(ctx: CheckContext, cli: EngineCli, budgetMs: number): Promise<UsageAnswer> {
  const seconds = Math.max(0, Math.round(budgetMs / 100) / 10);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<UsageAnswer>((resolve) => {
    timer = setTimeout(
      () => resolve({ missing: `${engineCommand(cli, 'system df')} did not answer within ${seconds} s` }),
      Math.max(0, budgetMs),
    );
  });
  const answer = ctx.facts.systemDf().then(
    (usage): UsageAnswer => ({ usage }),
    (error: Error): UsageAnswer => ({ missing: error.message }),
  );
  try {
    return await Promise.race([answer, late]);
  } finally {
    clearTimeout(timer);
  }
}

function reportNotMeasured(ctx: CheckContext, root: Extract<RootReading, { measured: false }>): void {
  ctx.report({
    cause: 'not-measured',
    title: `The free space of the engine's root directory is not measured: ${root.why}`,
    subject: root.root ? { kind: 'file', name: root.root } : { kind: 'daemon', name: root.elsewhere ?? 'engine' },
    fixes: [],
    evidence: { ...(root.root ? { root: root.root } : {}), reason: root.why },
  });
}

async function reportLowRoot(
  ctx: CheckContext,
  root: Extract<RootReading, { measured: true }>,
  cli: EngineCli,
  usage: UsageAnswer,
  logsUnreadable: string | undefined,
): Promise<void> {
  const { space } = root;
  const verdict = judgeSpace(space);
  const inodes = judgeInodes(space);
  const fixes = pruneFixes(usage, cli);
  const reclaim = 'usage' in usage ? reclaimableWithoutVolumes(usage.usage) : undefined;
  const evidence = {
    root: root.root,
    totalBytes: space.totalBytes,
    availableBytes: space.availableBytes,
    usedPercent: percentUsed(space),
    ...('usage' in usage ? { usage: breakdown(usage.usage) } : { usageUnavailable: usage.missing }),
    ...(logsUnreadable ? { logs: `container log sizes are not included: ${logsUnreadable}` } : {}),
  };
  const after = 'usage' in usage ? `; prunes can give back ${formatBytes(reclaim ?? 0)}` : ` (${usage.missing}, so no breakdown)`;
  if (verdict) {
    ctx.report({
      cause: 'low-space',
      severity: verdict.severity,
      title: prose`
        The Docker root ${root.root} has ${formatBytes(space.availableBytes)} free of ${formatBytes(space.totalBytes)}
        (${percentUsed(space)} % used)${after}
      `,
      subject: { kind: 'file', name: root.root },
      fixes,
      evidence: { ...evidence, thresholdBytes: Math.round(verdict.threshold) },
    });
  }
  if (inodes) {
    const free = `${space.freeInodes.toLocaleString('en-US')} of ${space.totalInodes.toLocaleString('en-US')} inodes free`;
    ctx.report({
      cause: 'low-inodes',
      severity: inodes.severity,
      title: prose`
        The Docker root ${root.root} is running out of inodes: ${free} (${(inodes.share * 100).toFixed(1)} %), so writes fail although
        space may be left
      `,
      subject: { kind: 'file', name: root.root },
      fixes: [{ title: 'See the inodes in use', command: `df -i ${root.root}` }, ...fixes],
      evidence: { ...evidence, totalInodes: space.totalInodes, freeInodes: space.freeInodes },
    });
  }
}

async function reportLargeLog(ctx: CheckContext, connection: DockerConnection, cli: EngineCli, log: LargeLog): Promise<void> {
  const { inspect } = log;
  const name = containerName(inspect);
  const running = inspect.State.Running || inspect.State.Restarting;
  const limit = cli.podman ? 'no size limit below that' : 'no max-size';
  const { fixes, location } = await logLimitFixes(ctx.facts, connection, cli, inspect);
  ctx.report({
    cause: 'unbounded-log',
    severity: running ? 'warning' : 'info',
    title: running
      ? `Container ${name}'s log is ${formatBytes(log.size)} and grows without a limit (${log.driver}, ${limit})`
      : `Container ${name} (${inspect.State.Status}) keeps a ${formatBytes(log.size)} log with ${limit}; removing the container deletes it`,
    subject: containerSubject(inspect),
    ...(location ? { location } : {}),
    fixes,
    evidence: {
      logPath: log.path,
      bytes: log.size,
      thresholdBytes: LOG_SIZE_THRESHOLD,
      driver: log.driver,
      logConfig: inspect.HostConfig.LogConfig ?? null,
    },
  });
}

function reportNoSpace(ctx: CheckContext, cli: EngineCli, failure: NoSpaceFailure, root: RootReading, rootIsLow: boolean): void {
  const { inspect, line } = failure;
  const name = containerName(inspect);
  const said = `Container ${name} failed with "no space left on device" (its ${failure.where}: ${line})`;
  if (failure.sharedMemory) {
    ctx.report({
      cause: 'no-space-error',
      severity: 'warning',
      title: `${said}: its /dev/shm (64 MiB unless set) is full`,
      subject: containerSubject(inspect),
      fixes: [
        { title: 'Give the container more shared memory in its compose service', command: 'shm_size: "1gb"' },
        { title: 'Or with docker run', command: '--shm-size=1g' },
      ],
      evidence: { where: failure.where, line },
    });
    return;
  }
  const start: Fix = { title: `Start it again once there is room`, command: engineCommand(cli, `start ${name}`) };
  const { severity, note, fixes } = noSpaceAdvice(cli, root, rootIsLow, inspect);
  ctx.report({
    cause: 'no-space-error',
    severity,
    title: `${said}${note}`,
    subject: containerSubject(inspect),
    fixes: [...fixes, start],
    evidence: { where: failure.where, line, ...(root.measured ? { rootAvailableBytes: root.space.availableBytes } : {}) },
  });
}

/** How sure the finding is, given what the root looks like now, and where to look. */
function noSpaceAdvice(
  cli: EngineCli,
  root: RootReading,
  rootIsLow: boolean,
  inspect: NoSpaceFailure['inspect'],
): { severity: Severity; note: string; fixes: Fix[] } {
  if (rootIsLow) return { severity: 'error', note: '; the Docker root is short of space (see above)', fixes: [] };
  const sources = (inspect.Mounts ?? []).filter((m) => m.Type === 'bind' && m.Source).map((m) => m.Source);
  const mounts: Fix[] =
    sources.length > 0 ? [{ title: 'Check the file systems of its bind mounts', command: `df -h ${sources.join(' ')}` }] : [];
  const look: Fix = { title: 'See what takes the space on the engine', command: engineCommand(cli, 'system df') };
  if (!root.measured) return { severity: 'warning', note: '', fixes: [look, ...mounts] };
  const free = formatBytes(root.space.availableBytes);
  const now = `; the Docker root has ${free} free now, so space was freed since or the write went to another file system`;
  return { severity: 'warning', note: now, fixes: [...mounts, look] };
}
