import type { Report } from '../engine/report.js';
import type { FactObserver } from '../facts/index.js';

/**
 * DOCKER_DOCTOR_TIMING, after ESLint's TIMING: any value turns it on and lists the 10 slowest checks and facts,
 * `all` lists every one, a number above 10 lists that many. 0 when unset.
 */
export function timingRows(value: string | undefined): number {
  if (!value) return 0;
  if (value.toLowerCase() === 'all') return Number.POSITIVE_INFINITY;
  const rows = Number.parseInt(value, 10);
  return rows > 10 ? rows : 10;
}

export interface FactTiming {
  key: string;
  ms: number;
  ok: boolean;
  /** performance.now() when it settled, so facts fetched together can be measured as one span. */
  settledAt: number;
}

/** Collects when each fact settled (the facts' observer). */
export class FactTimings implements FactObserver {
  readonly facts: FactTiming[] = [];

  settled(key: string, ms: number, ok: boolean): void {
    this.facts.push({ key, ms, ok, settledAt: performance.now() });
  }
}

export interface FactGroup {
  /** The fact's name: its key up to the first colon (`docker.inspect` for every `docker.inspect:<id>`). */
  name: string;
  keys: number;
  failed: number;
  /** From the first request to the last settlement: keys fetched concurrently overlap, so this is not their sum. */
  ms: number;
}

/** One row per fact name, slowest first. */
export function groupFacts(facts: readonly FactTiming[]): FactGroup[] {
  const groups = new Map<string, { keys: number; failed: number; start: number; end: number }>();
  for (const fact of facts) {
    const name = fact.key.split(':', 1)[0]!;
    const group = groups.get(name) ?? { keys: 0, failed: 0, start: Number.POSITIVE_INFINITY, end: Number.NEGATIVE_INFINITY };
    group.keys++;
    if (!fact.ok) group.failed++;
    group.start = Math.min(group.start, fact.settledAt - fact.ms);
    group.end = Math.max(group.end, fact.settledAt);
    groups.set(name, group);
  }
  return [...groups]
    .map(([name, g]) => ({ name, keys: g.keys, failed: g.failed, ms: g.end - g.start }))
    .sort((a, b) => b.ms - a.ms || a.name.localeCompare(b.name));
}

/** The slowest checks and facts as two tables, each time with its share of the whole run. */
export function renderTimings(report: Report, timings: FactTimings, rows: number): string {
  const total = Math.max(report.durationMs, 1);
  const share = (ms: number) => `${((100 * ms) / total).toFixed(1)}%`;
  const checks = [...report.checks].sort((a, b) => b.durationMs - a.durationMs || a.id.localeCompare(b.id)).slice(0, rows);
  const facts = groupFacts(timings.facts).slice(0, rows);
  return [
    `Timing (DOCKER_DOCTOR_TIMING): the run took ${Math.round(report.durationMs)} ms; share is of that.`,
    '',
    ...table(
      ['Check', 'Time (ms)', 'Share'],
      checks.map((c) => [c.id, c.durationMs.toFixed(0), share(c.durationMs)]),
    ),
    '',
    ...table(
      ['Fact', 'Keys', 'Time (ms)', 'Share'],
      facts.map((f) => [f.name + (f.failed ? ` (${f.failed} failed)` : ''), String(f.keys), f.ms.toFixed(1), share(f.ms)]),
    ),
    '',
    'A fact with several keys (one per container, image, file…) counts from its first request to its last answer.',
    '',
  ].join('\n');
}

/** A Markdown table as ESLint prints its timings: the first column left-aligned, the others right-aligned. */
function table(headers: string[], rows: string[][]): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ');
  // Under each ` | ` separator a `|`, with the alignment colons in the spaces beside it.
  const last = widths.length - 1;
  const rule = widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w)}` : `${'-'.repeat(i === last ? w : w + 1)}:`)).join('|');
  return [line(headers), rule, ...rows.map(line)];
}
