import type { Facts } from '../facts/types.js';
import { FactUnavailable, SkipSignal } from './define-check.js';
import { redactFinding, redactText } from './redact.js';
import type { Check, CheckContext, CheckMeta, CheckResult, CheckStatus, Finding, FindingInput, RunOptions } from './types.js';

export interface RunnerEvents {
  onStart?(check: Check): void;
  onFinish?(check: Check, result: CheckResult): void;
}

export interface RunnerOptions extends RunOptions {
  concurrency?: number;
  /** Aborts every running check (Ctrl-C). */
  signal?: AbortSignal;
  now?: () => number;
}

export class CheckTimeout extends Error {}

/** Runs checks concurrently, each isolated: a throw or a hang becomes that check's `crashed` result, never the run's. */
export async function runChecks(
  checks: readonly Check[],
  facts: Facts,
  options: RunnerOptions,
  events: RunnerEvents = {},
): Promise<CheckResult[]> {
  const results: CheckResult[] = new Array(checks.length);
  const selected = checks.map((c) => c.meta);
  let next = 0;
  const worker = async () => {
    while (next < checks.length) {
      const index = next++;
      const check = checks[index]!;
      events.onStart?.(check);
      const result = await runOne(check, facts, options, selected);
      results[index] = result;
      events.onFinish?.(check, result);
    }
  };
  const concurrency = Math.max(1, Math.min(options.concurrency ?? 8, checks.length));
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
}

export function statusFromFindings(findings: readonly Finding[]): CheckStatus {
  if (findings.some((f) => f.severity === 'error')) return 'failed';
  if (findings.some((f) => f.severity === 'warning')) return 'warned';
  return 'passed';
}

async function runOne(check: Check, facts: Facts, options: RunnerOptions, selected: readonly CheckMeta[]): Promise<CheckResult> {
  const now = options.now ?? (() => performance.now());
  const started = now();
  const { meta } = check;
  const base = { id: meta.id, title: meta.title, category: meta.category };
  const findings: Finding[] = [];
  const controller = new AbortController();
  const onOuterAbort = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  let open = true;
  let timer: NodeJS.Timeout | undefined;
  const done = (status: CheckStatus, extra: Partial<CheckResult> = {}): CheckResult => {
    open = false;
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onOuterAbort);
    return { ...base, status, durationMs: Math.round(now() - started), ...extra, findings: status === 'skipped' ? [] : findings };
  };

  // A reason is often a fact's failure in the daemon's own words ("answered HTTP 500: …DB_PASSWORD=…"): it passes the
  // same filter as a finding before any renderer sees it.
  const skipped = (reason: string) => done('skipped', { skipReason: redactText(reason) });

  if (meta.platforms && !meta.platforms.includes(facts.platform())) return skipped(`applies to ${meta.platforms.join(', ')} only`);

  const ctx = checkContext(facts, options, meta.id, selected, controller.signal, (input) => {
    if (!open) return; // A check that timed out keeps running in the background; its late findings are dropped.
    findings.push(buildFinding(check, input));
  });

  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort(new CheckTimeout());
      reject(new CheckTimeout(`timed out after ${options.timeoutMs / 1000} s`));
    }, options.timeoutMs);
  });

  try {
    await Promise.race([
      (async () => {
        for (const name of meta.requires) await facts.need(name);
        await check.run(ctx);
      })(),
      timeout,
    ]);
    return done(statusFromFindings(findings));
  } catch (error) {
    if (error instanceof SkipSignal || error instanceof FactUnavailable) return skipped(error.reason);
    const message = error instanceof Error ? error.message : String(error);
    // An error can quote what it choked on (a value, a line of a file): it is redacted as a finding is.
    return done('crashed', { error: { message: redactText(message) || 'the check threw without a message' } });
  }
}

/** What a check sees: the facts, its options, and how it reports a finding or skips. */
function checkContext(
  facts: Facts,
  options: RunnerOptions,
  checkId: string,
  selected: readonly CheckMeta[],
  signal: AbortSignal,
  report: (input: FindingInput) => void,
): CheckContext {
  return {
    facts,
    options: {
      probe: options.probe,
      probeName: options.probeName,
      probeDns: options.probeDns,
      contextMaxBytes: options.contextMaxBytes,
      contextMaxFiles: options.contextMaxFiles,
      verbose: options.verbose,
      timeoutMs: options.timeoutMs,
    },
    checkId,
    selected,
    signal,
    report,
    skip(reason: string): never {
      throw new SkipSignal(reason);
    },
  };
}

export class UndeclaredCodeError extends Error {}

function buildFinding(check: Check, input: FindingInput): Finding {
  const codeMeta = check.meta.codes[input.cause];
  if (!codeMeta) throw new UndeclaredCodeError(`check ${check.meta.id} reported undeclared cause "${input.cause}"`);
  const finding: Finding = {
    code: `${check.meta.id}/${input.cause}`,
    severity: input.severity ?? codeMeta.severity,
    title: input.title,
    subject: input.subject,
    ...(input.location ? { location: input.location } : {}),
    explanation: input.explanation ?? codeMeta.explanation,
    fixes: input.fixes,
    ...(input.evidence ? { evidence: input.evidence } : {}),
    ...(codeMeta.docsUrl ? { docsUrl: codeMeta.docsUrl } : {}),
  };
  const redacted = redactFinding(finding);
  // The code's own explanation is our text, not the user's: `failed to compute cache key: "/x"` quotes an error, not a key.
  return input.explanation === undefined ? { ...redacted, explanation: codeMeta.explanation } : redacted;
}
