import path from 'node:path';
import { nodeFs, type FactClients, type FsClient } from '../../src/facts/clients.js';
import { EngineError, type EngineClient } from '../../src/facts/docker/engine-client.js';
import type { FileStat } from '../../src/facts/types.js';

export interface FakeFile {
  text?: string;
  link?: string;
  stat?: Partial<FileStat>;
}

/** An in-memory file system: paths map to text or stat data; directories are implied by their children. */
export function fakeFs(files: Record<string, FakeFile | string>): FsClient {
  const entries = new Map(Object.entries(files).map(([p, f]) => [p, typeof f === 'string' ? { text: f } : f]));
  return {
    async readText(file) {
      const entry = entries.get(file);
      if (!entry) return undefined;
      if (entry.text === undefined) throw Object.assign(new Error(`EACCES: permission denied, open '${file}'`), { code: 'EACCES' });
      return entry.text;
    },
    async stat(file) {
      const entry = entries.get(file);
      if (!entry) {
        const isDir = [...entries.keys()].some((p) => p.startsWith(file.endsWith('/') ? file : `${file}/`));
        return isDir ? { path: file, type: 'directory', mode: 0o755, uid: 0, gid: 0, size: 4096, mtimeMs: 0, ctimeMs: 0 } : null;
      }
      return {
        path: file,
        type: 'file',
        mode: 0o644,
        uid: 0,
        gid: 0,
        size: entry.text?.length ?? 0,
        mtimeMs: 0,
        ctimeMs: 0,
        ...entry.stat,
      };
    },
    async readdir(dir) {
      const prefix = dir.endsWith('/') ? dir : `${dir}/`;
      const names = new Set<string>();
      for (const p of entries.keys()) if (p.startsWith(prefix)) names.add(p.slice(prefix.length).split('/')[0]!);
      if (names.size === 0 && entries.get(dir)?.stat?.type !== 'directory')
        throw Object.assign(new Error(`ENOENT: ${dir}`), { code: 'ENOENT' });
      return [...names];
    },
    async readlink(file) {
      return entries.get(file)?.link;
    },
  };
}

export type EngineRoutes = Record<string, unknown | (() => unknown)>;

/** An engine client answering GETs from a route table; an Error (or EngineError) value is thrown. */
export function fakeEngine(routes: EngineRoutes, calls: string[] = []): EngineClient {
  const answer = async (p: string) => {
    calls.push(p);
    const key = Object.keys(routes).find((k) => k === p) ?? Object.keys(routes).find((k) => k === p.split('?')[0]);
    if (key === undefined) throw new EngineError('http', `${p} answered HTTP 404: not found`, { statusCode: 404 });
    const value = typeof routes[key] === 'function' ? (routes[key] as () => unknown)() : routes[key];
    if (value instanceof Error) throw value;
    return value;
  };
  return {
    async send(p: string, options: { method: string }) {
      const value = await answer(`${options.method} ${p}`);
      return { status: 200, body: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value ?? '')) };
    },
    async getJson<T>(p: string) {
      return (await answer(p)) as T;
    },
    async getBuffer(p: string) {
      const value = await answer(p);
      return { body: Buffer.isBuffer(value) ? value : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)), headers: {} };
    },
  };
}

export const HEALTHY_ENGINE: EngineRoutes = {
  '/_ping': 'OK',
  '/version': { Version: '28.2.2', ApiVersion: '1.50', Os: 'linux', Arch: 'amd64' },
  '/containers/json': [],
  '/info': {
    Name: 'host',
    ServerVersion: '28.2.2',
    OperatingSystem: 'Debian GNU/Linux 12',
    SecurityOptions: ['name=seccomp,profile=builtin'],
    Warnings: [],
  },
};

export interface FakeClientOptions {
  files?: Record<string, FakeFile | string>;
  env?: Record<string, string | undefined>;
  engine?: EngineRoutes | ((host: string) => EngineClient);
  platform?: NodeJS.Platform;
  uid?: number;
  gid?: number;
  groups?: number[];
  username?: string;
  exec?: FactClients['exec'];
  now?: number;
}

export const SOCKET: Partial<FileStat> = { type: 'socket', mode: 0o660, uid: 0, gid: 999 };

export function fakeClients(options: FakeClientOptions = {}): FactClients & { engineHosts: string[] } {
  const engineHosts: string[] = [];
  const files = options.files ?? { '/var/run/docker.sock': { stat: SOCKET } };
  return {
    engineHosts,
    fs: fakeFs(files),
    proc: {
      platform: options.platform ?? 'linux',
      env: options.env ?? {},
      homedir: '/home/dev',
      uid: options.uid ?? 1000,
      gid: options.gid ?? 1000,
      groups: options.groups ?? [1000],
      username: options.username ?? 'dev',
    },
    exec: options.exec ?? {
      run: async () => ({ exitCode: 1, stdout: '', stderr: 'System has not been booted with systemd', failed: true }),
    },
    now: () => options.now ?? Date.parse('2026-11-22T12:00:00Z'),
    systemListeners: async () => [],
    engine(host) {
      engineHosts.push(host);
      const engine = options.engine ?? HEALTHY_ENGINE;
      return typeof engine === 'function' ? engine(host) : fakeEngine(engine);
    },
  };
}

export const fixturePath = (...parts: string[]) => path.join(import.meta.dirname, '..', 'fixtures', ...parts);

import { createFacts } from '../../src/facts/index.js';
import { runChecks } from '../../src/engine/runner.js';
import type { Check, CheckResult } from '../../src/engine/types.js';
import type { Facts } from '../../src/facts/types.js';

/** Real fact providers over fake clients, with any provider replaced by a fixed value. */
export function fakeFacts(clients: FactClients = fakeClients(), overrides: Partial<Facts> = {}): Facts {
  return { ...createFacts(clients, { projectDir: '/project', timeoutMs: 2000 }), ...overrides };
}

/**
 * A fake host with a real project: paths under `root` go to the real file system (the build-context walk reads it
 * directly, so project files must exist for real), every other path to `fake`.
 */
export function overlayFs(root: string, fake: FsClient): FsClient {
  const real = (file: string) => file === root || file.startsWith(`${root}/`);
  return {
    readText: (file) => (real(file) ? nodeFs : fake).readText(file),
    stat: (file) => (real(file) ? nodeFs : fake).stat(file),
    readdir: (dir) => (real(dir) ? nodeFs : fake).readdir(dir),
    readlink: (file) => (real(file) ? nodeFs : fake).readlink(file),
  };
}

/** Like fakeFacts, for a project that exists on disk at `projectDir` (the host stays fake). */
export function fakeFactsAt(projectDir: string, clients: FactClients = fakeClients(), overrides: Partial<Facts> = {}): Facts {
  const withProject = { ...clients, fs: overlayFs(projectDir, clients.fs) };
  return { ...createFacts(withProject, { projectDir, timeoutMs: 2000 }), ...overrides };
}

export async function runCheck(check: Check, facts: Facts, timeoutMs = 2000): Promise<CheckResult> {
  const [result] = await runChecks([check], facts, { probe: false, verbose: false, timeoutMs });
  return result!;
}
