import type { CheckContext, FindingInput, Severity } from '../../src/engine/types.js';
import type { SourceLocation } from '../../src/facts/project/compose.js';
import { locationOf } from './project-source.js';
import { SEVERITIES } from '../../src/engine/types.js';

/**
 * Findings of one cause past this many are summarised in one more: enough to act on, and a file of thousands of
 * services (a 10,000-service depends_on cycle) stays a short report instead of megabytes of fixes that say the same.
 */
export const MAX_FINDINGS_PER_CAUSE = 20;

/** How many names a title lists before "and N more". */
const MAX_NAMED = 6;

const FIX_EACH = { title: 'Fix each the way the findings above show, then run docker-doctor again to see them one by one' };

/** A finding not built yet: the summary needs only its subject, place and severity. */
export interface PendingFinding {
  /** The service the finding is about (its subject). */
  name: string;
  /** What the summary lists for it, when not its subject. */
  listed?: string;
  at: SourceLocation;
  severity: Severity;
  build(): Promise<FindingInput>;
}

/** "a", "a and b", "a, b and c", "a, b, c, d, e, f and 3 more". */
export function listNames(names: readonly string[], max = MAX_NAMED): string {
  if (names.length > max) return `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
  return names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names.at(-1)}` : (names[0] ?? '');
}

/**
 * Reports the pending findings in order, at most MAX_FINDINGS_PER_CAUSE of them: past that, the first ones and one
 * finding naming the rest (`summary` words what they share).
 */
export async function reportCapped(
  ctx: CheckContext,
  cause: string,
  pending: readonly PendingFinding[],
  summary: (count: number, names: string) => string,
): Promise<void> {
  const shown = pending.length > MAX_FINDINGS_PER_CAUSE ? pending.slice(0, MAX_FINDINGS_PER_CAUSE - 1) : pending;
  for (const finding of shown) ctx.report(await finding.build());
  const rest = pending.slice(shown.length);
  if (rest.length === 0) return;
  const first = rest[0]!;
  const names = rest.map((r) => r.listed ?? r.name);
  ctx.report({
    cause,
    severity: SEVERITIES.find((s) => rest.some((r) => r.severity === s))!,
    title: `${summary(rest.length, listNames(names))} (first at ${first.at.file}:${first.at.line})`,
    subject: { kind: 'service', name: first.name },
    location: locationOf(first.at),
    fixes: [FIX_EACH],
    evidence: { services: names.slice(0, 100), count: rest.length },
  });
}

/**
 * A check context whose reports are held by cause, for a check that reports as it goes: `flush()` reports the first
 * MAX_FINDINGS_PER_CAUSE − 1 of each cause as they were, and one finding naming the subjects of the rest. A compose
 * file of 10,000 database services gets twenty findings that say what to do, not 19 MB of the same advice.
 */
export function cappedReports(ctx: CheckContext): { ctx: CheckContext; flush(): void } {
  const held = new Map<string, FindingInput[]>();
  const capped: CheckContext = {
    ...ctx,
    report(input: FindingInput) {
      const list = held.get(input.cause) ?? [];
      list.push(input);
      held.set(input.cause, list);
    },
  };
  return {
    ctx: capped,
    flush() {
      for (const [cause, findings] of held) {
        const shown = findings.length > MAX_FINDINGS_PER_CAUSE ? findings.slice(0, MAX_FINDINGS_PER_CAUSE - 1) : findings;
        for (const finding of shown) ctx.report(finding);
        const rest = findings.slice(shown.length);
        if (rest.length > 0) ctx.report(summaryOf(cause, rest));
      }
    },
  };
}

function summaryOf(cause: string, rest: FindingInput[]): FindingInput {
  const names = rest.map((f) => f.subject.name);
  const severities = rest.map((f) => f.severity).filter((s): s is Severity => s !== undefined);
  // Explicit only when every held finding had one; otherwise the code's own severity, as theirs was.
  const severity = severities.length === rest.length ? SEVERITIES.find((s) => severities.includes(s)) : undefined;
  const first = rest[0]!;
  return {
    cause,
    ...(severity ? { severity } : {}),
    title: `${rest.length} more with the same finding as those above: ${listNames(names)}`,
    subject: first.subject,
    ...(first.location ? { location: first.location } : {}),
    fixes: [FIX_EACH],
    evidence: { subjects: names.slice(0, 100), count: rest.length },
  };
}
