import type { CheckContext, FindingInput, Severity } from '../../src/engine/types.js';
import { SEVERITIES } from '../../src/engine/types.js';

/** Findings of one cause past this many are summarised in one more (as startup-order does for its own). */
const MAX_PER_CAUSE = 20;

/**
 * A check context whose reports are held by cause: `flush()` reports the first MAX_PER_CAUSE − 1 of each cause as they
 * were, and one finding naming the subjects of the rest. A compose file of 10,000 database services gets twenty
 * findings that say what to do, not 19 MB of the same advice.
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
        const shown = findings.length > MAX_PER_CAUSE ? findings.slice(0, MAX_PER_CAUSE - 1) : findings;
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
  const severity = severities.length === rest.length ? SEVERITIES.find((s) => severities.includes(s)) : undefined;
  const shown =
    names.length > 6
      ? `${names.slice(0, 6).join(', ')} and ${names.length - 6} more`
      : names.length > 1
        ? `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`
        : names.join('');
  const first = rest[0]!;
  return {
    cause,
    ...(severity ? { severity } : {}),
    title: `${rest.length} more with the same finding as those above: ${shown}`,
    subject: first.subject,
    ...(first.location ? { location: first.location } : {}),
    fixes: [{ title: 'Fix each the way the findings above show, then run docker-doctor again to see them one by one' }],
    evidence: { subjects: names.slice(0, 100), count: rest.length },
  };
}
