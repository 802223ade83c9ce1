import path from 'node:path';
import { redactText } from '../../src/engine/redact.js';
import type { ContainerInspect, HealthConfig, HealthProbe } from '../../src/facts/docker/types.js';
import type { Facts } from '../../src/facts/types.js';
import { readsOwnNetwork } from '../shared/own-network.js';
import { isCommandLineInOneWord, shellSyntaxIn, targetsOf, type Probe, type ProbeTarget } from './probe.js';

/** Docker's defaults for a health check field left at 0. */
export const DEFAULT_INTERVAL_MS = 30_000;
export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_RETRIES = 3;

/** The PATH a container gets when its image sets none (Docker's and Podman's default). */
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** What the runtime diagnosis found, before it is worded against the container and the line that sets its test. */
export type Cause =
  | { cause: 'exec-form-spaces'; line: string }
  | { cause: 'needs-shell'; token: string }
  | { cause: 'tool-missing'; tool: string; searched: string[]; alternative?: { exec: string[]; tool: string } }
  | { cause: 'timeout'; timeoutMs: number }
  | {
      cause: 'wrong-port';
      missing: ProbeTarget[];
      listening: number[];
      fixed?: string;
      /** The probed port is listened on, but only at an address the probe's localhost does not reach (eth0's). */
      boundElsewhere?: { port: number; address: string }[];
    }
  | { cause: 'failing'; exitCode: number; output: string };

export const nanosToMs = (ns: number | undefined) => (ns ? ns / 1e6 : 0);

export function healthTimings(config: HealthConfig | null | undefined) {
  return {
    intervalMs: nanosToMs(config?.Interval) || DEFAULT_INTERVAL_MS,
    timeoutMs: nanosToMs(config?.Timeout) || DEFAULT_TIMEOUT_MS,
    startPeriodMs: nanosToMs(config?.StartPeriod),
    retries: config?.Retries || DEFAULT_RETRIES,
  };
}

/** The first line of a probe's output, redacted and cut short: enough to recognise, never a page of it. */
export function shortOutput(output: string): string {
  const line = output.split('\n').find((l) => l.trim()) ?? '';
  const redacted = redactText(line.trim());
  return redacted.length > 160 ? `${redacted.slice(0, 157)}…` : redacted;
}

/** Why a failing check fails, the most specific cause first; the log's last failure is what the probe saw. */
export async function diagnoseProbe(facts: Facts, inspect: ContainerInspect, probe: Probe, local: boolean): Promise<Cause> {
  if (isCommandLineInOneWord(probe)) return { cause: 'exec-form-spaces', line: probe.words[0]!.trim() };
  const token = shellSyntaxIn(probe);
  if (token) return { cause: 'needs-shell', token };
  const failure = lastFailure(inspect.State.Health?.Log);
  const output = failure?.Output ?? '';
  const missing = await missingTool(facts, inspect, output);
  if (missing) return { cause: 'tool-missing', ...missing, ...(await alternativeTool(facts, inspect, probe, missing.tool)) };
  if (/exceeded timeout|timed out/i.test(output) && failure!.ExitCode !== 0)
    return { cause: 'timeout', timeoutMs: healthTimings(inspect.Config.Healthcheck).timeoutMs };
  const port = local ? await wrongPort(facts, inspect, probe) : undefined;
  if (port) return port;
  return { cause: 'failing', exitCode: failure?.ExitCode ?? -1, output: shortOutput(output) };
}

/**
 * The engine keeps the first 4096 bytes of a probe's output, marked "..." when cut, and the last five probes (moby
 * daemon/health.go: maxOutputLen, limitedBuffer, maxLogEntries; Podman keeps less). A longer answer comes from a faulty
 * engine: reading only what a real one keeps holds every regex here to a few kilobytes, since a CPU-bound regex on the
 * main thread is out of reach of --timeout and of SIGTERM.
 */
export const MAX_PROBE_OUTPUT = 4096;
export const MAX_PROBES = 5;

/** The inspect answer with its health log cut to what a real engine keeps (the same object when already within it). */
export function boundedHealth(inspect: ContainerInspect): ContainerInspect {
  const log = inspect.State.Health?.Log;
  if (!Array.isArray(log)) return inspect;
  const long = (p: HealthProbe) => typeof p.Output === 'string' && p.Output.length > MAX_PROBE_OUTPUT + '...'.length;
  if (log.length <= MAX_PROBES && !log.some(long)) return inspect;
  const kept = log.slice(-MAX_PROBES).map((p) => (long(p) ? { ...p, Output: `${p.Output.slice(0, MAX_PROBE_OUTPUT)}...` } : p));
  return { ...inspect, State: { ...inspect.State, Health: { ...inspect.State.Health!, Log: kept } } };
}

export function lastFailure(log: HealthProbe[] | null | undefined): HealthProbe | undefined {
  return (log ?? []).filter((p) => p.ExitCode !== 0).at(-1);
}

/** The program a "not found" names, from a shell (`sh: curl: not found`, `curl: command not found`) or the runtime's exec. */
export function notFoundProgram(output: string): string | undefined {
  return (
    /exec: "([^"]+)": executable file not found/.exec(output)?.[1] ??
    /executable file [`'"]([^`'"]+)[`'"] not found/.exec(output)?.[1] ??
    // The lookbehind starts a name only where a run of name characters starts: without it each position inside a long
    // run is a new start that scans the rest of the run, quadratic in the run's length.
    /(?<![\w./+-])([\w./+-]+): (?:command )?not found[ \t\r]*$/m.exec(output)?.[1]
  );
}

/** Where the runtime looks for a program: the path as given, else each directory of the container's PATH. */
export function searchPath(inspect: ContainerInspect, program: string): string[] {
  if (program.includes('/')) return [path.posix.resolve(inspect.Config.WorkingDir || '/', program)];
  const envPath = (inspect.Config.Env ?? []).find((e) => e.startsWith('PATH='))?.slice('PATH='.length) || DEFAULT_PATH;
  return [...new Set(envPath.split(':').filter((dir) => dir.startsWith('/')))].map((dir) => path.posix.join(dir, program));
}

/** Whether a program is in the container: true, false, or undefined when the engine could not say. */
async function hasProgram(facts: Facts, inspect: ContainerInspect, program: string): Promise<boolean | undefined> {
  const answers = await Promise.all(
    searchPath(inspect, program).map((p) => facts.containerPathExists(inspect.Id, p).catch(() => undefined)),
  );
  if (answers.some((a) => a === true)) return true;
  return answers.every((a) => a === false) ? false : undefined;
}

/** The program the output says is missing, confirmed absent from the container's filesystem. */
async function missingTool(
  facts: Facts,
  inspect: ContainerInspect,
  output: string,
): Promise<{ tool: string; searched: string[] } | undefined> {
  const tool = notFoundProgram(output);
  if (!tool || (await hasProgram(facts, inspect, tool)) !== false) return undefined;
  return { tool, searched: searchPath(inspect, tool) };
}

/** An HTTP client the container does have, making the same request, when the probe requests a URL. */
async function alternativeTool(
  facts: Facts,
  inspect: ContainerInspect,
  probe: Probe,
  missing: string,
): Promise<{ alternative?: { exec: string[]; tool: string } }> {
  const url = targetsOf(probe).targets.find((t) => t.url)?.url;
  if (!url) return {};
  const clients: [string, string[]][] = [
    ['wget', ['wget', '-q', '--spider', url]],
    ['curl', ['curl', '-fsS', '-o', '/dev/null', url]],
  ];
  for (const [tool, exec] of clients) {
    if (tool === path.posix.basename(missing)) continue;
    if ((await hasProgram(facts, inspect, tool)) === true) return { alternative: { exec, tool } };
  }
  return {};
}

/** The probe's local ports nothing in the container listens on, beside the ports that are listened on. */
async function wrongPort(facts: Facts, inspect: ContainerInspect, probe: Probe): Promise<Cause | undefined> {
  const { targets, local } = targetsOf(probe);
  if (!local || inspect.State.Pid <= 0 || !inspect.State.Running) return undefined;
  if (!(await readsOwnNetwork(facts, inspect))) return undefined;
  const listeners = await facts.namespaceListeners(inspect.State.Pid).catch(() => null);
  if (!listeners) return undefined;
  const tcp = listeners.filter((l) => l.protocol === 'tcp');
  const missing = targets.filter((t) => !tcp.some((l) => l.port === t.port && reachesLocalhost(l.address)));
  if (missing.length === 0) return undefined;
  const listening = [...new Set(tcp.map((l) => l.port))].sort((a, b) => a - b);
  const boundElsewhere = missing.flatMap((t) => tcp.filter((l) => l.port === t.port).map((l) => ({ port: t.port, address: l.address })));
  if (boundElsewhere.length > 0) return { cause: 'wrong-port', missing, listening, boundElsewhere };
  const only = missing.length === 1 && listening.length === 1 ? listening[0] : undefined;
  const fixed = only !== undefined ? withPort(probe.text, missing[0]!, only) : undefined;
  return { cause: 'wrong-port', missing, listening, ...(fixed ? { fixed } : {}) };
}

/** A listening address a probe of localhost reaches: every address, or loopback. */
function reachesLocalhost(address: string): boolean {
  return ['', '0.0.0.0', '::', '::ffff:0.0.0.0', '::1'].includes(address) || /^(::ffff:)?127\./.test(address);
}

/** The probe line with its target's port replaced; undefined when the target cannot be rewritten safely. */
function withPort(text: string, target: ProbeTarget, port: number): string | undefined {
  if (target.url) {
    const url = target.url;
    const rewritten = /^(https?:\/\/(?:\[[^\]]+\]|[^/:\s'"]+))(?::\d+)?/.exec(url);
    return rewritten ? text.replace(url, `${rewritten[1]}:${port}${url.slice(rewritten[0].length)}`) : undefined;
  }
  const nc = new RegExp(`(\\bnc\\b.*\\s${target.host.replace(/[.[\]]/g, '\\$&')}\\s+)${target.port}\\b`);
  return nc.test(text) ? text.replace(nc, `$1${port}`) : undefined;
}
