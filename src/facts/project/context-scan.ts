import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { nodeTree, type TreeClient } from '../clients.js';
import { DirQueue, HELPER_THREAD, MAIN_THREAD, sentPath, walk, type SentDir, type WalkPart } from './context-walk.js';
import { parseIgnoreFile, type IgnoreRules } from './ignore.js';

export interface ContextScan extends WalkPart {
  root: string;
  elapsedMs: number;
  /** 2 when a worker thread shared the walk. */
  threads: number;
}

export interface ScanOptions {
  rules?: IgnoreRules;
  /** Paths always sent whatever the rules say (the Dockerfile and the ignore file, as the docker CLI does). */
  alwaysSent?: string[];
  budgetMs: number;
  signal?: AbortSignal;
  /** The worker that shares a large walk; null walks on this thread alone. Found next to the bundle by default. */
  workerScript?: string | null;
  /** The reads the walk makes: node's file system by default. Another tree is walked on this thread alone. */
  tree?: TreeClient;
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
 * Walks a build context once. Once a walk has seen a thousand entries, a worker thread joins it on the other core:
 * lstat is the cost, and the two threads claim the remaining directories from a shared queue.
 */
export async function scanContext(root: string, options: ScanOptions): Promise<ContextScan> {
  const started = performance.now();
  const { part, threads } = await walkShared(root, [''], {
    ...options,
    deadline: started + options.budgetMs,
    always: new Set(options.alwaysSent ?? []),
  });
  return { ...part, root, elapsedMs: performance.now() - started, threads };
}

export interface IgnoredSize {
  files: number;
  bytes: number;
  /** True when the time budget ran out: the figures are a lower bound. */
  truncated: boolean;
}

/**
 * What the ignore file keeps out of a scanned context: the directories it pruned, walked in full, and the files it
 * skipped. Only measured when a finding needs it, so that a context with a well-ignored node_modules stays fast.
 */
export async function measureIgnored(
  scan: ContextScan,
  options: Pick<ScanOptions, 'budgetMs' | 'signal' | 'workerScript' | 'tree'>,
): Promise<IgnoredSize> {
  const deadline = performance.now() + options.budgetMs;
  const { part: dirs } = await walkShared(scan.root, [...scan.excludedDirs], { ...options, deadline, always: new Set() });
  const truncated = dirs.truncated || scan.truncated || scan.excludedFilesCapped === true;
  const result = { files: dirs.sentFiles, bytes: dirs.sentBytes, truncated };
  const base = scan.root.endsWith(path.sep) ? scan.root : `${scan.root}${path.sep}`;
  const tree = options.tree ?? nodeTree;
  for (const [i, file] of scan.excludedFiles.entries()) {
    if ((i & 0xff) === 0 && (performance.now() > deadline || options.signal?.aborted)) return { ...result, truncated: true };
    const size = tree.size(`${base}${file}`);
    if (size === undefined) continue;
    result.files++;
    result.bytes += size;
  }
  return result;
}

/** A walk from the given directories that hands half of what remains to a worker thread once it proves large. */
async function walkShared(
  root: string,
  stack: string[],
  options: Omit<ScanOptions, 'budgetMs' | 'alwaysSent'> & { deadline: number; always: ReadonlySet<string> },
): Promise<{ part: WalkPart; threads: number }> {
  const tree = options.tree ?? nodeTree;
  // The worker reads node's file system: a tree handed in (a fake one, in tests) is walked here alone.
  const script = tree !== nodeTree ? null : options.workerScript === undefined ? workerFile() : options.workerScript;
  let helper: ReturnType<typeof runWorker> | undefined;
  let queue: DirQueue | undefined;
  const share = {
    after: 1000,
    start: (dirs: string[]) => {
      queue = new DirQueue(dirs);
      const input: WorkerInput = {
        root,
        dirs,
        buffer: queue.buffer,
        rules: options.rules ? rulesToText(options.rules) : undefined,
        always: [...options.always],
        deadline: Date.now() + (options.deadline - performance.now()),
      };
      helper = runWorker(script!, queue, input);
      return queue;
    },
  };
  const own = walk(root, stack, { ...options, tree, ...(script ? { share } : {}) });
  if (!helper) return { part: own, threads: 1 };
  // A walk just over the threshold can be over before the worker has started (~30 ms): then it has nothing to add.
  if (queue!.claimedBy(MAIN_THREAD).length === queue!.dirs.length) {
    helper.cancel();
    return { part: own, threads: 1 };
  }
  return { part: merge(own, await helper.part), threads: 2 };
}

function merge(own: WalkPart, helper: WalkPart): WalkPart {
  return {
    sentFiles: own.sentFiles + helper.sentFiles,
    sentBytes: own.sentBytes + helper.sentBytes,
    dirs: own.dirs.concat(helper.dirs),
    excludedDirs: own.excludedDirs.concat(helper.excludedDirs),
    excludedFiles: own.excludedFiles.concat(helper.excludedFiles),
    ...(own.excludedFilesCapped || helper.excludedFilesCapped ? { excludedFilesCapped: true } : {}),
    unreadable: own.unreadable.concat(helper.unreadable),
    truncated: own.truncated || helper.truncated,
  };
}

export interface WorkerInput {
  root: string;
  dirs: string[];
  buffer: SharedArrayBuffer;
  rules?: string | undefined;
  always: string[];
  /** Wall-clock deadline (performance.now() differs between threads). */
  deadline: number;
}

/** The helper's share of a walk: the directories it claims from the queue (in the worker), or a given list. */
export function helperWalk(input: WorkerInput, stack: string[], queue?: DirQueue): WalkPart {
  return walk(input.root, stack, {
    tree: nodeTree,
    always: new Set(input.always),
    deadline: performance.now() + Math.max(0, input.deadline - Date.now()),
    ...(queue ? { queue } : {}),
    ...(input.rules !== undefined ? { rules: parseIgnoreFile(input.rules) } : {}),
  });
}

function runWorker(script: string, queue: DirQueue, input: WorkerInput): { part: Promise<WalkPart>; cancel(): void } {
  const worker = new Worker(script, { workerData: input });
  const part = new Promise<WalkPart>((resolve) => {
    worker.once('message', (message: WalkPart) => {
      resolve(message);
      void worker.terminate();
    });
    // A worker that cannot start, or dies, must not lose what it claimed: this thread walks it again.
    worker.once('error', () => resolve(helperWalk(input, queue.claimedBy(HELPER_THREAD))));
  });
  return { part, cancel: () => void worker.terminate() };
}

export interface DirectorySize {
  path: string;
  bytes: number;
  files: number;
}

/** Largest first, by bytes or by file count. */
function sizeOrder(by: 'bytes' | 'files') {
  return (a: DirectorySize, b: DirectorySize) => b[by] - a[by] || b.bytes - a.bytes || a.path.localeCompare(b.path);
}

/** Sizes of the directories that hold the sent files, up to a depth, largest first. */
export function largestDirectories(dirs: readonly SentDir[], depth = 2, count = 5, by: 'bytes' | 'files' = 'bytes'): DirectorySize[] {
  const sizes = new Map<string, DirectorySize>();
  for (const dir of dirs) {
    if (!dir.path) continue;
    const parts = dir.path.split('/');
    for (let d = 1; d <= Math.min(depth, parts.length); d++) {
      const key = parts.slice(0, d).join('/');
      let entry = sizes.get(key);
      if (!entry) sizes.set(key, (entry = { path: key, bytes: 0, files: 0 }));
      entry.bytes += dir.bytes;
      entry.files += dir.names.length;
    }
  }
  return [...sizes.values()].sort(sizeOrder(by)).slice(0, count);
}

/** The largest sent files, largest first. */
export function largestFiles(dirs: readonly SentDir[], count = 5): DirectorySize[] {
  const top: DirectorySize[] = [];
  for (const dir of dirs) {
    dir.sizes.forEach((bytes, i) => {
      if (top.length === count && bytes <= top[count - 1]!.bytes) return;
      top.push({ path: sentPath(dir, i), bytes, files: 1 });
      top.sort((a, b) => b.bytes - a.bytes || a.path.localeCompare(b.path));
      if (top.length > count) top.pop();
    });
  }
  return top;
}

/**
 * What dominates a context: its largest directories and, by bytes, any file larger than them that none of them
 * holds. By file count (a context with too many files), directories only.
 */
export function largestParts(dirs: readonly SentDir[], by: 'bytes' | 'files' = 'bytes', count = 3): DirectorySize[] {
  const directories = largestDirectories(dirs, 2, 5, by);
  if (by === 'files') return directories.slice(0, count);
  const shown = directories.slice(0, count);
  const floor = shown.at(-1)?.bytes ?? 0;
  const files = largestFiles(dirs).filter((f) => f.bytes > floor && !shown.some((d) => f.path.startsWith(`${d.path}/`)));
  return [...directories, ...files].sort(sizeOrder('bytes')).slice(0, count);
}
