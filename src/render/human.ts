import type { Report } from '../engine/report.js';
import type { CheckResult, CheckStatus, Finding, Severity } from '../engine/types.js';
import type { Palette } from './colors.js';
import { printable as p, wrapText } from '../util/text.js';

export interface HumanOptions {
  verbose: boolean;
  colors: Palette;
}

const STATUS_MARK: Record<CheckStatus, string> = { passed: '✓', warned: '!', failed: '✗', skipped: '-', crashed: '‼' };
const SEVERITY_MARK: Record<Severity, string> = { error: '✗', warning: '!', info: 'i' };

/** The flutter-doctor style report: a line per check, findings under the checks that have them, a closing summary. */
export function renderHuman(report: Report, options: HumanOptions): string {
  const c = options.colors;
  const lines: string[] = [];
  lines.push(c.bold(headline(report)));
  lines.push('');
  const width = Math.max(...report.checks.map((check) => check.id.length), 4);
  for (const check of report.checks) {
    lines.push(checkLine(check, width, options));
    const shown = check.findings.filter((f) => options.verbose || f.severity !== 'info');
    for (const finding of shown) lines.push(...findingLines(finding, options));
    const hidden = check.findings.length - shown.length;
    if (hidden > 0) lines.push(c.dim(`    (${hidden} note${hidden === 1 ? '' : 's'}; run with -v to see ${hidden === 1 ? 'it' : 'them'})`));
  }
  lines.push('');
  lines.push(summaryLine(report, c));
  return lines.join('\n') + '\n';
}

function headline(report: Report): string {
  const d = report.environment.docker;
  // The versions are the daemon's own words: a faulty one's escape sequences must not reach the terminal.
  const api = d.apiVersion ? ` (API ${p(d.apiVersion)})` : '';
  const engine = d.serverVersion ? ` · ${engineName(d.kind)} ${p(d.serverVersion)}${api}` : '';
  const endpoint = d.endpoint ? ` · ${p(d.endpoint)}${d.context !== 'default' ? ` (context ${p(d.context)})` : ''}` : '';
  return `docker-doctor ${report.tool.version}${endpoint}${engine}`;
}

function engineName(kind: Report['environment']['docker']['kind']): string {
  switch (kind) {
    case 'docker-desktop':
      return 'Docker Desktop';
    case 'rootless':
      return 'Docker (rootless)';
    case 'podman':
      return 'Podman';
    case 'podman-rootless':
      return 'Podman (rootless)';
    default:
      return 'Docker';
  }
}

function checkLine(check: CheckResult, width: number, { colors: c, verbose }: HumanOptions): string {
  const mark = STATUS_MARK[check.status];
  const colour = { passed: c.green, warned: c.yellow, failed: c.red, skipped: c.dim, crashed: c.magenta }[check.status];
  let line = `${colour(`[${mark}]`)} ${c.bold(p(check.id).padEnd(width))}  ${p(check.title)}`;
  if (check.status === 'skipped') line += c.dim(` — skipped: ${p(check.skipReason ?? '')}`);
  if (check.status === 'crashed') line += c.magenta(` — crashed: ${p(check.error?.message ?? '')}`);
  if (verbose) line += c.dim(` (${check.durationMs} ms)`);
  return line;
}

function findingLines(finding: Finding, { colors: c, verbose }: HumanOptions): string[] {
  const colour = { error: c.red, warning: c.yellow, info: c.cyan }[finding.severity];
  const out = [`    ${colour(SEVERITY_MARK[finding.severity])} ${p(finding.title)} ${c.dim(`[${p(finding.code)}]`)}`];
  if (finding.location) {
    const { file, line, column } = finding.location;
    out.push(`      ${c.dim('at')} ${p(file)}${line ? `:${line}` : ''}${line && column ? `:${column}` : ''}`);
  }
  out.push(...wrapText(`Why: ${p(finding.explanation)}`, 96).map((l) => `      ${c.dim(l)}`));
  for (const fix of finding.fixes) {
    out.push(`      ${c.green('→')} ${p(fix.title)}`);
    if (fix.command) {
      const [first, ...rest] = fix.command.split('\n');
      out.push(`          ${c.cyan(`$ ${p(first!)}`)}`, ...rest.map((line) => `            ${c.cyan(p(line))}`));
    }
  }
  if (verbose && finding.evidence) {
    out.push(`      ${c.dim('evidence:')}`);
    for (const [key, value] of Object.entries(finding.evidence)) {
      const text = typeof value === 'string' ? value : JSON.stringify(value);
      out.push(...text.split('\n').map((line, i) => c.dim(i === 0 ? `        ${p(key)}: ${p(line)}` : `          ${p(line)}`)));
    }
  }
  return out;
}

function summaryLine(report: Report, c: Palette): string {
  const s = report.summary;
  const problems = s.findings.error + s.findings.warning;
  const seconds = `${(report.durationMs / 1000).toFixed(1)} s`;
  const extras = [s.skipped ? `${s.skipped} skipped` : '', s.crashed ? `${s.crashed} crashed` : ''].filter(Boolean).join(', ');
  const checks = `${s.checks} check${s.checks === 1 ? '' : 's'}${extras ? ` (${extras})` : ''}`;
  if (problems === 0) {
    const text = `No problems found in ${checks}, ${seconds}`;
    return s.crashed ? c.magenta(text) : c.green(text);
  }
  const parts = [
    s.findings.error ? `${s.findings.error} error${s.findings.error === 1 ? '' : 's'}` : '',
    s.findings.warning ? `${s.findings.warning} warning${s.findings.warning === 1 ? '' : 's'}` : '',
  ].filter(Boolean);
  const text = `${problems} problem${problems === 1 ? '' : 's'} (${parts.join(', ')}) in ${checks}, ${seconds}`;
  return s.findings.error ? c.red(text) : c.yellow(text);
}
