import type { FactClients } from '../facts/clients.js';
import type { EngineClient } from '../facts/docker/engine-client.js';
import type { FileStat } from '../facts/types.js';
import { FAKE_NOW } from './containers.js';
import { fakeEngine, HEALTHY_ENGINE, type EngineRoutes } from './engine.js';
import { memoryFs, type FakeDisks, type FakeFiles } from './memory-fs.js';

/** The default Docker socket as a rootful engine leaves it: root:docker (gid 999), mode 0660. */
export const SOCKET: Partial<FileStat> = { type: 'socket', mode: 0o660, uid: 0, gid: 999 };

/** The host a test describes; every field has a default (a Linux machine, user `dev` uid 1000, a healthy daemon). */
export interface FakeClientOptions {
  /** The host's files (default: only the Docker socket). */
  files?: FakeFiles;
  /** Mounted file systems for statfs (default: a roomy disk at /). */
  disks?: FakeDisks;
  env?: Record<string, string | undefined>;
  /** Where the user runs docker-doctor (default: the project directory). */
  cwd?: string;
  /** Engine API answers (default {@link HEALTHY_ENGINE}), or a client per endpoint. */
  engine?: EngineRoutes | ((host: string) => EngineClient);
  platform?: NodeJS.Platform;
  uid?: number;
  gid?: number;
  groups?: number[];
  username?: string;
  exec?: FactClients['exec'];
  /** The clock (default {@link FAKE_NOW}). */
  now?: number;
}

/** Fake clients for the real fact providers; `engineHosts` records which endpoints were dialled. */
export function fakeClients(options: FakeClientOptions = {}): FactClients & { engineHosts: string[] } {
  const engineHosts: string[] = [];
  const files = options.files ?? { '/var/run/docker.sock': { stat: SOCKET } };
  return {
    engineHosts,
    fs: memoryFs(files, options.disks),
    proc: {
      platform: options.platform ?? 'linux',
      env: options.env ?? {},
      ...(options.cwd ? { cwd: options.cwd } : {}),
      homedir: '/home/dev',
      uid: options.uid ?? 1000,
      gid: options.gid ?? 1000,
      groups: options.groups ?? [1000],
      username: options.username ?? 'dev',
    },
    exec: options.exec ?? {
      run: async () => ({ exitCode: 1, stdout: '', stderr: 'System has not been booted with systemd', failed: true }),
    },
    now: () => options.now ?? FAKE_NOW,
    systemListeners: async () => [],
    engine(host) {
      engineHosts.push(host);
      const engine = options.engine ?? HEALTHY_ENGINE;
      return typeof engine === 'function' ? engine(host) : fakeEngine(engine);
    },
  };
}
