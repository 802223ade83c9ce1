import http from 'node:http';

/** What a fuzzed daemon does on one endpoint that is not /_ping, /version or /info. */
export type Fault =
  { kind: 'json'; body: unknown; status?: number } | { kind: 'raw'; body: string; status: number } | { kind: 'endless' } | { kind: 'hang' };

export const PING_VERSION_INFO = {
  version: { Version: '28.2.2', ApiVersion: '1.50', MinAPIVersion: '1.24', Os: 'linux', Arch: 'amd64' },
  info: {
    ServerVersion: '28.2.2',
    OperatingSystem: 'Fuzz',
    OSType: 'linux',
    Warnings: [],
    Driver: 'overlay2',
    DockerRootDir: '/var/lib/docker',
  },
};

/**
 * A daemon on a unix socket that answers its ping, version and info, and answers every other endpoint as `route`
 * decides (one fuzz case at a time: set `route` before each run). Hung and endless answers are cut by close().
 */
export function fuzzDaemon(): {
  server: http.Server;
  route: (url: string) => Fault;
  listen(socket: string): Promise<void>;
  reset(): void;
  close(): void;
} {
  const daemon = {
    route: (_url: string): Fault => ({ kind: 'json', body: [] }),
    server: http.createServer((req, res) => {
      const url = (req.url ?? '/').replace(/^\/v[\d.]+/, '');
      const pathname = url.split('?')[0]!;
      if (pathname === '/_ping') return void res.end('OK');
      if (pathname === '/version') return void res.end(JSON.stringify(PING_VERSION_INFO.version));
      if (pathname === '/info') return void res.end(JSON.stringify(PING_VERSION_INFO.info));
      const fault = daemon.route(url);
      switch (fault.kind) {
        case 'hang':
          return;
        case 'endless': {
          res.writeHead(200, { 'Content-Type': 'application/json' });
          res.write('[');
          const chunk = Buffer.from('{"Id":"a","Names":["/x"]},'.repeat(2048));
          const pump = () => {
            while (!res.destroyed && res.write(chunk));
            if (!res.destroyed) res.once('drain', pump);
          };
          res.on('close', () => res.removeAllListeners('drain'));
          return pump();
        }
        case 'raw':
          res.writeHead(fault.status, { 'Content-Type': 'application/json' });
          return void res.end(fault.body);
        case 'json':
          res.writeHead(fault.status ?? 200, { 'Content-Type': 'application/json' });
          return void res.end(JSON.stringify(fault.body));
      }
    }),
    listen: (socket: string) => new Promise<void>((resolve) => daemon.server.listen(socket, resolve)),
    /** Drops hung and endless answers left from the previous run. */
    reset: () => daemon.server.closeAllConnections(),
    close: () => {
      daemon.server.closeAllConnections();
      daemon.server.close();
    },
  };
  return daemon;
}
