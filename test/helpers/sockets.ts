import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const created = new Set<string>();

/** A fresh directory under the system's temp dir, removed after the test file (test/setup/cleanup.ts). */
export function tempDir(prefix = 'dd-test-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  created.add(dir);
  return dir;
}

/** Removes every directory tempDir made, including ones a test left unreadable (chmod 000) for a non-root run. */
export function removeTempDirs(): void {
  for (const dir of created) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      try {
        execFileSync('chmod', ['-R', 'u+rwx', dir], { stdio: 'ignore' });
        rmSync(dir, { recursive: true, force: true });
      } catch {
        // Another user's files (a setpriv run): nothing more a test can do.
      }
    }
    created.delete(dir);
  }
}

/** A unix socket that accepts connections and never answers: what a hung daemon or a dead-ended forwarder looks like. */
export async function silentSocket(socketPath: string): Promise<{ close(): Promise<void> }> {
  const held: net.Socket[] = [];
  const server = net.createServer((socket) => held.push(socket));
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of held) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A socket file nobody listens on, as a crashed daemon leaves behind (bound, never listened, process gone). */
export function staleSocket(socketPath: string): void {
  execFileSync('python3', ['-c', `import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])`, socketPath]);
}

/** A tiny HTTP server on a unix socket answering like (or unlike) a Docker daemon. */
export async function httpSocket(
  socketPath: string,
  handler: (url: string) => { status: number; body: string },
): Promise<{ close(): Promise<void> }> {
  const { createServer } = await import('node:http');
  const server = createServer((req, res) => {
    const { status, body } = handler(req.url ?? '/');
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return { close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** A TCP port on 127.0.0.1 that nothing listens on right now (the kernel picks it). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
