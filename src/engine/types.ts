import type { Facts, FactName } from '../facts/types.js';

export type Severity = 'error' | 'warning' | 'info';
export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info'];

export type CheckStatus = 'passed' | 'warned' | 'failed' | 'skipped' | 'crashed';

export type SubjectKind = 'container' | 'service' | 'image' | 'network' | 'volume' | 'file' | 'host' | 'daemon';

export interface Subject {
  kind: SubjectKind;
  name: string;
  id?: string;
}

export interface Location {
  file: string;
  line?: number;
  column?: number;
}

export interface Fix {
  title: string;
  command?: string;
  /**
   * 'project' when the command must run in the project directory (relative paths, `docker compose`). When the user
   * ran docker-doctor elsewhere (-C), the engine prefixes `cd <dir> && ` and drops this field from the report.
   */
  runIn?: 'project';
}

export interface Finding {
  code: string;
  severity: Severity;
  title: string;
  subject: Subject;
  location?: Location;
  explanation: string;
  fixes: Fix[];
  evidence?: Record<string, unknown>;
  docsUrl?: string;
}

/** What a check hands to ctx.report: code, severity and explanation default from the check's meta. */
export interface FindingInput {
  cause: string;
  title: string;
  subject: Subject;
  severity?: Severity;
  location?: Location;
  /** Replaces the code's generic explanation when the check knows more about this instance. */
  explanation?: string;
  fixes: Fix[];
  evidence?: Record<string, unknown>;
}

export interface FindingCodeMeta {
  severity: Severity;
  /** A one-line summary of the cause, shown by `list`/`explain`. */
  summary: string;
  explanation: string;
  docsUrl?: string;
}

export interface CheckMeta {
  id: string;
  /** The healthy state, e.g. "Published ports are free". */
  title: string;
  category: string;
  /** Long text shown by `explain <id>`. */
  description: string;
  /** Facts that must be available; if one is not, the check is skipped with its reason. */
  requires: FactName[];
  /** Platforms the check applies to; omitted means all. */
  platforms?: NodeJS.Platform[];
  codes: Record<string, FindingCodeMeta>;
}

export interface RunOptions {
  probe: boolean;
  /** What --probe resolves (--probe-name) and through which resolvers (--probe-dns; default: what Docker gives containers). */
  probeName?: string;
  probeDns?: string[];
  /** build-context thresholds (--context-max-mb, --context-max-files). */
  contextMaxBytes?: number;
  contextMaxFiles?: number;
  verbose: boolean;
  timeoutMs: number;
}

export interface CheckContext {
  facts: Facts;
  options: RunOptions;
  /** This check's id. */
  checkId: string;
  /**
   * Every check of this run, in catalogue order, this one included: checks that read the same input can agree on
   * which of them reports its problems (checks/shared/compose-problems.ts).
   */
  selected: readonly CheckMeta[];
  /** Aborted when the check times out or the run is interrupted. */
  signal: AbortSignal;
  report(finding: FindingInput): void;
  skip(reason: string): never;
}

export interface Check {
  meta: CheckMeta;
  run(ctx: CheckContext): Promise<void> | void;
}

export interface CheckResult {
  id: string;
  title: string;
  category: string;
  status: CheckStatus;
  durationMs: number;
  skipReason?: string;
  error?: { message: string };
  findings: Finding[];
}
