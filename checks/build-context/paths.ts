import { isExcluded, parseIgnoreFile, type IgnoreRules } from '../../src/facts/project/ignore.js';
import type { SentFile } from '../../src/facts/project/context-scan.js';

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
export function heavyPaths(files: readonly SentFile[]): HeavyPath[] {
  const found = new Map<string, HeavyPath>();
  for (const file of files) {
    let hit: HeavyPath | undefined;
    // Most files sit under no heavy directory: one regex test before splitting anything.
    const parts = HEAVY_DIR_IN_PATH.test(file.path) ? file.path.split('/') : [];
    for (let i = 0; i < parts.length - 1; i++) {
      const rule = HEAVY_DIRS[parts[i]!];
      if (!rule) continue;
      const dir = parts.slice(0, i + 1).join('/');
      hit = found.get(dir) ?? { path: dir, rule, bytes: 0, files: 0 };
      found.set(dir, hit);
      break;
    }
    if (!hit && HEAVY_FILE.test(file.path) && (file.path.endsWith('.log') || file.size > 1024 * 1024)) {
      const rule = file.path.endsWith('.log') ? '**/*.log' : file.path;
      hit = found.get(rule) ?? { path: rule === '**/*.log' ? '*.log files' : file.path, rule, bytes: 0, files: 0 };
      found.set(rule, hit);
    }
    if (hit) {
      hit.bytes += file.size;
      hit.files++;
    }
  }
  return [...found.values()].sort((a, b) => b.bytes - a.bytes);
}

export function secretFiles(files: readonly SentFile[]): string[] {
  const found: string[] = [];
  for (const { path } of files) {
    const base = path.slice(path.lastIndexOf('/') + 1);
    if (SECRET_NAME.test(base) && !NOT_SECRET.test(base)) found.push(path);
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
export function proposeIgnore(files: readonly SentFile[], heavy: readonly HeavyPath[], secrets: readonly string[], copySources: readonly string[]): Proposal {
  const lines = [...new Set([...heavy.map((h) => h.rule), ...secrets])];
  const keep = lines.filter((line) => {
    const rules = parseIgnoreFile(line);
    return !copySources.some((source) => isExcluded(rules, source));
  });
  const text = ['# Proposed by docker-doctor from what this context holds', ...keep].join('\n') + '\n';
  const rules = parseIgnoreFile(text);
  let afterFiles = 0;
  let afterBytes = 0;
  let beforeBytes = 0;
  for (const file of files) {
    beforeBytes += file.size;
    if (!isExcluded(rules, file.path)) {
      afterFiles++;
      afterBytes += file.size;
    }
  }
  return { text, rules, before: { files: files.length, bytes: beforeBytes }, after: { files: afterFiles, bytes: afterBytes } };
}
