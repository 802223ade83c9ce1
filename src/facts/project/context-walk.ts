// One thread's walk of a build context, and the queue two threads share to split a large one.
import path from 'node:path';
import type { TreeClient, TreeEntry } from '../clients.js';
import { isExcluded, mayReinclude, type IgnoreRules } from './ignore.js';

/** The files one directory sends, kept per directory: a walk of 100,000 files then allocates no object per file. */
export interface SentDir {
  /** Relative to the context root, slash-separated; '' for the root. */
  path: string;
  names: string[];
  sizes: number[];
  bytes: number;
}

/** The part of a walk one thread does: the directories on its stack, and everything below them. */
export interface WalkPart {
  sentFiles: number;
  sentBytes: number;
  /** Every directory with files that would be sent, for matching and for measuring a proposed ignore file. */
  dirs: SentDir[];
  /** Directories the ignore rules exclude entirely: never walked. */
  excludedDirs: string[];
  /** Files the ignore rules exclude, outside the excluded directories: never stat'ed. At most MAX_EXCLUDED_FILES. */
  excludedFiles: string[];
  /** True when more files were excluded than excludedFiles keeps: what they weigh can only be a lower bound. */
  excludedFilesCapped?: boolean;
  unreadable: string[];
  /** True when the time budget ran out: the figures are a lower bound. */
  truncated: boolean;
}

export interface WalkOptions {
  tree: TreeClient;
  rules?: IgnoreRules;
  always: ReadonlySet<string>;
  deadline: number;
  signal?: AbortSignal;
  /** Called once, after this many entries: the directories still to walk become a queue shared with another thread. */
  share?: { after: number; start(dirs: string[]): DirQueue };
  /** Directories to claim once the stack is empty (a thread that joins a walk someone else started). */
  queue?: DirQueue;
}

/**
 * Directories two threads take turns claiming, each walking whole subtrees. A counter in shared memory hands out
 * each directory once, so whichever thread finishes early takes more, and neither waits for the other's messages.
 */
export class DirQueue {
  readonly buffer: SharedArrayBuffer;
  private readonly cells: Int32Array;

  constructor(
    readonly dirs: readonly string[],
    buffer?: SharedArrayBuffer,
  ) {
    // cells[0] is the next index; cells[1 + i] is the thread that claimed dirs[i].
    this.buffer = buffer ?? new SharedArrayBuffer(4 * (1 + dirs.length));
    this.cells = new Int32Array(this.buffer);
  }

  claim(thread: number): string | undefined {
    const i = Atomics.add(this.cells, 0, 1);
    if (i >= this.dirs.length) return undefined;
    Atomics.store(this.cells, 1 + i, thread);
    return this.dirs[i];
  }

  claimedBy(thread: number): string[] {
    return this.dirs.filter((_, i) => Atomics.load(this.cells, 1 + i) === thread);
  }
}

export const MAIN_THREAD = 1;
export const HELPER_THREAD = 2;

/**
 * Excluded files kept by name, to weigh them if a finding asks what the ignore file keeps out: a `*.log` rule over a
 * huge tree must not fill memory, nor the message a worker sends back.
 */
export const MAX_EXCLUDED_FILES = 50_000;
/** Entries between two looks at the clock inside one directory: a flat directory of 300,000 files must not outlast it. */
const ENTRIES_PER_CLOCK_CHECK = 1024;

const outOfTime = (options: WalkOptions) => performance.now() > options.deadline || options.signal?.aborted === true;

/**
 * Walks directories the way the docker CLI's tar walk does: symlinks are sent as links (never followed, so loops
 * cannot trap it), directories the rules exclude entirely are not entered unless an exception could re-include
 * something inside, and unreadable directories are recorded rather than fatal.
 */
export function walk(root: string, stack: string[], options: WalkOptions): WalkPart {
  const part: WalkPart = { sentFiles: 0, sentBytes: 0, dirs: [], excludedDirs: [], excludedFiles: [], unreadable: [], truncated: false };
  const base = root.endsWith(path.sep) ? root : `${root}${path.sep}`;
  let seen = 0;
  let share = options.share;
  let queue = options.queue;
  const thread = queue ? HELPER_THREAD : MAIN_THREAD;
  for (;;) {
    if (stack.length === 0) {
      const next = queue?.claim(thread);
      if (next === undefined) break;
      stack.push(next);
    }
    // Once per directory (and every thousand entries within one): `seen` grows by whole directories.
    if (outOfTime(options)) {
      part.truncated = true;
      break;
    }
    const rel = stack.pop()!;
    let entries: TreeEntry[];
    try {
      entries = options.tree.list(rel ? `${base}${rel}` : root);
    } catch {
      part.unreadable.push(rel || '.');
      continue;
    }
    if (!walkEntries(part, { base, rel, entries, stack }, options)) break;
    seen += entries.length;
    // Enough directories that the claims balance out, or a tree so deep and narrow that this is all there is.
    if (share && seen > share.after && (stack.length >= 16 || (stack.length >= 2 && seen > 4 * share.after))) {
      queue = share.start(stack.splice(0));
      share = undefined;
    }
  }
  return part;
}

interface DirectoryRead {
  base: string;
  rel: string;
  entries: TreeEntry[];
  stack: string[];
}

/** One directory's entries into the part: subdirectories onto the stack, files sent or excluded. False when out of time. */
function walkEntries(part: WalkPart, { base, rel, entries, stack }: DirectoryRead, options: WalkOptions): boolean {
  const { rules, always, tree } = options;
  let sent: SentDir | undefined;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    if (i % ENTRIES_PER_CLOCK_CHECK === ENTRIES_PER_CLOCK_CHECK - 1 && outOfTime(options)) {
      part.truncated = true;
      return false;
    }
    const child = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (rules && isExcluded(rules, child) && !mayReinclude(rules, child)) part.excludedDirs.push(child);
      else stack.push(child);
      continue;
    }
    if (rules && isExcluded(rules, child) && !always.has(child)) {
      if (part.excludedFiles.length < MAX_EXCLUDED_FILES) part.excludedFiles.push(child);
      else part.excludedFilesCapped = true;
      continue;
    }
    const size = tree.size(`${base}${child}`);
    if (size === undefined) continue;
    if (!sent) part.dirs.push((sent = { path: rel, names: [], sizes: [], bytes: 0 }));
    sent.names.push(entry.name);
    sent.sizes.push(size);
    sent.bytes += size;
    part.sentFiles++;
    part.sentBytes += size;
  }
  return true;
}

/** The path of a directory's i-th sent file. */
export function sentPath(dir: SentDir, i: number): string {
  return dir.path ? `${dir.path}/${dir.names[i]}` : dir.names[i]!;
}

/** Every sent file's path, for tests and small contexts. */
export function sentPaths(dirs: readonly SentDir[]): string[] {
  return dirs.flatMap((dir) => dir.names.map((_, i) => sentPath(dir, i)));
}
