import { deepStrictEqual, fail } from 'node:assert/strict';
import { placeFixes } from '../engine/fix-placement.js';
import { runChecks, statusFromFindings } from '../engine/runner.js';
import type { Check, CheckResult, Finding, RunOptions, Severity, Subject } from '../engine/types.js';
import type { Facts } from '../facts/types.js';
import { fakeFacts, type FakeWorld } from './facts.js';

/**
 * What a case runs on: facts (e.g. from `fakeFacts`), a {@link FakeWorld} handed to `fakeFacts`, or a function
 * giving either (called when the case runs, so async builders such as `composeProject` can be awaited there).
 */
export type CaseFacts = Facts | FakeWorld | (() => Facts | FakeWorld | Promise<Facts | FakeWorld>);

export interface TesterCase {
  name: string;
  facts: CaseFacts;
  /** Run options as the CLI flags set them (`probe`, `verbose`, `timeoutMs`…); default: no probes, 5 s. */
  options?: Partial<RunOptions>;
  /** Where the user stands (default: the project directory); fixes to run in the project get `cd <dir> &&` from elsewhere. */
  cwd?: string;
  /** More assertions on the whole result, after the table's. */
  assert?: (result: CheckResult) => void | Promise<void>;
}

/**
 * A finding a broken case must report. `code` is the full code (`port-conflicts/held-by-process`) or only its cause.
 * `subject` matches when it is part of the subject's name, or is the finding's location written `file`,
 * `file:line` or `file:line:column`; a `{ kind, name }` object must equal the subject (and its `id`, when given).
 * `title` is the exact title or a pattern; `fixes` the fix commands in order, as
 * the CLI prints them (`undefined` for a fix without a command).
 */
export interface ExpectedFinding {
  code: string;
  severity: Severity;
  subject?: string | Subject;
  title?: string | RegExp;
  fixes?: (string | undefined)[];
}

/** The check must report exactly these findings, in this order. */
export interface BrokenCase extends TesterCase {
  findings: ExpectedFinding[];
}

/** The check must be skipped with this reason (exact, or a pattern). */
export interface SkippedCase extends TesterCase {
  reason: string | RegExp;
}

export interface TesterCases {
  /** The check must end `passed` with no findings: not merely "no findings" (a check that throws has none either). */
  healthy?: TesterCase[];
  broken?: BrokenCase[];
  skipped?: SkippedCase[];
}

type Describe = (name: string, body: () => void) => unknown;
type It = (name: string, body: () => Promise<void>) => unknown;

const globalFn = <T>(name: string) => (globalThis as Record<string, unknown>)[name] as T | undefined;

/**
 * Table-driven tests for one check, in the spirit of ESLint's RuleTester. Each case runs the check alone through
 * the CLI's runner (crash isolation, timeouts, redaction, skips) and its fix placement.
 *
 * It declares one test per case with the framework's global `describe` and `it` (vitest with globals, jest, mocha);
 * with vitest without globals or node:test, set them once: `CheckTester.describe = describe; CheckTester.it = it`.
 */
export class CheckTester {
  /** The `describe` cases are grouped with; default: the global one. */
  static describe: Describe | undefined = globalFn<Describe>('describe');
  /** The `it` each case is declared with; default: the global one. */
  static it: It | undefined = globalFn<It>('it');

  constructor(
    readonly check: Check,
    readonly defaults: { timeoutMs?: number } = {},
  ) {}

  /** Declares one test per case, grouped under the check's id. */
  run(cases: TesterCases): void {
    const describe = CheckTester.describe ?? globalFn<Describe>('describe');
    const it = CheckTester.it ?? globalFn<It>('it');
    if (!describe || !it) throw new Error('CheckTester needs describe and it: set CheckTester.describe and CheckTester.it');
    describe(this.check.meta.id, () => {
      for (const c of cases.healthy ?? []) it(`healthy: ${c.name}`, () => this.expectHealthy(c));
      for (const c of cases.broken ?? []) it(`broken: ${c.name}`, () => this.expectBroken(c));
      for (const c of cases.skipped ?? []) it(`skipped: ${c.name}`, () => this.expectSkipped(c));
    });
  }

  /** Runs the check on a case's facts as the CLI would, and returns its result. */
  async result(c: TesterCase): Promise<CheckResult> {
    const facts = await resolveFacts(c.facts);
    const options = { probe: false, verbose: false, timeoutMs: this.defaults.timeoutMs ?? 5000, ...c.options };
    const [result] = await runChecks([this.check], facts, options);
    const { dir } = await facts.projectFiles();
    await placeFixes([result!], c.cwd ?? dir, dir, () => facts.composeCommand());
    return result!;
  }

  /** Runs a healthy case; rejects unless the check passed with no findings. */
  async expectHealthy(c: TesterCase): Promise<void> {
    const result = await this.result(c);
    deepStrictEqual(outcome(result, []), { status: 'passed', error: undefined, skipReason: undefined, findings: [] }, c.name);
    await c.assert?.(result);
  }

  /** Runs a broken case; rejects (an AssertionError with a diff) unless it reports exactly `c.findings`. */
  async expectBroken(c: BrokenCase): Promise<void> {
    const expected = c.findings;
    if (expected.length === 0) fail(`${c.name}: a broken case lists at least one finding (a healthy case lists none)`);
    const result = await this.result(c);
    const wanted = expected.map((e) => ({ ...e, code: e.code.includes('/') ? e.code : `${this.check.meta.id}/${e.code}` }));
    // The status the listed severities give (any error: failed; any warning: warned), as the report would show it.
    const status = statusFromFindings(wanted.map((e) => ({ severity: e.severity }) as Finding));
    deepStrictEqual(
      outcome(result, wanted),
      { status, error: undefined, skipReason: undefined, findings: wanted.map(expectedView) },
      c.name,
    );
    await c.assert?.(result);
  }

  /** Runs a skipped case; rejects unless the check was skipped with `c.reason`. */
  async expectSkipped(c: SkippedCase): Promise<void> {
    const { reason } = c;
    const result = await this.result(c);
    const actual = { status: result.status, error: result.error?.message, skipReason: result.skipReason };
    const matched = typeof reason === 'string' ? reason === result.skipReason : reason.test(result.skipReason ?? '');
    deepStrictEqual(actual, { status: 'skipped', error: undefined, skipReason: matched ? result.skipReason : String(reason) }, c.name);
    await c.assert?.(result);
  }
}

async function resolveFacts(source: CaseFacts): Promise<Facts> {
  const value = typeof source === 'function' ? await source() : source;
  return typeof (value as Facts).need === 'function' ? (value as Facts) : fakeFacts(value as FakeWorld);
}

/** What a result is compared on: status, crash and skip, and each finding seen through what its expectation names. */
function outcome(result: CheckResult, expected: readonly ExpectedFinding[]) {
  return {
    status: result.status,
    error: result.error?.message,
    skipReason: result.skipReason,
    findings: result.findings.map((f, i) => actualView(f, expected[i])),
  };
}

/** A finding shown with the fields its expectation checks; a matching subject or title pattern shows as expected. */
function actualView(finding: Finding, expected: ExpectedFinding | undefined): Record<string, unknown> {
  const view: Record<string, unknown> = { code: finding.code, severity: finding.severity };
  const subject = expected?.subject;
  if (!expected || subject !== undefined)
    view.subject = subject !== undefined && subjectMatches(finding, subject) ? subject : describeSubject(finding, subject);
  const title = expected?.title;
  if (!expected || title !== undefined)
    view.title = title !== undefined && titleMatches(finding.title, title) ? String(title) : finding.title;
  if (expected?.fixes !== undefined) view.fixes = finding.fixes.map((f) => f.command);
  return view;
}

function expectedView(expected: ExpectedFinding): Record<string, unknown> {
  const view: Record<string, unknown> = { code: expected.code, severity: expected.severity };
  if (expected.subject !== undefined) view.subject = expected.subject;
  if (expected.title !== undefined) view.title = String(expected.title);
  if (expected.fixes !== undefined) view.fixes = expected.fixes;
  return view;
}

function subjectMatches(finding: Finding, subject: string | Subject): boolean {
  if (typeof subject !== 'string') {
    const { kind, name, id } = finding.subject;
    return kind === subject.kind && name === subject.name && (subject.id === undefined || id === subject.id);
  }
  if (finding.subject.name.includes(subject)) return true;
  const at = finding.location;
  if (!at) return false;
  return [at.file, `${at.file}:${at.line}`, `${at.file}:${at.line}:${at.column}`].includes(subject);
}

/** What a finding's subject is shown as when it does not match: the subject object for an object expectation. */
const describeSubject = (f: Finding, expected?: string | Subject) => (typeof expected === 'object' ? f.subject : describeSubjectText(f));

const describeSubjectText = (f: Finding) =>
  f.location
    ? `${f.subject.name} (${[f.location.file, f.location.line, f.location.column].filter((x) => x !== undefined).join(':')})`
    : f.subject.name;

const titleMatches = (title: string, expected: string | RegExp) =>
  typeof expected === 'string' ? title === expected : expected.test(title);
