import path from 'node:path';
import { nodeFs, type FactClients, type FsClient } from '../facts/clients.js';
import { createFacts } from '../facts/index.js';
import type { Listener } from '../facts/host/listeners.js';
import type { Facts } from '../facts/types.js';
import { fakeClients, SOCKET, type FakeClientOptions } from './clients.js';
import { engineWith, logPathOf, type ContainerFields } from './containers.js';
import type { EngineRoutes } from './engine.js';
import { HOST_NET_NAMESPACE, hostNamespaceProcFiles, namespaceProcFiles, procFiles } from './listeners.js';
import type { FakeFile, FakeFiles } from './memory-fs.js';

/**
 * The world a check looks at, in a few fields. The real fact providers run over fake clients built from it, so a
 * check sees what it would see on a machine in that state; `facts` replaces single providers when that is simpler.
 */
export interface FakeWorld extends Omit<FakeClientOptions, 'engine'> {
  /** Containers the daemon lists and inspects (see `container`). */
  containers?: readonly ContainerFields[];
  /** Engine API answers on top of the healthy daemon and the containers, e.g. `{ '/info': {...} }`; or a client per endpoint. */
  engine?: FakeClientOptions['engine'];
  /** Host sockets (see `listener`), served to the real provider as /proc files. */
  listeners?: readonly Listener[];
  /** What the process with this pid (a container's `State.Pid`) listens on in its own network namespace. */
  namespaces?: Record<number, readonly Listener[]>;
  /**
   * Pids that live in the host's network namespace, as a host process does (a faulty engine's `State.Pid: 1`): with
   * `namespaces` they still have tables to read, but those are the host's, not a container's.
   */
  hostNetworkPids?: readonly number[];
  /** Project files by path relative to `projectDir`: `{ 'compose.yaml': 'services: …', Dockerfile: 'FROM …' }`. */
  project?: Record<string, FakeFile | string>;
  /** The project directory (default `/project`). */
  projectDir?: string;
  /** The project directory exists on disk: paths under it are read from the real file system, the host stays fake. */
  onDisk?: boolean;
  /** Whether the default Docker socket exists (default true). Set false for a host without a daemon. */
  socket?: boolean;
  /** Use these clients instead of building them from the fields above (`projectDir`, `onDisk` and `facts` still apply). */
  clients?: FactClients;
  /** Providers replaced by fixed answers, e.g. `{ compose: async () => await composeProject(yaml) }`. */
  facts?: Partial<Facts>;
  /** The per-check timeout the providers budget for (default 2000 ms). */
  timeoutMs?: number;
}

/**
 * Facts for a check under test: the real lazy, memoised providers over fake clients (an in-memory fs, a fake
 * daemon, a fixed clock), with any provider replaced by `world.facts`.
 *
 * @example fakeFacts({ containers: [container({ name: 'web', exitCode: 1 })], project: { 'compose.yaml': yaml } })
 */
export function fakeFacts(world: FakeWorld = {}): Facts {
  const projectDir = world.projectDir ?? '/project';
  const clients = world.clients ?? fakeClients({ ...world, files: worldFiles(world, projectDir), engine: worldEngine(world) });
  const withProject = world.onDisk ? { ...clients, fs: overlayFs(projectDir, clients.fs) } : clients;
  return { ...createFacts(withProject, { projectDir, timeoutMs: world.timeoutMs ?? 2000 }), ...world.facts };
}

function worldFiles(world: FakeWorld, projectDir: string): FakeFiles {
  const files: FakeFiles = world.socket === false ? {} : { '/var/run/docker.sock': { stat: SOCKET } };
  if (world.listeners) Object.assign(files, procFiles(world.listeners));
  const hostPids = world.hostNetworkPids ?? [];
  Object.assign(files, hostNamespaceProcFiles(hostPids));
  for (const [pid, listeners] of Object.entries(world.namespaces ?? {})) {
    const host = hostPids.includes(Number(pid)) ? HOST_NET_NAMESPACE : undefined;
    Object.assign(files, namespaceProcFiles(Number(pid), listeners, host));
  }
  for (const [name, file] of Object.entries(world.project ?? {})) files[path.join(projectDir, name)] = file;
  for (const c of world.containers ?? []) {
    const logPath = logPathOf(c);
    if (logPath && c.logSize !== undefined) files[logPath] = { text: '', stat: { size: c.logSize, uid: 0, mode: 0o640 } };
  }
  return Object.assign(files, world.files);
}

function worldEngine(world: FakeWorld): FakeClientOptions['engine'] {
  if (typeof world.engine !== 'function') return engineWith(world.containers ?? [], world.engine as EngineRoutes | undefined);
  if (world.containers) throw new Error('fakeFacts: give containers or an engine client, not both');
  return world.engine;
}

/**
 * A fake host with a real project: paths under `root` go to the real file system (the build-context walk reads
 * directories for real), every other path to `fake`.
 */
export function overlayFs(root: string, fake: FsClient): FsClient {
  const real = (file: string) => file === root || file.startsWith(`${root}/`);
  return {
    readText: (file) => (real(file) ? nodeFs : fake).readText(file),
    stat: (file) => (real(file) ? nodeFs : fake).stat(file),
    readdir: (dir) => (real(dir) ? nodeFs : fake).readdir(dir),
    readlink: (file) => (real(file) ? nodeFs : fake).readlink(file),
    // Disks stay the fake host's: a test's figures, not this machine's.
    ...(fake.statfs ? { statfs: fake.statfs.bind(fake) } : {}),
  };
}
