import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpEngineClient, EngineError } from '../../src/facts/docker/engine-client.js';
import { createSshEngineClient } from '../../src/facts/docker/ssh-client.js';
import { httpSocket, silentSocket, staleSocket, tempDir } from '../helpers/sockets.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

async function errorOf(promise: Promise<unknown>): Promise<EngineError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(EngineError);
    return error as EngineError;
  }
  throw new Error('expected the request to fail');
}

describe('the Engine API client classifies connection failures', () => {
  it('a missing socket is socket-missing', async () => {
    const client = createHttpEngineClient(`unix://${path.join(tempDir(), 'none.sock')}`);
    expect((await errorOf(client.getBuffer('/_ping', { timeoutMs: 1000 }))).kind).toBe('socket-missing');
  });

  it('a stale socket file is refused', async () => {
    const socket = path.join(tempDir(), 'stale.sock');
    staleSocket(socket);
    expect((await errorOf(createHttpEngineClient(`unix://${socket}`).getBuffer('/_ping', { timeoutMs: 1000 }))).kind).toBe('refused');
  });

  it('a socket that accepts and never answers is no-answer, within the timeout', async () => {
    const socket = path.join(tempDir(), 'silent.sock');
    const server = await silentSocket(socket);
    closers.push(server.close);
    const error = await errorOf(createHttpEngineClient(`unix://${socket}`).getBuffer('/_ping', { timeoutMs: 300 }));
    expect(error.kind).toBe('no-answer');
    expect(error.details.connected).toBe(true);
  });

  it('a regular file in place of the socket is refused by the kernel', async () => {
    const file = path.join(tempDir(), 'file.sock');
    writeFileSync(file, '');
    expect(['refused', 'other']).toContain(
      (await errorOf(createHttpEngineClient(`unix://${file}`).getBuffer('/_ping', { timeoutMs: 1000 }))).kind,
    );
  });

  it('a closed loopback TCP port is refused', async () => {
    const net = await import('node:net');
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((r) => server.close(() => r()));
    expect((await errorOf(createHttpEngineClient(`tcp://127.0.0.1:${port}`).getBuffer('/_ping', { timeoutMs: 1000 }))).kind).toBe(
      'refused',
    );
  });
});

describe('the Engine API client reads answers', () => {
  it('an HTTP error carries the daemon message', async () => {
    const socket = path.join(tempDir(), 'http.sock');
    const server = await httpSocket(socket, () => ({ status: 500, body: '{"message":"boom"}' }));
    closers.push(server.close);
    const error = await errorOf(createHttpEngineClient(`unix://${socket}`).getJson('/info', { timeoutMs: 1000 }));
    expect(error).toMatchObject({ kind: 'http', details: { statusCode: 500 } });
    expect(error.message).toContain('boom');
  });

  it('parses JSON answers and reuses the connection', async () => {
    const socket = path.join(tempDir(), 'ok.sock');
    const server = await httpSocket(socket, (url) => ({ status: 200, body: JSON.stringify({ url }) }));
    closers.push(server.close);
    const client = createHttpEngineClient(`unix://${socket}`);
    expect(await client.getJson('/version', { timeoutMs: 1000 })).toEqual({ url: '/version' });
    expect(await client.getJson('/info', { timeoutMs: 1000 })).toEqual({ url: '/info' });
  });

  it('a non-JSON answer says the endpoint is not a Docker daemon', async () => {
    const socket = path.join(tempDir(), 'html.sock');
    const server = await httpSocket(socket, () => ({ status: 200, body: '<html>' }));
    closers.push(server.close);
    expect((await errorOf(createHttpEngineClient(`unix://${socket}`).getJson('/version', { timeoutMs: 1000 }))).message).toMatch(
      /not answer with JSON/,
    );
  });
});

describe('the Engine API client is cancelled by its signal', () => {
  it('an aborted signal cancels the request', async () => {
    const socket = path.join(tempDir(), 'silent2.sock');
    const server = await silentSocket(socket);
    closers.push(server.close);
    const controller = new AbortController();
    const pending = createHttpEngineClient(`unix://${socket}`).getBuffer('/_ping', { timeoutMs: 5000, signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    expect((await errorOf(pending)).kind).toBe('aborted');
  });

  it('an already aborted signal rejects without sending (and without crashing the process)', async () => {
    const socket = path.join(tempDir(), 'silent3.sock');
    const server = await silentSocket(socket);
    closers.push(server.close);
    const controller = new AbortController();
    controller.abort();
    expect(
      (await errorOf(createHttpEngineClient(`unix://${socket}`).getBuffer('/_ping', { timeoutMs: 5000, signal: controller.signal }))).kind,
    ).toBe('aborted');
  });
});

describe('the ssh:// client', () => {
  it('names the endpoint when nothing listens there (loopback only)', async () => {
    const server = net.createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as net.AddressInfo;
    // Closed again before the request: a port that was free a moment ago refuses the connection.
    await new Promise((resolve) => server.close(resolve));
    const error = await errorOf(createSshEngineClient(`ssh://nobody@127.0.0.1:${port}`).getJson('/_ping', { timeoutMs: 5000 }));
    // ssh's own words are read: a refused port is 'refused' (it was 'other' for every ssh failure before).
    expect(error.kind).toBe('refused');
    expect(error.message).toBe(`nothing accepts SSH connections at 127.0.0.1:${port} (connection refused)`);
  });
});
