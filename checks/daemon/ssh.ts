import type { Fix, FindingCodeMeta, FindingInput } from '../../src/engine/types.js';
import type { DockerConnection } from '../../src/facts/types.js';
import { prose } from '../../src/util/text.js';
import type { DaemonCause } from './codes.js';

const SSH_DOCS = 'https://docs.docker.com/engine/security/protect-access/#use-ssh-to-protect-the-docker-daemon-socket';

/** Finding codes of ssh:// endpoints: each names how far the SSH connection got. */
export const sshCodes = {
  'ssh-refused': {
    severity: 'error',
    summary: 'nothing accepts SSH connections at the endpoint',
    explanation: prose`
      An ssh:// endpoint makes the client run ssh to the host and start \`docker system dial-stdio\` there. The connection to the host's
      SSH port was refused: no SSH server listens on that host and port (sshd stopped, another port, or a firewall that rejects).
    `,
    docsUrl: SSH_DOCS,
  },
  'ssh-host-key': {
    severity: 'error',
    summary: 'the SSH host key is unknown or changed, so ssh will not connect',
    explanation: prose`
      ssh checks the host's key against known_hosts. A changed key means the host was reinstalled or its keys regenerated, or someone is
      in between; an unknown key needs a person to check its fingerprint once. docker-doctor never answers ssh's question for you: it runs
      ssh in batch mode, so both end the connection here.
    `,
    docsUrl: SSH_DOCS,
  },
  'ssh-auth-failed': {
    severity: 'error',
    summary: 'the SSH server refused the login',
    explanation: prose`
      The host answered as an SSH server but accepted none of the keys offered: the public key is not in the remote user's
      authorized_keys, the user name is wrong, or the key has a passphrase and is not loaded in an agent (docker-doctor never prompts).
    `,
    docsUrl: SSH_DOCS,
  },
  'ssh-no-docker': {
    severity: 'error',
    summary: 'the remote host has no docker command for dial-stdio',
    explanation: prose`
      ssh logged in, but \`docker system dial-stdio\` could not start on the remote host: the docker CLI is not installed there, or not on
      the PATH of a non-interactive ssh session (which reads no login profile). The remote needs Docker 18.09 or later.
    `,
    docsUrl: SSH_DOCS,
  },
  'ssh-remote-error': {
    severity: 'error',
    summary: 'the remote docker could not reach its own daemon',
    explanation: prose`
      ssh logged in and ran \`docker system dial-stdio\`, which failed on the remote host: its daemon is not running, its socket refuses
      that user, or the remote docker is too old to have dial-stdio.
    `,
    docsUrl: SSH_DOCS,
  },
  'ssh-handshake': {
    severity: 'error',
    summary: 'the endpoint accepted TCP but never completed an SSH login',
    explanation: prose`
      Something accepted the TCP connection on the SSH port but did not complete the SSH handshake and login in time: another service on
      that port, a port forward with nothing behind it, or an SSH server that is overloaded or stalls on a DNS lookup of the client.
    `,
    docsUrl: SSH_DOCS,
  },
  'ssh-client-missing': {
    severity: 'error',
    summary: 'no ssh client is installed',
    explanation: 'ssh:// endpoints run the ssh command, as the docker CLI does, and this machine has none on its PATH.',
    docsUrl: SSH_DOCS,
  },
} satisfies Record<string, FindingCodeMeta>;

type Report = Omit<FindingInput, 'cause'> & { cause: DaemonCause };

export interface SshFailure {
  connection: DockerConnection;
  failure: NonNullable<DockerConnection['failure']>;
  host: string;
  /** How the endpoint was chosen, for titles. */
  via: string;
  evidence: Record<string, unknown>;
  /** Fixes that undo DOCKER_HOST or a context, when one chose this endpoint. */
  resetFixes: Fix[];
}

type SshCause = keyof typeof sshCodes | 'no-answer';

/** Per failure kind: the cause, and the fixes for it; the title is the failure's own words and how the endpoint was chosen. */
const BY_KIND: Partial<
  Record<string, { cause: SshCause; fixes(f: SshFailure, t: SshTarget): Fix[]; title?(f: SshFailure, t: SshTarget): string }>
> = {
  refused: { cause: 'ssh-refused', fixes: refusedFixes, title: (f, t) => `Nothing accepts SSH connections at ${t.where} (${f.via})` },
  'ssh-host-key': { cause: 'ssh-host-key', fixes: hostKeyFixes },
  'ssh-auth': { cause: 'ssh-auth-failed', fixes: authFixes },
  'ssh-no-docker': { cause: 'ssh-no-docker', fixes: noDockerFixes },
  'ssh-remote': { cause: 'ssh-remote-error', fixes: (f, t) => [remoteInfo(t), ...f.resetFixes] },
  'no-answer': { cause: 'no-answer', fixes: (f, t) => [remoteInfo(t), ...f.resetFixes] },
  'ssh-handshake': {
    cause: 'ssh-handshake',
    title: (f) => `${capitalise(f.failure.message)}: is an SSH server listening there? (${f.via})`,
    fixes: (f, t) => [
      { title: 'Watch the handshake: ssh -v shows where it stops', command: `${t.ssh.replace(/^ssh /, 'ssh -v ')} true` },
      ...f.resetFixes,
    ],
  },
  'ssh-client-missing': {
    cause: 'ssh-client-missing',
    title: (f) => `No ssh client is installed here, and ${f.host} needs one (${f.via})`,
    fixes: () => [
      {
        title: 'Install the OpenSSH client (openssh-client on Debian and Ubuntu, openssh-clients on Fedora)',
        command: 'sudo apt-get install openssh-client',
      },
    ],
  },
};

/** The finding for an ssh:// endpoint that did not answer, or undefined when the generic one fits (timeouts, DNS). */
export function sshFinding(f: SshFailure): Report | undefined {
  const entry = BY_KIND[f.failure.kind];
  if (!entry) return undefined;
  const t = sshTarget(f.host);
  return {
    cause: entry.cause,
    title: entry.title ? entry.title(f, t) : `${capitalise(f.failure.message)} (${f.via})`,
    subject: { kind: 'daemon', name: f.host },
    fixes: entry.fixes(f, t),
    evidence: f.evidence,
  };
}

function refusedFixes(f: SshFailure): Fix[] {
  return [
    {
      title: 'On the remote host, start the SSH server (the unit is ssh on Debian and Ubuntu, sshd elsewhere)',
      command: 'sudo systemctl enable --now ssh',
    },
    { title: 'Check the port in the address: ssh:// uses 22 unless it names another' },
    ...f.resetFixes,
  ];
}

function hostKeyFixes(f: SshFailure, t: SshTarget): Fix[] {
  const changed = /has changed/.test(f.failure.message);
  const accept = { title: "Connect once by hand, compare the fingerprint with the host's own, and accept it", command: `${t.ssh} true` };
  if (!changed) return [accept, ...f.resetFixes];
  return [
    {
      title: prose`
        Only if the host was really reinstalled or its keys regenerated (ask its administrator; otherwise someone may be in
        between), drop the old key (ssh-keygen keeps a copy in known_hosts.old)
      `,
      command: `ssh-keygen -R ${quote(t.port ? `[${t.host}]:${t.port}` : t.host)}`,
    },
    accept,
  ];
}

function authFixes(_f: SshFailure, t: SshTarget): Fix[] {
  const tryIt = { title: 'Try the same login by hand: ssh shows the whole story', command: `${t.ssh} docker version` };
  return [
    { title: 'Load your key into the agent (a key with a passphrase needs it: docker-doctor never prompts)', command: 'ssh-add' },
    { title: "Or install your public key in the remote user's authorized_keys", command: `ssh-copy-id ${t.args}` },
    tryIt,
  ];
}

function noDockerFixes(_f: SshFailure, t: SshTarget): Fix[] {
  return [
    {
      title: 'See whether a non-interactive session finds docker (ssh runs the command without a login profile)',
      command: `${t.ssh} 'command -v docker'`,
    },
    { title: 'Install Docker (18.09 or later) on the remote host: https://docs.docker.com/engine/install/' },
  ];
}

function remoteInfo(t: SshTarget): Fix {
  return { title: 'Ask the remote docker about its daemon', command: `${t.ssh} docker info` };
}

interface SshTarget {
  host: string;
  port: string;
  where: string;
  /** `-p 2222 user@host`: what ssh-copy-id and ssh take. */
  args: string;
  /** `ssh -p 2222 user@host`. */
  ssh: string;
}

function sshTarget(address: string): SshTarget {
  const url = new URL(address);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const login = `${url.username ? `${decodeURIComponent(url.username)}@` : ''}${host}`;
  const args = `${url.port ? `-p ${url.port} ` : ''}${quote(login)}`;
  return { host, port: url.port, where: `${url.hostname}:${url.port || 22}`, args, ssh: `ssh ${args}` };
}

function quote(value: string): string {
  return /^[\w@%+=:,./[\]-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
