import { EngineError, formatSeconds, type EngineClient, type RequestOptions } from './engine-client.js';

interface Modem {
  dial(
    options: Record<string, unknown>,
    callback: (error: (Error & { statusCode?: number; code?: string }) | null, data: unknown) => void,
  ): void;
}

/** ssh:// endpoints go through dockerode, which runs `docker system dial-stdio` on the remote host like the docker CLI. */
export function createSshEngineClient(host: string): EngineClient {
  let modem: Promise<Modem> | undefined;
  // dockerode (and ssh2 under it) costs ~120 ms to load: only when an ssh:// endpoint is really asked something.
  const load = () => (modem ??= loadModem(host));
  const dial = async (path: string, options: RequestOptions, raw: boolean, method = 'GET', body?: unknown) =>
    dialModem(await load(), host, path, options, { raw, method, body });
  return {
    async send(path, options) {
      const data = await dial(path, options, false, options.method, options.body);
      return { status: 200, body: Buffer.isBuffer(data) ? data : Buffer.from(JSON.stringify(data ?? '')) };
    },
    async getJson<T>(path: string, options: RequestOptions): Promise<T> {
      const data = await dial(path, options, false);
      return (Buffer.isBuffer(data) ? JSON.parse(data.toString('utf8')) : data) as T;
    },
    async getBuffer(path: string, options: RequestOptions) {
      const stream = (await dial(path, options, true)) as NodeJS.ReadableStream;
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
      return { body: Buffer.concat(chunks), headers: {} };
    },
  };
}

async function loadModem(host: string): Promise<Modem> {
  const { default: Docker } = await import('dockerode');
  const url = new URL(host);
  const docker = new Docker({
    protocol: 'ssh',
    host: url.hostname,
    port: url.port ? Number(url.port) : 22,
    username: url.username || undefined,
  });
  return (docker as unknown as { modem: Modem }).modem;
}

/** One request over the ssh modem, with the same deadline and error kinds as the http client. */
function dialModem(
  m: Modem,
  host: string,
  path: string,
  options: RequestOptions,
  request: { raw: boolean; method: string; body?: unknown },
): Promise<unknown> {
  const signal = AbortSignal.any([AbortSignal.timeout(options.timeoutMs), ...(options.signal ? [options.signal] : [])]);
  const statusCodes = { 200: true, 201: true, 204: true, 304: true };
  return new Promise((resolve, reject) => {
    const dialOptions = {
      path,
      method: request.method,
      options: request.body ?? {},
      statusCodes,
      isStream: request.raw,
      abortSignal: signal,
    };
    m.dial(dialOptions, (error, data) => {
      if (!error) return resolve(data);
      if (signal.aborted)
        return reject(new EngineError('no-answer', `${host} did not answer ${path} within ${formatSeconds(options.timeoutMs)}`));
      if (error.statusCode) return reject(new EngineError('http', error.message, { statusCode: error.statusCode, connected: true }));
      reject(new EngineError('other', `${host}: ${error.message}`, { code: error.code }));
    });
  });
}
