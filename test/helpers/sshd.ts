import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { tempDir } from './sockets.js';

const SSHD = '/usr/sbin/sshd';
const SSH = '/usr/bin/ssh';

/** Why a private sshd cannot run here, or undefined when it can. Under CI=true a missing sshd is an error only if CI installs it. */
export function sshdUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'the ssh:// tests run a private sshd, which needs Linux';
  if (!existsSync(SSHD)) return `${SSHD} is missing (apt-get install openssh-server)`;
  if (!existsSync(SSH)) return `${SSH} is missing (apt-get install openssh-client)`;
  return undefined;
}

/** The keys a client can log in with: accepted, accepted but with no docker on the PATH, and unknown to the server. */
export type SshKey = 'ok' | 'no-docker' | 'stranger';

export interface Sshd {
  port: number;
  user: string;
  /** The environment for the CLI: its `ssh` reads only this test's config (key, known_hosts), never ~/.ssh. */
  env(key: SshKey, knownHosts?: 'right' | 'wrong' | 'none'): Record<string, string>;
  close(): Promise<void>;
}

/**
 * A private sshd on 127.0.0.1 with its own host key, for the user running the tests (root here; a non-root sshd can
 * only log in its own user anyway). The "remote" is this machine, whose docker CLI runs dial-stdio against the local
 * daemon. The CLI finds `ssh` on its PATH, as the docker CLI does: a wrapper first on the PATH adds `-F <this test's config>`.
 */
export async function startSshd(): Promise<Sshd> {
  const dir = tempDir('dd-sshd-');
  const user = os.userInfo().username;
  const keygen = (name: string) => {
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', path.join(dir, name)]);
    return readFileSync(path.join(dir, `${name}.pub`), 'utf8').trim();
  };
  const hostKey = keygen('host_key');
  const otherHostKey = keygen('other_host_key');
  const ok = keygen('id_ok');
  const noDocker = keygen('id_no-docker');
  keygen('id_stranger');
  // The no-docker key logs in to a session whose PATH has no docker: a remote without docker, as far as ssh can tell.
  writeFileSync(
    path.join(dir, 'authorized_keys'),
    `${ok}\ncommand="PATH=/var/empty exec /bin/sh -c \\"$SSH_ORIGINAL_COMMAND\\"" ${noDocker}\n`,
  );
  const port = await freePort();
  const config = path.join(dir, 'sshd_config');
  writeFileSync(config, sshdConfig(dir, port, user));
  // sshd run as root insists on its privilege-separation directory (the package's service creates it at boot).
  if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const daemon = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  daemon.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
  await waitForPort(port, daemon, () => log);
  writeWrapper(dir);
  return {
    port,
    user,
    env: (key, knownHosts = 'right') => clientEnv(dir, port, key, { right: hostKey, wrong: otherHostKey, none: undefined }[knownHosts]),
    close: () => stop(daemon),
  };
}

function sshdConfig(dir: string, port: number, user: string): string {
  return [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${path.join(dir, 'host_key')}`,
    `PidFile ${path.join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
    'StrictModes no',
    'UsePAM no',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PermitRootLogin prohibit-password',
    `AllowUsers ${user}`,
    'LogLevel ERROR',
    '',
  ].join('\n');
}

function writeWrapper(dir: string): void {
  mkdirSync(path.join(dir, 'bin'), { recursive: true });
  const wrapper = path.join(dir, 'bin', 'ssh');
  writeFileSync(wrapper, `#!/bin/sh\nexec ${SSH} -F "$DD_TEST_SSH_CONFIG" "$@"\n`);
  chmodSync(wrapper, 0o755);
}

function clientEnv(dir: string, port: number, key: SshKey, hostKey: string | undefined): Record<string, string> {
  const knownHosts = path.join(dir, `known_hosts-${key}-${hostKey ? hostKey.slice(-12).replace(/\W/g, '') : 'none'}`);
  writeFileSync(knownHosts, hostKey ? `[127.0.0.1]:${port} ${hostKey.split(' ').slice(0, 2).join(' ')}\n` : '');
  const config = path.join(dir, `ssh_config-${key}-${path.basename(knownHosts)}`);
  const lines = [
    'Host *',
    `  IdentityFile ${path.join(dir, `id_${key}`)}`,
    '  IdentitiesOnly yes',
    '  IdentityAgent none',
    `  UserKnownHostsFile ${knownHosts}`,
    '  GlobalKnownHostsFile /dev/null',
    '  StrictHostKeyChecking yes',
  ];
  writeFileSync(config, `${lines.join('\n')}\n`);
  return { PATH: `${path.join(dir, 'bin')}:${process.env.PATH ?? ''}`, DD_TEST_SSH_CONFIG: config };
}

/** A loopback port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitForPort(port: number, daemon: ChildProcess, log: () => string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (daemon.exitCode !== null) throw new Error(`sshd exited: ${log()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => resolve(true));
      socket.on('error', () => resolve(false));
      socket.once('connect', () => socket.destroy());
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`sshd did not listen on 127.0.0.1:${port}: ${log()}`);
}

function stop(daemon: ChildProcess): Promise<void> {
  if (daemon.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    daemon.once('exit', () => resolve());
    daemon.kill('SIGTERM');
  });
}
