import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpEngineClient, EngineError } from '../../src/facts/docker/engine-client.js';
import { classifySshFailure, createSshEngineClient, sshArgs, sshTarget } from '../../src/facts/docker/ssh-client.js';
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

describe('the Engine API client sends the negotiated version', () => {
  it('prefixes every path on the wire, and names the path as asked in its messages', async () => {
    const socket = path.join(tempDir(), 'versioned.sock');
    const seen: string[] = [];
    const server = await httpSocket(socket, (url) => {
      seen.push(url);
      return url.endsWith('/missing') ? { status: 404, body: '{"message":"no such thing"}' } : { status: 200, body: '{}' };
    });
    closers.push(server.close);
    const client = createHttpEngineClient(`unix://${socket}`);
    await client.getBuffer('/_ping', { timeoutMs: 1000 });
    const versioned = client.withApiVersion('1.41');
    await versioned.getJson('/containers/json?all=1', { timeoutMs: 1000 });
    const error = await errorOf(versioned.getJson('/missing', { timeoutMs: 1000 }));
    expect(seen).toEqual(['/_ping', '/v1.41/containers/json?all=1', '/v1.41/missing']);
    expect(error.message).toBe('/missing answered HTTP 404: no such thing');
  });
});

describe('ssh:// as the docker CLI runs it', () => {
  it.each([
    ['ssh://me@box', ['-l', 'me', '-o', 'ConnectTimeout=30', '-o', 'BatchMode=yes', '-T', '-v', '--', 'box', 'docker system dial-stdio']],
    [
      'ssh://me@[::1]:2222/run/user/1000/docker.sock',
      ['-l', 'me', '-p', '2222', '-o', 'ConnectTimeout=30', '-o', 'BatchMode=yes', '-T', '-v', '--', '::1'],
    ],
  ])('%s', (host, args) => {
    const built = sshArgs(sshTarget(host));
    expect(built.slice(0, args.length)).toEqual(args);
  });

  it('a socket path in the address is the remote docker --host, quoted for the remote shell', () => {
    expect(sshArgs(sshTarget("ssh://box/run/it's/docker.sock")).at(-1)).toBe(
      `docker --host='unix:///run/it'\\''s/docker.sock' system dial-stdio`,
    );
  });

  it('refuses a password in the address, as the docker CLI does', () => {
    expect(() => sshTarget('ssh://me:pw@box')).toThrow(/plain-text password/);
  });
});

describe("ssh's own words classify an ssh session that ended before any answer", () => {
  const debug = 'OpenSSH_9.2p1 Debian-2, OpenSSL 3.0\ndebug1: Reading configuration data /etc/ssh/ssh_config\n';
  it.each([
    ['ssh: connect to host 10.0.0.9 port 22: Connection refused', 255, 'started', 'refused'],
    ['@@@@@@@@\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\nHost key verification failed.', 255, 'ssh', 'ssh-host-key'],
    [
      'No ED25519 host key is known for [10.0.0.9]:22 and you have requested strict checking.\nHost key verification failed.',
      255,
      'ssh',
      'ssh-host-key',
    ],
    ['me@10.0.0.9: Permission denied (publickey,password).', 255, 'ssh', 'ssh-auth'],
    ['ssh: Could not resolve hostname nowhere: Name or service not known', 255, 'started', 'host-not-found'],
    ['ssh: connect to host 10.0.0.9 port 22: No route to host', 255, 'started', 'unreachable'],
    ['kex_exchange_identification: Connection closed by remote host', 255, 'tcp', 'ssh-handshake'],
    ['Connection timed out during banner exchange', 255, 'tcp', 'ssh-handshake'],
    ['sh: 1: docker: not found', 127, 'authenticated', 'ssh-no-docker'],
    ['bash: line 1: docker: command not found', 127, 'authenticated', 'ssh-no-docker'],
    ['Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?', 1, 'authenticated', 'ssh-remote'],
    ['something else entirely', 255, 'ssh', 'other'],
  ] as const)('%s → %s', (said, code, stage, kind) => {
    const error = classifySshFailure(`${debug}${said}\n`, code, stage, '10.0.0.9:22');
    expect(error.kind).toBe(kind);
    expect(error.message).not.toMatch(/debug1|OpenSSH_/);
  });

  it("names the remote's own message when dial-stdio fails there", () => {
    const error = classifySshFailure(
      'Authenticated to box\npermission denied while trying to connect to the Docker daemon socket\n',
      1,
      'authenticated',
      'box:22',
    );
    expect(error.message).toBe(
      'the docker on box:22 could not serve dial-stdio: permission denied while trying to connect to the Docker daemon socket',
    );
  });
});
