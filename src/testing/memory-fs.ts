import type { FsClient } from '../facts/clients.js';
import type { FileStat } from '../facts/types.js';

/**
 * One file of an in-memory file system: its text, a symbolic link target, and stat fields that differ from the
 * defaults (a regular file, mode 0644, owned by root). A file without `text` exists but cannot be read (EACCES); a
 * directory is `{ stat: { type: 'directory' } }`, or implied by the files below it.
 */
export interface FakeFile {
  text?: string;
  link?: string;
  stat?: Partial<FileStat>;
}

/** Absolute paths to file text (a string) or to a {@link FakeFile}. */
export type FakeFiles = Record<string, FakeFile | string>;

const DIRECTORY: Omit<FileStat, 'path'> = { type: 'directory', mode: 0o755, uid: 0, gid: 0, size: 4096, mtimeMs: 0, ctimeMs: 0 };

const fsError = (code: string, message: string) => Object.assign(new Error(message), { code });

/**
 * An in-memory file system for the fact providers (`stat`, `hostFile`, `listDir`, the compose and Dockerfile readers):
 * paths map to text or stat data; directories are implied by their children.
 *
 * @example memoryFs({ '/etc/resolv.conf': 'nameserver 127.0.0.53\n', '/srv/data': { stat: { type: 'directory', mode: 0o700 } } })
 */
export function memoryFs(files: FakeFiles): FsClient {
  const entries = new Map(Object.entries(files).map(([p, f]) => [p, typeof f === 'string' ? { text: f } : f]));
  const hasChildren = (dir: string) => [...entries.keys()].some((p) => p.startsWith(dir.endsWith('/') ? dir : `${dir}/`));
  return {
    async readText(file) {
      const entry = entries.get(file);
      if (!entry) return undefined;
      if (entry.text === undefined) throw fsError('EACCES', `EACCES: permission denied, open '${file}'`);
      return entry.text;
    },
    async stat(file) {
      const entry = entries.get(file);
      if (!entry) return hasChildren(file) ? { path: file, ...DIRECTORY } : null;
      const size = entry.text?.length ?? 0;
      return { path: file, type: 'file', mode: 0o644, uid: 0, gid: 0, size, mtimeMs: 0, ctimeMs: 0, ...entry.stat };
    },
    async readdir(dir) {
      const prefix = dir.endsWith('/') ? dir : `${dir}/`;
      const names = new Set<string>();
      for (const p of entries.keys()) if (p.startsWith(prefix)) names.add(p.slice(prefix.length).split('/')[0]!);
      if (names.size === 0 && entries.get(dir)?.stat?.type !== 'directory') throw fsError('ENOENT', `ENOENT: ${dir}`);
      return [...names];
    },
    async readlink(file) {
      return entries.get(file)?.link;
    },
  };
}
