import http from 'node:http';
import type { Socket } from 'node:net';
import type https from 'node:https';
import { closeSync, constants as fsConstants, fstatSync, openSync, readFileSync } from 'node:fs';

/** https (and with it tls and crypto) is loaded only for TLS endpoints: most users talk to a unix socket. */
const loadHttps = (): typeof https => process.getBuiltinModule('node:https');
import type { TlsMaterial } from './endpoint.js';

/**
 * A small Engine API client over node:http. dockerode costs ~120 ms of module loading (most of it ssh2),
 * which alone would break the start-up and full-run budgets, and it cannot tell "nothing accepted the
 * connection" from "the daemon accepted it and never answered" — the distinction the daemon check is for.
 * ssh:// endpoints use the same requests over the system's ssh (see ssh-client.ts).
 */

export type EngineErrorKind =
  | 'socket-missing'
  | 'permission-denied'
  | 'refused'
  | 'connect-timeout'
  | 'no-answer'
  | 'host-not-found'
  | 'unreachable'
  | 'tls'
  | 'reset'
  | 'http'
  | 'aborted'
  /** ssh:// (ssh-client.ts): no ssh client here, the host key is unknown or changed, authentication failed, the TCP peer
   * never completed the SSH handshake, the remote has no docker, or the remote docker could not reach its daemon. */
  | 'ssh-client-missing'
  | 'ssh-host-key'
  | 'ssh-auth'
  | 'ssh-handshake'
  | 'ssh-no-docker'
  | 'ssh-remote'
  /** DOCKER_API_VERSION names a version the daemon does not serve (connection.ts). */
  | 'api-version'
  | 'other';

export class EngineError extends Error {
  constructor(
    readonly kind: EngineErrorKind,
    message: string,
    readonly details: { code?: string; statusCode?: number; connected?: boolean; body?: string } = {},
  ) {
    super(message);
  }
}

export interface RequestOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** The most a body may hold (default MAX_BODY_BYTES): a faulty daemon's endless answer must not fill memory. */
  maxBytes?: number;
  /** Past maxBytes, keep what arrived and stop reading (log tails) instead of failing. */
  truncate?: boolean;
}

/** Far above the largest real answer (a 10,000-container list is ~30 MiB), far below a memory problem. */
export const MAX_BODY_BYTES = 64 * 1024 * 1024;

/**
 * The bound for answers about one object (a container's or image's inspect, /version, /info). A real container inspect
 * is 4-50 KB; one with 10,000 100-byte Env entries and 200 labels measured 1.1 MiB on Docker 20.10, and the kernel
 * refuses to start a process whose environment passes 2 MiB (ARG_MAX at the default 8 MiB stack), so 4 MiB leaves room.
 * These answers run concurrently (up to the agent's 16 sockets): at 64 MiB each, endless inspects took the run past
 * 450 MB; at 4 MiB the worst is 16 x 4 MiB buffered at once.
 */
export const MAX_OBJECT_BODY_BYTES = 4 * 1024 * 1024;

/** How much of a daemon's error text goes into a message: enough for any real Docker error, bounded for a faulty one. */
const MAX_ERROR_TEXT = 200;

export interface SendOptions extends RequestOptions {
  method: 'POST' | 'DELETE';
  body?: unknown;
}

export interface EngineClient {
  /** POST/DELETE (used only by opt-in probes); resolves with the status and body, throws EngineError on transport failures and non-2xx. */
  send(path: string, options: SendOptions): Promise<{ status: number; body: Buffer }>;
  /** GET returning parsed JSON; throws EngineError. */
  getJson<T>(path: string, options: RequestOptions): Promise<T>;
  /** GET returning the raw body. */
  getBuffer(path: string, options: RequestOptions): Promise<{ body: Buffer; headers: http.IncomingHttpHeaders }>;
  /**
   * The same connections, with every path sent as `/v<version><path>` (the version negotiated in connection.ts);
   * messages keep naming the path as asked.
   */
  withApiVersion(version: string): EngineClient;
}

export function createHttpEngineClient(host: string, tls?: TlsMaterial): EngineClient {
  const target = connectionTarget(host, tls);
  const transport: typeof http | typeof https = target.secure ? loadHttps() : http;
  return clientOver({ host, target, transport, agent: new transport.Agent({ keepAlive: true, maxSockets: 16 }), prefix: '' });
}

/** The Engine API over a route: the http transport here, or ssh-client.ts's agent that runs `docker system dial-stdio`. */
export function clientOver(route: EngineRoute): EngineClient {
  const getBuffer = (path: string, options: RequestOptions) => request(route, path, options);
  return {
    withApiVersion: (version) => clientOver({ ...route, prefix: `/v${version}` }),
    getBuffer,
    async send(path, options) {
      const { status, body } = await request(route, path, options);
      return { status, body };
    },
    async getJson<T>(path: string, options: RequestOptions): Promise<T> {
      const { body } = await getBuffer(path, options);
      try {
        return JSON.parse(body.toString('utf8')) as T;
      } catch {
        throw new EngineError('other', `${path} did not answer with JSON; is ${route.host} a Docker daemon?`, { connected: true });
      }
    },
  };
}

/** Where requests go: the endpoint as the user named it, and how to reach it. */
export interface EngineRoute {
  host: string;
  target: { secure: boolean; options: https.RequestOptions };
  transport: typeof http | typeof https;
  agent: http.Agent;
  /** `/v1.41` once the version is negotiated; '' for the ping that comes first. */
  prefix: string;
  /** Why a request on this socket ran out of time, when the transport knows better than "connected or not" (ssh). */
  describeTimeout?: (socket: Socket | undefined, path: string, timeoutMs: number) => EngineError | undefined;
}

interface Answer {
  body: Buffer;
  headers: http.IncomingHttpHeaders;
  status: number;
}

/** Settles a request once: with an error, or with the answer. */
type Finish = (error: EngineError | null, value?: Answer) => void;

/**
 * One request with a deadline that tells "nothing accepted the connection" from "accepted and never answered", an
 * abort signal, and a bounded body.
 */
function request(route: EngineRoute, path: string, options: RequestOptions & { method?: string; body?: unknown }): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    // Checked before a request exists: destroying one before its 'error' listener is attached crashes the process.
    if (options.signal?.aborted) return reject(new EngineError('aborted', `request ${path} was cancelled`));
    const link: { connected: boolean; socket?: Socket } = { connected: false };
    let settled = false;
    const finish: Finish = (error, value) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve(value!);
    };
    const req = route.transport.request({
      ...route.target.options,
      agent: route.agent,
      path: route.prefix + path,
      method: options.method ?? 'GET',
      headers: {
        Host: 'docker',
        Accept: 'application/json',
        ...(options.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      },
    });
    const timer = setTimeout(() => {
      const described = route.describeTimeout?.(link.socket, path, options.timeoutMs);
      finish(described ?? timeoutError(route.host, path, options.timeoutMs, link.connected));
      req.destroy();
    }, options.timeoutMs);
    const onAbort = () => {
      finish(new EngineError('aborted', `request ${path} was cancelled`, { connected: link.connected }));
      req.destroy();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    req.on('socket', (socket) => {
      link.socket = socket;
      watchConnect(socket, route.target.secure, link);
    });
    req.on('error', (error: NodeJS.ErrnoException) => finish(classifySocketError(error, route.host, link.connected)));
    req.on('response', (res) => readAnswer(res, path, route.host, options, finish, () => req.destroy()));
    req.end(options.body !== undefined ? JSON.stringify(options.body) : undefined);
  });
}

function timeoutError(host: string, path: string, timeoutMs: number, connected: boolean): EngineError {
  const seconds = formatSeconds(timeoutMs);
  return connected
    ? new EngineError('no-answer', `the daemon accepted the connection but did not answer ${path} within ${seconds}`, { connected })
    : new EngineError('connect-timeout', `nothing accepted the connection to ${host} within ${seconds}`, { connected });
}

function watchConnect(socket: Socket, secure: boolean, link: { connected: boolean }): void {
  // A reused keep-alive socket is already connected and emits no 'connect' (listening for it would leak listeners).
  if (!socket.connecting) {
    link.connected = true;
    return;
  }
  socket.once(secure ? 'secureConnect' : 'connect', () => (link.connected = true));
}

/** The body, at most maxBytes of it (past that: kept and cut with `truncate`, else a fault); non-2xx is an error. */
function readAnswer(res: http.IncomingMessage, path: string, host: string, options: RequestOptions, finish: Finish, stop: () => void) {
  const chunks: Buffer[] = [];
  const maxBytes = options.maxBytes ?? MAX_BODY_BYTES;
  let received = 0;
  res.on('data', (chunk: Buffer) => {
    received += chunk.length;
    if (received <= maxBytes) return void chunks.push(chunk);
    if (options.truncate) {
      chunks.push(chunk.subarray(0, chunk.length - (received - maxBytes)));
      finish(null, { body: Buffer.concat(chunks), headers: res.headers, status: res.statusCode ?? 0 });
    } else {
      const limit = `${Math.round(maxBytes / 1024 / 1024)} MiB`;
      const message = `${path} answered more than ${limit}; the daemon is not answering as Docker does`;
      finish(new EngineError('other', message, { connected: true }));
    }
    stop();
  });
  res.on('error', (error: NodeJS.ErrnoException) => finish(classifySocketError(error, host, true)));
  res.on('end', () => {
    const body = Buffer.concat(chunks);
    const status = res.statusCode ?? 0;
    if (status >= 200 && status < 300) return finish(null, { body, headers: res.headers, status });
    const details = { statusCode: status, connected: true, body: body.subarray(0, 500).toString('utf8') };
    finish(new EngineError('http', `${path} answered HTTP ${status}: ${errorMessage(body)}`, details));
  });
}

function connectionTarget(host: string, tls?: TlsMaterial): { secure: boolean; options: https.RequestOptions } {
  if (host.startsWith('unix://')) return { secure: false, options: { socketPath: host.slice('unix://'.length) } };
  if (host.startsWith('npipe://')) return { secure: false, options: { socketPath: host.slice('npipe://'.length).replace(/\//g, '\\') } };
  if (host.startsWith('tcp://')) {
    const url = new URL(host);
    const port = Number(url.port || 2375);
    const secure = tls !== undefined;
    const options: https.RequestOptions = { host: url.hostname, port };
    if (tls) {
      options.rejectUnauthorized = tls.verify;
      if (tls.ca) options.ca = readTlsFile(tls.ca);
      if (tls.cert) options.cert = readTlsFile(tls.cert);
      if (tls.key) options.key = readTlsFile(tls.key);
    }
    return { secure, options };
  }
  throw new EngineError('other', `unsupported endpoint ${host}`);
}

/** A certificate or key: opened without blocking and read only when it is a regular file of sane size (a FIFO would hang). */
function readTlsFile(file: string): Buffer {
  const fd = openSync(file, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile() || stat.size > 1024 * 1024)
      throw new EngineError('tls', `${file} is not a certificate or key file (not a regular file of at most 1 MiB)`);
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}

function classifySocketError(error: NodeJS.ErrnoException, host: string, connected: boolean): EngineError {
  // A transport that already knows what went wrong (ssh-client.ts reads ssh's own words) says so itself.
  if (error instanceof EngineError) return error;
  const code = error.code ?? '';
  const details = { code, connected };
  const where = host.startsWith('unix://') ? host.slice('unix://'.length) : host;
  switch (code) {
    case 'ENOENT':
      return new EngineError('socket-missing', `no socket at ${where}`, details);
    case 'EACCES':
    case 'EPERM':
      return new EngineError('permission-denied', `permission denied connecting to ${where}`, details);
    case 'ECONNREFUSED':
    case 'ENOTSOCK':
      return new EngineError('refused', `connection refused by ${where}`, details);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new EngineError('host-not-found', `the host name in ${host} does not resolve`, details);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new EngineError('unreachable', `${host} is unreachable from this machine`, details);
    case 'ETIMEDOUT':
      return new EngineError('connect-timeout', `connecting to ${host} timed out`, details);
    case 'ECONNRESET':
    case 'EPIPE':
      return new EngineError('reset', `${where} closed the connection without answering`, details);
    default:
      if (/^(ERR_TLS|ERR_SSL|CERT_|DEPTH_ZERO|UNABLE_TO_|SELF_SIGNED|EPROTO)/.test(code)) {
        return new EngineError('tls', `TLS handshake with ${host} failed: ${error.message}`, details);
      }
      return new EngineError('other', `${where}: ${error.message}`, details);
  }
}

/**
 * The daemon's own words for an error: its JSON `message`, else the body's text (a proxy or a non-Docker server), cut
 * alike. The message goes into the daemon finding, its evidence and every skip reason, so an uncut 10 MB one was copied
 * into the report a dozen times.
 */
function errorMessage(body: Buffer): string {
  const text = body.toString('utf8').trim();
  let message = text;
  try {
    const parsed = JSON.parse(text) as { message?: unknown } | null;
    if (typeof parsed?.message === 'string' && parsed.message !== '') message = parsed.message;
  } catch {
    // Not JSON: show its text.
  }
  return cutText(message, MAX_ERROR_TEXT) || '(empty body)';
}

/** At most `max` characters, marked when cut; a fresh copy, so a cut message does not keep its huge original alive. */
function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  return Buffer.from(`${text.slice(0, max)}…`, 'utf8').toString('utf8');
}

export function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}
