import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { isExcluded, mayReinclude, parseIgnoreFile, type IgnoreRules } from './ignore.js';

export interface SentFile {
  path: string;
  size: number;
}

export interface ContextScan extends WalkPart {
  root: string;
  elapsedMs: number;
}

export interface ScanOptions {
  rules?: IgnoreRules;
  /** Paths always sent whatever the rules say (the Dockerfile and the ignore file, as the docker CLI does). */
  alwaysSent?: string[];
  budgetMs: number;
  signal?: AbortSignal;
}

/** The part of a walk one thread does: the directories on its stack, and everything below them. */
export interface WalkPart {
  sentFiles: number;
  sentBytes: number;
  /** Every file that would be sent (relative, slash-separated), for matching and for measuring a proposed ignore file. */
  files: SentFile[];
  /** Directories the ignore rules exclude entirely: never walked. */
  excludedDirs: string[];
  unreadable: string[];
  /** True when the time budget ran out: the figures are a lower bound. */
  truncated: boolean;
}

export interface WalkOptions {
  rules?: IgnoreRules;
  always: ReadonlySet<string>;
  deadline: number;
  signal?: AbortSignal;
  /** Called once, after this many entries, with the directories still to walk; whatever it takes is someone else's. */
  offload?: { after: number; take(stack: string[]): void };
}

/**
 * Walks directories the way the docker CLI's tar walk does: symlinks are sent as links (never followed, so loops
 * cannot trap it), directories the rules exclude entirely are not entered unless an exception could re-include
 * something inside, and unreadable directories are recorded rather than fatal. Synchronous calls in one loop measured
 * ~30 % faster than the libuv thread pool for 100,000 lstat calls.
 */
export function walk(root: string, stack: string[], options: WalkOptions): WalkPart {
  const { rules, always } = options;
  const part: WalkPart = { sentFiles: 0, sentBytes: 0, files: [], excludedDirs: [], unreadable: [], truncated: false };
  const base = root.endsWith(path.sep) ? root : `${root}${path.sep}`;
  let seen = 0;
  let offload = options.offload;
  while (stack.length > 0) {
    if ((seen & 0xff) === 0 && (performance.now() > options.deadline || options.signal?.aborted)) {
      part.truncated = true;
      break;
    }
    const rel = stack.pop()!;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(rel ? `${base}${rel}` : root, { withFileTypes: true });
    } catch {
      part.unreadable.push(rel || '.');
      continue;
    }
    for (const entry of entries) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (rules && isExcluded(rules, child) && !mayReinclude(rules, child)) part.excludedDirs.push(child);
        else stack.push(child);
        continue;
      }
      if (rules && isExcluded(rules, child) && !always.has(child)) continue;
      const stat = fs.lstatSync(`${base}${child}`, { throwIfNoEntry: false });
      if (!stat) continue;
      part.sentFiles++;
      part.sentBytes += stat.size;
      part.files.push({ path: child, size: stat.size });
    }
    seen += entries.length;
    if (offload && seen > offload.after && stack.length >= 2) {
      offload.take(stack);
      offload = undefined;
    }
  }
  return part;
}

/** Rules as text, to rebuild them in a worker (compiled regexps cannot cross threads). */
export function rulesToText(rules: IgnoreRules): string {
  return rules.patterns.map((p) => `${p.exclusion ? '!' : ''}${p.cleaned}`).join('\n');
}

function workerFile(): string | undefined {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return [path.join(here, 'scan-worker.js'), path.join(here, '..', 'scan-worker.js')].find((f) => fs.existsSync(f));
}

/**
 * Walks a build context once. A large tree is split with one worker thread once the walk has seen a few thousand
 * entries: lstat is the cost, and the two halves run on two cores.
 */
export async function scanContext(root: string, options: ScanOptions): Promise<ContextScan> {
  const started = performance.now();
  const deadline = started + options.budgetMs;
  const always = new Set(options.alwaysSent ?? []);
  const script = workerFile();
  const helpers: Promise<WalkPart>[] = [];
  const own = walk(root, [''], {
    rules: options.rules,
    always,
    deadline,
    signal: options.signal,
    ...(script
      ? {
          offload: {
            after: 1000,
            // The worker starts ~40 ms late: it gets a bit less than half.
            take: (stack: string[]) => {
              const handed = stack.splice(0, Math.floor(stack.length * 0.4));
              helpers.push(runWorker(script, { root, stack: handed, rules: options.rules ? rulesToText(options.rules) : undefined, always: [...always], deadline: Date.now() + (deadline - performance.now()) }));
            },
          },
        }
      : {}),
  });
  const parts = [own, ...(await Promise.all(helpers))];
  const result: ContextScan = { root, sentFiles: 0, sentBytes: 0, files: [], excludedDirs: [], unreadable: [], truncated: false, elapsedMs: 0 };
  for (const part of parts) {
    result.sentFiles += part.sentFiles;
    result.sentBytes += part.sentBytes;
    for (const f of part.files) result.files.push(f);
    result.excludedDirs.push(...part.excludedDirs);
    result.unreadable.push(...part.unreadable);
    result.truncated ||= part.truncated;
  }
  result.elapsedMs = performance.now() - started;
  return result;
}

interface WorkerInput {
  root: string;
  stack: string[];
  rules?: string;
  always: string[];
  /** Wall-clock deadline (performance.now() differs between threads). */
  deadline: number;
}

function runWorker(script: string, input: WorkerInput): Promise<WalkPart> {
  return new Promise((resolve) => {
    const worker = new Worker(script, { workerData: input });
    const fallback = (): void => resolve(walk(input.root, input.stack, { always: new Set(input.always), deadline: performance.now() + Math.max(0, input.deadline - Date.now()), ...(input.rules !== undefined ? { rules: parseIgnoreFile(input.rules) } : {}) }));
    worker.once('message', (message: WalkPart & { paths: string[]; sizes: Float64Array }) => {
      const { paths, sizes, ...part } = message;
      part.files = paths.map((p, i) => ({ path: p, size: sizes[i]! }));
      resolve(part);
      void worker.terminate();
    });
    // A worker that cannot start (or dies) must not lose its half of the tree.
    worker.once('error', fallback);
  });
}

export interface DirectorySize {
  path: string;
  bytes: number;
  files: number;
}

/** Sizes of the directories that hold the sent files, up to a depth, largest first. */
export function largestDirectories(files: readonly SentFile[], depth = 2, count = 5): DirectorySize[] {
  const sizes = new Map<string, DirectorySize>();
  for (const file of files) {
    let end = file.path.indexOf('/');
    for (let d = 1; end !== -1 && d <= depth; d++) {
      const dir = file.path.slice(0, end);
      let entry = sizes.get(dir);
      if (!entry) sizes.set(dir, (entry = { path: dir, bytes: 0, files: 0 }));
      entry.bytes += file.size;
      entry.files++;
      end = file.path.indexOf('/', end + 1);
    }
  }
  return [...sizes.values()].sort((a, b) => b.bytes - a.bytes || a.path.localeCompare(b.path)).slice(0, count);
}
