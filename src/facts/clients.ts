import { constants as fsConstants, lstatSync, readdirSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import { createHttpEngineClient, type EngineClient } from './docker/engine-client.js';
import { createSshEngineClient } from './docker/ssh-client.js';
import type { TlsMaterial } from './docker/endpoint.js';
import type { FileStat } from './types.js';

/** Everything the fact providers touch in the outside world; tests hand in fakes. */
export interface FactClients {
  fs: FsClient;
  proc: ProcessClient;
  exec: ExecClient;
  engine(host: string, tls?: TlsMaterial): EngineClient;
  now(): number;
  /** Host listeners where /proc is not available (macOS, Windows). */
  systemListeners(): Promise<import('./host/listeners.js').Listener[]>;
  /** The build-context walk's reads; node's file system when absent. A fake one walks on this thread alone. */
  tree?: TreeClient;
}

/**
 * The synchronous reads of a build-context walk: one loop of synchronous calls measured ~30 % faster than the
 * thread pool for 100,000 lstat calls, and the walk checks its deadline between them.
 */
export interface TreeClient {
  /** A directory's entries, links not followed; throws when the directory cannot be read. */
  list(dir: string): TreeEntry[];
  /** The entry's own size (a link's is the length of its target), or undefined when it is gone. */
  size(path: string): number | undefined;
}

export interface TreeEntry {
  name: string;
  isDirectory(): boolean;
}

export const nodeTree: TreeClient = {
  list: (dir) => readdirSync(dir, { withFileTypes: true }),
  size: (path) => lstatSync(path, { throwIfNoEntry: false })?.size,
};

export interface FsClient {
  /**
   * The file's text, or undefined when it does not exist. Rejects with UnreadableFileError when the path is not a
   * regular file (a FIFO, socket or device would block or never end) or is larger than the limit.
   */
  readText(path: string): Promise<string | undefined>;
  /** stat (following links), or null when the path does not exist. */
  stat(path: string): Promise<FileStat | null>;
  readdir(path: string): Promise<string[]>;
  /** The target of a symbolic link, or undefined when the path is gone or not a link. */
  readlink(path: string): Promise<string | undefined>;
  /** statfs(2) of the file system holding the path (src/facts/host/disk.ts); rejects with the errno error. Absent: cannot measure. */
  statfs?(path: string): Promise<import('./host/disk.js').StatFs>;
}

export interface ProcessClient {
  platform: NodeJS.Platform;
  env: Record<string, string | undefined>;
  /** The directory the process runs in (where the user stands); absent in fakes that do not say. */
  cwd?: string;
  homedir: string;
  uid: number;
  gid: number;
  groups: number[];
  username: string;
}

export interface ExecResult {
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  failed: boolean;
}

export interface ExecClient {
  run(file: string, args: string[], options: { timeoutMs: number }): Promise<ExecResult>;
}

export function realClients(): FactClients {
  return {
    fs: nodeFs,
    proc: currentProcess(),
    exec: {
      async run(file, args, { timeoutMs }) {
        const { execa } = await import('execa');
        const result = await execa(file, args, { timeout: timeoutMs, reject: false, stdin: 'ignore' });
        return { exitCode: result.exitCode, stdout: String(result.stdout), stderr: String(result.stderr), failed: result.failed };
      },
    },
    tree: nodeTree,
    engine: (host, tls) => (host.startsWith('ssh://') ? createSshEngineClient(host) : createHttpEngineClient(host, tls)),
    now: () => Date.now(),
    async systemListeners() {
      const si = await import('systeminformation');
      const connections = await si.networkConnections();
      return connections
        .filter((c) => c.state === 'LISTEN' || (c.protocol.startsWith('udp') && c.peerAddress === '*'))
        .map((c) => ({
          protocol: c.protocol.startsWith('udp') ? ('udp' as const) : ('tcp' as const),
          address: c.localAddress === '*' ? '0.0.0.0' : c.localAddress,
          port: Number(c.localPort),
          inode: 0,
          ...(c.pid ? { pid: c.pid } : {}),
          ...(c.process ? { process: c.process } : {}),
        }));
    },
  };
}

/** The most any input file may hold: far above a real compose file, Dockerfile or ignore file, far below a memory problem. */
export const MAX_TEXT_FILE_BYTES = 16 * 1024 * 1024;

/** A path that exists but must not be read as text: not a regular file, or too large. */
export class UnreadableFileError extends Error {
  constructor(
    readonly path: string,
    readonly reason: 'not-regular' | 'too-large',
    detail: string,
  ) {
    super(`${path} ${detail}`);
  }
}

function fileKind(s: import('node:fs').Stats): string {
  if (s.isFIFO()) return 'a FIFO';
  if (s.isSocket()) return 'a socket';
  if (s.isCharacterDevice() || s.isBlockDevice()) return 'a device';
  if (s.isDirectory()) return 'a directory';
  return 'not a regular file';
}

/**
 * Opens without blocking (a FIFO with no writer would otherwise hang the open), then checks type and size on the
 * same handle, so nothing can be swapped in between; reads at most limit + 1 bytes, since /proc files report size 0.
 */
export async function readRegularText(path: string, limit = MAX_TEXT_FILE_BYTES): Promise<string | undefined> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(path, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
  try {
    const s = await handle.stat();
    if (!s.isFile()) throw new UnreadableFileError(path, 'not-regular', `is ${fileKind(s)}, not a regular file`);
    if (s.size > limit) throw new UnreadableFileError(path, 'too-large', `is ${s.size} bytes, over the ${limit}-byte limit`);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const { buffer, bytesRead } = await handle.read({ buffer: Buffer.alloc(Math.min(64 * 1024, limit + 1 - total)) });
      if (bytesRead === 0) break;
      chunks.push(buffer.subarray(0, bytesRead));
      total += bytesRead;
      if (total > limit) throw new UnreadableFileError(path, 'too-large', `is over the ${limit}-byte limit`);
    }
    return Buffer.concat(chunks).toString('utf8');
  } finally {
    await handle.close();
  }
}

export const nodeFs: FsClient = {
  readText: (path) => readRegularText(path),
  async stat(path) {
    try {
      return toFileStat(path, await fs.stat(path));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP') return null;
      throw error;
    }
  },
  readdir: (path) => fs.readdir(path),
  async readlink(path) {
    try {
      return await fs.readlink(path);
    } catch {
      return undefined;
    }
  },
  statfs: (path) => fs.statfs(path),
};

export function toFileStat(path: string, s: import('node:fs').Stats): FileStat {
  const type = s.isFile() ? 'file' : s.isDirectory() ? 'directory' : s.isSocket() ? 'socket' : s.isSymbolicLink() ? 'symlink' : 'other';
  return { path, type, mode: s.mode & 0o7777, uid: s.uid, gid: s.gid, size: s.size, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs, ino: s.ino };
}

function currentProcess(): ProcessClient {
  const posix = typeof process.getuid === 'function';
  let username = process.env.USER ?? '';
  try {
    username = os.userInfo().username;
  } catch {
    // No passwd entry for this uid (common in containers); keep $USER.
  }
  return {
    platform: process.platform,
    env: process.env,
    cwd: process.cwd(),
    homedir: os.homedir(),
    uid: posix ? process.getuid!() : -1,
    gid: posix ? process.getgid!() : -1,
    groups: posix && process.getgroups ? process.getgroups() : [],
    username,
  };
}
