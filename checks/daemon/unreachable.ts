import type { CheckContext, Fix, FindingInput } from '../../src/engine/types.js';
import type { DockerConnection, FileStat } from '../../src/facts/types.js';
import { formatMode } from '../shared/permissions.js';
import { apiVersionRefused } from './api-version.js';
import type { DaemonCause } from './codes.js';
import { sshFinding } from './ssh.js';
import { installedEngines, ownPodmanSocket, podmanInsteadFixes, podmanSocketAt, podmanStartFixes, type PodmanSocket } from './podman.js';
import { prose } from '../../src/util/text.js';

type Report = Omit<FindingInput, 'cause'> & { cause: DaemonCause };

/** What every diagnosis of an unreachable endpoint starts from. */
interface Unreachable {
  ctx: CheckContext;
  connection: DockerConnection;
  failure: NonNullable<DockerConnection['failure']>;
  host: string;
  subject: Report['subject'];
  /** The socket's path, for a unix:// endpoint. */
  socketPath: string | undefined;
  /** How the endpoint was chosen, for titles: "DOCKER_HOST", "the default socket"… */
  via: string;
  platform: NodeJS.Platform;
  evidence: Record<string, unknown>;
}

/** One finding that names why the endpoint did not answer, with fixes for this machine's situation. */
export async function diagnoseUnreachable(ctx: CheckContext, connection: DockerConnection): Promise<Report | undefined> {
  const { endpoint, failure } = connection;
  if (!failure || !endpoint.host) return undefined; // An unresolved endpoint was already reported as its config problem.
  const host = endpoint.host;
  const u: Unreachable = {
    ctx,
    connection,
    failure,
    host,
    subject: { kind: 'daemon', name: host },
    socketPath: host.startsWith('unix://') ? host.slice('unix://'.length) : undefined,
    via: describeSource(connection),
    platform: ctx.facts.platform(),
    evidence: {
      endpoint: host,
      source: endpoint.source,
      context: endpoint.context,
      error: failure.message,
      ...(failure.code ? { code: failure.code } : {}),
      elapsedMs: connection.elapsedMs,
    },
  };
  return byFailure(u);
}

async function byFailure(u: Unreachable): Promise<Report | undefined> {
  const { ctx, connection, host, subject, socketPath, via, evidence } = u;
  if (u.failure.kind === 'api-version') return apiVersionRefused(connection, evidence);
  const ssh = host.startsWith('ssh://') ? sshFinding({ ...u, resetFixes: endpointResetFixes(connection) }) : undefined;
  if (ssh) return ssh;
  switch (u.failure.kind) {
    case 'socket-missing':
      return socketMissing(u);
    case 'not-a-socket':
      return socketPath ? notASocket(ctx, connection, socketPath, subject, evidence) : undefined;
    case 'permission-denied':
      return socketPath ? permissionDenied(ctx, socketPath, subject, evidence) : undefined;
    case 'refused':
      return refused(u);
    case 'no-answer':
      return noAnswer(u);
    case 'connect-timeout':
      return {
        cause: 'connect-timeout',
        title: `Nothing answered the connection to ${host} within ${connection.timeoutMs / 1000} s (${via})`,
        subject,
        fixes: [{ title: 'Check that the daemon host is up and that a firewall allows this port' }, ...endpointResetFixes(connection)],
        evidence,
      };
    case 'host-not-found':
    case 'unreachable':
      return {
        cause: 'host-unreachable',
        title: `Cannot reach ${host}: ${u.failure.message} (${via})`,
        subject,
        fixes: endpointResetFixes(connection),
        evidence,
      };
    case 'tls':
      return tlsFailed(u);
    default:
      return unexpectedAnswer(u);
  }
}

async function socketMissing({ ctx, connection, host, subject, socketPath, via, platform, evidence }: Unreachable): Promise<Report> {
  const alternatives = await alternativeSockets(ctx, socketPath);
  const podman = podmanSocketAt(socketPath);
  // A Podman socket is brought back by Podman's socket unit (or `podman system service`), never by restarting Docker.
  const start = async () =>
    podman ? await podmanStartFixes(ctx, podman) : await engineStartFixes(ctx, platform, false, alternatives.length > 0);
  // When the endpoint was chosen by an env var or context and a daemon exists elsewhere, undoing that choice is the fix.
  const source = connection.endpoint.source;
  const fixes =
    source !== 'default' && source !== 'flag'
      ? [...endpointResetFixes(connection), ...alternatives, ...(alternatives.length > 0 && !podman ? [] : await start())]
      : [...alternatives, ...(await start()), ...endpointResetFixes(connection)];
  return {
    cause: 'socket-missing',
    title: `No ${podman ? 'Podman service' : 'Docker daemon'} is listening at ${socketPath ?? host}: the socket does not exist (${via})`,
    subject,
    fixes,
    evidence: { ...evidence, ...(podman ? { engine: `podman (${podman.scope})` } : {}) },
  };
}

async function refused({ ctx, connection, host, subject, socketPath, via, platform, evidence }: Unreachable): Promise<Report> {
  const podman = podmanSocketAt(socketPath);
  return {
    cause: 'connection-refused',
    title: socketPath
      ? `The socket ${socketPath} exists but no ${podman ? 'Podman service' : 'daemon'} accepts connections on it (${via})`
      : `Nothing accepts connections at ${host} (${via})`,
    subject,
    fixes: socketPath
      ? [
          ...(podman ? await podmanStartFixes(ctx, podman) : await engineStartFixes(ctx, platform, true)),
          ...(await alternativeSockets(ctx, socketPath)),
          ...endpointResetFixes(connection),
        ]
      : [
          {
            title: prose`
              Check that the daemon listens on TCP at that address (dockerd -H tcp://0.0.0.0:2376 with TLS, or "hosts" in daemon.json) and
              that the port is right
            `,
          },
          ...endpointResetFixes(connection),
        ],
    evidence: { ...evidence, ...(podman ? { engine: `podman (${podman.scope})` } : {}) },
  };
}

function noAnswer({ connection, host, subject, socketPath, platform, evidence }: Unreachable): Report {
  const podman = podmanSocketAt(socketPath);
  const within = `${connection.timeoutMs / 1000} s`;
  return {
    cause: 'no-answer',
    title: `The ${podman ? 'Podman service' : 'daemon'} at ${host} accepted the connection but did not answer within ${within}`,
    subject,
    fixes: [
      ...(podman ? podmanRestartFixes(podman) : dockerRestartFixes(platform)),
      ...(socketPath
        ? [
            {
              title: 'See which process holds the socket (a proxy or forwarder without a daemon behind it)',
              command: `sudo ss -xlp | grep ${socketPath}`,
            },
          ]
        : []),
    ],
    evidence,
  };
}

function dockerRestartFixes(platform: NodeJS.Platform): Fix[] {
  return [
    ...(platform === 'linux'
      ? [{ title: "Look at the daemon's log for what it is stuck on", command: 'sudo journalctl -u docker --no-pager -n 100' }]
      : []),
    { title: 'Restart the daemon', command: platform === 'linux' ? 'sudo systemctl restart docker' : 'Restart Docker Desktop' },
  ];
}

/** A Podman service that hangs: restart what serves the socket (its units, or the hand-started service). */
function podmanRestartFixes(socket: PodmanSocket): Fix[] {
  if (socket.scope === 'manual') return [{ title: `Stop the \`podman system service\` that serves ${socket.path} and start it again` }];
  const user = socket.scope === 'user';
  return [
    {
      title: "Look at the Podman service's log for what it is stuck on",
      command: user ? 'journalctl --user -u podman.service --no-pager -n 100' : 'sudo journalctl -u podman.service --no-pager -n 100',
    },
    {
      title: 'Restart the Podman service',
      command: user ? 'systemctl --user restart podman.socket podman.service' : 'sudo systemctl restart podman.socket podman.service',
    },
  ];
}

function tlsFailed({ connection, host, subject, via, evidence }: Unreachable): Report {
  return {
    cause: 'tls-failed',
    title: `TLS with the daemon at ${host} failed (${via})`,
    subject,
    fixes: [
      {
        title: 'Point the client at the certificates the daemon trusts',
        command: 'export DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=~/.docker/certs',
      },
      ...endpointResetFixes(connection),
    ],
    evidence,
  };
}

function unexpectedAnswer({ connection, failure, host, subject, evidence }: Unreachable): Report {
  return {
    cause: 'unexpected-answer',
    title: `The endpoint ${host} did not answer as a Docker daemon: ${failure.message}`,
    subject,
    fixes: [
      ...(failure.statusCode === 400 && host.startsWith('tcp://')
        ? [{ title: 'The port expects TLS: enable it on the client', command: 'export DOCKER_TLS_VERIFY=1' }]
        : []),
      ...endpointResetFixes(connection),
    ],
    evidence,
  };
}

/** Sockets the daemon itself creates at its default places; only there can an empty directory be Docker's own leftover. */
const DAEMON_SOCKETS = new Set(['/var/run/docker.sock', '/run/docker.sock']);

/**
 * Something that is not a socket sits at the endpoint. Nothing here is ever removed with rm: the path came from
 * DOCKER_HOST, a context or -H as often as from the daemon (a typo can name a home directory). The one removal offered
 * is `rmdir` of an empty directory at the daemon's own socket path (what `-v /var/run/docker.sock:…` leaves when the
 * socket was missing), and rmdir refuses anything that is not empty.
 */
async function notASocket(
  ctx: CheckContext,
  connection: DockerConnection,
  socketPath: string,
  subject: Report['subject'],
  evidence: Record<string, unknown>,
): Promise<Report> {
  const { endpoint } = connection;
  const stat = await ctx.facts.stat(socketPath).catch(() => null);
  const kind =
    stat?.type === 'directory' ? 'a directory' : stat?.type === 'file' ? 'a regular file' : stat ? `a ${stat.type}` : 'not a socket';
  const chosen = endpoint.source !== 'default';
  const entries = stat?.type === 'directory' ? await ctx.facts.listDir(socketPath) : null;
  const emptyDaemonDir = !chosen && DAEMON_SOCKETS.has(socketPath) && entries !== null && entries.length === 0;
  const platform = ctx.facts.platform();
  const restart = platform === 'linux' ? ' && sudo systemctl restart docker' : '';
  const fixes: Fix[] = chosen
    ? [...endpointResetFixes(connection), ...(await alternativeSockets(ctx, socketPath))]
    : emptyDaemonDir
      ? [
          {
            title: prose`
              Remove the empty directory (rmdir refuses anything that is not empty), then restart the daemon so it creates its socket there
            `,
            command: `sudo rmdir ${socketPath}${restart}`,
          },
        ]
      : [
          {
            title: prose`
              Look at what is at ${socketPath}; the daemon can only create its socket once the path is free, so move it elsewhere if it is
              yours
            `,
            command: `sudo ls -la ${socketPath}`,
          },
        ];
  const what = stat ? `${socketPath} is ${kind}, not a socket` : `${socketPath} is not a socket`;
  const pointer =
    endpoint.source === 'DOCKER_HOST'
      ? 'DOCKER_HOST'
      : endpoint.source === 'flag'
        ? 'the -H/--context you gave'
        : `the context "${endpoint.context}"`;
  return {
    cause: 'not-a-socket',
    title: chosen
      ? prose`
        ${what}: check ${pointer}, which points there (${describeSource(connection)})
      `
      : emptyDaemonDir
        ? prose`
          ${socketPath} is an empty directory, not a socket, so no daemon can answer there: a bind mount of the socket made while it was
          missing leaves one (${describeSource(connection)})
        `
        : `${what}, so no daemon can answer there (${describeSource(connection)})`,
    subject,
    fixes,
    evidence: { ...evidence, ...(stat ? { type: stat.type } : {}), ...(entries ? { entries: entries.length } : {}) },
  };
}

async function permissionDenied(
  ctx: CheckContext,
  socketPath: string,
  subject: Report['subject'],
  evidence: Record<string, unknown>,
): Promise<Report> {
  const [stat, identity, groups] = await Promise.all([
    ctx.facts.stat(socketPath).catch(() => null),
    ctx.facts.identity(),
    ctx.facts.groupDb().catch(() => []),
  ]);
  const group = stat ? groups.find((g) => g.gid === stat.gid) : undefined;
  const groupName = group?.name ?? (stat ? `gid ${stat.gid}` : 'docker');
  const user = identity.username || `uid ${identity.uid}`;
  const who = identity.username ? identity.username : '$USER';
  const socketEvidence = {
    ...evidence,
    uid: identity.uid,
    groups: identity.groups,
    ...(stat ? { socketOwner: stat.uid, socketGroup: groupName, socketMode: formatMode(stat.mode) } : {}),
  };
  const listed = group?.members.includes(identity.username) ?? false;
  const sessionHasGroup = stat ? identity.groups.includes(stat.gid) || identity.gid === stat.gid : false;

  if (listed && !sessionHasGroup) {
    return {
      cause: 'group-not-active',
      title: `${user} is in the ${groupName} group in /etc/group, but this session does not have it yet, so ${socketPath} refuses access`,
      subject,
      fixes: [
        { title: 'Start a shell that has the group now', command: `newgrp ${groupName}` },
        { title: 'Or log out and log back in (on a desktop, a full logout; over SSH, reconnect)' },
      ],
      evidence: socketEvidence,
    };
  }
  return notPermitted(ctx, { socketPath, stat, user, who, groupName, uid: identity.uid, subject, evidence: socketEvidence });
}

interface Denial {
  socketPath: string;
  stat: FileStat | null;
  user: string;
  who: string;
  groupName: string;
  uid: number;
  subject: Report['subject'];
  evidence: Record<string, unknown>;
}

/**
 * This user is not allowed on the socket. Joining the docker group grants root-equivalent access: a user whose own
 * (rootless) Podman socket answers is pointed at it instead, and rootful Podman's socket (root's alone) is never
 * answered with the docker group.
 */
async function notPermitted(ctx: CheckContext, d: Denial): Promise<Report> {
  const { socketPath, stat, user, groupName } = d;
  const own = await ownPodmanSocket(ctx, socketPath);
  const podman = podmanSocketAt(socketPath);
  const noDockerGroup = stat !== null && stat.gid === 0;
  const mode = stat ? ` (mode ${formatMode(stat.mode)})` : '';
  const ownFix = own && {
    title: `Your own Podman socket at ${own} answers: point the client at it (no group membership or root needed)`,
    command: `export DOCKER_HOST=unix://${own}`,
  };
  return {
    cause: 'permission-denied',
    title: podman
      ? `${user} cannot open ${socketPath}: rootful Podman's socket belongs to ${stat ? `${stat.uid}:${groupName}` : 'root'}${mode}`
      : noDockerGroup
        ? `${user} cannot open ${socketPath}: it belongs to root:root${mode}, with no docker group to grant access`
        : `${user} cannot open ${socketPath}: it belongs to group ${groupName}${mode} and ${user} is not in it`,
    subject: d.subject,
    fixes: ownFix
      ? [ownFix]
      : podman
        ? podmanInsteadFixes(d.uid, false)
        : noDockerGroup
          ? createGroupFixes(d.who)
          : joinGroupFixes(user, groupName, d.who),
    evidence: { ...d.evidence, ...(own ? { podmanSocket: own } : {}) },
  };
}

/** No docker group exists: the socket is root's alone until one is created and the daemon restarted. */
function createGroupFixes(who: string): Fix[] {
  return [
    {
      title: 'Create the docker group, add yourself, and restart the daemon so the socket gets the group',
      command: `sudo groupadd -f docker && sudo usermod -aG docker ${who} && sudo systemctl restart docker`,
    },
    { title: 'Then start a shell with the new group (or log out and in)', command: 'newgrp docker' },
  ];
}

function joinGroupFixes(user: string, groupName: string, who: string): Fix[] {
  return [
    {
      title: `Add ${user} to the ${groupName} group (this grants root-equivalent access)`,
      command: `sudo usermod -aG ${groupName} ${who}`,
    },
    { title: 'Then start a shell with the new group (or log out and in)', command: `newgrp ${groupName}` },
    { title: 'Or run a rootless daemon for this user instead', command: 'dockerd-rootless-setuptool.sh install' },
  ];
}

async function alternativeSockets(ctx: CheckContext, current: string | undefined): Promise<Fix[]> {
  const candidates = await ctx.facts.socketCandidates().catch(() => []);
  return candidates
    .filter((c) => c.path !== current && !(current && samePath(c.path, current)))
    .map((c) => ({
      title: `A ${c.kind} socket exists at ${c.path}: point the client at it`,
      command: `export DOCKER_HOST=unix://${c.path}`,
    }));
}

function samePath(a: string, b: string): boolean {
  const norm = (p: string) => p.replace(/^\/var\/run\//, '/run/');
  return norm(a) === norm(b);
}

/**
 * How to get an engine answering at the default socket, by what this host has: Docker's fixes, Podman's (its socket
 * and DOCKER_HOST at it) when only Podman is installed, both only when both are.
 */
async function engineStartFixes(ctx: CheckContext, platform: NodeJS.Platform, restart: boolean, installed = false): Promise<Fix[]> {
  if (platform !== 'linux') return startDaemonFixes(ctx, platform, restart, installed);
  const engines = await installedEngines(ctx);
  const { uid } = await ctx.facts.identity();
  if (engines.podman && !engines.docker) return podmanInsteadFixes(uid, false);
  const docker = await startDaemonFixes(ctx, platform, restart, installed || engines.docker);
  return engines.podman ? [...docker, ...podmanInsteadFixes(uid, true)] : docker;
}

async function startDaemonFixes(ctx: CheckContext, platform: NodeJS.Platform, restart = false, installed = false): Promise<Fix[]> {
  if (platform === 'darwin') return [{ title: 'Start Docker Desktop', command: 'open -a Docker' }];
  if (platform === 'win32') return [{ title: 'Start Docker Desktop and wait until it says "Engine running"' }];
  const services = await ctx.facts.dockerServices().catch(() => []);
  const system = services.find((s) => s.scope === 'system');
  const user = services.find((s) => s.scope === 'user');
  const fixes: Fix[] = [];
  if (system?.state === 'failed')
    fixes.push({ title: 'docker.service has failed: read why', command: 'sudo journalctl -u docker --no-pager -n 50' });
  if (user && user.state !== 'active')
    fixes.push({ title: `The rootless docker service is ${user.state}: start it`, command: 'systemctl --user start docker' });
  fixes.push(
    system || services.length === 0
      ? {
          title: `${restart ? 'Restart' : 'Start'} the daemon${system ? ` (docker.service is ${system.state})` : ''}`,
          command: restart ? 'sudo systemctl restart docker' : 'sudo systemctl enable --now docker',
        }
      : { title: 'Start the daemon', command: 'sudo systemctl enable --now docker' },
  );
  if (!restart && !installed) fixes.push({ title: 'Not installed yet? Install Docker Engine: https://docs.docker.com/engine/install/' });
  return fixes;
}

function endpointResetFixes(connection: DockerConnection): Fix[] {
  const { endpoint } = connection;
  switch (endpoint.source) {
    case 'DOCKER_HOST':
      return [
        {
          title: `DOCKER_HOST=${endpoint.host} chose this endpoint; unset it to use the current context or the default socket`,
          command: 'unset DOCKER_HOST',
        },
      ];
    case 'DOCKER_CONTEXT':
      return [
        {
          title: `DOCKER_CONTEXT=${endpoint.context} chose this endpoint; unset it or pick a working context`,
          command: 'unset DOCKER_CONTEXT && docker context ls',
        },
      ];
    case 'context':
      return [
        {
          title: `The current context "${endpoint.context}" chose this endpoint; switch back to the default context`,
          command: 'docker context use default',
        },
      ];
    default:
      return [];
  }
}

export function describeSource(connection: DockerConnection): string {
  const { endpoint } = connection;
  switch (endpoint.source) {
    case 'flag':
      return endpoint.context !== 'default' ? `from --context ${endpoint.context}` : 'from -H';
    case 'DOCKER_HOST':
      return 'from DOCKER_HOST';
    case 'DOCKER_CONTEXT':
      return `from DOCKER_CONTEXT=${endpoint.context}`;
    case 'context':
      return `from the current context "${endpoint.context}"`;
    default:
      return 'the default socket';
  }
}
