import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import http from 'node:http';
import { Duplex } from 'node:stream';
import { clientOver, EngineError, formatSeconds, type EngineClient, type EngineErrorKind } from './engine-client.js';

/**
 * ssh:// endpoints as the docker CLI reaches them (cli/connhelper): the system's ssh runs `docker system dial-stdio` on
 * the remote host and HTTP flows over its stdin and stdout, through the same client as unix:// and tcp:// (deadlines,
 * bounded bodies, real statuses). The system ssh rather than a library, so ~/.ssh/config, the agent, keys and
 * known_hosts work exactly as they do for `docker -H ssh://…`, and ssh's own words say what failed.
 */
export function createSshEngineClient(host: string): EngineClient {
  const target = sshTarget(host);
  const agent = new SshAgent(target);
  return clientOver({
    host,
    target: { secure: false, options: {} },
    transport: http,
    agent,
    prefix: '',
    describeTimeout: (socket, path, timeoutMs) => (socket instanceof SshStream ? socket.timeoutError(path, timeoutMs) : undefined),
  });
}

export interface SshTarget {
  user?: string;
  host: string;
  port?: string;
  /** The daemon socket on the remote host, when the URL has a path (ssh://host/run/user/1000/docker.sock). */
  socketPath?: string;
  /** host:port as messages name it: never the user's password (the docker CLI refuses one anyway). */
  where: string;
}

/** The docker CLI's rules (cli/connhelper/ssh): a host is required; no password, query or fragment. */
export function sshTarget(host: string): SshTarget {
  let url: URL;
  try {
    url = new URL(host);
  } catch {
    throw new EngineError('other', `${host} is not a valid ssh:// address`);
  }
  if (!url.hostname) throw new EngineError('other', 'the ssh:// address has no host name');
  if (url.password) throw new EngineError('other', 'a plain-text password in an ssh:// address is not supported');
  if (url.search || url.hash) throw new EngineError('other', 'an ssh:// address takes no query or fragment');
  const path = decodeURIComponent(url.pathname);
  return {
    ...(url.username ? { user: decodeURIComponent(url.username) } : {}),
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    ...(url.port ? { port: url.port } : {}),
    ...(path.replace(/\//g, '') !== '' ? { socketPath: path } : {}),
    where: `${url.hostname}:${url.port || 22}`,
  };
}

/**
 * The arguments of the docker CLI (ConnectTimeout=30, -T, `--` before the host), plus two of ours: BatchMode, because a
 * diagnosis never waits for a password or a host-key question nobody will answer (it becomes a finding instead), and
 * -v, whose progress lines tell how far the connection got when it runs out of time.
 */
export function sshArgs(target: SshTarget): string[] {
  const remote = target.socketPath
    ? `docker --host=${shellQuote(`unix://${target.socketPath}`)} system dial-stdio`
    : 'docker system dial-stdio';
  return [
    ...(target.user ? ['-l', target.user] : []),
    ...(target.port ? ['-p', target.port] : []),
    ...['-o', 'ConnectTimeout=30', '-o', 'BatchMode=yes', '-T', '-v'],
    '--',
    target.host,
    remote,
  ];
}

function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Up to four ssh sessions, kept for the next request: each one costs a full SSH handshake. */
class SshAgent extends http.Agent {
  constructor(private readonly target: SshTarget) {
    super({ keepAlive: true, maxSockets: 4 });
  }

  override createConnection(): Duplex {
    // child_process is loaded only when an ssh:// endpoint is really asked something: most users talk to a unix socket.
    const { spawn } = process.getBuiltinModule('node:child_process');
    const child = spawn('ssh', sshArgs(this.target), { stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
    return new SshStream(child, this.target);
  }
}

/** How far an ssh session got, from its -v lines. */
export type SshStage = 'started' | 'tcp' | 'ssh' | 'authenticated';

const MILESTONES: [RegExp, SshStage][] = [
  [/^debug1: Connection established/, 'tcp'],
  [/^debug1: Remote protocol version/, 'ssh'],
  [/^Authenticated to /, 'authenticated'],
];

/** The most of ssh's stderr kept: its -v lines for one session are a few KiB. */
const STDERR_LIMIT = 64 * 1024;

/**
 * One ssh session as the socket the http client writes to. It counts as connected (emits 'connect') once ssh has
 * logged in; when ssh exits before any answer, the stream fails with what ssh said, classified.
 */
export class SshStream extends Duplex {
  connecting = true;
  private stage: SshStage = 'started';
  private stderr = '';
  private received = false;

  constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly target: SshTarget,
  ) {
    super();
    child.stdout.on('data', (chunk: Buffer) => {
      this.received = true;
      if (!this.push(chunk)) child.stdout.pause();
    });
    child.stderr.on('data', (chunk: Buffer) => this.onStderr(chunk.toString('utf8')));
    child.on('error', (error: NodeJS.ErrnoException) => this.destroy(spawnFailure(error)));
    child.on('close', (code) => this.onExit(code));
    // EPIPE when ssh exits first: its exit status and stderr say why.
    child.stdin.on('error', () => undefined);
  }

  override _read(): void {
    this.child.stdout.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.child.stdin.writable) this.child.stdin.write(chunk, () => callback());
    else callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.child.stdin.end();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // A deadline or an abort destroys the request and with it this stream: the ssh process goes too, mid-handshake or not.
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    callback(error);
  }

  // What the http agent calls on the sockets it keeps; an ssh session has no TCP options, and unref lets the process exit.
  setKeepAlive(): this {
    return this;
  }
  setNoDelay(): this {
    return this;
  }
  setTimeout(): this {
    return this;
  }
  ref(): this {
    for (const handle of this.handles()) handle.ref?.();
    return this;
  }
  unref(): this {
    for (const handle of this.handles()) handle.unref?.();
    return this;
  }
  /** The process and its pipes (net.Socket under the hood), which keep the event loop alive. */
  private handles(): { ref?(): unknown; unref?(): unknown }[] {
    const { child } = this;
    return [child, child.stdin, child.stdout, child.stderr] as unknown as { ref?(): unknown; unref?(): unknown }[];
  }

  /** Why a request on this session ran out of time: where ssh got to. */
  timeoutError(path: string, timeoutMs: number): EngineError {
    const within = formatSeconds(timeoutMs);
    const where = this.target.where;
    switch (this.stage) {
      case 'started':
        return new EngineError('connect-timeout', `nothing accepted the SSH connection to ${where} within ${within}`, { connected: false });
      case 'tcp':
      case 'ssh':
        return new EngineError('ssh-handshake', `${where} accepted the connection but did not complete an SSH login within ${within}`, {
          connected: false,
        });
      case 'authenticated':
        return new EngineError('no-answer', `ssh logged in to ${where}, but the remote docker did not answer ${path} within ${within}`, {
          connected: true,
        });
    }
  }

  private onStderr(text: string): void {
    if (this.stderr.length < STDERR_LIMIT) this.stderr += text.slice(0, STDERR_LIMIT - this.stderr.length);
    for (const line of text.split('\n')) {
      const reached = MILESTONES.find(([pattern]) => pattern.test(line.trim()))?.[1];
      if (!reached) continue;
      this.stage = reached;
      if (reached === 'authenticated' && this.connecting) {
        this.connecting = false;
        this.emit('connect');
      }
    }
  }

  private onExit(code: number | null): void {
    if (this.destroyed) return;
    // An answer came: the session ended as sessions do. None came: ssh (or the remote docker) says why.
    if (this.received) this.push(null);
    else this.destroy(classifySshFailure(this.stderr, code, this.stage, this.target.where));
  }
}

function spawnFailure(error: NodeJS.ErrnoException): EngineError {
  if (error.code === 'ENOENT') {
    return new EngineError('ssh-client-missing', 'no ssh client is installed here (ssh:// endpoints run ssh, as the docker CLI does)', {
      code: 'ENOENT',
    });
  }
  return new EngineError('other', `ssh could not be started: ${error.message}`, { code: error.code });
}

/** ssh's own lines, without its -v progress. */
function sshSaid(stderr: string): string[] {
  const progress = /^(debug\d:|OpenSSH_|Authenticated to |Transferred: |Bytes per second|Warning: Permanently added)/;
  return stderr
    .split('\n')
    .map((l) => l.replace(/\r$/, '').trim())
    .filter((l) => l !== '' && !progress.test(l) && !/^@+$|^@ /.test(l));
}

const FAILURES: [RegExp, EngineErrorKind, (where: string, said: string) => string][] = [
  [/REMOTE HOST IDENTIFICATION HAS CHANGED/, 'ssh-host-key', (w) => `the host key of ${w} has changed since it was added to known_hosts`],
  [
    /Host key verification failed|No \S+ host key is known for/,
    'ssh-host-key',
    (w) => `the host key of ${w} is not in known_hosts, and ssh asks before trusting a new one`,
  ],
  [/Permission denied \(/, 'ssh-auth', (w, said) => `ssh to ${w} was refused: ${said}`],
  [/Connection refused/, 'refused', (w) => `nothing accepts SSH connections at ${w} (connection refused)`],
  [
    /Could not resolve hostname|Name or service not known|Temporary failure in name resolution/,
    'host-not-found',
    (w) => `the host name in ${w} does not resolve`,
  ],
  [/No route to host|Network is unreachable/, 'unreachable', (w) => `${w} is unreachable from this machine`],
  [
    /banner exchange|kex_exchange_identification|Connection closed by|Connection reset by/,
    'ssh-handshake',
    (w, said) => `${w} did not complete an SSH login: ${said}`,
  ],
  [/Connection timed out|Operation timed out/, 'connect-timeout', (w) => `connecting to ${w} timed out`],
];

/** What an ssh session that ended before any answer means: ssh's words first, then the remote command's exit status. */
export function classifySshFailure(stderr: string, code: number | null, stage: SshStage, where: string): EngineError {
  const said = sshSaid(stderr);
  const last = said.at(-1) ?? `ssh exited with status ${code ?? 'unknown'}`;
  const details = { code: code === null ? undefined : `exit ${code}`, connected: stage === 'authenticated' };
  // Once logged in, what follows is the remote command's: `docker` missing, or dial-stdio failing to reach its daemon.
  if (stage === 'authenticated' || code === 127) {
    if (code === 127 || /docker: (command )?not found|command not found: docker/.test(stderr))
      return new EngineError('ssh-no-docker', `${where} has no docker command for dial-stdio to run: ${last}`, details);
    return new EngineError('ssh-remote', `the docker on ${where} could not serve dial-stdio: ${last}`, details);
  }
  const known = FAILURES.find(([pattern]) => pattern.test(stderr));
  if (known) return new EngineError(known[1], known[2](where, last), details);
  return new EngineError('other', `ssh to ${where} failed: ${last}`, details);
}
