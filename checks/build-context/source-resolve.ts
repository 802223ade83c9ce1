import path from 'node:path';
import type { DockerfileInstruction, ParsedDockerfile } from '../../src/facts/project/dockerfile.js';
import type { SentDir } from '../../src/facts/project/context-walk.js';
import { isExcluded, parseIgnoreFile } from '../../src/facts/project/ignore.js';
import { expand, varsAt, type Vars } from './source-vars.js';
import { stageIndex, stageReach } from './stages.js';

/** What the resolution reads of the host, through the check's facts. */
export interface SourceLookup {
  /** Whether something is at this absolute path (a link counts, even a dangling one: the builder sends links). */
  exists(abs: string): Promise<boolean>;
  /** A directory's entry names, or null when it cannot be listed. */
  list(abs: string): Promise<string[] | null>;
}

interface ProblemBase {
  instruction: DockerfileInstruction;
  /** The source as written. */
  source: string;
}

/** A source that is not in the context: "COPY failed: file not found" / BuildKit's `"/x": not found`. */
export interface MissingSource extends ProblemBase {
  kind: 'missing';
  /** Relative to the context, cleaned, variables expanded. */
  path: string;
  /** The ARG whose default went into the path (a --build-arg may give another). */
  viaArg?: string;
  /** Written as an absolute path: the builder reads it from the context, never from the host. */
  absolute: boolean;
  /** Written with a trailing slash (`COPY config/ /app/`): `path` has none, a corrected source keeps it. */
  trailingSlash: boolean;
  /** The same path with other letter case, as it is in the context. */
  caseMatch?: string;
  /** Files or directories of the same name elsewhere in the context (at most 3). */
  elsewhere: string[];
  /** A directory above the context (inside the project) from which the path exists. */
  ancestor?: string;
  /** Build output, or a file the repository's .gitignore names: it may be made before `docker build` runs. */
  generated?: 'output' | 'gitignored';
  /** Later lines of the stages built that copy the same missing path (one finding names them all). */
  alsoAt: number[];
}

/** A `../` source that climbs out of the context: "forbidden path outside the build context" (classic builder). */
export interface OutsideSource extends ProblemBase {
  kind: 'outside';
  /** What BuildKit reads instead: the path with the climb stopped at the context root. */
  inside: string;
  insideExists: boolean;
  /** Where the source points on this host, and whether something is there. */
  target: string;
  targetExists: boolean;
}

/** A wildcard that matches nothing, and no other source of the line matches either. */
export interface EmptyGlob extends ProblemBase {
  kind: 'glob-empty';
  path: string;
}

/** A COPY --from (or RUN --mount from=) that names no earlier stage. */
export interface UnknownStage extends ProblemBase {
  kind: 'from-unknown';
  reason: 'self' | 'later' | 'out-of-range' | 'no-stage';
  /** For 'later' and a near name: the stage meant; its FROM line. */
  stage?: { name: string; line: number };
}

export type SourceProblem = MissingSource | OutsideSource | EmptyGlob | UnknownStage;

export interface SourceInput {
  dockerfile: ParsedDockerfile;
  /** Absolute context directory. */
  context: string;
  /** The project directory: ancestors of the context are searched up to it. */
  project: string;
  target?: string;
  /** The sent files of the context walk, for same-named files elsewhere. */
  dirs: readonly SentDir[];
  /** Text of the repository's ignore files (.gitignore of the context and of the project): what is generated. */
  gitignore: string;
  lookup: SourceLookup;
  /** Polled every few hundred instructions: true once the check's time is nearly spent. */
  expired?: () => boolean;
}

export interface SourceVerdict {
  problems: SourceProblem[];
  /** False when the time ran out before every instruction was resolved. */
  finished: boolean;
}

const GLOB = /[*?[]/;
/** COPY/ADD lines resolved per Dockerfile at most: real ones have tens; 100,000 generated ones must not cost 100,000 stats. */
export const MAX_INSTRUCTIONS_RESOLVED = 2_000;
const URL_SOURCE = /^[a-z][a-z0-9+.-]*:\/\/|^git@/i;

/** Every COPY/ADD source of the stages the build runs, resolved against the context, and every --from that names no stage. */
export async function sourceProblems(input: SourceInput): Promise<SourceVerdict> {
  const { dockerfile, target } = input;
  const built = stageReach(dockerfile, target).built;
  const vars = varsAt(dockerfile);
  const problems: SourceProblem[] = [];
  const missing = new Map<string, MissingSource>();
  let count = 0;
  for (const instruction of dockerfile.instructions) {
    if (++count % 64 === 0 && input.expired?.()) return { problems, finished: false };
    // Each source costs a stat: past a few thousand (no real Dockerfile has them), the rest is left unresolved.
    if (count > MAX_INSTRUCTIONS_RESOLVED) return { problems, finished: false };
    if (!built.has(instruction.stage) || !vars.has(instruction)) continue;
    problems.push(...stageProblems(dockerfile, instruction, vars.get(instruction)!));
    if (instruction.keyword !== 'COPY' && instruction.keyword !== 'ADD') continue;
    if (instruction.flags.some((f) => f.name === 'from')) continue;
    for (const problem of await instructionProblems(input, instruction, vars.get(instruction)!)) {
      // The same missing file copied by several stages (a lock file in each) is one mistake: one finding names every line.
      const first = problem.kind === 'missing' ? missing.get(problem.path) : undefined;
      if (first) first.alsoAt.push(instruction.line);
      else problems.push(problem);
      if (problem.kind === 'missing' && !first) missing.set(problem.path, problem);
    }
  }
  return { problems, finished: true };
}

/** The written sources of a COPY/ADD from the context (not heredocs, URLs or git), or none. */
export function writtenSources(instruction: DockerfileInstruction): string[] {
  if (instruction.args.includes('<<')) return [];
  const parts = instruction.exec ?? instruction.args.split(/\s+/).filter(Boolean);
  return parts.slice(0, -1).filter((s) => !URL_SOURCE.test(s));
}

/**
 * The builder reads each source as a shell word: `"requirements.txt"` is requirements.txt, and single quotes keep `$`
 * as it is. A word quoted only in part is left to the builder (undefined).
 */
function unquoted(source: string): { text: string; quote?: string } | undefined {
  if (!/["']/.test(source)) return { text: source };
  const quote = source[0]!;
  if ((quote === '"' || quote === "'") && source.length >= 2 && source.endsWith(quote) && !source.slice(1, -1).includes(quote))
    return { text: source.slice(1, -1), quote };
  return undefined;
}

async function instructionProblems(input: SourceInput, instruction: DockerfileInstruction, vars: Vars): Promise<SourceProblem[]> {
  const parents = instruction.flags.some((f) => f.name === 'parents');
  const found: SourceProblem[] = [];
  const globs: EmptyGlob[] = [];
  let anyMatched = false;
  for (const source of writtenSources(instruction)) {
    const word = unquoted(source);
    if (word === undefined) continue;
    const expanded = word.quote === "'" ? { text: word.text } : expand(word.text, vars);
    // A value only a --build-arg gives, or a form not followed here: say nothing rather than guess.
    if (!expanded || expanded.text.trim() === '') continue;
    // --parents keeps the path from the `/./` pivot on: the part before it is still read from the context.
    const written = parents ? expanded.text.replace(/\/\.\//g, '/') : expanded.text;
    if (written.includes('**') || written.includes('\\')) continue;
    const outside = await outsideProblem(input, instruction, source, written);
    if (outside) {
      found.push(outside);
      continue;
    }
    // normalize keeps a trailing slash (`config/` stays `config/`): the path is the directory's, without it.
    const rel = path.posix.normalize(`/${written}`).slice(1).replace(/\/+$/, '');
    if (rel === '' || rel === '.') {
      anyMatched = true;
      continue;
    }
    if (GLOB.test(rel)) {
      if ((await globMatches(input, rel)) > 0) anyMatched = true;
      else globs.push({ kind: 'glob-empty', instruction, source, path: rel });
      continue;
    }
    if (await input.lookup.exists(path.join(input.context, rel))) {
      anyMatched = true;
      continue;
    }
    found.push(
      await missingProblem(
        input,
        instruction,
        source,
        rel,
        { absolute: written.startsWith('/'), trailingSlash: written.endsWith('/') },
        expanded.viaArg,
      ),
    );
  }
  // The classic builder fails a line whose every wildcard matches nothing; one other match lets it pass.
  return anyMatched ? found : [...found, ...globs];
}

/** A relative source whose `..` climbs above the context root. */
async function outsideProblem(
  input: SourceInput,
  instruction: DockerfileInstruction,
  source: string,
  written: string,
): Promise<OutsideSource | undefined> {
  if (written.startsWith('/')) return undefined;
  const climbed = path.posix.normalize(written);
  if (climbed !== '..' && !climbed.startsWith('../')) return undefined;
  const inside = path.posix.normalize(`/${written}`).slice(1);
  const target = path.resolve(input.context, climbed);
  const [insideExists, targetExists] = await Promise.all([
    inside === '' || GLOB.test(inside) ? Promise.resolve(inside === '') : input.lookup.exists(path.join(input.context, inside)),
    GLOB.test(climbed) ? Promise.resolve(false) : input.lookup.exists(target),
  ]);
  return { kind: 'outside', instruction, source, inside: inside || '.', insideExists, target, targetExists };
}

async function missingProblem(
  input: SourceInput,
  instruction: DockerfileInstruction,
  source: string,
  rel: string,
  written: Pick<MissingSource, 'absolute' | 'trailingSlash'>,
  viaArg: string | undefined,
): Promise<MissingSource> {
  const caseMatch = await caseInsensitive(input, rel);
  const base = rel.slice(rel.lastIndexOf('/') + 1);
  const elsewhere = caseMatch ? [] : sameNamed(input.dirs, base, rel);
  let ancestor: string | undefined;
  for (let dir = path.dirname(input.context); isWithin(input.project, dir); dir = path.dirname(dir)) {
    if (await input.lookup.exists(path.join(dir, rel))) {
      ancestor = dir;
      break;
    }
    if (dir === input.project) break;
  }
  return {
    kind: 'missing',
    instruction,
    source,
    path: rel,
    ...(viaArg !== undefined ? { viaArg } : {}),
    ...written,
    ...(caseMatch !== undefined ? { caseMatch } : {}),
    elsewhere,
    ...(ancestor !== undefined ? { ancestor } : {}),
    ...generatedAs(rel, input.gitignore),
    alsoAt: [],
  };
}

const isWithin = (root: string, dir: string) => dir === root || dir.startsWith(`${root}${path.sep}`);

/** The path with each part matched regardless of case, as it is on disk; undefined unless exactly one part differs in case only. */
async function caseInsensitive(input: SourceInput, rel: string): Promise<string | undefined> {
  let dir = input.context;
  const parts: string[] = [];
  for (const part of rel.split('/')) {
    const names = await input.lookup.list(dir);
    if (!names) return undefined;
    const match = names.includes(part) ? part : names.filter((n) => n.toLowerCase() === part.toLowerCase());
    const name = typeof match === 'string' ? match : match.length === 1 ? match[0]! : undefined;
    if (name === undefined) return undefined;
    parts.push(name);
    dir = path.join(dir, name);
  }
  const found = parts.join('/');
  return found !== rel ? found : undefined;
}

/** Sent files, or directories holding sent files, of this name anywhere in the context. */
function sameNamed(dirs: readonly SentDir[], base: string, rel: string): string[] {
  const found = new Set<string>();
  if (base === '') return [];
  for (const dir of dirs) {
    if (found.size >= 3) break;
    if (dir.names.includes(base)) found.add(dir.path ? `${dir.path}/${base}` : base);
    const parts = dir.path.split('/');
    const at = parts.indexOf(base);
    if (at >= 0) found.add(parts.slice(0, at + 1).join('/'));
  }
  found.delete(rel);
  return [...found].sort().slice(0, 3);
}

/** Names of build output: such a source is often made by a step before `docker build` (npm run build, mvn package, go build). */
const OUTPUT_PART = /^(dist|build|target|out|bin|publish|release|artifacts|\.next|\.output|public\/build)$/i;
const OUTPUT_FILE = /\.(jar|war|ear|whl|tgz|tar\.gz|zip|exe|dll|so|deb|rpm|apk)$/i;

function generatedAs(rel: string, gitignore: string): Pick<MissingSource, 'generated'> {
  if (rel.split('/').some((part) => OUTPUT_PART.test(part)) || OUTPUT_FILE.test(rel)) return { generated: 'output' };
  return gitignored(rel, gitignore) ? { generated: 'gitignored' } : {};
}

function gitignored(rel: string, gitignore: string): boolean {
  // .gitignore patterns without a slash inside match at any depth; the ignore-file matcher anchors, so prefix **/.
  const lines = gitignore
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#') && !l.startsWith('!'))
    .map((l) => l.replace(/\/$/, ''))
    .map((l) => (l.replace(/^\//, '').includes('/') || l.startsWith('/') ? l.replace(/^\//, '') : `**/${l}`));
  if (lines.length === 0) return false;
  return isExcluded(parseIgnoreFile(lines.join('\n')), rel);
}

type Token = { star: true } | { star?: false; test: (ch: string) => boolean };

/**
 * Go's filepath.Match for one part of a path, as the builder matches COPY sources: `*`, `?`, `[class]` (`^` or `!`
 * negates, `a-z` ranges, `\` escapes). Undefined for a pattern the builder refuses (an unclosed or empty class, a range
 * out of order, a trailing `\`): that source is left unresolved rather than reported.
 */
export function partPattern(part: string): ((name: string) => boolean) | undefined {
  const tokens: Token[] = [];
  const chars = [...part];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    if (ch === '*') tokens.push({ star: true });
    else if (ch === '?') tokens.push({ test: () => true });
    else if (ch === '[') {
      const parsed = classOf(chars, i + 1);
      if (!parsed) return undefined;
      tokens.push({ test: parsed.test });
      i = parsed.end;
    } else if (ch === '\\') {
      if (++i >= chars.length) return undefined;
      const escaped = chars[i]!;
      tokens.push({ test: (c) => c === escaped });
    } else tokens.push({ test: (c) => c === ch });
  }
  return (name) => matchTokens(tokens, [...name]);
}

/** A `[...]` class starting after its `[`: its test and the index of its `]`; undefined when malformed. */
function classOf(chars: string[], from: number): { test: (ch: string) => boolean; end: number } | undefined {
  let i = from;
  const negated = chars[i] === '^' || chars[i] === '!';
  if (negated) i++;
  const ranges: [string, string][] = [];
  const one = (): string | undefined => {
    const ch = chars[i];
    if (ch === undefined || ch === '-' || ch === ']') return undefined;
    if (ch !== '\\') return (i++, ch);
    i += 2;
    return chars[i - 1];
  };
  while (chars[i] !== ']' || ranges.length === 0) {
    const lo = one();
    if (lo === undefined) return undefined;
    let hi = lo;
    if (chars[i] === '-') {
      i++;
      const to = one();
      if (to === undefined || to < lo) return undefined;
      hi = to;
    }
    ranges.push([lo, hi]);
  }
  return { test: (ch) => ranges.some(([lo, hi]) => lo <= ch && ch <= hi) !== negated, end: i };
}

/**
 * Whether the tokens match the whole name. A mismatch goes back only to the last `*`, never to earlier ones, so the
 * cost is at most the pattern's length times the name's (a backtracking RegExp of `*a*a*a…b` is exponential).
 */
function matchTokens(tokens: Token[], name: string[]): boolean {
  let t = 0;
  let n = 0;
  let star = -1;
  let starAt = 0;
  while (n < name.length) {
    const token = tokens[t];
    if (token?.star) {
      star = t++;
      starAt = n;
    } else if (token && token.test(name[n]!)) {
      t++;
      n++;
    } else if (star >= 0) {
      t = star + 1;
      n = ++starAt;
    } else return false;
  }
  while (tokens[t]?.star) t++;
  return t === tokens.length;
}

/** How many context paths a wildcard source matches, by listing the directories it reaches (at most 200 listings). */
async function globMatches(input: SourceInput, rel: string): Promise<number> {
  let current = [input.context];
  let listings = 0;
  for (const part of rel.split('/')) {
    const next: string[] = [];
    for (const dir of current) {
      if (!GLOB.test(part)) {
        if (await input.lookup.exists(path.join(dir, part))) next.push(path.join(dir, part));
        continue;
      }
      // Too wide to follow: count it as matched rather than guess.
      if (++listings > 200) return 1;
      const matches = partPattern(part);
      // A pattern the builder refuses: not followed, and counted as matched so that the line gets no finding from it.
      if (!matches) return 1;
      for (const name of (await input.lookup.list(dir)) ?? []) if (matches(name)) next.push(path.join(dir, name));
    }
    current = next;
    if (current.length === 0) return 0;
  }
  return current.length;
}

/** Words people name build stages with; no official image has these names, so `--from=builder` with no such stage is a slip. */
const STAGE_WORDS = new Set([
  'builder',
  'build',
  'base',
  'deps',
  'dependencies',
  'dev',
  'development',
  'prod',
  'production',
  'runtime',
  'runner',
  'release',
  'final',
  'compile',
  'compiler',
  'assets',
  'frontend',
  'backend',
  'installer',
  'build-env',
  'build-stage',
]);

/** The --from of a COPY/ADD and the from= of each RUN --mount, checked against the stages before this one. */
function stageProblems(dockerfile: ParsedDockerfile, instruction: DockerfileInstruction, vars: Vars): UnknownStage[] {
  const refs = instruction.flags.flatMap((f) => {
    if (f.name === 'from' && f.value && (instruction.keyword === 'COPY' || instruction.keyword === 'ADD')) return [f.value];
    if (f.name === 'mount' && f.value) return [...f.value.matchAll(/(?:^|,)from=([^,]+)/g)].map((m) => m[1]!);
    return [];
  });
  const problems: UnknownStage[] = [];
  for (const written of refs) {
    const ref = expand(written, vars)?.text;
    if (ref === undefined || ref === '') continue;
    const reason = stageRefProblem(dockerfile, ref, instruction.stage);
    if (reason) problems.push({ kind: 'from-unknown', instruction, source: ref, ...reason });
  }
  return problems;
}

function stageRefProblem(
  dockerfile: ParsedDockerfile,
  ref: string,
  stage: number,
): Omit<UnknownStage, 'kind' | 'instruction' | 'source'> | undefined {
  const { stages } = dockerfile;
  if (/^\d+$/.test(ref)) {
    const index = Number(ref);
    if (index === stage) return { reason: 'self' };
    if (index >= stages.length) return { reason: 'out-of-range' };
    return index > stage ? { reason: 'later', stage: { name: ref, line: stages[index]!.line } } : undefined;
  }
  if (stageIndex(dockerfile, ref, stage) !== undefined) return undefined;
  const named = stages.findIndex((s) => s.name?.toLowerCase() === ref.toLowerCase());
  if (named === stage) return { reason: 'self' };
  if (named > stage) return { reason: 'later', stage: { name: stages[named]!.name!, line: stages[named]!.line } };
  // Anything with a registry, tag, digest or path is an image; so may be a bare word (golang, composer).
  if (/[/:@.]/.test(ref)) return undefined;
  const near = stages.slice(0, stage).find((s) => s.name && s.name.length >= 4 && distance(s.name.toLowerCase(), ref.toLowerCase()) <= 2);
  if (near) return { reason: 'no-stage', stage: { name: near.name!, line: near.line } };
  return STAGE_WORDS.has(ref.toLowerCase()) ? { reason: 'no-stage' } : undefined;
}

/** Levenshtein distance, for names of a few characters. */
function distance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
}
