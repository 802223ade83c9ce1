import type { ParsedDockerfile } from '../../src/facts/project/dockerfile.js';
import { sentPath, type SentDir } from '../../src/facts/project/context-walk.js';
import { cleanPath, isExcluded, parseIgnoreFile, type IgnoreRules } from '../../src/facts/project/ignore.js';
import { copiesWholeContext, copySources, dependencyInstall } from './dockerfile-rules.js';
import { carriedSources } from './carried.js';
import { stageReach } from './stages.js';

export interface NamedSource {
  source: string;
  line: number;
  keyword: string;
}

/** What a Dockerfile takes from its context: what an ignore rule must never exclude, and where whole copies land. */
export interface CopyPlan {
  /** False when the Dockerfile could not be read: then nothing is known about what it copies. */
  known: boolean;
  /** Every COPY/ADD source from the context but whole-context copies, in every stage (the classic builder runs them all). */
  named: NamedSource[];
  /** The line of a whole-context copy in a stage whose layers are the final image's, if any. */
  wholeInImage?: number;
  /** The line of a whole-context copy in any stage the build runs, if any. */
  wholeBuilt?: number;
  /** Dependency families (node, python…) the build installs itself. */
  installs: ReadonlySet<string>;
  /** A RUN calls git (git describe, setuptools-scm…): the build may read .git. */
  usesGit: boolean;
  /** The line of a COPY --from in the image's stages that carries a stage's whole-context copy over, if any. */
  wholeCarried?: number;
  /** The first named source that copies this context path (itself or a file under it), if any. */
  copiedBy(file: string): NamedSource | undefined;
  /**
   * The COPY --from that carries this context path into the image from a stage that copied it, if any. Used for
   * secrets only: a build stage's node_modules that the image takes over is rebuilt there, and excluding it is right.
   */
  carriedBy(file: string): NamedSource | undefined;
}

/** Without a readable Dockerfile, nothing is known: callers assume it may copy anything and install nothing. */
export function copyPlan(dockerfile: ParsedDockerfile | undefined, target?: string): CopyPlan {
  if (!dockerfile)
    return { known: false, named: [], installs: new Set(), usesGit: true, copiedBy: () => undefined, carriedBy: () => undefined };
  const reach = stageReach(dockerfile, target);
  const built = dockerfile.instructions.filter((i) => reach.built.has(i.stage));
  const named = dockerfile.instructions.flatMap((i) =>
    copySources(i)
      .filter((s) => s !== '.' && s !== '*' && !/^[!#]/.test(s))
      .map((source) => ({ source, line: i.line, keyword: i.keyword })),
  );
  // A source is matched as an ignore pattern would be: itself, anything under it, and its globs (COPY *.json ./).
  const copiedBy = firstSourceOf(named);
  const carried = carriedSources(dockerfile, reach);
  const carriedBy = firstSourceOf(carried.named);
  const wholeInImage = built.find((i) => reach.layers.has(i.stage) && copiesWholeContext(i))?.line;
  const wholeBuilt = built.find(copiesWholeContext)?.line;
  return {
    known: true,
    named,
    ...(wholeInImage !== undefined ? { wholeInImage } : {}),
    ...(wholeBuilt !== undefined ? { wholeBuilt } : {}),
    ...(carried.whole !== undefined ? { wholeCarried: carried.whole } : {}),
    installs: new Set(built.map((i) => dependencyInstall(i)?.family).filter((f): f is string => f !== undefined)),
    usesGit: built.some((i) => i.keyword === 'RUN' && /\bgit\s|setuptools[-_]scm|versioneer/.test(i.args)),
    copiedBy,
    carriedBy,
  };
}

/**
 * A source with no glob or escape, as the ignore-file reader cleans a pattern (trimmed, cleaned, one leading / dropped):
 * it matches that path and what is under it. Worked out without compiling a pattern, which 100,000 sources would weigh.
 */
function plainPattern(source: string): string | undefined {
  if (/[*?[\]\\]/.test(source) || source.length > 1024 || source.trim() === '') return undefined;
  let cleaned = cleanPath(source.trim());
  if (cleaned.length > 1 && cleaned.startsWith('/')) cleaned = cleaned.slice(1);
  return cleanPath(cleaned);
}

/**
 * The first source (in Dockerfile order) that copies a context path, matched as an ignore pattern would match it: the
 * path itself, anything under it, and its globs (COPY *.json ./). Plain paths are looked up by each directory above
 * the file, so 100,000 `COPY src/fN /a` lines cost a few map lookups per file of the context, not 100,000 matches;
 * only sources with globs or escapes are matched one by one, each distinct one once.
 */
function firstSourceOf(named: readonly NamedSource[]): (file: string) => NamedSource | undefined {
  const plain = new Map<string, number>();
  const patterns: [IgnoreRules, number][] = [];
  const seen = new Set<string>();
  named.forEach((n, order) => {
    if (seen.has(n.source)) return;
    seen.add(n.source);
    const cleaned = plainPattern(n.source);
    if (cleaned !== undefined) {
      if (!plain.has(cleaned)) plain.set(cleaned, order);
      return;
    }
    const rules = parseIgnoreFile(n.source);
    if (rules.patterns.length > 0) patterns.push([rules, order]);
  });
  return (file) => {
    let best = Infinity;
    // The file, then each directory above it: an exact pattern matches a path or a directory above it.
    for (let end = file.length; end > 0; end = file.lastIndexOf('/', end - 1)) best = Math.min(best, plain.get(file.slice(0, end)) ?? best);
    for (const [rules, order] of patterns) {
      if (order >= best) break;
      if (isExcluded(rules, file)) best = order;
    }
    return named[best];
  };
}

/** The context paths an ignore rule must leave alone: every named source, and every sent file one of them copies. */
export function protectedPaths(plan: CopyPlan, dirs: readonly SentDir[]): string[] {
  const out = plan.named.filter((n) => !/[*?[]/.test(n.source)).map((n) => n.source);
  if (plan.named.length === 0) return out;
  for (const dir of dirs) {
    dir.names.forEach((_, i) => {
      const file = sentPath(dir, i);
      if (plan.copiedBy(file)) out.push(file);
    });
  }
  return out;
}

/** Whether an ignore line would exclude any of these paths. */
export function excludesAny(line: string, paths: readonly string[]): boolean {
  const rules = parseIgnoreFile(line);
  return paths.some((p) => isExcluded(rules, p));
}
