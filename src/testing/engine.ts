import { EngineError, type EngineClient } from '../facts/docker/engine-client.js';

/**
 * Engine API answers by request: `'/containers/json'` answers every GET of that path, `'/containers/x/logs'` with
 * or without a query; `'POST /containers/x/start'` a POST. A function is called per request; an Error is thrown.
 */
export type EngineRoutes = Record<string, unknown>;

/** A daemon that answers its ping, version and info, and has no containers. */
export const HEALTHY_ENGINE: EngineRoutes = {
  '/_ping': 'OK',
  '/version': { Version: '28.2.2', ApiVersion: '1.50', Os: 'linux', Arch: 'amd64' },
  '/containers/json': [],
  '/info': {
    Name: 'host',
    ServerVersion: '28.2.2',
    OperatingSystem: 'Debian GNU/Linux 12',
    DockerRootDir: '/var/lib/docker',
    SecurityOptions: ['name=seccomp,profile=builtin'],
    Warnings: [],
  },
};

/** An engine client answering from a route table; an unknown route answers HTTP 404. `calls` records every request. */
export function fakeEngine(routes: EngineRoutes, calls: string[] = []): EngineClient {
  const answer = async (p: string) => {
    calls.push(p);
    const key = Object.keys(routes).find((k) => k === p) ?? Object.keys(routes).find((k) => k === p.split('?')[0]);
    if (key === undefined) throw new EngineError('http', `${p} answered HTTP 404: not found`, { statusCode: 404 });
    const value = typeof routes[key] === 'function' ? (routes[key] as () => unknown)() : routes[key];
    if (value instanceof Error) throw value;
    return value;
  };
  const text = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));
  const client: EngineClient = {
    // Routes are keyed by the path as asked: a negotiated version changes nothing a fake answers.
    withApiVersion: () => client,
    async send(p: string, options: { method: string }) {
      return { status: 200, body: Buffer.from(text((await answer(`${options.method} ${p}`)) ?? '')) };
    },
    async getJson<T>(p: string) {
      return (await answer(p)) as T;
    },
    async getBuffer(p: string) {
      const value = await answer(p);
      return { body: Buffer.isBuffer(value) ? value : Buffer.from(text(value)), headers: {} };
    },
  };
  return client;
}
