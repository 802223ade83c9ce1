import path from 'node:path';
import type { FactClients, ProcessClient } from '../clients.js';
import type { FactScope } from '../scope.js';
import type { HostFacts, ServiceState, SubIdRange } from '../types.js';
import { readDiskSpace } from './disk.js';
import { parseGroupFile, parsePasswdFile } from './etc-files.js';
import { readNamespaceListeners, readProcListeners } from './listeners.js';
import { readNetNamespace } from './net-namespace.js';
import { readRoutes } from './routes.js';
import { composeVersion } from './compose-version.js';

/** The memo keys of the host facts (what `peek` and the per-fact timings name). */
export const HOST_KEYS = {
  stat: (file: string) => `host.stat:${file}`,
  listDir: (dir: string) => `host.readdir:${dir}`,
  file: (file: string) => `host.file:${file}`,
  readProblem: (file: string) => `host.read-problem:${file}`,
  identity: 'host.identity',
  groups: 'host.groups',
  passwd: 'host.passwd',
  dockerServices: 'host.docker-services',
  podmanServices: 'host.podman-services',
  commandVersion: (command: string) => `host.command-version:${command}`,
  socketCandidates: 'host.socket-candidates',
  listeners: 'host.listeners',
  namespaceListeners: (pid: number) => `host.namespace-listeners:${pid}`,
  netNamespace: (pid: number) => `host.net-namespace:${pid}`,
  unprivilegedPortStart: 'host.unprivileged-port-start',
  diskSpace: (path: string) => `host.disk-space:${path}`,
  subids: 'host.subids',
  selinux: 'host.selinux',
  kernelLog: 'host.kernel-log',
  composeCommand: 'host.compose-command',
  routes: 'host.routes',
  composeVersion: 'host.compose-version',
} as const;

const K = HOST_KEYS;

/** The providers of the host domain: every file, command and process detail goes through the injected clients. */
export function hostFacts({ once, clients, settings }: FactScope): HostFacts {
  const { fs, proc } = clients;
  // A file that is missing, unreadable or not a regular file reads as absent: the facts that need why use readProblem.
  const text = (file: string) => fs.readText(file).catch(() => undefined);
  const facts: HostFacts = {
    stat: (file) => once(K.stat(file), () => fs.stat(file)),
    listDir: (dir) => once(K.listDir(dir), () => fs.readdir(dir).catch(() => null)),
    hostFile: (file) => once(K.file(file), () => text(file)),
    readProblem: (file) => once(K.readProblem(file), () => readProblem(clients, file)),
    identity: () => once(K.identity, async () => ({ uid: proc.uid, gid: proc.gid, groups: proc.groups, username: proc.username })),
    groupDb: () => once(K.groups, async () => parseGroupFile((await fs.readText('/etc/group')) ?? '')),
    passwdDb: () => once(K.passwd, async () => parsePasswdFile((await fs.readText('/etc/passwd')) ?? '')),
    dockerServices: () => once(K.dockerServices, () => unitStates(clients, 'docker')),
    podmanServices: () => once(K.podmanServices, () => unitStates(clients, 'podman.socket')),
    commandVersion: (command) => once(K.commandVersion(command), () => commandVersion(clients, command)),
    socketCandidates: () => once(K.socketCandidates, () => socketCandidates(proc, facts.stat)),
    listeners: () => once(K.listeners, () => (proc.platform === 'linux' ? readProcListeners(fs) : clients.systemListeners())),
    namespaceListeners: (pid) =>
      once(K.namespaceListeners(pid), async () =>
        proc.platform === 'linux' && Number.isInteger(pid) && pid > 0 ? readNamespaceListeners(fs, pid) : null,
      ),
    netNamespace: (pid) =>
      once(K.netNamespace(pid), async () =>
        proc.platform === 'linux' && Number.isInteger(pid) && pid > 0 ? readNetNamespace(fs, pid) : undefined,
      ),
    diskSpace: (file) => once(K.diskSpace(file), () => readDiskSpace(fs, file)),
    unprivilegedPortStart: () => once(K.unprivilegedPortStart, async () => portNumber(await text(UNPRIVILEGED_PORT_START))),
    subordinateIds: () =>
      once(K.subids, async () => {
        const [uid, gid] = await Promise.all([text('/etc/subuid'), text('/etc/subgid')]);
        return { uid: parseSubIds(uid), gid: parseSubIds(gid) };
      }),
    selinuxEnforcing: () => once(K.selinux, async () => ((await text('/sys/fs/selinux/enforce')) ?? '').trim() === '1'),
    kernelLog: () => once(K.kernelLog, () => kernelLog(clients)),
    daemonConfigFile: (rootless) => daemonConfigFile(proc, rootless),
    composeCommand: () => once(K.composeCommand, () => composeCommand(clients)),
    workingDirectory: () => proc.cwd ?? settings.projectDir,
    routes: () => once(K.routes, async () => (proc.platform === 'linux' ? readRoutes(fs) : null)),
    composeVersion: () => once(K.composeVersion, async () => composeVersion(clients, await facts.composeCommand())),
  };
  return facts;
}

const UNPRIVILEGED_PORT_START = '/proc/sys/net/ipv4/ip_unprivileged_port_start';

function portNumber(text: string | undefined): number | undefined {
  return text && /^\d+$/.test(text.trim()) ? Number(text.trim()) : undefined;
}

function readProblem({ fs }: FactClients, file: string): Promise<string | undefined> {
  return fs.readText(file).then(
    () => undefined,
    (error: NodeJS.ErrnoException) =>
      error.code === 'EACCES' || error.code === 'EPERM' ? 'permission denied' : error.message.replace(`${file} `, ''),
  );
}

/** A systemd unit's state in the system and the user manager (`docker`, `podman.socket`). */
async function unitStates({ proc, exec }: FactClients, unit: string): Promise<ServiceState[]> {
  if (proc.platform !== 'linux') return [];
  const states: ServiceState[] = [];
  for (const scope of ['system', 'user'] as const) {
    const args = scope === 'user' ? ['--user', 'is-active', unit] : ['is-active', unit];
    const result = await exec.run('systemctl', args, { timeoutMs: 2000 }).catch(() => undefined);
    const state = result?.stdout.trim();
    // No systemd (containers, WSL without it) or no such unit: nothing to say.
    if (!result || !state || /not been booted|Failed to connect|No such file/i.test(result.stderr)) continue;
    if (state === 'inactive' && /could not be found/i.test(result.stderr)) continue;
    states.push({ manager: 'systemd', unit, scope, state });
  }
  return states;
}

type SocketCandidate = { path: string; kind: string };

async function socketCandidates(proc: ProcessClient, stat: HostFacts['stat']): Promise<SocketCandidate[]> {
  const { env, homedir, uid } = proc;
  const runtimeDir = env.XDG_RUNTIME_DIR || (uid >= 0 ? `/run/user/${uid}` : undefined);
  const candidates = [
    { path: '/var/run/docker.sock', kind: 'rootful Docker' },
    ...(runtimeDir ? [{ path: path.join(runtimeDir, 'docker.sock'), kind: 'rootless Docker' }] : []),
    { path: path.join(homedir, '.docker', 'desktop', 'docker.sock'), kind: 'Docker Desktop (Linux)' },
    { path: path.join(homedir, '.docker', 'run', 'docker.sock'), kind: 'Docker Desktop (macOS)' },
    ...(runtimeDir ? [{ path: path.join(runtimeDir, 'podman', 'podman.sock'), kind: 'Podman (rootless)' }] : []),
    { path: '/run/podman/podman.sock', kind: 'Podman (rootful)' },
  ];
  const present = await Promise.all(candidates.map(async (c) => ((await stat(c.path).catch(() => null))?.type === 'socket' ? c : null)));
  return present.filter((c): c is SocketCandidate => c !== null);
}

/** The first line `<command> --version` prints; podman-docker's `docker` shim answers "podman version …". */
async function commandVersion({ exec }: FactClients, command: string): Promise<string | undefined> {
  const result = await exec.run(command, ['--version'], { timeoutMs: 3000 }).catch(() => undefined);
  return result?.exitCode === 0 ? result.stdout.trim().split('\n')[0] : undefined;
}

/** /etc/subuid and /etc/subgid lines (`user:start:count`); malformed lines are skipped. */
function parseSubIds(text: string | undefined): SubIdRange[] {
  return (text ?? '')
    .split('\n')
    .map((line) => line.trim().split(':'))
    .filter((f) => f.length === 3 && /^\d+$/.test(f[1]!) && /^\d+$/.test(f[2]!))
    .map(([user, start, count]) => ({ user: user!, start: Number(start), count: Number(count) }));
}

async function kernelLog({ proc, exec }: FactClients): Promise<string | undefined> {
  if (proc.platform !== 'linux') return undefined;
  const result = await exec.run('dmesg', [], { timeoutMs: 2000 }).catch(() => undefined);
  return result && result.exitCode === 0 ? result.stdout : undefined;
}

function daemonConfigFile(proc: ProcessClient, rootless: boolean): string {
  if (!rootless) return '/etc/docker/daemon.json';
  return path.join(proc.env.XDG_CONFIG_HOME || path.join(proc.homedir, '.config'), 'docker', 'daemon.json');
}

/**
 * Which compose the user has: the `docker compose` plugin, else Compose v1's `docker-compose`. Found by looking for
 * the files where the docker CLI looks for plugins and on PATH, which is instant; running `docker-compose version`
 * (a Python program) can take seconds on a busy machine, and a timeout there would name a command the host lacks.
 * Running the commands is the fallback where neither file is found (another layout, Windows).
 */
async function composeCommand(clients: FactClients): Promise<'docker compose' | 'docker-compose'> {
  const { fs, proc, exec } = clients;
  const executable = async (file: string) => {
    const stat = await fs.stat(file).catch(() => null);
    return stat?.type === 'file' && (stat.mode & 0o111) !== 0;
  };
  const anyExecutable = async (files: string[]) => (await Promise.all(files.map(executable))).some(Boolean);
  if (await anyExecutable(composePluginDirs(proc).map((dir) => path.join(dir, 'docker-compose')))) return 'docker compose';
  const onPath = (proc.env.PATH ?? '').split(path.delimiter).filter((dir) => path.isAbsolute(dir));
  if (await anyExecutable(onPath.map((dir) => path.join(dir, 'docker-compose')))) return 'docker-compose';
  const answers = async (file: string, args: string[]) =>
    (await exec.run(file, args, { timeoutMs: 3000 }).catch(() => undefined))?.exitCode === 0;
  if (await answers('docker', ['compose', 'version'])) return 'docker compose';
  return (await answers('docker-compose', ['version'])) ? 'docker-compose' : 'docker compose';
}

/** The docker CLI's plugin directories (docker/cli, cli-plugins/manager): the user's first, then the system's. */
function composePluginDirs(proc: ProcessClient): string[] {
  const config = proc.env.DOCKER_CONFIG || path.join(proc.homedir, '.docker');
  const system = ['/usr/local/lib/docker/cli-plugins', '/usr/local/libexec/docker/cli-plugins', '/usr/lib/docker/cli-plugins'];
  const desktop = proc.platform === 'darwin' ? ['/Applications/Docker.app/Contents/Resources/cli-plugins'] : [];
  return [path.join(config, 'cli-plugins'), ...system, '/usr/libexec/docker/cli-plugins', ...desktop];
}
