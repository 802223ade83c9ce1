import { statSync } from 'node:fs';
import path from 'node:path';
import { applyFixes } from '../engine/apply-fixes.js';
import { diagnose } from '../engine/diagnose.js';
import { exitCodeFor, type FailOn } from '../engine/report.js';
import type { Check } from '../engine/types.js';
import { realClients } from '../facts/clients.js';
import { colorEnabled, palette } from '../render/colors.js';
import { renderHuman } from '../render/human.js';
import { renderJson } from '../render/json.js';
import { FactTimings, renderTimings, timingRows } from '../render/timings.js';

/**
 * The diagnose command without oclif: what `docker-doctor [CHECK...]` does once its flags are parsed. Both entry paths
 * use it: the oclif command (src/commands/doctor.ts) and the lean path that skips oclif (src/lean-cli.ts).
 */

/** The doctor's flags as parsed, by oclif or by the lean parser: one shape for both. */
export interface DoctorFlags {
  json?: boolean;
  project?: string;
  host?: string;
  context?: string;
  'fail-on': string;
  verbose?: boolean;
  timeout: string;
  probe?: boolean;
  'probe-name'?: string;
  'probe-dns'?: string[];
  'context-max-mb': number;
  'context-max-files': number;
  fix?: boolean;
  'no-color'?: boolean;
}

/** A usage error (exit 2) found after parsing; the message is what the user reads. */
export class UsageError extends Error {}

export interface RunSettings {
  projectDir: string;
  timeoutMs: number;
}

/** The checks on the flags that the parser cannot make, in the order the user meets them. */
export function checkFlags(flags: DoctorFlags): RunSettings {
  if (flags.host && flags.context) throw new UsageError('conflicting options: either specify --host or --context, not both');
  const timeoutSeconds = Number(flags.timeout);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds < 0.1 || timeoutSeconds > 3600) {
    throw new UsageError(`--timeout must be a number of seconds from 0.1 to 3600, not "${flags.timeout}"`);
  }
  const projectDir = path.resolve(flags.project ?? process.cwd());
  if (!statSync(projectDir, { throwIfNoEntry: false })?.isDirectory())
    throw new UsageError(`-C/--project: ${projectDir} is not a directory`);
  return { projectDir, timeoutMs: Math.round(timeoutSeconds * 1000) };
}

/** Runs the selected checks, prints the report on stdout (and --fix's lines on stderr), and sets the exit code. */
export async function runDoctor(checks: readonly Check[], flags: DoctorFlags, settings: RunSettings & { version: string }): Promise<void> {
  const controller = new AbortController();
  const stopInterrupts = onInterrupt(controller);
  const useProgress = !flags.json && process.stdout.isTTY === true && process.stderr.isTTY === true;
  const progress = useProgress ? (await import('../render/progress.js')).startProgress(checks, process.stderr) : undefined;
  const timingLimit = timingRows(process.env.DOCKER_DOCTOR_TIMING);
  const timings = timingLimit > 0 ? new FactTimings() : undefined;

  const report = await diagnose(
    checks,
    realClients(),
    {
      version: settings.version,
      hostFlag: flags.host,
      contextFlag: flags.context,
      projectDir: settings.projectDir,
      cwd: process.cwd(),
      timeoutMs: settings.timeoutMs,
      probe: flags.probe === true,
      probeName: flags['probe-name'],
      probeDns: flags['probe-dns'],
      contextMaxBytes: flags['context-max-mb'] * 1024 * 1024,
      contextMaxFiles: flags['context-max-files'],
      verbose: flags.verbose === true,
      signal: controller.signal,
      observer: timings,
    },
    progress?.events,
  );
  await progress?.finished;
  stopInterrupts();

  if (flags.fix) for (const line of applyFixes(report)) console.error(line);
  if (flags.json) {
    process.stdout.write(renderJson(report));
  } else {
    const colors = palette(
      colorEnabled({ noColorFlag: flags['no-color'] === true, env: process.env, isTTY: process.stdout.isTTY === true }),
    );
    process.stdout.write(renderHuman(report, { verbose: flags.verbose === true, colors }));
  }
  // After the report and on stderr, as ESLint's TIMING=1 does, so --json output stays one document.
  if (timings) process.stderr.write(renderTimings(report, timings, timingLimit));
  process.exitCode = exitCodeFor(report, flags['fail-on'] as FailOn);
}

const INTERRUPTS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
/** Time allowed after an interrupt for probe containers to be removed before the process gives up and exits. */
const CLEANUP_GRACE_MS = 15_000;

/**
 * Ctrl-C, a kill or a closed terminal abort the run, so probe containers are removed before exiting; a second
 * signal does not cut that cleanup short (it would leave containers behind), but a hung cleanup cannot keep the
 * process alive past the grace period.
 */
function onInterrupt(controller: AbortController): () => void {
  let received = 0;
  const handler = (signal: NodeJS.Signals) => {
    received++;
    if (received === 1) {
      controller.abort(new Error(`interrupted (${signal})`));
      setTimeout(() => process.exit(130), CLEANUP_GRACE_MS).unref();
    } else {
      process.stderr.write('docker-doctor: removing probe containers before exiting…\n');
    }
  };
  for (const signal of INTERRUPTS) process.on(signal, handler);
  return () => {
    for (const signal of INTERRUPTS) process.removeListener(signal, handler);
  };
}
