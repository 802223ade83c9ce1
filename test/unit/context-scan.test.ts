import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { largestDirectories, largestFiles, largestParts, measureIgnored, scanContext } from '../../src/facts/project/context-scan.js';
import type { TreeClient, TreeEntry } from '../../src/facts/clients.js';
import { MAX_EXCLUDED_FILES, sentPaths } from '../../src/facts/project/context-walk.js';
import { parseIgnoreFile } from '../../src/facts/project/ignore.js';
import { ROOT } from '../helpers/cli.js';
import { tempDir } from '../helpers/sockets.js';
import { tempTree } from '../helpers/tree.js';

const BUILT_WORKER = path.join(ROOT, 'dist', 'scan-worker.js');
const DYING_WORKER = path.join(ROOT, 'test', 'fixtures', 'scan-workers', 'dies-after-claiming.mjs');

const tree = (files: Record<string, string>): string => tempTree(files, 'dd-scan-');

/** Enough directories and files that the walk hands half to a worker: `dirs` directories of `perDir` files, plus excluded ones. */
function bigTree(dirs: number, perDir: number): string {
  const root = tempDir('dd-scan-big-');
  for (let d = 0; d < dirs; d++) {
    const dir = path.join(root, `pkg${d}`, d % 7 === 0 ? 'node_modules' : 'src');
    mkdirSync(dir, { recursive: true });
    for (let f = 0; f < perDir; f++) writeFileSync(path.join(dir, f % 10 === 0 ? `f${f}.log` : `f${f}.js`), 'x'.repeat(f % 13));
  }
  return root;
}

/**
 * An in-memory tree behind the walk's seam: files (relative path → size) under /fake, directories made from their
 * paths, and directories that cannot be listed. `onSize` runs before each size is answered.
 */
function fakeTree(files: Record<string, number>, unreadable: string[] = [], onSize: () => void = () => {}): TreeClient {
  const dirs = new Map<string, Map<string, boolean>>([['/fake', new Map()]]);
  for (const file of Object.keys(files)) {
    const parts = file.split('/');
    parts.forEach((name, i) => {
      const dir = ['/fake', ...parts.slice(0, i)].join('/');
      if (!dirs.has(dir)) dirs.set(dir, new Map());
      dirs.get(dir)!.set(name, i < parts.length - 1);
    });
  }
  return {
    list(dir) {
      if (unreadable.some((u) => dir === `/fake/${u}`)) throw Object.assign(new Error('EACCES'), { code: 'EACCES' });
      const entries = dirs.get(dir.replace(/\/$/, ''));
      if (!entries) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      return [...entries].map(([name, isDir]): TreeEntry => ({ name, isDirectory: () => isDir }));
    },
    size(path) {
      onSize();
      return files[path.slice('/fake/'.length)];
    },
  };
}

const RULES = parseIgnoreFile('**/node_modules\n*.log\n**/*.log\n!pkg3/src/f10.log\n');

describe('through the tree seam (a fake tree, no disk)', () => {
  it('sends what the rules keep, prunes what they exclude, and names what cannot be listed', async () => {
    const tree = fakeTree({ 'app/main.js': 10, 'app/debug.log': 5, 'node_modules/x/index.js': 100, 'secret/key': 1, Dockerfile: 20 }, [
      'secret',
    ]);
    const rules = parseIgnoreFile('**/node_modules\n*.log\n**/*.log\n');
    const scan = await scanContext('/fake', { rules, budgetMs: 10_000, tree });
    expect(scan.threads).toBe(1);
    expect(sentPaths(scan.dirs).sort()).toEqual(['Dockerfile', 'app/main.js']);
    expect([scan.sentFiles, scan.sentBytes]).toEqual([2, 30]);
    expect(scan.excludedDirs).toEqual(['node_modules']);
    expect(scan.excludedFiles).toEqual(['app/debug.log']);
    expect(scan.unreadable).toEqual(['secret']);
    expect(await measureIgnored(scan, { budgetMs: 10_000, tree })).toEqual({ files: 2, bytes: 105, truncated: false });
  });

  it('looks at the clock inside a flat directory, not only between directories', async () => {
    const files = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`flat/f${i}`, 1]));
    // Every size costs a tenth of a millisecond: the whole directory would take two seconds.
    const slow = () => {
      const until = performance.now() + 0.1;
      while (performance.now() < until);
    };
    const started = performance.now();
    const scan = await scanContext('/fake', { budgetMs: 50, tree: fakeTree(files, [], slow) });
    expect(scan.truncated).toBe(true);
    expect(scan.sentFiles).toBeLessThan(5000);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('keeps at most MAX_EXCLUDED_FILES excluded names, and then says their weight is a lower bound', async () => {
    const files = Object.fromEntries(Array.from({ length: MAX_EXCLUDED_FILES + 10 }, (_, i) => [`logs/f${i}.log`, 2]));
    const tree = fakeTree({ ...files, 'app.js': 1 });
    const scan = await scanContext('/fake', { rules: parseIgnoreFile('**/*.log'), budgetMs: 30_000, tree });
    expect(scan.sentFiles).toBe(1);
    expect(scan.excludedFiles).toHaveLength(MAX_EXCLUDED_FILES);
    expect(scan.excludedFilesCapped).toBe(true);
    const ignored = await measureIgnored(scan, { budgetMs: 30_000, tree });
    expect(ignored).toEqual({ files: MAX_EXCLUDED_FILES, bytes: 2 * MAX_EXCLUDED_FILES, truncated: true });
  });
});

describe('context scan', () => {
  it('sends symlinks as links and never follows them, so loops cannot trap it', async () => {
    const root = tree({ 'a/file.txt': 'hello' });
    symlinkSync('.', path.join(root, 'a', 'loop'));
    symlinkSync('..', path.join(root, 'a', 'up'));
    symlinkSync('/etc', path.join(root, 'outside'));
    const scan = await scanContext(root, { budgetMs: 10_000, workerScript: null });
    expect(sentPaths(scan.dirs).sort()).toEqual(['a/file.txt', 'a/loop', 'a/up', 'outside']);
    // A link's own size is the length of its target, as in the tar the builder receives.
    expect(scan.sentBytes).toBe(5 + 1 + 2 + 4);
    expect(scan.truncated).toBe(false);
  });

  it('stops at the time budget and says the figures are a lower bound', async () => {
    const root = bigTree(20, 100);
    const scan = await scanContext(root, { budgetMs: 0, workerScript: null });
    expect(scan.truncated).toBe(true);
    expect(scan.sentFiles).toBeLessThan(2000);
  });

  it('checks the budget at every directory, not only at the start', async () => {
    const root = bigTree(200, 100);
    const scan = await scanContext(root, { budgetMs: 5, workerScript: null });
    expect(scan.truncated).toBe(true);
    expect(scan.sentFiles).toBeLessThan(200 * 100);
  });

  it('largestDirectories adds each directory to its parents, up to the depth', async () => {
    const root = tree({ 'a/b/c/one': '1234', 'a/two': '12', top: '123456789' });
    const scan = await scanContext(root, { budgetMs: 10_000, workerScript: null });
    expect(largestDirectories(scan.dirs)).toEqual([
      { path: 'a', bytes: 6, files: 2 },
      { path: 'a/b', bytes: 4, files: 1 },
    ]);
  });

  it('largestParts puts a file larger than every directory first, and no file inside a directory it lists', async () => {
    const root = tree({ 'dump.sql': 'x'.repeat(100), 'a/big.bin': 'x'.repeat(50), 'a/small': '1', 'b/c': '12' });
    const scan = await scanContext(root, { budgetMs: 10_000, workerScript: null });
    expect(largestFiles(scan.dirs, 2)).toEqual([
      { path: 'dump.sql', bytes: 100, files: 1 },
      { path: 'a/big.bin', bytes: 50, files: 1 },
    ]);
    expect(largestParts(scan.dirs).map((p) => p.path)).toEqual(['dump.sql', 'a', 'b']);
  });

  describe('shared with a worker thread', () => {
    let big: string;
    beforeAll(() => {
      if (!existsSync(BUILT_WORKER)) throw new Error(`${BUILT_WORKER} is missing: run npm run build first (npm test does)`);
      big = bigTree(300, 100);
    });
    // The dying worker writes what it claimed beside the tree.
    afterAll(() => rmSync(`${big}.claimed`, { force: true }));

    it('two threads find exactly what one thread finds', async () => {
      const alone = await scanContext(big, { rules: RULES, budgetMs: 30_000, workerScript: null });
      // On a loaded machine the worker can start after this thread has walked everything (then it is rightly not
      // used): try a few times, so the comparison is made with two threads.
      let shared = await scanContext(big, { rules: RULES, budgetMs: 30_000, workerScript: BUILT_WORKER });
      for (let tries = 1; shared.threads < 2 && tries < 5; tries++)
        shared = await scanContext(big, { rules: RULES, budgetMs: 30_000, workerScript: BUILT_WORKER });
      expect(alone.threads).toBe(1);
      expect(shared.threads).toBe(2);
      expect(sentPaths(shared.dirs).sort()).toEqual(sentPaths(alone.dirs).sort());
      expect([shared.sentFiles, shared.sentBytes]).toEqual([alone.sentFiles, alone.sentBytes]);
      expect(shared.excludedDirs.sort()).toEqual(alone.excludedDirs.sort());
      expect(shared.excludedFiles.sort()).toEqual(alone.excludedFiles.sort());
      // The exception re-includes one log inside a directory whose other logs are excluded.
      expect(sentPaths(shared.dirs)).toContain('pkg3/src/f10.log');
      expect(alone.sentFiles).toBe(300 * 100 - 43 * 100 - 257 * 10 + 1);
    });

    it('a worker that dies after claiming a directory loses nothing: this thread walks it again', async () => {
      const alone = await scanContext(big, { rules: RULES, budgetMs: 30_000, workerScript: null });
      const scan = await scanContext(big, { rules: RULES, budgetMs: 30_000, workerScript: DYING_WORKER });
      expect(readFileSync(`${big}.claimed`, 'utf8')).toMatch(/^pkg\d+/);
      expect(sentPaths(scan.dirs).sort()).toEqual(sentPaths(alone.dirs).sort());
      expect(scan.sentBytes).toBe(alone.sentBytes);
    });

    it('measures what the ignore file keeps out only when asked, pruned directories included', async () => {
      const scan = await scanContext(big, { rules: RULES, budgetMs: 30_000, workerScript: BUILT_WORKER });
      const everything = await scanContext(big, { budgetMs: 30_000, workerScript: null });
      const ignored = await measureIgnored(scan, { budgetMs: 30_000 });
      expect(ignored.truncated).toBe(false);
      expect(scan.sentFiles + ignored.files).toBe(everything.sentFiles);
      expect(scan.sentBytes + ignored.bytes).toBe(everything.sentBytes);
    });
  });
});
