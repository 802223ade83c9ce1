import { ContainerGone, EndpointFault, FactUnavailable } from '../errors.js';
import { pingTimeoutFor, requestTimeoutFor, type FactScope } from '../scope.js';
import type { DockerConnection, DockerFacts } from '../types.js';
import { connect } from './connection.js';
import { resolveEndpoint } from './endpoint.js';
import { EngineError, MAX_OBJECT_BODY_BYTES, type EngineClient, type RequestOptions } from './engine-client.js';
import { firstEntryInTar } from './archive.js';
import { podmanNetworks } from './podman-networks.js';
import { runProbe } from './probe.js';
import { containerPathExists } from './container-path.js';
import { fetchDiskUsage } from './system-df.js';
import { containerInspectShape, containerSummaryShape, networkSummaryShape } from './shape.js';
import { demuxLogs, firstFileInTar } from './streams.js';
import type { ContainerSummary, ImageInspect, ImageSummary, NetworkSummary } from './types.js';
import { volumeList } from './volumes.js';
import { logsWithoutOwnSecrets, withoutOwnSecrets } from './own-secrets.js';

/** How many log lines a check sees: enough for a stack trace's head, bounded for speed and for what we print. */
export const LOG_TAIL_LINES = 60;
export const LOG_TAIL_BYTES = 1024 * 1024;

/** The memo keys of the Docker facts (what `peek` and the per-fact timings name). */
export const DOCKER_KEYS = {
  endpoint: 'docker.endpoint',
  connection: 'docker.connection',
  info: 'docker.info',
  containers: 'docker.containers',
  inspect: (id: string) => `docker.inspect:${id}`,
  logs: (id: string) => `docker.logs:${id}`,
  image: (ref: string) => `docker.image:${ref}`,
  file: (id: string, file: string) => `docker.file:${id}:${file}`,
  pathExists: (id: string, file: string) => `docker.path-exists:${id}:${file}`,
  fileEntry: (id: string, file: string) => `docker.file-entry:${id}:${file}`,
  oom: (id: string) => `docker.oom:${id}`,
  networks: 'docker.networks',
  podmanNetworks: 'docker.podman-networks',
  images: 'docker.images',
  volumes: 'docker.volumes',
  systemDf: 'docker.system-df',
  socketAnswers: (socketPath: string) => `docker.socket-answers:${socketPath}`,
} as const;

const K = DOCKER_KEYS;

/** The providers of the Docker domain; each Engine API call is made at most once per run. */
export function dockerFacts(scope: FactScope): DockerFacts {
  const { once, clients, settings } = scope;
  const gate = engineGate(() => facts.dockerConnection());
  const api: EngineApi = { gate, request: { timeoutMs: requestTimeoutFor(settings.timeoutMs) } };
  const facts: DockerFacts = {
    dockerEndpoint: () => once(K.endpoint, () => resolveEndpointOf(scope)),
    dockerConnection: () => once(K.connection, async () => connectTo(scope, await facts.dockerEndpoint(), gate)),
    dockerInfo: () => once(K.info, async () => infoOf(await facts.dockerConnection())),
    containers: () => once(K.containers, () => listContainers(api)),
    inspectContainer: (id) => once(K.inspect(id), () => inspectContainer(api, id)),
    containerLogs: (id) => once(K.logs(id), () => containerLogs(api, id, facts)),
    imageInspect: (ref) => once(K.image(ref), () => imageInspect(api, ref)),
    containerFile: (id, file) => once(K.file(id, file), () => containerFile(api, id, file)),
    containerPathExists: (id, file) =>
      once(K.pathExists(id, file), async () => containerPathExists(await gate.client(), api.request, id, file)),
    containerFileEntry: (id, file) => once(K.fileEntry(id, file), () => containerFileEntry(api, id, file)),
    networks: () => once(K.networks, () => listNetworks(api)),
    podmanNetworks: () => once(K.podmanNetworks, async () => podmanNetworks(await api.gate.client(), api.request)),
    images: () => once(K.images, async () => engineList<ImageSummary>('/images/json', getJson(api, '/images/json'))),
    volumes: () => once(K.volumes, () => volumeList(getJson(api, '/volumes'))),
    systemDf: () => once(K.systemDf, async () => fetchDiskUsage(await gate.client(), api.request)),
    oomEvents: (id, sinceMs) => once(K.oom(id), () => oomEvents(api, id, sinceMs, clients.now())),
    probe: async (spec, signal) => runProbe(await gate.client(), { ...spec, signal }),
    socketAnswers: (socketPath) => once(K.socketAnswers(socketPath), () => socketAnswers(scope, socketPath)),
  };
  return facts;
}

export function unreachableReason(c: DockerConnection): string {
  return `the Docker daemon is not reachable${c.endpoint.host ? ` at ${c.endpoint.host}` : ''} (see the daemon check)`;
}

/** For checks that read host files about the engine (meta.requires 'local-engine'): it must be reachable, and on this machine. */
export async function requireLocalEngine(docker: Pick<DockerFacts, 'dockerConnection'>): Promise<true> {
  const c = await docker.dockerConnection();
  if (!c.reachable) throw new FactUnavailable(unreachableReason(c));
  if (!c.local) throw new FactUnavailable(`the engine at ${c.endpoint.host} is not on this machine, so its host files cannot be read`);
  return true;
}

/** Hands out the engine client once the daemon answered its ping; requests wait for the connection to be confirmed. */
interface EngineGate {
  /** Given to connect(): called as soon as the ping succeeds. */
  opened(client: EngineClient): void;
  /** The client; rejects with FactUnavailable when the daemon is unreachable. */
  client(): Promise<EngineClient>;
  /** Starts a request as soon as the daemon has answered the ping, but settles only once the connection is confirmed. */
  early<T>(send: (client: EngineClient) => Promise<T>): Promise<T>;
}

interface EngineApi {
  gate: EngineGate;
  request: RequestOptions;
}

function engineGate(connection: () => Promise<DockerConnection>): EngineGate {
  let opened: (client: EngineClient) => void = () => undefined;
  // Never resolves when the ping fails: nothing is then sent.
  const pinged = new Promise<EngineClient>((resolve) => (opened = resolve));
  const confirmed = async () => {
    const settled = await connection();
    if (!settled.reachable) throw new FactUnavailable(unreachableReason(settled));
  };
  return {
    opened: (client) => opened(client),
    async client() {
      await confirmed();
      return pinged;
    },
    async early<T>(send: (client: EngineClient) => Promise<T>): Promise<T> {
      const connected = confirmed();
      const response = pinged.then(send);
      response.catch(() => undefined);
      await connected;
      return response;
    },
  };
}

function resolveEndpointOf({ clients, settings }: FactScope) {
  return resolveEndpoint({
    hostFlag: settings.hostFlag,
    contextFlag: settings.contextFlag,
    env: clients.proc.env,
    platform: clients.proc.platform,
    homedir: clients.proc.homedir,
    readText: (file) => clients.fs.readText(file),
    exists: async (file) => (await clients.fs.stat(file).catch(() => null)) !== null,
  });
}

async function connectTo(
  { clients, settings }: FactScope,
  endpoint: DockerConnection['endpoint'],
  gate: EngineGate,
): Promise<DockerConnection> {
  const timeouts = { pingTimeoutMs: pingTimeoutFor(settings.timeoutMs), requestTimeoutMs: requestTimeoutFor(settings.timeoutMs) };
  const { connection } = await connect(endpoint, clients, timeouts, (client) => gate.opened(client));
  return connection;
}

/** Pings another socket on this machine (a Podman socket beside the endpoint), within the ping timeout. */
async function socketAnswers({ clients, settings }: FactScope, socketPath: string): Promise<boolean> {
  try {
    await clients.engine(`unix://${socketPath}`).getBuffer('/_ping', { timeoutMs: pingTimeoutFor(settings.timeoutMs) });
    return true;
  } catch {
    return false;
  }
}

function infoOf(connection: DockerConnection) {
  if (!connection.reachable || !connection.info) throw new FactUnavailable(unreachableReason(connection));
  return connection.info;
}

async function getJson(api: EngineApi, path: string, maxBytes?: number): Promise<unknown> {
  return (await api.gate.client()).getJson<unknown>(path, { ...api.request, maxBytes });
}

/**
 * A list every container check shares: when the daemon answered the ping but this endpoint fails (no answer, HTTP 500,
 * not JSON, not a list), the fact is unavailable with one reason naming the endpoint, so the checks that need it are
 * skipped with that reason (and the daemon check reports it once) instead of each crashing. Null entries are dropped.
 */
async function engineList<T extends object>(path: string, answer: Promise<unknown>): Promise<T[]> {
  let value: unknown;
  try {
    value = await answer;
  } catch (error) {
    if (error instanceof EngineError) throw new EndpointFault(path, error.message);
    throw error;
  }
  if (!Array.isArray(value)) throw new EndpointFault(path, `it answered ${value === null ? 'null' : typeof value}, not a list`);
  return value.filter((entry): entry is T => entry !== null && typeof entry === 'object' && !Array.isArray(entry));
}

async function listContainers(api: EngineApi): Promise<ContainerSummary[]> {
  const answer = api.gate.early((client) => client.getJson<unknown>('/containers/json?all=1', api.request));
  const list = await engineList<Record<string, unknown>>('/containers/json', answer);
  return list.map(containerSummaryShape).filter((c): c is ContainerSummary => c !== undefined);
}

/** Networks with the fields the checks read in their documented types; entries without a name are dropped. */
async function listNetworks(api: EngineApi): Promise<NetworkSummary[]> {
  const list = await engineList<Record<string, unknown>>('/networks', getJson(api, '/networks'));
  return list.map(networkSummaryShape).filter((n): n is NetworkSummary => n !== undefined);
}

async function inspectContainer(api: EngineApi, id: string) {
  const path = `/containers/${encodeURIComponent(id)}/json`;
  const value = await getJson(api, path, MAX_OBJECT_BODY_BYTES).catch((error: unknown) => {
    if (error instanceof EngineError && error.details.statusCode === 404) throw new ContainerGone(id);
    throw error instanceof EngineError ? new EndpointFault(path, error.message) : error;
  });
  // The checks read the answer without guards: a missing part is a fault, a wrong-typed field reads as absent.
  const container = containerInspectShape(value);
  if (!container) throw new EndpointFault(path, 'it answered no container (Id, State, Config or HostConfig missing)');
  return withoutOwnSecrets(container);
}

async function containerLogs(
  api: EngineApi,
  id: string,
  facts: Pick<DockerFacts, 'inspectContainer' | 'dockerConnection'>,
): Promise<string> {
  const [client, inspect, connection] = await Promise.all([api.gate.client(), facts.inspectContainer(id), facts.dockerConnection()]);
  const tty = inspect.Config.Tty === true;
  // Bounded by bytes as well as lines: a daemon that never ends the stream, or megabyte-long lines, stop at 1 MiB.
  const read = (query: string) =>
    client.getBuffer(`/containers/${encodeURIComponent(id)}/logs?stdout=1&stderr=1${query}`, {
      ...api.request,
      maxBytes: LOG_TAIL_BYTES,
      truncate: true,
    });
  // Podman's tail= splices a line its log stored in pieces (conmon's partial records: "sh: " then "can't create …") onto
  // the line before, in the wrong stream: read the whole log, bounded, and cut the last lines here. A log over the bound
  // would give its oldest part, so only then is Podman's own tail asked for.
  if (connection.kind?.startsWith('podman')) {
    const { body } = await read('');
    if (body.length < LOG_TAIL_BYTES) return logsWithoutOwnSecrets(lastLines(demuxLogs(body, tty), LOG_TAIL_LINES), inspect);
  }
  let { body } = await read(`&tail=${LOG_TAIL_LINES}`);
  // Cut at 1 MiB, the tail kept its oldest lines; the last few hold the cause, so ask for those alone.
  if (body.length >= LOG_TAIL_BYTES) ({ body } = await read('&tail=5'));
  return logsWithoutOwnSecrets(demuxLogs(body, tty), inspect);
}

/** The last `count` lines of a log, as `tail=` gives them (the final newline kept). */
export function lastLines(text: string, count: number): string {
  const lines = text.split('\n');
  const ended = lines.at(-1) === '';
  const kept = (ended ? lines.slice(0, -1) : lines).slice(-count);
  return kept.join('\n') + (ended && kept.length > 0 ? '\n' : '');
}

/** Undefined when the engine answers 404: a missing image or file is data, not a fault. */
async function unlessNotFound<T>(answer: Promise<T>): Promise<T | undefined> {
  try {
    return await answer;
  } catch (error) {
    if (error instanceof EngineError && error.details.statusCode === 404) return undefined;
    throw error;
  }
}

async function imageInspect(api: EngineApi, ref: string): Promise<ImageInspect | null> {
  const client = await api.gate.client();
  const options = { ...api.request, maxBytes: MAX_OBJECT_BODY_BYTES };
  return (await unlessNotFound(client.getJson<ImageInspect>(`/images/${encodeURIComponent(ref)}/json`, options))) ?? null;
}

async function containerFile(api: EngineApi, id: string, file: string): Promise<Buffer | undefined> {
  const client = await api.gate.client();
  const path = `/containers/${encodeURIComponent(id)}/archive?path=${encodeURIComponent(file)}`;
  const answer = await unlessNotFound(client.getBuffer(path, api.request));
  return answer && firstFileInTar(answer.body);
}

/** The path's own entry (type and mode, and a file's content), for a command that may not be executable. */
async function containerFileEntry(api: EngineApi, id: string, file: string) {
  const client = await api.gate.client();
  const path = `/containers/${encodeURIComponent(id)}/archive?path=${encodeURIComponent(file)}`;
  const answer = await unlessNotFound(client.getBuffer(path, api.request));
  return answer && firstEntryInTar(answer.body);
}

async function oomEvents(api: EngineApi, id: string, sinceMs: number, nowMs: number): Promise<number> {
  const filters = encodeURIComponent(JSON.stringify({ event: ['oom'], container: [id] }));
  const now = Math.floor(nowMs / 1000);
  const { body } = await (
    await api.gate.client()
  ).getBuffer(`/events?since=${Math.floor(sinceMs / 1000)}&until=${now + 1}&filters=${filters}`, api.request);
  return body
    .toString('utf8')
    .split('\n')
    .filter((l) => l.trim().startsWith('{')).length;
}
