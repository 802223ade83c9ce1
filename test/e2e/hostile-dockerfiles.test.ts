import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PEAK_MEMORY_BUDGET_MIB, runCliMeasured } from '../helpers/peak-memory.js';
import { tempDir } from '../helpers/sockets.js';

/**
 * Issue 11: the build-context check's own work on hostile Dockerfiles stays linear, bounded in memory and inside
 * --timeout. Before, 20,000 `apt-get` RUNs took 91 s, 20,000 stages 55 s, 100,000 COPY lines 6.6 s and 274 MiB, and a
 * 16 MiB RUN ~390 MiB. The check reads no daemon state, so these run the CLI alone on a temporary project.
 */
const TIMEOUT_S = 10;
const NEAR_LIMIT = 16 * 1024 * 1024 - 4096;

/** Text of about `bytes` made of `unit` repeated, after a head. */
const fill = (head: string, unit: string, bytes = NEAR_LIMIT) => head + unit.repeat(Math.floor((bytes - head.length) / unit.length));

function project(dockerfile: string): string {
  const dir = tempDir('dd-hostile-dockerfile-');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'Dockerfile'), dockerfile);
  writeFileSync(path.join(dir, 'a'), 'a\n');
  return dir;
}

async function checkBuildContext(dir: string, timeoutS = TIMEOUT_S) {
  const args = ['build-context', '--json', '-C', dir, '--timeout', String(timeoutS), '--fail-on', 'never'];
  // Killed well before the test's own timeout: a run that hangs fails here and leaves no process spinning behind it.
  const run = await runCliMeasured(args, { timeoutMs: (timeoutS + 30) * 1000 });
  expect(run.exitCode, run.stderr).toBe(0);
  const check = run.report!.checks.find((c) => c.id === 'build-context')!;
  expect(check.status).not.toBe('crashed');
  expect(check.status).not.toBe('skipped');
  expect(run.wallMs).toBeLessThan((timeoutS + 3) * 1000);
  expect(run.peakMiB).toBeLessThan(PEAK_MEMORY_BUDGET_MIB);
  return check;
}

/** Review s6 F1: each variable twice the one before, 63 times over, as ENV or ARG: 2^64 characters if expanded. */
const doubling = (keyword: 'ENV' | 'ARG') =>
  `FROM scratch\n${keyword} X0=ab\n${Array.from({ length: 63 }, (_, i) => `${keyword} X${i + 1}=\${X${i}}\${X${i}}\n`).join('')}COPY \${X63} /x\n`;

const aptLines = (n: number) => `FROM debian\n${'RUN apt-get update && apt-get install -y x\n'.repeat(n)}`;

describe('hostile Dockerfiles: the build-context check stays linear, small and inside --timeout', () => {
  it.each<[string, () => string]>([
    ['5,000 apt-get RUNs', () => aptLines(5_000)],
    ['20,000 apt-get RUNs', () => aptLines(20_000)],
    ['20,000 named stages', () => Array.from({ length: 20_000 }, (_, i) => `FROM busybox AS s${i}\n`).join('')],
    ['100,000 COPY lines', () => `FROM busybox\n${'COPY a /a\n'.repeat(100_000)}`],
    ['100,000 distinct COPY sources', () => `FROM busybox\n${Array.from({ length: 100_000 }, (_, i) => `COPY f${i} /a\n`).join('')}`],
    ['a 16 MiB continued RUN', () => fill('FROM alpine\n', 'RUN true \\\n')],
    ['a 16 MiB heredoc RUN', () => `${fill('FROM alpine\nRUN <<EOF\n', 'echo x\n')}EOF\n`],
    // Review s6 F1 (597 MB, then "Invalid string length") and F2 ("Range out of order in character class").
    ['63 doublings of an ENV in a COPY source', () => doubling('ENV')],
    ['63 doublings of an ARG in a COPY source', () => doubling('ARG')],
    [
      'a 4 MiB ENV value copied 2,000,000 times through $X$X$X…',
      () => `FROM scratch\n${fill('ENV X=', 'x', 4 * 1024 * 1024)}\nCOPY ${'$X'.repeat(2_000_000)} /x\n`,
    ],
    ['a character class the builder refuses', () => 'FROM scratch\nCOPY [z-a] /w\nCOPY [abc /v\n'],
  ])('%s', async (_name, dockerfile) => {
    await checkBuildContext(project(dockerfile()));
  });

  // Review s6 F3: every `*` was `[^/]*` in one backtracking RegExp, and the run never ended (killed at 20 and 60 s).
  it.each([
    [20, 60],
    [30, 200],
  ])('a COPY wildcard of %i stars against a %i-character name answers inside a short --timeout', async (stars, length) => {
    const dir = project(`FROM scratch\nCOPY ${'*a'.repeat(stars)}*b /x\n`);
    writeFileSync(path.join(dir, 'a'.repeat(length)), '');
    const check = await checkBuildContext(dir, 3);
    // Nothing ends in b: the builder fails the line, and the check says so.
    expect(check.findings.map((f) => f.code)).toContain('build-context/copy-glob-empty');
  });

  it('still finds every apt list kept when it has the time', async () => {
    const check = await checkBuildContext(project(aptLines(5_000)));
    expect(check.findings.filter((f) => f.code === 'build-context/apt-lists-kept')).toHaveLength(5_000);
  });

  it('a short --timeout stops the layer-cache rules in time, with what they found', async () => {
    const check = await checkBuildContext(project(aptLines(20_000)), 1);
    const codes = new Set(check.findings.map((f) => f.code));
    // Either the rules finished (a fast machine) or they said they stopped; never a crash or a timeout.
    expect(codes.has('build-context/scan-incomplete') || check.findings.length === 20_000).toBe(true);
  });

  it('100,000 COPY sources against 1,000 ignore patterns stop inside a short --timeout, and say so', async () => {
    const dir = project(`FROM busybox\n${Array.from({ length: 100_000 }, (_, i) => `COPY src/f${i} /a\n`).join('')}`);
    writeFileSync(path.join(dir, '.dockerignore'), Array.from({ length: 1_000 }, (_, i) => `**/x${i}*y\n`).join(''));
    const run = await runCliMeasured(['build-context', '--json', '-C', dir, '--timeout', '3', '--fail-on', 'never'], {
      timeoutMs: 120_000,
    });
    expect(run.exitCode, run.stderr).toBe(0);
    const check = run.report!.checks.find((c) => c.id === 'build-context')!;
    expect(check.status).not.toBe('crashed');
    expect(run.wallMs).toBeLessThan(6_000);
    // Either the passes finished well inside the time (a fast machine) or a note says they stopped.
    const stopped = check.findings.some((f) => f.code === 'build-context/scan-incomplete');
    expect(stopped || check.durationMs < 2_500).toBe(true);
    // 10^8 pattern tests allocate nothing that lives: the peak is the parsed Dockerfile's.
    expect(run.peakMiB).toBeLessThan(PEAK_MEMORY_BUDGET_MIB);
  });
});
