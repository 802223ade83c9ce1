import { isExcluded, parseIgnoreFile, type IgnoreRules } from '../../src/facts/project/ignore.js';
import { sentPath, type SentDir } from '../../src/facts/project/context-walk.js';

/** Directories that are heavy, generated or volatile, with the ignore line that excludes them anywhere. */
const HEAVY_DIRS: Record<string, string> = {
  '.git': '.git',
  node_modules: '**/node_modules',
  '.venv': '**/.venv',
  venv: '**/venv',
  __pycache__: '**/__pycache__',
  target: '**/target',
  dist: '**/dist',
  build: '**/build',
  coverage: '**/coverage',
  '.next': '**/.next',
  '.nuxt': '**/.nuxt',
  '.cache': '**/.cache',
  '.pytest_cache': '**/.pytest_cache',
  '.mypy_cache': '**/.mypy_cache',
  '.tox': '**/.tox',
  '.gradle': '**/.gradle',
  '.terraform': '**/.terraform',
};
const HEAVY_DIR_IN_PATH = new RegExp(`(^|/)(${Object.keys(HEAVY_DIRS).map((d) => d.replace(/\./g, '\\.')).join('|')})/`);
const HEAVY_FILE = /\.(log|sqlite3?|db|dump|sql\.gz|tar|tar\.gz|tgz|zip)$/;
/** Tested on the base name only: it runs for every file of the context. */
const SECRET_NAME = /^(\.env(\..*)?|.*\.(pem|key|p12|pfx|kdbx)|id_(rsa|dsa|ecdsa|ed25519)|\.git-credentials|\.netrc|\.npmrc|\.pypirc|credentials(\.json)?|service-account.*\.json)$/;
const NOT_SECRET = /\.env\.(example|sample|template|dist|defaults)$|^public.*\.pem$/;

export interface HeavyPath {
  path: string;
  /** The ignore line that excludes it wherever it is. */
  rule: string;
  bytes: number;
  files: number;
}

/** Heavy or volatile paths among the sent files, outermost only, largest first. */
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
      if (name.endsWith('.log')) add('**/*.log', () => ({ path: '*.log files', rule: '**/*.log', bytes: 0, files: 0 }), size, 1);
      else add(file, () => ({ path: file, rule: file, bytes: 0, files: 0 }), size, 1);
    });
  }
  return [...found.values()].sort((a, b) => b.bytes - a.bytes);
}

function outermostHeavyDir(dirPath: string): { path: string; rule: string } | undefined {
  // Most directories are under no heavy directory: one regex test before splitting anything.
  if (!HEAVY_DIR_IN_PATH.test(`${dirPath}/`)) return undefined;
  const parts = dirPath.split('/');
  const i = parts.findIndex((part) => Object.hasOwn(HEAVY_DIRS, part));
  return { path: parts.slice(0, i + 1).join('/'), rule: HEAVY_DIRS[parts[i]!]! };
}

// Ignore lines for secret files: their paths, or past a screenful one pattern per kind (any .env, any *.pem), so
// the fix stays short enough to type.
export function secretRules(secrets: readonly string[], limit = 20): string[] {
  if (secrets.length <= limit) return [...secrets];
  return [
    ...new Set(
      secrets.map((file) => {
        const name = file.slice(file.lastIndexOf('/') + 1);
        const extension = /\.(pem|key|p12|pfx|kdbx)$/.exec(name);
        return extension ? `**/*${extension[0]}` : `**/${name}`;
      }),
    ),
  ];
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

/** A .dockerignore built from what was found, minus any rule that would exclude what the Dockerfile copies. */
export function proposeIgnore(dirs: readonly SentDir[], heavy: readonly HeavyPath[], secrets: readonly string[], copySources: readonly string[]): Proposal {
  const lines = [...new Set([...heavy.map((h) => h.rule), ...secretRules(secrets)])];
  const keep = lines.filter((line) => {
    const rules = parseIgnoreFile(line);
    return !copySources.some((source) => isExcluded(rules, source));
  });
  const text = ['# Proposed by docker-doctor from what this context holds', ...keep].join('\n') + '\n';
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
