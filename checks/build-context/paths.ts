import { isExcluded, parseIgnoreFile, type IgnoreRules } from '../../src/facts/project/ignore.js';
import { sentPath, type SentDir } from '../../src/facts/project/context-walk.js';
import { excludesAny, type CopyPlan } from './copies.js';

/**
 * What a heavy path is to the image: version control and caches are never needed by it; dependencies are, unless the
 * Dockerfile installs them itself; build output and data files may be what the app serves or reads.
 */
export type HeavyKind = 'vcs' | 'cache' | 'dependencies' | 'output' | 'logs' | 'data';

/** Directories that are heavy, generated or volatile, with the ignore line that excludes them anywhere. */
const HEAVY_DIRS: Record<string, { rule: string; kind: HeavyKind }> = {
  '.git': { rule: '.git', kind: 'vcs' },
  node_modules: { rule: '**/node_modules', kind: 'dependencies' },
  '.venv': { rule: '**/.venv', kind: 'dependencies' },
  venv: { rule: '**/venv', kind: 'dependencies' },
  __pycache__: { rule: '**/__pycache__', kind: 'cache' },
  target: { rule: '**/target', kind: 'output' },
  dist: { rule: '**/dist', kind: 'output' },
  build: { rule: '**/build', kind: 'output' },
  coverage: { rule: '**/coverage', kind: 'cache' },
  '.next': { rule: '**/.next', kind: 'output' },
  '.nuxt': { rule: '**/.nuxt', kind: 'output' },
  '.cache': { rule: '**/.cache', kind: 'cache' },
  '.pytest_cache': { rule: '**/.pytest_cache', kind: 'cache' },
  '.mypy_cache': { rule: '**/.mypy_cache', kind: 'cache' },
  '.tox': { rule: '**/.tox', kind: 'cache' },
  '.gradle': { rule: '**/.gradle', kind: 'cache' },
  '.terraform': { rule: '**/.terraform', kind: 'cache' },
};
/**
 * A path is heavy by what it weighs, not by its name: a 34-byte Go package `internal/build` is source. Below these,
 * sending it costs the build nothing worth a finding.
 */
export const HEAVY_MIN_BYTES = 1024 * 1024;
export const HEAVY_MIN_FILES = 1000;
const HEAVY_DIR_IN_PATH = new RegExp(
  `(^|/)(${Object.keys(HEAVY_DIRS)
    .map((d) => d.replace(/\./g, '\\.'))
    .join('|')})/`,
);
const HEAVY_FILE = /\.(log|sqlite3?|db|dump|sql\.gz|tar|tar\.gz|tgz|zip)$/;
/** Tested on the base name only: it runs for every file of the context. */
const SECRET_NAME =
  /^(\.env(\..*)?|.*\.(pem|key|p12|pfx|kdbx)|id_(rsa|dsa|ecdsa|ed25519)|\.git-credentials|\.netrc|\.npmrc|\.pypirc|credentials(\.json)?|service-account.*\.json)$/;
const NOT_SECRET = /\.env\.(example|sample|template|dist|defaults)$|^public.*\.pem$/;

export interface HeavyPath {
  path: string;
  kind: HeavyKind;
  /** The ignore line that excludes it wherever it is. */
  rule: string;
  bytes: number;
  files: number;
}

/** Heavy or volatile paths among the sent files that weigh at least the threshold, outermost only, largest first. */
export function heavyPaths(dirs: readonly SentDir[]): HeavyPath[] {
  const found = new Map<string, HeavyPath>();
  const add = (key: string, make: () => HeavyPath, bytes: number, files: number): void => {
    let hit = found.get(key);
    if (!hit) found.set(key, (hit = make()));
    hit.bytes += bytes;
    hit.files += files;
  };
  for (const dir of dirs) {
    const heavyDir = outermostHeavyDir(dir.path);
    if (heavyDir) {
      add(heavyDir.path, () => ({ ...heavyDir, bytes: 0, files: 0 }), dir.bytes, dir.names.length);
      continue;
    }
    dir.names.forEach((name, i) => {
      const size = dir.sizes[i]!;
      if (!HEAVY_FILE.test(name) || !(name.endsWith('.log') || size > 1024 * 1024)) return;
      const file = sentPath(dir, i);
      if (name.endsWith('.log'))
        add('**/*.log', () => ({ path: '*.log files', kind: 'logs', rule: '**/*.log', bytes: 0, files: 0 }), size, 1);
      else add(file, () => ({ path: file, kind: 'data', rule: file, bytes: 0, files: 0 }), size, 1);
    });
  }
  return [...found.values()]
    .filter((h) => h.bytes >= HEAVY_MIN_BYTES || h.files >= HEAVY_MIN_FILES)
    .sort((a, b) => b.bytes - a.bytes || (a.path < b.path ? -1 : 1));
}

function outermostHeavyDir(dirPath: string): { path: string; rule: string; kind: HeavyKind } | undefined {
  // Most directories are under no heavy directory: one regex test before splitting anything.
  if (!HEAVY_DIR_IN_PATH.test(`${dirPath}/`)) return undefined;
  const parts = dirPath.split('/');
  const i = parts.findIndex((part) => Object.hasOwn(HEAVY_DIRS, part));
  return { path: parts.slice(0, i + 1).join('/'), ...HEAVY_DIRS[parts[i]!]! };
}

// Ignore lines for secret files: their paths, or past a screenful one pattern per kind (any .env, any *.pem), so
// the fix stays short enough to type. A kind's pattern that would also exclude a protected path (a file the
// Dockerfile copies) gives way to that kind's paths.
export function secretRules(secrets: readonly string[], limit = 20, keep: readonly string[] = []): string[] {
  if (secrets.length <= limit) return [...secrets];
  const byKind = new Map<string, string[]>();
  for (const file of secrets) {
    const name = file.slice(file.lastIndexOf('/') + 1);
    const extension = /\.(pem|key|p12|pfx|kdbx)$/.exec(name);
    const kind = extension ? `**/*${extension[0]}` : `**/${name}`;
    byKind.set(kind, [...(byKind.get(kind) ?? []), file]);
  }
  return [...byKind].flatMap(([kind, files]) => (keep.length > 0 && excludesAny(kind, keep) ? files : [kind]));
}

export function secretFiles(dirs: readonly SentDir[]): string[] {
  const found: string[] = [];
  for (const dir of dirs) {
    dir.names.forEach((name, i) => {
      if (SECRET_NAME.test(name) && !NOT_SECRET.test(name)) found.push(sentPath(dir, i));
    });
  }
  return found.sort();
}

export interface Proposal {
  text: string;
  rules: IgnoreRules;
  before: { files: number; bytes: number };
  after: { files: number; bytes: number };
}

/**
 * A .dockerignore built from what was found. `lines` are the exclusions, already chosen so that none of them excludes
 * what the Dockerfile copies; the proposal is measured against the walked context.
 */
export function proposeIgnore(dirs: readonly SentDir[], lines: readonly string[]): Proposal {
  const text = ['# Proposed by docker-doctor from what this context holds', ...new Set(lines)].join('\n') + '\n';
  const rules = parseIgnoreFile(text);
  const before = { files: 0, bytes: 0 };
  const after = { files: 0, bytes: 0 };
  for (const dir of dirs) {
    before.files += dir.names.length;
    before.bytes += dir.bytes;
    dir.names.forEach((_, i) => {
      if (isExcluded(rules, sentPath(dir, i))) return;
      after.files++;
      after.bytes += dir.sizes[i]!;
    });
  }
  return { text, rules, before, after };
}

/**
 * The ignore line for a heavy path: the pattern that excludes it anywhere, or its own path when that pattern would
 * also exclude something the Dockerfile copies (the any-depth dist pattern when the Dockerfile copies web/dist), or,
 * for build output, a light directory of the same name elsewhere (a 5 KiB vendored Go package `vendor/…/target`, a
 * `build/ci` of makefiles): light, it is not build output but source.
 */
export function heavyRule(
  heavy: HeavyPath,
  keep: readonly string[],
  dirs: readonly SentDir[] = [],
  all: readonly HeavyPath[] = [heavy],
): string | undefined {
  if (heavy.rule === heavy.path) return heavy.rule;
  if (excludesAny(heavy.rule, keep)) {
    // Logs are many files with no one path: when their pattern would hit a copied file, propose nothing for them.
    return heavy.kind === 'logs' ? undefined : heavy.path;
  }
  if (heavy.kind === 'output') {
    const rules = parseIgnoreFile(heavy.rule);
    const under = (dir: string, h: HeavyPath) => dir === h.path || dir.startsWith(`${h.path}/`);
    const light = dirs.some((d) => d.names.length > 0 && !all.some((h) => under(d.path, h)) && isExcluded(rules, sentPath(d, 0)));
    if (light) return heavy.path;
  }
  return heavy.rule;
}

const DEPENDENCY_FAMILY: Record<string, string> = { node_modules: 'node', '.venv': 'python', venv: 'python' };

/**
 * Whether the image can do without a heavy path. Only a whole-context copy (COPY . .) can need it: then version
 * control is safe to leave out unless a RUN calls git, caches and logs always are, dependencies only when the build
 * installs them itself, and build output or data files never (they may be what the app serves or reads).
 */
export function imageCanDoWithout(heavy: HeavyPath, plan: CopyPlan): boolean {
  if (plan.known && plan.wholeBuilt === undefined) return true;
  switch (heavy.kind) {
    case 'vcs':
      return !plan.usesGit;
    case 'cache':
    case 'logs':
      return true;
    case 'dependencies':
      return plan.installs.has(DEPENDENCY_FAMILY[heavy.path.slice(heavy.path.lastIndexOf('/') + 1)] ?? '');
    default:
      return false;
  }
}
