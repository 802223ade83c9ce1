import path from 'node:path';
import { EndpointFault, FactUnavailable } from '../engine/define-check.js';
import type { FactClients } from './clients.js';
import { connect } from './docker/connection.js';
import { resolveEndpoint } from './docker/endpoint.js';
import { parseGroupFile, parsePasswdFile } from './host/etc-files.js';
import { discoverProjectFiles } from './project/discover.js';
import { findComposeFiles } from './project/compose-files.js';
import { discoverBuilds } from './project/builds.js';
import { measureIgnored, scanContext, type ContextScan, type IgnoredSize } from './project/context-scan.js';
import { demuxLogs, firstFileInTar } from './docker/streams.js';
import { EngineError, type EngineClient } from './docker/engine-client.js';
import type { ContainerSummary, ImageInspect, ImageSummary, NetworkSummary } from './docker/types.js';
import { runProbe } from './docker/probe.js';
import { containerInspectShape, containerSummaryShape } from './docker/shape.js';
import { readProcListeners } from './host/listeners.js';
import type { DockerConnection, FactName, Facts, ServiceState, SubIdRange } from './types.js';

/** How many log lines a check sees: enough for a stack trace's head, bounded for speed and for what we print. */
export const LOG_TAIL_LINES = 60;
export const LOG_TAIL_BYTES = 1024 * 1024;

export interface FactSettings {
  hostFlag?: string;
  contextFlag?: string;
  projectDir: string;
  /** Per-check timeout; daemon calls get a share of it so a hung daemon cannot eat a check's whole budget. */
  timeoutMs: number;
  /** Told when each fact settles and how long it took (DOCKER_DOCTOR_TIMING and the benchmark's per-fact timings). */
  observer?: FactObserver;
}

/** Told when each memoised fact settles, so a run can be profiled fact by fact. */
export interface FactObserver {
  /** Called once per key: `ms` runs from the first request for the key to the settlement of its promise. */
  settled(key: string, ms: number, ok: boolean): void;
}

/** An API call gets most of a check's budget, never all of it: a hung endpoint must leave the check time to say so. */
export function requestTimeoutFor(timeoutMs: number): number {
  return Math.max(300, Math.floor(timeoutMs * 0.6));
}

export function pingTimeoutFor(timeoutMs: number): number {
  return Math.max(500, Math.min(5000, Math.floor(timeoutMs / 2)));
}

/** Lazy, memoised fact providers: each fact is fetched at most once per run, however many checks ask. */
export function createFacts(clients: FactClients, settings: FactSettings): Facts {
  const cache = new Map<string, Promise<unknown>>();
  const ignoredSizes = new WeakMap<ContextScan, Promise<IgnoredSize>>();
  const once = <T>(key: string, produce: () => Promise<T>): Promise<T> => {
    let value = cache.get(key) as Promise<T> | undefined;
    if (!value) {
      const started = performance.now();
      value = produce();
      const settled = (ok: boolean) => () => {
        try {
          settings.observer?.settled(key, performance.now() - started, ok);
        } catch {
          // A profiler that fails must not fail the diagnosis.
        }
      };
      // Rejections are observed by whoever awaits; this keeps an unawaited failure from crashing the process.
      value.then(settled(true), settled(false));
      cache.set(key, value);
    }
    return value;
  };

  let pinged: (client: EngineClient) => void = () => undefined;
  const pingedClient = new Promise<EngineClient>((resolve) => (pinged = resolve));
  const engine = async (): Promise<EngineClient> => {
    const connection = await facts.dockerConnection();
    if (!connection.reachable) throw new FactUnavailable(unreachableReason(connection));
    return pingedClient;
  };
  /** Starts a request as soon as the daemon has answered the ping, but settles only once the connection is confirmed. */
  const early = async <T>(send: (client: EngineClient) => Promise<T>): Promise<T> => {
    const connection = facts.dockerConnection();
    // Never sent when the ping fails: pingedClient then never resolves.
    const response = pingedClient.then(send);
    response.catch(() => undefined);
    const settled = await connection;
    if (!settled.reachable) throw new FactUnavailable(unreachableReason(settled));
    return response;
  };
  const request = { timeoutMs: requestTimeoutFor(settings.timeoutMs) };
  /**
   * A list every container check shares: when the daemon answered the ping but this endpoint fails (no answer, HTTP 500,
   * not JSON, not a list), the fact is unavailable with one reason naming the endpoint, so the checks that need it are
   * skipped with that reason (and the daemon check reports it once) instead of each crashing. Null entries are dropped.
   */
  const engineList = async <T extends object>(path: string, answer: Promise<unknown>): Promise<T[]> => {
    let value: unknown;
    try {
      value = await answer;
    } catch (error) {
      if (error instanceof EngineError) throw new EndpointFault(path, error.message);
      throw error;
    }
    if (!Array.isArray(value)) throw new EndpointFault(path, `it answered ${value === null ? 'null' : typeof value}, not a list`);
    return value.filter((entry): entry is T => entry !== null && typeof entry === 'object' && !Array.isArray(entry));
  };
  const unreachableReason = (c: DockerConnection) =>
    `the Docker daemon is not reachable${c.endpoint.host ? ` at ${c.endpoint.host}` : ''} (see the daemon check)`;

  const facts: Facts = {
    platform: () => clients.proc.platform,

    dockerEndpoint: () =>
      once('docker.endpoint', () =>
        resolveEndpoint({
          hostFlag: settings.hostFlag,
          contextFlag: settings.contextFlag,
          env: clients.proc.env,
          platform: clients.proc.platform,
          homedir: clients.proc.homedir,
          readText: (file) => clients.fs.readText(file),
          exists: async (file) => (await clients.fs.stat(file).catch(() => null)) !== null,
        }),
      ),

    dockerConnection: () =>
      once('docker.connection', async () => {
        const endpoint = await facts.dockerEndpoint();
        const { connection } = await connect(
          endpoint,
          clients,
          { pingTimeoutMs: pingTimeoutFor(settings.timeoutMs), requestTimeoutMs: requestTimeoutFor(settings.timeoutMs) },
          (client) => pinged(client),
        );
        return connection;
      }),

    dockerInfo: () =>
      once('docker.info', async () => {
        const connection = await facts.dockerConnection();
        if (!connection.reachable || !connection.info) throw new FactUnavailable(unreachableReason(connection));
        return connection.info;
      }),

    stat: (file) => once(`host.stat:${file}`, () => clients.fs.stat(file)),
    listDir: (dir) => once(`host.readdir:${dir}`, () => clients.fs.readdir(dir).catch(() => null)),

    identity: () =>
      once('host.identity', async () => ({
        uid: clients.proc.uid,
        gid: clients.proc.gid,
        groups: clients.proc.groups,
        username: clients.proc.username,
      })),

    groupDb: () => once('host.groups', async () => parseGroupFile((await clients.fs.readText('/etc/group')) ?? '')),
    passwdDb: () => once('host.passwd', async () => parsePasswdFile((await clients.fs.readText('/etc/passwd')) ?? '')),

    dockerServices: () =>
      once('host.docker-services', async () => {
        if (clients.proc.platform !== 'linux') return [];
        const states: ServiceState[] = [];
        for (const scope of ['system', 'user'] as const) {
          const args = scope === 'user' ? ['--user', 'is-active', 'docker'] : ['is-active', 'docker'];
          const result = await clients.exec.run('systemctl', args, { timeoutMs: 2000 }).catch(() => undefined);
          const state = result?.stdout.trim();
          // No systemd (containers, WSL without it) or no such unit: nothing to say.
          if (!result || !state || /not been booted|Failed to connect|No such file/i.test(result.stderr)) continue;
          if (state === 'inactive' && /could not be found/i.test(result.stderr)) continue;
          states.push({ manager: 'systemd', unit: 'docker', scope, state });
        }
        return states;
      }),

    socketCandidates: () =>
      once('host.socket-candidates', async () => {
        const { env, homedir, uid } = clients.proc;
        const runtimeDir = env.XDG_RUNTIME_DIR || (uid >= 0 ? `/run/user/${uid}` : undefined);
        const candidates = [
          { path: '/var/run/docker.sock', kind: 'rootful Docker' },
          ...(runtimeDir ? [{ path: path.join(runtimeDir, 'docker.sock'), kind: 'rootless Docker' }] : []),
          { path: path.join(homedir, '.docker', 'desktop', 'docker.sock'), kind: 'Docker Desktop (Linux)' },
          { path: path.join(homedir, '.docker', 'run', 'docker.sock'), kind: 'Docker Desktop (macOS)' },
          ...(runtimeDir ? [{ path: path.join(runtimeDir, 'podman', 'podman.sock'), kind: 'Podman (rootless)' }] : []),
          { path: '/run/podman/podman.sock', kind: 'Podman (rootful)' },
        ];
        const present = await Promise.all(
          candidates.map(async (c) => ((await facts.stat(c.path).catch(() => null))?.type === 'socket' ? c : null)),
        );
        return present.filter((c): c is { path: string; kind: string } => c !== null);
      }),

    projectFiles: () => once('project.files', () => discoverProjectFiles(clients.fs, settings.projectDir, clients.proc.env)),

    containers: () =>
      once('docker.containers', async () =>
        (
          await engineList<Record<string, unknown>>(
            '/containers/json',
            early((client) => client.getJson<unknown>('/containers/json?all=1', request)),
          )
        )
          .map(containerSummaryShape)
          .filter((c): c is ContainerSummary => c !== undefined),
      ),

    inspectContainer: (id) =>
      once(`docker.inspect:${id}`, async () => {
        const path = `/containers/${encodeURIComponent(id)}/json`;
        const value = await (await engine()).getJson<unknown>(path, request).catch((error: unknown) => {
          throw error instanceof EngineError ? new EndpointFault(path, error.message) : error;
        });
        // The checks read the answer without guards: a missing part is a fault, a wrong-typed field reads as absent.
        const container = containerInspectShape(value);
        if (!container) throw new EndpointFault(path, 'it answered no container (Id, State, Config or HostConfig missing)');
        return container;
      }),

    containerLogs: (id) =>
      once(`docker.logs:${id}`, async () => {
        const [client, inspect] = await Promise.all([engine(), facts.inspectContainer(id)]);
        // Bounded by bytes as well as lines: a daemon that never ends the stream, or megabyte-long lines, stop at 1 MiB.
        const tail = (lines: number) =>
          client.getBuffer(`/containers/${encodeURIComponent(id)}/logs?stdout=1&stderr=1&tail=${lines}`, {
            ...request,
            maxBytes: LOG_TAIL_BYTES,
            truncate: true,
          });
        let { body } = await tail(LOG_TAIL_LINES);
        // Cut at 1 MiB, the tail kept its oldest lines; the last few hold the cause, so ask for those alone.
        if (body.length >= LOG_TAIL_BYTES) ({ body } = await tail(5));
        return demuxLogs(body, inspect.Config.Tty === true);
      }),

    imageInspect: (ref) =>
      once(`docker.image:${ref}`, async () => {
        try {
          return await (await engine()).getJson<ImageInspect>(`/images/${encodeURIComponent(ref)}/json`, request);
        } catch (error) {
          if (error instanceof EngineError && error.details.statusCode === 404) return null;
          throw error;
        }
      }),

    containerFile: (id, file) =>
      once(`docker.file:${id}:${file}`, async () => {
        try {
          const { body } = await (
            await engine()
          ).getBuffer(`/containers/${encodeURIComponent(id)}/archive?path=${encodeURIComponent(file)}`, request);
          return firstFileInTar(body);
        } catch (error) {
          if (error instanceof EngineError && error.details.statusCode === 404) return undefined;
          throw error;
        }
      }),

    listeners: () =>
      once('host.listeners', () => (clients.proc.platform === 'linux' ? readProcListeners(clients.fs) : clients.systemListeners())),

    unprivilegedPortStart: () =>
      once('host.unprivileged-port-start', async () => {
        const text = await clients.fs.readText('/proc/sys/net/ipv4/ip_unprivileged_port_start').catch(() => undefined);
        return text && /^\d+$/.test(text.trim()) ? Number(text.trim()) : undefined;
      }),

    subordinateIds: () =>
      once('host.subids', async () => {
        const parse = (text: string | undefined): SubIdRange[] =>
          (text ?? '')
            .split('\n')
            .map((line) => line.trim().split(':'))
            .filter((f) => f.length === 3 && /^\d+$/.test(f[1]!) && /^\d+$/.test(f[2]!))
            .map(([user, start, count]) => ({ user: user!, start: Number(start), count: Number(count) }));
        const [uid, gid] = await Promise.all(['/etc/subuid', '/etc/subgid'].map((f) => clients.fs.readText(f).catch(() => undefined)));
        return { uid: parse(uid), gid: parse(gid) };
      }),

    selinuxEnforcing: () =>
      once(
        'host.selinux',
        async () => ((await clients.fs.readText('/sys/fs/selinux/enforce').catch(() => undefined)) ?? '').trim() === '1',
      ),

    // The YAML and Dockerfile parsers load only for projects that have such files: ~25 ms of start-up otherwise.
    compose: () =>
      once('project.compose', async () => {
        const sources = await findComposeFiles(clients.fs, settings.projectDir, clients.proc.env);
        if (!sources) return null;
        return (await import('./project/compose.js')).loadCompose(clients.fs, settings.projectDir, clients.proc.env, { sources });
      }),

    composeAt: (files, workingDir) =>
      once(`project.compose-at:${workingDir}:${files.join(',')}`, async () =>
        (await import('./project/compose.js')).loadCompose(clients.fs, workingDir, clients.proc.env, {
          files,
          locationsFrom: settings.projectDir,
        }),
      ),

    dockerfiles: () =>
      once('project.dockerfiles', async () => {
        const { dockerfiles } = await facts.projectFiles();
        const parsed = await Promise.all(dockerfiles.map((name) => facts.dockerfileAt(path.join(settings.projectDir, name), name)));
        return parsed.filter((d) => d !== undefined);
      }),

    buildDockerfile: (build) => {
      const { inline } = build;
      if (!inline) return facts.dockerfileAt(build.dockerfileAbs, build.dockerfile);
      return once(`project.dockerfile-inline:${build.dockerfileAbs}:${build.service ?? ''}`, async () => {
        const parsed = (await import('./project/dockerfile.js')).parseDockerfile(build.dockerfile, inline.text);
        // Lines of the compose file, so findings point where the text is.
        const toCompose = (line: number) => (inline.block ? inline.line + line - 1 : inline.line);
        return {
          ...parsed,
          instructions: parsed.instructions.map((i) => ({ ...i, line: toCompose(i.line) })),
          stages: parsed.stages.map((stage) => ({ ...stage, line: toCompose(stage.line) })),
        };
      });
    },

    dockerfileAt: (absPath, file) =>
      once(`project.dockerfile:${absPath}`, async () => {
        const text = await clients.fs.readText(absPath).catch(() => undefined);
        return text === undefined ? undefined : (await import('./project/dockerfile.js')).parseDockerfile(file, text);
      }),

    hostFile: (file) => once(`host.file:${file}`, () => clients.fs.readText(file).catch(() => undefined)),

    readProblem: (file) =>
      once(`host.read-problem:${file}`, () =>
        clients.fs.readText(file).then(
          () => undefined,
          (error: NodeJS.ErrnoException) =>
            error.code === 'EACCES' || error.code === 'EPERM' ? 'permission denied' : error.message.replace(`${file} `, ''),
        ),
      ),

    daemonConfigFile: (rootless) =>
      rootless
        ? path.join(clients.proc.env.XDG_CONFIG_HOME || path.join(clients.proc.homedir, '.config'), 'docker', 'daemon.json')
        : '/etc/docker/daemon.json',

    oomEvents: (id, sinceMs) =>
      once(`docker.oom:${id}`, async () => {
        const filters = encodeURIComponent(JSON.stringify({ event: ['oom'], container: [id] }));
        const now = Math.floor(clients.now() / 1000);
        const { body } = await (
          await engine()
        ).getBuffer(`/events?since=${Math.floor(sinceMs / 1000)}&until=${now + 1}&filters=${filters}`, request);
        return body
          .toString('utf8')
          .split('\n')
          .filter((l) => l.trim().startsWith('{')).length;
      }),

    kernelLog: () =>
      once('host.kernel-log', async () => {
        if (clients.proc.platform !== 'linux') return undefined;
        const result = await clients.exec.run('dmesg', [], { timeoutMs: 2000 }).catch(() => undefined);
        return result && result.exitCode === 0 ? result.stdout : undefined;
      }),

    networks: () =>
      once('docker.networks', async () => engineList<NetworkSummary>('/networks', (await engine()).getJson<unknown>('/networks', request))),

    images: () =>
      once('docker.images', async () =>
        engineList<ImageSummary>('/images/json', (await engine()).getJson<unknown>('/images/json', request)),
      ),

    probe: async (spec, signal) => runProbe(await engine(), { ...spec, signal }),

    builds: () =>
      once('project.builds', async () =>
        discoverBuilds(settings.projectDir, await facts.compose().catch(() => null), (await facts.projectFiles()).dockerfiles),
      ),

    contextScan: (build, rules, budgetMs) =>
      once(`project.context:${build.context}:${build.ignoreFile ?? ''}`, () =>
        scanContext(build.context, {
          rules,
          budgetMs,
          alwaysSent: [
            ...(build.inline ? [] : [path.relative(build.context, build.dockerfileAbs)]),
            ...(build.ignoreFile ? [path.relative(build.context, build.ignoreFile)] : []),
          ],
        }),
      ),

    contextIgnored: (scan, budgetMs) => {
      // Keyed by the scan itself: one context can be scanned with two ignore files.
      let value = ignoredSizes.get(scan);
      if (!value) ignoredSizes.set(scan, (value = measureIgnored(scan, { budgetMs })));
      return value;
    },

    composeCommand: () =>
      once('host.compose-command', async () => {
        const answers = async (file: string, args: string[]) =>
          (await clients.exec.run(file, args, { timeoutMs: 3000 }).catch(() => undefined))?.exitCode === 0;
        if (await answers('docker', ['compose', 'version'])) return 'docker compose';
        return (await answers('docker-compose', ['version'])) ? 'docker-compose' : 'docker compose';
      }),

    now: () => clients.now(),

    need: (name: FactName) => {
      switch (name) {
        case 'docker':
          return facts.dockerInfo();
        case 'linux':
          return clients.proc.platform === 'linux'
            ? Promise.resolve(true)
            : Promise.reject(new FactUnavailable('this check applies to Linux hosts only'));
        case 'local-engine':
          return facts.dockerConnection().then((c) => {
            if (!c.reachable) throw new FactUnavailable(unreachableReason(c));
            if (!c.local)
              throw new FactUnavailable(`the engine at ${c.endpoint.host} is not on this machine, so its host files cannot be read`);
            return true;
          });
      }
    },

    peek: <T>(key: string) => cache.get(key) as Promise<T> | undefined,
  };
  return facts;
}
