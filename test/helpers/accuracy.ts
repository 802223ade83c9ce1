import { createHash } from 'node:crypto';
import {
  closeSync,
  cpSync,
  existsSync,
  ftruncateSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
} from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { statusFromFindings } from '../../src/engine/runner.js';
import type { Report } from '../../src/engine/report.js';
import type { CheckStatus, Finding, Fix, Severity } from '../../src/engine/types.js';
import { runCli } from './cli.js';

/*
 * The accuracy corpus: small fixture projects under test/fixtures/accuracy/<case>/ (project/ + case.json), each a
 * real-world situation docker-doctor once got wrong or must keep getting right. This module loads the cases, runs the
 * built CLI on a temporary copy of each, applies the fixes it prints, and scans every fix against the rules for fixes
 * (docs/writing-checks.md). test/e2e/accuracy.test.ts drives it.
 */

export const CORPUS_DIR = path.join(import.meta.dirname, '..', 'fixtures', 'accuracy');

export interface ExpectedFinding {
  code: string;
  severity?: Severity;
  /** The finding's subject name (a service, a file, a path). */
  subject?: string;
}

export interface AccuracyCase {
  name: string;
  /** The case's project/ directory, never written to: every run works on a copy. */
  projectDir: string;
  description: string;
  /** Check ids to run; empty runs every check. */
  checks: string[];
  args: string[];
  /** Large files made at test time as sparse files, so nothing big is committed. */
  generate: { path: string; bytes: number }[];
  expect: { status: Record<string, CheckStatus>; present: ExpectedFinding[]; absent: string[] };
  applyFixes: boolean;
  /** A Dockerfile (relative to the project) that must still `docker build` after the fixes. */
  build?: string;
}

const CASE_KEYS = new Set(['description', 'checks', 'args', 'generate', 'expect', 'applyFixes', 'build']);
const EXPECT_KEYS = new Set(['status', 'present', 'absent']);
const STATUSES = new Set(['passed', 'warned', 'failed', 'skipped', 'crashed']);

/** Every case of the corpus, validated: a typo in a case.json fails loudly instead of silently testing less. */
export function loadCases(root = CORPUS_DIR): AccuracyCase[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((name) => parseCase(name, path.join(root, name)));
}

export function parseCase(name: string, dir: string): AccuracyCase {
  const fail = (message: string): never => {
    throw new Error(`accuracy case ${name}: ${message}`);
  };
  const projectDir = path.join(dir, 'project');
  if (!existsSync(projectDir)) fail('has no project/ directory');
  const raw = JSON.parse(readFileSync(path.join(dir, 'case.json'), 'utf8')) as Record<string, unknown>;
  for (const key of Object.keys(raw)) if (!CASE_KEYS.has(key)) fail(`unknown key "${key}" in case.json`);
  const expectRaw = (raw.expect ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(expectRaw)) if (!EXPECT_KEYS.has(key)) fail(`unknown key "expect.${key}" in case.json`);
  if (typeof raw.description !== 'string' || raw.description === '') fail('needs a one-line description');
  const strings = (value: unknown, what: string): string[] => {
    if (value === undefined) return [];
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) fail(`${what} must be an array of strings`);
    return value as string[];
  };
  const generate = (raw.generate ?? []) as { path: string; bytes: number }[];
  for (const file of generate) {
    if (typeof file.path !== 'string' || !Number.isInteger(file.bytes) || file.bytes < 0) fail('generate entries are { path, bytes }');
    if (path.isAbsolute(file.path) || file.path.split('/').includes('..')) fail(`generate path ${file.path} must stay inside the project`);
  }
  const status = (expectRaw.status ?? {}) as Record<string, CheckStatus>;
  for (const [id, value] of Object.entries(status)) if (!STATUSES.has(value)) fail(`expect.status.${id} "${value}" is not a status`);
  const present = (expectRaw.present ?? []) as ExpectedFinding[];
  for (const p of present)
    if (typeof p.code !== 'string' || !p.code.includes('/')) fail('expect.present entries need a code "<check>/<cause>"');
  if (raw.build !== undefined && typeof raw.build !== 'string') fail('build names a Dockerfile');
  if (raw.build !== undefined && !existsSync(path.join(projectDir, raw.build as string)))
    fail(`build names ${String(raw.build)}, which is not in project/`);
  return {
    name,
    projectDir,
    description: raw.description as string,
    checks: strings(raw.checks, 'checks'),
    args: strings(raw.args, 'args'),
    generate,
    expect: { status, present, absent: strings(expectRaw.absent, 'expect.absent') },
    applyFixes: raw.applyFixes === true,
    ...(raw.build ? { build: raw.build as string } : {}),
  };
}

/** Copies the case's project to <parent>/<case name> and makes its generated files there. */
export function copyProject(c: AccuracyCase, parent: string): string {
  const dir = path.join(parent, c.name);
  cpSync(c.projectDir, dir, { recursive: true });
  for (const file of c.generate) {
    const target = path.join(dir, file.path);
    mkdirSync(path.dirname(target), { recursive: true });
    // Sparse: the size is real for stat and for the context walk, but no block is written.
    const fd = openSync(target, 'w');
    try {
      ftruncateSync(fd, file.bytes);
    } finally {
      closeSync(fd);
    }
  }
  return dir;
}

/** Runs the built CLI as a user would: `docker-doctor --json -C <projectArg> <checks…> <args…>` from `cwd`. */
export async function diagnose(c: AccuracyCase, projectArg: string, cwd: string, env: Record<string, string | undefined>): Promise<Report> {
  const run = await runCli(['--json', '-C', projectArg, ...c.checks, ...c.args], { cwd, env });
  if (!run.report) throw new Error(`docker-doctor exited ${run.exitCode} without a report: ${run.stderr}`);
  return run.report;
}

/**
 * Findings about the project itself: its services and its files. The engine is shared with other tests that create
 * containers at the same time, so findings about containers (or host files) are not this case's to judge.
 */
export function isProjectFinding(finding: Finding, projectDir: string): boolean {
  if (finding.subject.kind === 'service') return true;
  if (finding.subject.kind !== 'file') return false;
  const name = finding.subject.name;
  return !path.isAbsolute(name) || name === projectDir || name.startsWith(`${projectDir}/`);
}

export function projectFindings(report: Report, projectDir: string): (Finding & { check: string })[] {
  return report.checks.flatMap((check) =>
    check.findings.filter((f) => isProjectFinding(f, projectDir)).map((f) => ({ ...f, check: check.id })),
  );
}

/** A check's status as this project's findings make it: skipped and crashed as reported, else derived from them. */
export function projectStatus(report: Report, checkId: string, projectDir: string): CheckStatus | undefined {
  const check = report.checks.find((c) => c.id === checkId);
  if (!check) return undefined;
  if (check.status === 'skipped' || check.status === 'crashed') return check.status;
  return statusFromFindings(check.findings.filter((f) => isProjectFinding(f, projectDir)));
}

/**
 * What identifies a finding across two runs: its code, subject and location (titles carry sizes that change), with
 * the project directory written as <project> so two copies of one project compare equal. Two findings can share a key
 * (one secret file copied on purpose, another merely sent): runs are compared as multisets of keys.
 */
export function findingKey(f: Finding, projectDir?: string): string {
  const name =
    projectDir && (f.subject.name === projectDir || f.subject.name.startsWith(`${projectDir}/`))
      ? `<project>${f.subject.name.slice(projectDir.length)}`
      : f.subject.name;
  const at = f.location ? ` @${f.location.file}${f.location.line ? `:${f.location.line}` : ''}` : '';
  return `${f.code} ${f.subject.kind}:${name}${at}`;
}

export const describeFinding = (f: Finding) => `${findingKey(f)} (${f.severity}): ${f.title}`;

function countBy<T>(items: T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

/**
 * Rule 3, from two runs on one project with the fixes of the first applied in between: findings that appeared
 * (`added`), and findings whose first fix, their main one, ran but which are still reported (`notFixed`).
 */
export function compareRuns(
  before: Report,
  after: Report,
  applied: AppliedFix[],
  projectDir: string,
): { added: string[]; notFixed: string[] } {
  const key = (f: Finding) => findingKey(f);
  const was = projectFindings(before, projectDir);
  const now = projectFindings(after, projectDir);
  const ran = new Set(applied.filter((a) => a.ran).map((a) => `${a.code} ${a.command}`));
  const fixed = was.filter((f) => f.fixes[0]?.command !== undefined && ran.has(`${f.code} ${f.fixes[0].command}`));
  const [wasCount, nowCount, fixedCount] = [countBy(was, key), countBy(now, key), countBy(fixed, key)];
  const added = [...nowCount]
    .filter(([k, n]) => n > (wasCount.get(k) ?? 0))
    .flatMap(([k]) => now.filter((f) => key(f) === k).map(describeFinding));
  // Each finding fixed must take one occurrence of its key with it.
  const notFixed = [...fixedCount]
    .filter(([k, n]) => (nowCount.get(k) ?? 0) > (wasCount.get(k) ?? 0) - n)
    .flatMap(([k]) => fixed.filter((f) => key(f) === k).map(describeFinding));
  return { added, notFixed };
}

// ---------------------------------------------------------------------------------------------------------------
// Reading fix commands. Fix commands are one-liners written by checks, so a small quote-aware splitter is enough:
// `a && b; c | d`, single and double quotes, and one trailing here-document (`cat > f <<'EOF' … EOF`).

export interface Segment {
  /** The words of one simple command, quotes removed, redirections taken out. */
  words: string[];
  /** Redirection targets: `>` (overwrite) and `>>` (append). */
  redirects: { op: '>' | '>>'; target: string }[];
  sudo: boolean;
}

/** Splits a fix command into its simple commands; the body of a here-document is data, not commands. */
export function parseCommand(command: string): Segment[] {
  const head = /<<-?\s*'?(\w+)'?/.test(command) ? command.split('\n')[0]!.replace(/<<-?\s*'?\w+'?/, '') : command;
  const segments: Segment[] = [];
  let words: string[] = [];
  let word: string | undefined;
  let redirect: '>' | '>>' | undefined;
  const redirects: Segment['redirects'] = [];
  const endWord = () => {
    if (word === undefined) return;
    if (redirect) {
      redirects.push({ op: redirect, target: word });
      redirect = undefined;
    } else words.push(word);
    word = undefined;
  };
  const endSegment = () => {
    endWord();
    const sudo = words[0] === 'sudo';
    const plain = sudo ? words.slice(1).filter((w, i) => !(i === 0 && w.startsWith('-'))) : words;
    if (plain.length > 0 || redirects.length > 0) segments.push({ words: plain, redirects: redirects.splice(0), sudo });
    words = [];
  };
  for (let i = 0; i < head.length; i++) {
    const ch = head[i]!;
    if (ch === "'" || ch === '"') {
      const close = head.indexOf(ch, i + 1);
      const end = close === -1 ? head.length : close;
      word = (word ?? '') + head.slice(i + 1, end);
      i = end;
    } else if (ch === '\\' && i + 1 < head.length) {
      word = (word ?? '') + head[++i];
    } else if (/\s/.test(ch)) {
      endWord();
    } else if (ch === '>') {
      endWord();
      redirect = head[i + 1] === '>' ? '>>' : '>';
      if (redirect === '>>') i++;
    } else if (ch === '&' && head[i + 1] === '&') {
      endSegment();
      i++;
    } else if (ch === '|' || ch === ';') {
      if (head[i + 1] === '|') i++;
      endSegment();
    } else {
      word = (word ?? '') + ch;
    }
  }
  endSegment();
  return segments;
}

// ---------------------------------------------------------------------------------------------------------------
// The scan: rules every printed fix must keep, whether or not the harness can apply it.

const SYSTEM_DIRS = 'etc|var|usr|run|proc|sys|home|root|opt|srv|tmp|dev|mnt|media|lib|bin|sbin|boot';
const DOTDOT_TO_HOST = new RegExp(`(?:\\.\\./){2,}(?:${SYSTEM_DIRS})(?:/|\\b)`);
const WRITERS = new Set([
  'tee',
  'mkdir',
  'touch',
  'chmod',
  'chown',
  'chgrp',
  'cp',
  'mv',
  'ln',
  'install',
  'rm',
  'rmdir',
  'sed',
  'truncate',
  'dd',
]);
const HOST_WRITE_PATH = /^\/(etc|var)\//;

/** Docker (or Podman) commands that remove containers, images or volumes, and whether a volume is among them. */
function removal(words: string[]): { what: string; volumes: boolean } | undefined {
  const [tool, ...rest] = words;
  if (tool !== 'docker' && tool !== 'podman' && tool !== 'docker-compose') return undefined;
  const args = rest.filter((w) => !w.startsWith('-'));
  const flags = rest.filter((w) => w.startsWith('-'));
  const sub = tool === 'docker-compose' ? ['compose', ...args] : args;
  const volumeFlag = flags.some((f) => f === '-v' || f === '--volumes');
  if (sub[0] === 'rm' || (sub[0] === 'container' && sub[1] === 'rm')) return { what: 'containers', volumes: volumeFlag };
  if (sub[0] === 'rmi' || (sub[0] === 'image' && sub[1] === 'rm')) return { what: 'images', volumes: false };
  if (sub[0] === 'volume' && (sub[1] === 'rm' || sub[1] === 'prune')) return { what: 'volumes', volumes: true };
  if (sub.includes('prune')) return { what: `${sub[0]} prune`, volumes: sub[0] === 'volume' || flags.includes('--volumes') };
  // `compose down` is how a project is stopped (its containers come back on `up`); with -v, --rmi or `compose rm` it removes more.
  if (sub[0] === 'compose' && sub.includes('rm')) return { what: 'compose containers', volumes: volumeFlag };
  if (sub[0] === 'compose' && sub.includes('down') && (volumeFlag || flags.includes('--rmi')))
    return { what: volumeFlag ? 'compose volumes' : 'compose images', volumes: volumeFlag };
  return undefined;
}

/**
 * A line to paste into a Dockerfile or a compose/JSON file rather than a command to type: `RUN …`, `&& rm -rf
 * /var/lib/apt/lists/*` (the end of a RUN line), `- "8081:80"`, `ports: […]`, `"mtu": 1400`. What it deletes is inside
 * the image being built, not the user's files.
 */
const SNIPPET =
  /^\s*(?:&&|(?:FROM|RUN|COPY|ADD|ENV|ARG|CMD|ENTRYPOINT|USER|WORKDIR|EXPOSE|VOLUME|LABEL|HEALTHCHECK|SHELL|ONBUILD|STOPSIGNAL)\s|- |[\w.-]+:\s|"[\w.-]+"\s*:)/;

/**
 * Every way a fix breaks the rules for fixes (docs/writing-checks.md), as sentences; empty when it keeps them.
 * `exists` tells whether a path in the project exists before the fix, for overwrites of user files.
 */
export function fixViolations(fix: Fix, exists: (file: string) => boolean = () => false): string[] {
  const command = fix.command;
  if (!command || SNIPPET.test(command)) return [];
  const problems: string[] = [];
  if (DOTDOT_TO_HOST.test(command)) problems.push('reaches a host path through a chain of ../ (absolute host paths stay absolute)');
  for (const segment of parseCommand(command)) {
    const [program = '', ...args] = segment.words;
    const paths = args.filter((a) => !a.startsWith('-'));
    if (program === 'rm' && args.some((a) => /^-\w*[rR]/.test(a) || a === '--recursive'))
      problems.push(`deletes a tree (rm ${args.join(' ')})`);
    else if (program === 'rm') problems.push(`deletes files (rm ${args.join(' ')})`);
    if (program === 'find' && args.includes('-delete')) problems.push('deletes files (find -delete)');
    if (program === 'shred' || program === 'truncate' || (program === 'dd' && args.some((a) => a.startsWith('of='))))
      problems.push(`destroys file contents (${program})`);
    if (
      program === 'git' &&
      (args.includes('clean') || (args.includes('reset') && args.includes('--hard')) || (args.includes('checkout') && args.includes('--')))
    ) {
      problems.push(`discards work (git ${args.join(' ')})`);
    }
    if (program === 'tee' && !args.some((a) => a === '-a' || a === '--append')) {
      for (const file of paths) problems.push(`overwrites ${file} (tee without -a replaces what is there; merge or append instead)`);
    }
    for (const r of segment.redirects) {
      if (r.target === '/dev/null' || r.target.startsWith('&')) continue;
      if (HOST_WRITE_PATH.test(r.target))
        problems.push(`redirects into ${r.target}, which needs root: a redirect is not run by sudo (use sudo tee -a)`);
      else if (r.op === '>' && (path.isAbsolute(r.target) || exists(r.target)))
        problems.push(`overwrites ${r.target} (use >> or a new file)`);
    }
    if (!segment.sudo && WRITERS.has(program) && paths.some((p) => HOST_WRITE_PATH.test(p)))
      problems.push(`writes under /etc or /var without sudo (${program} ${paths.join(' ')})`);
    if (!segment.sudo && program === 'systemctl' && !args.includes('--user')) problems.push('runs systemctl without sudo');
    const removed = removal(segment.words);
    if (removed) {
      if (!/remov|delet|lose|lost/i.test(fix.title))
        problems.push(`removes ${removed.what} but its title does not say so ("${fix.title}")`);
      if (removed.volumes && !/lose|lost|delet|data/i.test(fix.title))
        problems.push(`removes volumes but its title does not say their data is lost ("${fix.title}")`);
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------------------
// Applying fixes. Only file fixes inside the project are run; everything else (docker, sudo, host paths, snippets
// to paste into a file, commands with placeholders) is left alone, and said so.

/** Programs whose fixes change project files in ways the harness may run: create, append, change modes. */
const FILE_PROGRAMS = new Set(['cd', 'mkdir', 'touch', 'printf', 'echo', 'cat', 'chmod', 'chown', 'tee']);

export type FixPlan = { run: true } | { run: false; reason: string };

/**
 * Whether the harness runs this fix when standing in `cwd`: only commands made of file programs, whose every path
 * (after any `cd`) stays inside `root`, with no placeholder to fill in and no root needed.
 */
export function planFix(command: string, cwd: string, root: string): FixPlan {
  if (/<[a-z][^>]*>|…/i.test(command.split('\n')[0]!)) return { run: false, reason: 'has a placeholder to fill in' };
  let here = cwd;
  const inside = (p: string) => {
    // The shell expands ~ and $VAR to places outside the copy (the tester's home): never the project.
    if (p.startsWith('~') || p.includes('$')) return false;
    const abs = path.resolve(here, p);
    return abs === root || abs.startsWith(`${root}/`);
  };
  for (const segment of parseCommand(command)) {
    const [program = '', ...args] = segment.words;
    if (segment.sudo) return { run: false, reason: 'needs root: it changes the host, not the project' };
    if (!FILE_PROGRAMS.has(program)) return { run: false, reason: `not a file fix (${program || segment.words.join(' ')})` };
    const operands = args.filter((a) => !a.startsWith('-'));
    const paths =
      program === 'cd' || program === 'mkdir' || program === 'touch' || program === 'tee'
        ? operands
        : program === 'chmod' || program === 'chown'
          ? operands.slice(1)
          : [];
    for (const p of [...paths, ...segment.redirects.map((r) => r.target)]) {
      if (!inside(p)) return { run: false, reason: `acts outside the project (${p})` };
    }
    if (program === 'cd') here = path.resolve(here, operands[0] ?? root);
  }
  return { run: true };
}

export interface AppliedFix {
  code: string;
  command: string;
  ran: boolean;
  reason?: string;
}

/**
 * Runs every runnable file fix of the project's findings (not those about other tests' containers) with `sh -c` in
 * `cwd`, in report order; a failing command fails the case. Paths must stay inside `root`.
 */
export async function applyFixes(report: Report, projectDir: string, cwd: string, root: string): Promise<AppliedFix[]> {
  const applied: AppliedFix[] = [];
  for (const check of report.checks) {
    for (const finding of check.findings.filter((f) => isProjectFinding(f, projectDir))) {
      for (const fix of finding.fixes) {
        if (!fix.command) continue;
        const plan = planFix(fix.command, cwd, root);
        if (!plan.run) {
          applied.push({ code: finding.code, command: fix.command, ran: false, reason: plan.reason });
          continue;
        }
        const result = await execa('sh', ['-c', fix.command], { cwd, reject: false, timeout: 10_000, stdin: 'ignore' });
        if (result.exitCode !== 0)
          throw new Error(`the fix for ${finding.code} failed (exit ${result.exitCode}): ${fix.command}\n${String(result.stderr)}`);
        applied.push({ code: finding.code, command: fix.command, ran: true });
      }
    }
  }
  return applied;
}

/** What a directory holds: path → type, mode, size and (for small files) content hash. Two trees compare as equal maps. */
export function snapshotTree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const abs = path.join(dir, name);
      const rel = path.relative(root, abs);
      const stat = lstatSync(abs);
      const mode = (stat.mode & 0o7777).toString(8);
      if (stat.isSymbolicLink()) out[rel] = `link -> ${readlinkSync(abs)}`;
      else if (stat.isDirectory()) {
        out[rel] = `dir ${mode}`;
        walk(abs);
      } else {
        const hash = stat.size <= 1 << 20 ? createHash('sha1').update(readFileSync(abs)).digest('hex').slice(0, 12) : 'large';
        out[rel] = `file ${mode} ${stat.size} ${hash}`;
      }
    }
  };
  walk(root);
  return out;
}

/**
 * `docker build` of the project on the real engine, labelled, offline (--network none), its image removed afterwards,
 * and the earlier stages of a multi-stage build too: the classic builder leaves each as an unlabelled, untagged image.
 * Removed without -f, so an image another one still uses stays.
 */
export async function dockerBuild(
  projectDir: string,
  dockerfile: string,
  tag: string,
  label: string,
): Promise<{ exitCode: number; output: string }> {
  const result = await execa(
    'docker',
    ['build', '--force-rm', '--network', 'none', '--label', label, '-t', tag, '-f', path.join(projectDir, dockerfile), projectDir],
    {
      reject: false,
      timeout: 120_000,
      stdin: 'ignore',
      all: true,
      env: { DOCKER_BUILDKIT: '0' },
    },
  );
  await execa('docker', ['image', 'rm', '-f', tag], { reject: false, stdin: 'ignore' });
  // Only the untagged ones: the FROM line's image (the shared test image) is listed in the output too.
  const built = new Set([...String(result.all ?? '').matchAll(/^ ---> ([0-9a-f]{12})$/gm)].map((m) => m[1]!));
  const dangling = String(
    (await execa('docker', ['images', '-q', '--filter', 'dangling=true'], { reject: false, stdin: 'ignore' })).stdout,
  ).split('\n');
  const stages = dangling.filter((id) => built.has(id));
  if (stages.length > 0) await execa('docker', ['image', 'rm', ...stages], { reject: false, stdin: 'ignore' });
  return { exitCode: result.exitCode ?? -1, output: String(result.all ?? '') };
}
