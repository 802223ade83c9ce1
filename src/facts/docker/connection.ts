import type { FactClients } from '../clients.js';
import type { DockerConnection, EngineInfo, EngineKind, EngineVersion } from '../types.js';
import type { ResolvedEndpoint } from './endpoint.js';
import type { IncomingHttpHeaders } from 'node:http';
import { chooseApiVersion, parseApiVersion, versionFromPing, type ApiVersionChoice } from './api-version.js';
import { EngineError, MAX_OBJECT_BODY_BYTES, type EngineClient, type EngineErrorKind } from './engine-client.js';
import { engineInfoShape, engineVersionShape } from './shape.js';

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
  let ping: { headers: IncomingHttpHeaders };
  try {
    // Unversioned, as the docker CLI pings: the answer's API-Version header is what negotiation starts from.
    ping = await client.getBuffer('/_ping', { timeoutMs: options.pingTimeoutMs });
  } catch (error) {
    if (error instanceof EngineError)
      return fail(error.kind, error.message, { code: error.details.code, statusCode: error.details.statusCode });
    return fail('other', (error as Error).message);
  }
  const elapsedMs = Math.round(now() - started);
  const env = clients.proc.env;
  const negotiated = await negotiate(client, ping.headers, env.DOCKER_API_VERSION, options.requestTimeoutMs, onPinged);
  if ('failure' in negotiated) return fail(negotiated.failure.kind, negotiated.failure.message);
  const { versioned, version, apiVersion } = negotiated;
  try {
    const info = await negotiated.info;
    // libpod's own endpoint is not under the Docker API's version prefix: it goes through the unversioned client.
    const kind = await podmanRootless(engineKind(version, info, endpoint.host), info, client, options.requestTimeoutMs);
    const local = base.local && kind !== 'docker-desktop';
    return { connection: { ...base, local, reachable: true, elapsedMs, version, info, kind, apiVersion }, client: versioned };
  } catch (error) {
    const kind = error instanceof EngineError ? error.kind : 'other';
    return fail(kind, `the daemon answered /_ping but not /version or /info: ${(error as Error).message}`);
  }
}

type Negotiated =
  | {
      versioned: EngineClient;
      version: EngineVersion;
      info: Promise<EngineInfo>;
      apiVersion: NonNullable<DockerConnection['apiVersion']>;
    }
  | { failure: { kind: EngineErrorKind; message: string } };

/**
 * Reads /version at the daemon's own API version (the ping's header; served by any daemon, and its format has not
 * changed since 1.24), then picks the version every later request carries from the range it gives. When the ping alone
 * settles that version (versionFromPing), the client is handed out and /info sent at once, alongside /version: the
 * engine's /version runs runc and containerd to learn their versions, and the checks need not wait for it.
 */
async function negotiate(
  client: EngineClient,
  headers: IncomingHttpHeaders,
  override: string | undefined,
  timeoutMs: number,
  onPinged?: (client: EngineClient) => void,
): Promise<Negotiated> {
  const raw = headers['api-version'];
  const daemonVersion = parseApiVersion(Array.isArray(raw) ? raw[0] : raw);
  const early = versionFromPing(daemonVersion, override);
  const earlyClient = early ? client.withApiVersion(early) : undefined;
  if (earlyClient) onPinged?.(earlyClient);
  const earlyInfo = earlyClient && readInfo(earlyClient, timeoutMs);
  earlyInfo?.catch(() => undefined); // Awaited below unless the negotiation fails first.
  let version: EngineVersion;
  try {
    const answer = await (daemonVersion ? client.withApiVersion(daemonVersion) : client).getJson<unknown>('/version', {
      timeoutMs,
      maxBytes: MAX_OBJECT_BODY_BYTES,
    });
    version = engineVersionShape(answer) ?? notAnObject('/version', answer);
  } catch (error) {
    const kind = error instanceof EngineError ? error.kind : 'other';
    return { failure: { kind, message: `the daemon answered /_ping but not /version or /info: ${(error as Error).message}` } };
  }
  const range = { max: parseApiVersion(version.ApiVersion) ?? daemonVersion, min: version.MinAPIVersion };
  const choice = chooseApiVersion(range, override);
  if (!choice.ok) return { failure: { kind: 'api-version', message: overrideRefused(choice) } };
  const apiVersion = { version: choice.version, from: choice.from };
  if (earlyClient && earlyInfo && choice.version === early) return { versioned: earlyClient, version, info: earlyInfo, apiVersion };
  const versioned = client.withApiVersion(choice.version);
  onPinged?.(versioned);
  return { versioned, version, info: readInfo(versioned, timeoutMs), apiVersion };
}

/** /info, bounded and checked for shape: fields of another type read as absent, an answer that is no object is a fault. */
async function readInfo(client: EngineClient, timeoutMs: number): Promise<EngineInfo> {
  const answer = await client.getJson<unknown>('/info', { timeoutMs, maxBytes: MAX_OBJECT_BODY_BYTES });
  return engineInfoShape(answer) ?? notAnObject('/info', answer);
}

/** The fault for an answer that is not the JSON object Docker gives (null, a list, a string). */
function notAnObject(path: string, answer: unknown): never {
  const what = answer === null ? 'null' : Array.isArray(answer) ? 'a list' : typeof answer;
  throw new EngineError('other', `${path} answered ${what} where Docker answers an object`, { connected: true });
}

function overrideRefused(choice: Extract<ApiVersionChoice, { ok: false }>): string {
  const set = `DOCKER_API_VERSION=${choice.override}`;
  switch (choice.reason) {
    case 'invalid':
      return `${set} is not an API version (the docker CLI expects a number such as 1.41)`;
    case 'too-old':
      return `${set} is older than the oldest API version the daemon serves (${choice.range.min})`;
    case 'too-new':
      return `${set} is newer than the daemon's API version (${choice.range.max})`;
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
