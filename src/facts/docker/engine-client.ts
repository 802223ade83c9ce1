import http from 'node:http';
import type https from 'node:https';
import { closeSync, constants as fsConstants, fstatSync, openSync, readFileSync } from 'node:fs';

/** https (and with it tls and crypto) is loaded only for TLS endpoints: most users talk to a unix socket. */
const loadHttps = (): typeof https => process.getBuiltinModule('node:https');
import type { TlsMaterial } from './endpoint.js';

/**
 * A small Engine API client over node:http. dockerode costs ~120 ms of module loading (most of it ssh2),
 * which alone would break the start-up and full-run budgets, and it cannot tell "nothing accepted the
 * connection" from "the daemon accepted it and never answered" — the distinction the daemon check is for.
 * dockerode is still used for ssh:// endpoints (see ssh-client.ts).
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
}

export function createHttpEngineClient(host: string, tls?: TlsMaterial): EngineClient {
  const target = connectionTarget(host, tls);
  const transport: typeof http | typeof https = target.secure ? loadHttps() : http;
  const agent = new transport.Agent({ keepAlive: true, maxSockets: 16 });

  const request = (path: string, options: RequestOptions & { method?: string; body?: unknown }) =>
    new Promise<{ body: Buffer; headers: http.IncomingHttpHeaders; status: number }>((resolve, reject) => {
      // Checked before a request exists: destroying one before its 'error' listener is attached crashes the process.
      if (options.signal?.aborted) return reject(new EngineError('aborted', `request ${path} was cancelled`));
      let connected = false;
      let settled = false;
      const finish = (error: EngineError | null, value?: { body: Buffer; headers: http.IncomingHttpHeaders; status: number }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve(value!);
      };
      const req = transport.request({
        ...target.options,
        agent,
        path,
        method: options.method ?? 'GET',
        headers: {
          Host: 'docker',
          Accept: 'application/json',
          ...(options.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        },
      });
      const timer = setTimeout(() => {
        const seconds = formatSeconds(options.timeoutMs);
        finish(
          connected
            ? new EngineError('no-answer', `the daemon accepted the connection but did not answer ${path} within ${seconds}`, { connected })
            : new EngineError('connect-timeout', `nothing accepted the connection to ${host} within ${seconds}`, { connected }),
        );
        req.destroy();
      }, options.timeoutMs);
      const onAbort = () => {
        finish(new EngineError('aborted', `request ${path} was cancelled`, { connected }));
        req.destroy();
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
      req.on('socket', (socket) => {
        // A reused keep-alive socket is already connected and emits no 'connect' (listening for it would leak listeners).
        if (!socket.connecting) {
          connected = true;
          return;
        }
        socket.once(target.secure ? 'secureConnect' : 'connect', () => (connected = true));
      });
      req.on('error', (error: NodeJS.ErrnoException) => finish(classifySocketError(error, host, connected)));
      req.on('response', (res) => {
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
            finish(
              new EngineError(
                'other',
                `${path} answered more than ${Math.round(maxBytes / 1024 / 1024)} MiB; the daemon is not answering as Docker does`,
                { connected: true },
              ),
            );
          }
          req.destroy();
        });
        res.on('error', (error: NodeJS.ErrnoException) => finish(classifySocketError(error, host, true)));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) return finish(null, { body, headers: res.headers, status });
          finish(
            new EngineError('http', `${path} answered HTTP ${status}: ${errorMessage(body)}`, {
              statusCode: status,
              connected: true,
              body: body.toString('utf8').slice(0, 500),
            }),
          );
        });
      });
      req.end(options.body !== undefined ? JSON.stringify(options.body) : undefined);
    });
  const getBuffer = (path: string, options: RequestOptions) => request(path, options);

  return {
    getBuffer,
    async send(path, options) {
      const { status, body } = await request(path, options);
      return { status, body };
    },
    async getJson<T>(path: string, options: RequestOptions): Promise<T> {
      const { body } = await getBuffer(path, options);
      try {
        return JSON.parse(body.toString('utf8')) as T;
      } catch {
        throw new EngineError('other', `${path} did not answer with JSON; is ${host} a Docker daemon?`, { connected: true });
      }
    },
  };
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

function errorMessage(body: Buffer): string {
  const text = body.toString('utf8').trim();
  try {
    const parsed = JSON.parse(text) as { message?: string };
    if (parsed?.message) return parsed.message;
  } catch {
    // Not JSON: a proxy or a non-Docker server answered; show its text.
  }
  return text.slice(0, 200) || '(empty body)';
}

export function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}
