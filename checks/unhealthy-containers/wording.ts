import { prose } from '../../src/util/text.js';
import type { Fix, FindingInput, Subject } from '../../src/engine/types.js';
import type { ContainerInspect } from '../../src/facts/docker/types.js';
import { engineCommand, type EngineCli } from '../shared/engine-cli.js';
import { containerName, formatDuration } from '../shared/containers.js';
import { targetsOf, type Probe } from './probe.js';
import { healthTimings, type Cause } from './runtime.js';
import { probeInContainer, replaceTestFixes, type HealthSource } from './source.js';

/** What a runtime finding needs beyond its cause: who, what it runs, where that is written, how to type the fix. */
export interface Wording {
  inspect: ContainerInspect;
  subject: Subject;
  probe: Probe;
  source: HealthSource;
  cli: EngineCli;
  compose: string;
  /** 'unhealthy', or 'starting' for a check still failing past its start period. */
  status: string;
}

/** ` (compose.yaml:12)` after a title when the test is written in the project. */
const atSource = (source: HealthSource) => (source.kind === 'run' ? '' : ` (${source.location.file}:${source.location.line})`);

const quoted = (text: string) => `"${text.length > 80 ? `${text.slice(0, 77)}…` : text}"`;

/** The finding for one diagnosed container. */
export function runtimeFinding(cause: Cause, w: Wording): FindingInput {
  const name = containerName(w.inspect);
  const where = w.source.kind === 'run' ? '' : ` (${w.source.location.file}:${w.source.location.line})`;
  const state = w.status === 'unhealthy' ? 'is unhealthy' : 'is still starting, its health check failing past the start period';
  const worded = wordCause(cause, w);
  return {
    cause: cause.cause,
    title: `Container ${name} ${state}: ${worded.why}${where}`,
    subject: w.subject,
    ...(w.status !== 'unhealthy' ? { severity: 'warning' as const } : {}),
    ...(w.source.kind !== 'run' ? { location: w.source.location } : {}),
    fixes: worded.fixes,
    evidence: {
      health: w.status,
      failingStreak: w.inspect.State.Health?.FailingStreak ?? 0,
      test: w.probe.text,
      form: w.probe.form,
      ...('service' in w.source && w.source.service ? { service: w.source.service } : {}),
      ...evidenceOf(cause),
    },
  };
}

function evidenceOf(cause: Cause): Record<string, unknown> {
  const { cause: _code, ...rest } = cause;
  return rest;
}

function wordCause(cause: Cause, w: Wording): { why: string; fixes: Fix[] } {
  switch (cause.cause) {
    case 'exec-form-spaces': {
      const words = cause.line.split(/\s+/);
      const probe = /[|&;<>$]/.test(cause.line) ? { shell: cause.line } : { exec: words };
      return {
        why: `its exec-form health check runs ${quoted(cause.line)} as one program name, spaces included`,
        fixes: replaceTestFixes(w.source, probe, 'Give each argument its own item', w.compose),
      };
    }
    case 'needs-shell':
      return {
        why: `its exec-form health check passes "${cause.token}" to ${w.probe.words[0]} as an argument, since no shell runs it`,
        fixes: replaceTestFixes(w.source, { shell: w.probe.text }, 'Run the line with a shell (CMD-SHELL)', w.compose),
      };
    case 'tool-missing':
      return toolMissing(cause, w);
    case 'timeout':
      return timeout(cause.timeoutMs, w);
    case 'wrong-port':
      return wrongPort(cause, w);
    case 'failing':
      return failing(cause, w);
  }
}

function toolMissing(cause: Extract<Cause, { cause: 'tool-missing' }>, w: Wording): { why: string; fixes: Fix[] } {
  const why = `its health check runs ${cause.tool}, which the image does not have`;
  if (cause.alternative) {
    // A URL with a variable needs the shell to expand it: exec form would send "${PORT}" as it is.
    const exec = cause.alternative.exec;
    const probe = exec.some((word) => word.includes('$')) ? { shell: exec.join(' ') } : { exec };
    const fixes = replaceTestFixes(w.source, probe, `Probe with ${cause.alternative.tool}, which the image has`, w.compose);
    return { why: `${why} (it has ${cause.alternative.tool})`, fixes };
  }
  return {
    why,
    fixes: [
      {
        title: prose`
          Install ${cause.tool} in the image (a RUN line in its Dockerfile), or probe with a program the image has: the app's own health
          command or its language runtime
        `,
      },
    ],
  };
}

function timeout(timeoutMs: number, w: Wording): { why: string; fixes: Fix[] } {
  const url = targetsOf(w.probe).targets.find((t) => t.url)?.url;
  const longer = `${Math.max(10, Math.ceil((timeoutMs * 2) / 1000))}s`;
  const snippet =
    w.source.kind === 'compose'
      ? `timeout: ${longer}`
      : w.source.kind === 'dockerfile'
        ? `HEALTHCHECK --timeout=${longer} …`
        : `--health-timeout ${longer}`;
  return {
    why: `its probes run past their ${formatDuration(timeoutMs)} timeout${url ? ` (${url})` : ''}`,
    fixes: [
      {
        title: 'See how long the probe takes inside the container',
        command: engineCommand(w.cli, probeInContainer(containerName(w.inspect), w.probe)),
      },
      {
        title: `If the endpoint is only slow, give the probe more time${atSource(w.source)}`,
        command: snippet,
      },
    ],
  };
}

function wrongPort(cause: Extract<Cause, { cause: 'wrong-port' }>, w: Wording): { why: string; fixes: Fix[] } {
  const ports = cause.missing.map((t) => t.port).join(', ');
  if (cause.boundElsewhere) return boundElsewhere(cause.boundElsewhere);
  const listening =
    cause.listening.length > 0 ? `the app listens on ${cause.listening.join(', ')}` : 'nothing in it listens on any TCP port';
  const why = `its health check probes port ${ports}, where nothing listens inside the container; ${listening}`;
  if (!cause.fixed)
    return {
      why,
      fixes: [
        {
          title: `Probe the port the app listens on inside the container (${cause.listening.join(', ') || 'none yet'}), not a host port`,
        },
      ],
    };
  const probe =
    w.probe.form === 'exec' && !w.probe.words.some((x) => /\s/.test(x)) ? { exec: cause.fixed.split(' ') } : { shell: cause.fixed };
  return { why, fixes: replaceTestFixes(w.source, probe, `Probe port ${cause.listening[0]}, where the app listens`, w.compose) };
}

function boundElsewhere(bound: { port: number; address: string }[]): { why: string; fixes: Fix[] } {
  const at = bound.map((b) => `${b.port} only at ${b.address}`).join(', ');
  return {
    why: `its health check probes localhost, but the app listens on ${at}, which localhost does not reach`,
    fixes: [{ title: `Make the app listen on 0.0.0.0 (every address of the container), not only on ${bound[0]!.address}` }],
  };
}

function failing(cause: Extract<Cause, { cause: 'failing' }>, w: Wording): { why: string; fixes: Fix[] } {
  const streak = w.inspect.State.Health?.FailingStreak ?? 0;
  const said = cause.output ? `: ${cause.output}` : '';
  const name = containerName(w.inspect);
  return {
    why: `its health check failed ${streak} time${streak === 1 ? '' : 's'} in a row (exit ${cause.exitCode}${said})`,
    fixes: [
      {
        title: 'Read the last probes (output and exit code of each)',
        command: engineCommand(w.cli, `inspect --format '{{json .State.Health}}' ${name}`),
      },
      {
        title: 'Run the probe by hand inside the container to see what it sees',
        command: engineCommand(w.cli, probeInContainer(name, w.probe)),
      },
    ],
  };
}

/** Info for a healthy container that was unhealthy while it started: a longer start period, written where the check is. */
export function slowStartFinding(w: Wording, tookMs: number): FindingInput {
  const { startPeriodMs } = healthTimings(w.inspect.Config.Healthcheck);
  const longer = `${Math.ceil((tookMs * 1.5) / 10_000) * 10}s`;
  const where = w.source.kind === 'run' ? '' : ` (${w.source.location.file}:${w.source.location.line})`;
  const periodNow = startPeriodMs > 0 ? `its start period is ${formatDuration(startPeriodMs)}` : 'it has no start period';
  const snippet =
    w.source.kind === 'compose'
      ? `start_period: ${longer}`
      : w.source.kind === 'dockerfile'
        ? `HEALTHCHECK --start-period=${longer} …`
        : `--health-start-period ${longer}`;
  return {
    cause: 'slow-start',
    title: prose`
      Container ${containerName(w.inspect)} was unhealthy for a while after it started, then became healthy: it took
      ${formatDuration(tookMs)} to pass, ${periodNow}${where}
    `,
    subject: w.subject,
    ...(w.source.kind !== 'run' ? { location: w.source.location } : {}),
    fixes: [
      {
        title: `Give the app a start period that covers its start${where ? ` in the healthcheck at${where.slice(1, -1)}` : ''}`,
        command: snippet,
      },
    ],
    evidence: { tookMs, startPeriodMs, test: w.probe.text },
  };
}
