import http from 'node:http';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createHttpEngineClient, EngineError } from '../../src/facts/docker/engine-client.js';
import { tempDir } from '../helpers/sockets.js';

/** A daemon that answers every request with a body that never ends (what a faulty proxy or log stream can do). */
async function endlessDaemon(socket: string): Promise<http.Server> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    const chunk = Buffer.alloc(64 * 1024, 'a');
    const pump = () => {
      while (res.write(chunk));
      res.once('drain', pump);
    };
    res.on('close', () => res.removeAllListeners('drain'));
    pump();
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  return server;
}

describe('Engine API answers are bounded', () => {
  const dir = tempDir('dd-limits-');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('an endless body fails at the limit instead of filling memory', async () => {
    const socket = path.join(dir, 'endless.sock');
    const server = await endlessDaemon(socket);
    try {
      const client = createHttpEngineClient(`unix://${socket}`);
      const error = await client.getJson('/containers/json', { timeoutMs: 10_000, maxBytes: 1024 * 1024 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EngineError);
      expect((error as EngineError).message).toMatch(/\/containers\/json answered more than 1 MiB/);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('a log tail keeps what arrived up to the limit and stops reading', async () => {
    const socket = path.join(dir, 'logs.sock');
    const server = await endlessDaemon(socket);
    try {
      const { body } = await createHttpEngineClient(`unix://${socket}`).getBuffer('/containers/x/logs', {
        timeoutMs: 10_000,
        maxBytes: 200_000,
        truncate: true,
      });
      expect(body.length).toBe(200_000);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

describe('an HTTP error with a huge message (review B, session 6)', () => {
  const dir = tempDir('dd-error-text-');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['a JSON message', JSON.stringify({ message: 'x'.repeat(1024 * 1024) })],
    ['a body that is not JSON', 'x'.repeat(1024 * 1024)],
  ])('is cut to 200 characters, as %s (it was copied into every finding and skip reason)', async (_name, body) => {
    const socket = path.join(dir, `${_name.length}.sock`);
    const server = http.createServer((_req, res) => res.writeHead(500, { 'Content-Type': 'application/json' }).end(body));
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    try {
      const error: EngineError = await createHttpEngineClient(`unix://${socket}`)
        .getJson<never>('/containers/json', { timeoutMs: 10_000 })
        .catch((e: unknown) => e as EngineError);
      expect(error.message).toBe(`/containers/json answered HTTP 500: ${'x'.repeat(200)}…`);
      expect(error.details.body!.length).toBe(500);
    } finally {
      server.close();
    }
  });

  it('a message that is not a string is shown as the body', async () => {
    const socket = path.join(dir, 'typed.sock');
    const server = http.createServer((_req, res) => res.writeHead(500).end('{"message":{"a":1}}'));
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    try {
      const error: EngineError = await createHttpEngineClient(`unix://${socket}`)
        .getJson<never>('/info', { timeoutMs: 10_000 })
        .catch((e: unknown) => e as EngineError);
      expect(error.message).toBe('/info answered HTTP 500: {"message":{"a":1}}');
    } finally {
      server.close();
    }
  });
});

describe('a log tail over the byte limit', () => {
  it('is asked again for its last lines, which hold the cause', async () => {
    const { fakeClients, fakeFacts, HEALTHY_ENGINE } = await import('../helpers/fakes.js');
    const huge = Buffer.alloc(1024 * 1024 + 10, 'x');
    const engine = {
      ...HEALTHY_ENGINE,
      '/containers/c1/json': { Id: 'c1', Config: { Tty: true }, State: {}, HostConfig: {} },
      '/containers/c1/logs?stdout=1&stderr=1&tail=60': huge,
      '/containers/c1/logs?stdout=1&stderr=1&tail=5': 'Error: connect ECONNREFUSED 10.0.0.2:5432\n',
    };
    expect(await fakeFacts(fakeClients({ engine })).containerLogs('c1')).toBe('Error: connect ECONNREFUSED 10.0.0.2:5432\n');
  });
});
