import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cleanEnv, runCli, type CliOptions, type CliRun } from './cli.js';
import { tempDir } from './sockets.js';

/** The CLI's peak memory, and how long it ran as seen from outside (start-up included). */
export interface MeasuredRun extends CliRun {
  peakMiB: number;
  wallMs: number;
}

/**
 * Runs the built CLI with a preload that writes its peak resident set (process.resourceUsage().maxRSS, which counts
 * worker threads too) to a file at exit: the same figure on every host, with no /usr/bin/time needed.
 */
export async function runCliMeasured(args: string[], options: CliOptions = {}): Promise<MeasuredRun> {
  const dir = tempDir('dd-rss-');
  const preload = path.join(dir, 'record-rss.cjs');
  const out = path.join(dir, 'max-rss-kib');
  writeFileSync(
    preload,
    `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(out)}, String(process.resourceUsage().maxRSS)));\n`,
  );
  const env = options.env ?? cleanEnv();
  const started = performance.now();
  const run = await runCli(args, { ...options, env: { ...env, NODE_OPTIONS: `--require ${preload}` } });
  const wallMs = performance.now() - started;
  return { ...run, wallMs, peakMiB: Number(readFileSync(out, 'utf8')) / 1024 };
}

/** Issue 11: no hostile input may take the process past this. */
export const PEAK_MEMORY_BUDGET_MIB = 200;
