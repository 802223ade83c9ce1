import type { FactClients } from '../clients.js';
import type { DockerConnection, EngineInfo, EngineKind, EngineVersion } from '../types.js';
import type { ResolvedEndpoint } from './endpoint.js';
import { EngineError, type EngineClient } from './engine-client.js';

export interface ConnectOptions {
  /** How long the ping may take before the daemon counts as not answering. */
  pingTimeoutMs: number;
  requestTimeoutMs: number;
  now?: () => number;
}

/**
 * Pings the resolved endpoint and, when it answers, reads /version and /info once for every check.
 * `onPinged` hands out the client as soon as the ping succeeds, so listing containers overlaps /info.
 */
export async function connect(
  endpoint: ResolvedEndpoint,
  clients: FactClients,
  options: ConnectOptions,
  onPinged?: (client: EngineClient) => void,
): Promise<{ connection: DockerConnection; client?: EngineClient }> {
  const now = options.now ?? (() => performance.now());
  const started = now();
  const base = { endpoint, timeoutMs: options.pingTimeoutMs, local: isLocalEndpoint(endpoint.host) };
  const fail = (
    kind: NonNullable<DockerConnection['failure']>['kind'],
    message: string,
    extra: { code?: string; statusCode?: number } = {},
  ) => ({
    connection: { ...base, reachable: false, failure: { kind, message, ...extra }, elapsedMs: Math.round(now() - started) },
  });

  if (!endpoint.host) return fail('endpoint-unresolved', 'the Docker endpoint could not be resolved');
  if (endpoint.host.startsWith('unix://')) {
    const socketPath = endpoint.host.slice('unix://'.length);
    let stat;
    try {
      stat = await clients.fs.stat(socketPath);
    } catch {
      stat = undefined; // A directory we cannot search: let connect() report the real error.
    }
    if (stat === null) return fail('socket-missing', `no socket at ${socketPath}`, { code: 'ENOENT' });
    if (stat && stat.type !== 'socket') return fail('not-a-socket', `${socketPath} exists but is a ${stat.type}, not a socket`);
  }

  let client: EngineClient;
  try {
    client = clients.engine(endpoint.host, endpoint.tls);
  } catch (error) {
    return fail('other', (error as Error).message);
  }
  try {
    await client.getBuffer('/_ping', { timeoutMs: options.pingTimeoutMs });
  } catch (error) {
    if (error instanceof EngineError)
      return fail(error.kind, error.message, { code: error.details.code, statusCode: error.details.statusCode });
    return fail('other', (error as Error).message);
  }
  const elapsedMs = Math.round(now() - started);
  onPinged?.(client);
  try {
    const [version, info] = await Promise.all([
      client.getJson<EngineVersion>('/version', { timeoutMs: options.requestTimeoutMs }),
      client.getJson<EngineInfo>('/info', { timeoutMs: options.requestTimeoutMs }),
    ]);
    const kind = await podmanRootless(engineKind(version, info, endpoint.host), info, client, options.requestTimeoutMs);
    return {
      connection: { ...base, local: base.local && kind !== 'docker-desktop', reachable: true, elapsedMs, version, info, kind },
      client,
    };
  } catch (error) {
    const kind = error instanceof EngineError ? error.kind : 'other';
    return fail(kind, `the daemon answered /_ping but not /version or /info: ${(error as Error).message}`);
  }
}

/**
 * Engine kind as the knowledge base describes it: Podman names itself in /version, Desktop in /info, rootless Docker in
 * SecurityOptions. Podman run by a user says so with `name=rootless` in its SecurityOptions or serves a socket under
 * /run/user/<uid>; a rootful Podman may still be rootless behind another path, which {@link podmanRootless} settles.
 */
export function engineKind(version: EngineVersion, info: EngineInfo, host?: string | null): EngineKind {
  const rootless = info.SecurityOptions?.some((o) => o.includes('name=rootless')) ?? false;
  if (version.Components?.some((c) => /podman/i.test(c.Name))) {
    return rootless || /^unix:\/\/\/(var\/)?run\/user\/\d+\//.test(host ?? '') ? 'podman-rootless' : 'podman';
  }
  if (info.OperatingSystem === 'Docker Desktop' || info.Name === 'docker-desktop') return 'docker-desktop';
  if (rootless) return 'rootless';
  return 'docker';
}

/**
 * Podman 4.3's compat /info says nothing of rootless (no `name=rootless`): its storage tells the default setups apart
 * (rootful /var/lib/containers, rootless ~/.local/share/containers); any other place is settled by libpod's own info
 * (`host.security.rootless`), one more request, which Podman takes a second to answer. Unanswered, it stays rootful.
 */
async function podmanRootless(kind: EngineKind, info: EngineInfo, client: EngineClient, timeoutMs: number): Promise<EngineKind> {
  if (kind !== 'podman') return kind;
  const storage = info.DockerRootDir ?? '';
  if (storage.startsWith('/var/lib/containers/')) return kind;
  if (storage.includes('/.local/share/containers/')) return 'podman-rootless';
  const libpod = await client
    .getJson<{ host?: { security?: { rootless?: unknown } } }>('/v4/libpod/info', { timeoutMs })
    .catch(() => undefined);
  return libpod?.host?.security?.rootless === true ? 'podman-rootless' : kind;
}

export function isLocalEndpoint(host: string | null): boolean {
  if (!host) return false;
  if (host.startsWith('unix://') || host.startsWith('npipe://')) return true;
  if (host.startsWith('tcp://')) {
    const hostname = new URL(host).hostname;
    return hostname === 'localhost' || hostname.startsWith('127.') || hostname === '[::1]';
  }
  return false;
}
