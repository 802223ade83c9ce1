/**
 * .dockerignore semantics, ported from moby/patternmatcher (ignorefile.ReadAll, NewPatternMatcher, Pattern.compile,
 * MatchesOrParentMatches) — what the docker CLI and BuildKit use. @balena/dockerignore ports an older fileutils.Matches:
 * case-insensitive by default, incomplete regex escaping and parent matching of the same depth only, so it disagrees
 * with the engine (see reference/docker-failures.md); hence this port, checked against a real build in the tests.
 */

import { RE2JS } from 're2js';

export interface IgnorePattern {
  /** As written, for messages. */
  raw: string;
  line: number;
  exclusion: boolean;
  cleaned: string;
  matchType: 'exact' | 'prefix' | 'suffix' | 'regexp';
  /** RE2 semantics, as Go's regexp: linear time, so `*a*a*a*a*a*b` cannot stall a walk the way a backtracking RegExp would. */
  regexp?: RE2JS;
  /** Text every path this regexp matches contains: a path without it is rejected by one substring test. */
  literal?: string;
  /** For the other kinds: whether the path or a directory above it matches, made once per pattern. */
  matchesOrParent?: (path: string) => boolean;
}

export interface IgnoreProblem {
  line: number;
  message: string;
  /** Set when the file is valid but holds more patterns than are read (the builder reads them all). */
  tooMany?: true;
}

/**
 * Patterns read from one ignore file. Real ones hold a few dozen; a million `a/**\/b` lines compiled to RE2 took 4.6 GB,
 * and every path of a context is matched against each pattern.
 */
export const MAX_IGNORE_PATTERNS = 2000;

export interface IgnoreRules {
  patterns: IgnorePattern[];
  problems: IgnoreProblem[];
}

/** A path with an empty, `.` or `..` segment, or a trailing slash: one that path.Clean would change. */
const UNCLEAN = /\/\/|(^|\/)\.\.?(\/|$)|.\/$/;

/**
 * Go's path.Clean for slash-separated paths. A path that is already clean, as nearly every one is, is returned as it
 * is. Splitting and joining each of 100,000 COPY sources several times over made short-lived arrays that, in about one
 * run in seven, V8 moved to the old generation with what they held (allocation-site pretenuring, decided by timing): the
 * run peaked at 210 MiB instead of 150.
 */
export function cleanPath(p: string): string {
  if (p === '') return '.';
  if (!UNCLEAN.test(p)) return p;
  const rooted = p.startsWith('/');
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out.at(-1) !== '..') out.pop();
      else if (!rooted) out.push('..');
      continue;
    }
    out.push(part);
  }
  const joined = out.join('/');
  return rooted ? `/${joined}` : joined || '.';
}

/** ignorefile.ReadAll then NewPatternMatcher: comments only at byte 0, trimmed, cleaned, one leading / dropped. */
export function parseIgnoreFile(text: string): IgnoreRules {
  const rules: IgnoreRules = { patterns: [], problems: [] };
  const body = text.replace(/^\uFEFF/, '');
  // Line by line without splitting: a 16 MiB file of short lines would be a million strings at once.
  for (let start = 0, line = 1; start <= body.length; line++) {
    const newline = body.indexOf('\n', start);
    const end = newline === -1 ? body.length : newline;
    const rawLine = body.slice(start, body[end - 1] === '\r' ? end - 1 : end);
    start = end + 1;
    if (rules.patterns.length < MAX_IGNORE_PATTERNS) readIgnoreLine(rules, rawLine, line);
    else if (rawLine.trim() !== '' && !rawLine.startsWith('#')) {
      const message =
        `more than ${MAX_IGNORE_PATTERNS} patterns: ` + `docker-doctor reads the first ${MAX_IGNORE_PATTERNS}, the builder all of them`;
      rules.problems.push({ line, message, tooMany: true });
      break;
    }
  }
  return rules;
}

/** One line of an ignore file: a pattern, a problem at its line, or nothing (a comment or a blank line). */
function readIgnoreLine({ patterns, problems }: IgnoreRules, rawLine: string, line: number): void {
  // ignorefile.ReadAll reads lines with a bufio.Scanner, whose 64 KiB token limit makes the CLI refuse the file.
  if (Buffer.byteLength(rawLine) > MAX_LINE_BYTES) {
    problems.push({
      line,
      message:
        `line ${line} is ${Buffer.byteLength(rawLine)} bytes long; ` +
        'the docker CLI refuses lines over 64 KiB ("bufio.Scanner: token too long")',
    });
    return;
  }
  if (rawLine.startsWith('#')) return;
  let pattern = rawLine.trim();
  if (pattern === '') return;
  const invert = pattern.startsWith('!');
  if (invert) pattern = pattern.slice(1).trim();
  if (pattern.length > 0) {
    pattern = cleanPath(pattern);
    if (pattern.length > 1 && pattern.startsWith('/')) pattern = pattern.slice(1);
  }
  if (invert && pattern === '') {
    problems.push({ line, message: 'illegal exclusion pattern: "!"' });
    return;
  }
  const cleaned = cleanPath(pattern);
  const error = validateGlob(cleaned);
  if (error) {
    problems.push({ line, message: `syntax error in pattern "${shorten(rawLine.trim())}": ${error}` });
    return;
  }
  try {
    patterns.push(compilePattern({ raw: rawLine.trim(), line, exclusion: invert, cleaned }));
  } catch (compileError) {
    // Go's regexp refuses the same patterns (a range out of order such as [z-a]), and so does the builder.
    problems.push({
      line,
      message: `syntax error in pattern "${shorten(rawLine.trim())}": ${regexpError(compileError)}`,
    });
  }
}

const MAX_LINE_BYTES = 64 * 1024;

/** A pattern quoted in a message: a 100,000-character line is named by its start. */
function shorten(text: string): string {
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
}

const SHOULD_ESCAPE = new Set(['.', '+', '(', ')', '|', '{', '}', '$']);

function compilePattern(p: Pick<IgnorePattern, 'raw' | 'line' | 'exclusion' | 'cleaned'>): IgnorePattern {
  let matchType: IgnorePattern['matchType'] = 'exact';
  let re = '^';
  const chars = [...p.cleaned];
  for (let i = 0, pos = 0; pos < chars.length; i++) {
    const ch = chars[pos++]!;
    if (ch === '*') {
      if (chars[pos] === '*') {
        pos++;
        if (chars[pos] === '/') pos++;
        if (pos >= chars.length) {
          if (matchType === 'exact') matchType = 'prefix';
          else {
            re += '.*';
            matchType = 'regexp';
          }
        } else {
          re += '(.*/)?';
          matchType = 'regexp';
        }
        if (i === 0) matchType = 'suffix';
      } else {
        re += '[^/]*';
        matchType = 'regexp';
      }
    } else if (ch === '?') {
      re += '[^/]';
      matchType = 'regexp';
    } else if (SHOULD_ESCAPE.has(ch)) {
      re += `\\${ch}`;
    } else if (ch === '\\') {
      if (pos < chars.length) {
        re += `\\${chars[pos++]}`;
        matchType = 'regexp';
      } else re += '\\\\';
    } else if (ch === '[' || ch === ']') {
      re += ch;
      matchType = 'regexp';
    } else {
      re += ch;
    }
  }
  const regexp = matchType === 'regexp';
  // Every pattern has every field, set once in this order: one hidden class, so isExcluded's property reads stay
  // monomorphic. Built by spreading and adding fields, 1,000 patterns took 20 times as long to match.
  return {
    raw: p.raw,
    line: p.line,
    exclusion: p.exclusion,
    cleaned: p.cleaned,
    matchType,
    regexp: regexp ? RE2JS.compile(`${re}$`) : undefined,
    literal: regexp ? requiredLiteral(p.cleaned) : undefined,
    matchesOrParent: regexp ? undefined : plainMatcher(matchType as Exclude<typeof matchType, 'regexp'>, p.cleaned),
  };
}

/**
 * The longest run of plain characters in a pattern, which every path it matches must contain. RE2 costs microseconds a
 * path, and a proposed ignore file is matched against every file of a context: most paths fail this test instead.
 * None for patterns with classes or escapes, whose characters are not all literal.
 */
function requiredLiteral(pattern: string): string | undefined {
  if (/[[\]\\]/.test(pattern)) return undefined;
  // `**/` is an optional group of whole directories: its slash is not required.
  const runs = pattern.split(/\*\*\/?|\*|\?/);
  return runs.reduce((a, b) => (b.length > a.length ? b : a), '') || undefined;
}

/** What Go's filepath.Match(pattern, ".") rejects: unterminated classes and dangling escapes. */
function validateGlob(pattern: string): string | undefined {
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '\\') {
      if (i + 1 >= pattern.length) return 'dangling escape';
      i++;
    } else if (ch === '[') {
      let j = i + 1;
      if (pattern[j] === '^' || pattern[j] === '!') j++;
      if (pattern[j] === ']') return 'empty character class';
      let closed = false;
      for (; j < pattern.length; j++) {
        if (pattern[j] === '\\') j++;
        else if (pattern[j] === ']') {
          closed = true;
          break;
        }
      }
      if (!closed) return 'unterminated character class';
      i = j;
    }
  }
  return undefined;
}

/**
 * MatchesOrParentMatches for a pattern that is not a regexp: the path or a directory above it matches. Each of those
 * directories is a prefix of the path, so one string test answers for all of them.
 */
function plainMatcher(matchType: 'exact' | 'prefix' | 'suffix', cleaned: string): (path: string) => boolean {
  const under = (path: string, dir: string) => path.startsWith(dir) && path.charCodeAt(dir.length) === SLASH;
  if (matchType === 'exact') return (path) => path === cleaned || under(path, cleaned);
  // A directory above the path that starts with the prefix makes the path start with it too.
  if (matchType === 'prefix') {
    const prefix = cleaned.slice(0, -2);
    return (path) => path.startsWith(prefix);
  }
  const suffix = cleaned.slice(2);
  const suffixDir = `${suffix}/`;
  const top = suffix.startsWith('/') ? suffix.slice(1) : undefined;
  return (path) => path.endsWith(suffix) || path.includes(suffixDir) || (top !== undefined && (path === top || under(path, top)));
}

const SLASH = 0x2f;

/** MatchesOrParentMatches: true when the path (slash-separated, relative to the context) is excluded. Last match wins. */
export function isExcluded(rules: IgnoreRules, file: string): boolean {
  let matched = false;
  // Built once, and only for a regexp: this runs for every file of a context, several times.
  let parents: string[] | undefined;
  for (const pattern of rules.patterns) {
    if (pattern.exclusion !== matched) continue;
    let match: boolean;
    if (pattern.matchesOrParent) match = pattern.matchesOrParent(file);
    // The directories above the path are prefixes of it: what the path lacks, they lack too.
    else if (pattern.literal !== undefined && !file.includes(pattern.literal)) match = false;
    else match = regexpMatches(pattern.regexp!, file, (parents ??= parentDirs(file)));
    if (match) matched = !pattern.exclusion;
  }
  return matched;
}

function regexpMatches(regexp: RE2JS, file: string, parents: readonly string[]): boolean {
  if (regexp.matches(file)) return true;
  for (const dir of parents) if (regexp.matches(dir)) return true;
  return false;
}

/** Every directory above a path, outermost first: `a/b/c` gives `a` and `a/b`. */
function parentDirs(file: string): string[] {
  const dirs: string[] = [];
  for (let slash = file.indexOf('/'); slash !== -1; slash = file.indexOf('/', slash + 1)) dirs.push(file.slice(0, slash));
  return dirs;
}

/**
 * Whether a directory excluded by the rules can still hold a re-included path, so the walk must descend into it.
 * Conservative: any exception whose literal prefix is compatible with the directory keeps it open.
 */
export function mayReinclude(rules: IgnoreRules, dir: string): boolean {
  for (const p of rules.patterns) {
    if (!p.exclusion) continue;
    const literal = p.cleaned.split(/[*?[\\]/)[0]!;
    if (literal === '' || p.matchType === 'suffix') return true;
    const prefix = literal.endsWith('/') || !/[*?[\\]/.test(p.cleaned) ? literal : literal.slice(0, literal.lastIndexOf('/') + 1);
    if (prefix === '' || `${dir}/`.startsWith(prefix) || prefix.startsWith(`${dir}/`)) return true;
  }
  return false;
}

/** Go's regexp error, without its "error parsing regexp" prefix. */
function regexpError(error: unknown): string {
  return (error as Error).message.replace(/^error parsing regexp: /, '');
}
