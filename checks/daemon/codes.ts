import type { FindingCodeMeta } from '../../src/engine/types.js';
import { prose } from '../../src/util/text.js';
import { apiVersionCodes } from './api-version.js';
import { sshCodes } from './ssh.js';

const DAEMON_DOCS = 'https://docs.docker.com/engine/daemon/troubleshoot/';
const CONTEXT_DOCS = 'https://docs.docker.com/engine/manage-resources/contexts/';
const POSTINSTALL_DOCS = 'https://docs.docker.com/engine/install/linux-postinstall/';

export const daemonCodes = {
  'socket-missing': {
    severity: 'error',
    summary: 'the daemon socket does not exist',
    explanation: prose`
      Nothing exists at the socket path the client connects to, so the daemon is not running there: it is stopped, not installed, or
      listening somewhere else (rootless Docker uses $XDG_RUNTIME_DIR/docker.sock, Docker Desktop ~/.docker/desktop/docker.sock or
      ~/.docker/run/docker.sock, Podman $XDG_RUNTIME_DIR/podman/podman.sock). The docker CLI reports this as "Cannot connect to the Docker
      daemon at unix:///var/run/docker.sock. Is the docker daemon running?"
    `,
    docsUrl: DAEMON_DOCS,
  },
  'endpoint-failed': {
    severity: 'error',
    summary: 'the daemon answers its ping but fails an API call the checks need',
    explanation: prose`
      The daemon accepted the connection and answered /_ping, but a call that lists its state (containers, networks or images) timed out,
      returned an HTTP error, or answered something that is not the list the Engine API defines. This points at a daemon that is overloaded
      or stuck (a hung containerd, a full disk under its root, a deadlock), or at a proxy in front of the socket that is not the Docker
      daemon. \`docker ps\` fails or hangs the same way. The checks that need the list are skipped with this reason.
    `,
    docsUrl: DAEMON_DOCS,
  },
  'not-a-socket': {
    severity: 'error',
    summary: 'the socket path is a file or directory',
    explanation: prose`
      The endpoint path exists but is not a Unix socket. This usually happens when a bind mount such as -v
      /var/run/docker.sock:/var/run/docker.sock ran while the socket was missing, so Docker created a directory in its place, or when
      DOCKER_HOST, -H or a context points at the wrong path (a typo can name a home directory). The fix never removes what is there: when
      the endpoint was chosen by DOCKER_HOST, -H or a context, that choice is what to correct; only an empty directory at the daemon's own
      socket path is removed, with rmdir, which refuses anything that is not empty.
    `,
    docsUrl: DAEMON_DOCS,
  },
  'permission-denied': {
    severity: 'error',
    summary: 'this user may not use the daemon socket',
    explanation: prose`
      The socket is owned by root and a group (normally "docker") with mode 0660, and this user is neither root nor in that group, so
      connect() fails with EACCES: "permission denied while trying to connect to the Docker daemon socket". Membership of the docker group
      is equivalent to root on this machine; rootless Docker is the alternative that grants no root.
    `,
    docsUrl: POSTINSTALL_DOCS,
  },
  'group-not-active': {
    severity: 'error',
    summary: 'the user was added to the docker group but this session predates it',
    explanation: prose`
      The user is listed in the socket's group in /etc/group, but this process does not carry that group: group membership is read at login,
      so a session that started before \`usermod -aG docker\` does not have it until you log out and back in (or start a shell with \`newgrp
      docker\`).
    `,
    docsUrl: POSTINSTALL_DOCS,
  },
  'connection-refused': {
    severity: 'error',
    summary: 'nothing accepts connections at the endpoint',
    explanation: prose`
      The endpoint exists but refuses connections. For a Unix socket this is a stale socket file left by a daemon that stopped or crashed;
      for TCP nothing listens on that port (the daemon does not listen on TCP unless configured with -H tcp://… or "hosts" in daemon.json,
      and TLS uses 2376, not 2375).
    `,
    docsUrl: DAEMON_DOCS,
  },
  'no-answer': {
    severity: 'error',
    summary: 'the daemon accepted the connection but never answered',
    explanation: prose`
      Something accepted the connection but did not answer GET /_ping in time. A hung dockerd (stuck on storage, a deadlock, or overloaded),
      or a proxy/forwarder (socat, an SSH tunnel, a VM port-forward) with no live daemon behind it. Every docker command would hang the same
      way.
    `,
    docsUrl: DAEMON_DOCS,
  },
  'connect-timeout': {
    severity: 'error',
    summary: 'the TCP endpoint does not answer',
    explanation: prose`
      The connection attempt got no reply at all: the host is down, or a firewall silently drops packets to that port. Check the address in
      DOCKER_HOST or the context, and that the daemon host is up and reachable from here.
    `,
    docsUrl: DAEMON_DOCS,
  },
  'host-unreachable': {
    severity: 'error',
    summary: 'the endpoint host cannot be reached',
    explanation: 'The host name in the endpoint does not resolve, or there is no route to it from this machine.',
    docsUrl: DAEMON_DOCS,
  },
  'tls-failed': {
    severity: 'error',
    summary: 'the TLS handshake with the daemon failed',
    explanation: prose`
      The daemon requires TLS and the handshake failed: missing or wrong client certificates (DOCKER_CERT_PATH, or the context's TLS files),
      a CA that does not match the server certificate, or TLS settings pointed at a daemon that does not use TLS.
    `,
    docsUrl: 'https://docs.docker.com/engine/security/protect-access/',
  },
  'unexpected-answer': {
    severity: 'error',
    summary: 'the endpoint answered, but not as a Docker daemon',
    explanation: prose`
      Something answered at the endpoint, but not with the Docker Engine API: another service on that port, a plain-HTTP client talking to a
      TLS port ("Client sent an HTTP request to an HTTPS server"), or a daemon that dropped the connection.
    `,
    docsUrl: DAEMON_DOCS,
  },
  'context-not-found': {
    severity: 'error',
    summary: 'the selected docker context does not exist',
    explanation: prose`
      The docker context selected by --context, DOCKER_CONTEXT or "currentContext" in the docker config has no metadata under
      ~/.docker/contexts, so there is no endpoint to connect to. This is common after uninstalling Docker Desktop, which leaves
      "currentContext": "desktop-linux" behind.
    `,
    docsUrl: CONTEXT_DOCS,
  },
  'context-invalid': {
    severity: 'error',
    summary: 'the context metadata cannot be used',
    explanation:
      "The context's meta.json is unreadable, is not valid JSON, or has no Endpoints.docker.Host, so the client has no endpoint for it.",
    docsUrl: CONTEXT_DOCS,
  },
  'invalid-host': {
    severity: 'error',
    summary: 'the endpoint address is malformed',
    explanation: prose`
      The endpoint (from -H, DOCKER_HOST or a context) is not an address the docker CLI accepts: it must be unix:///path, tcp://host:port,
      ssh://user@host or npipe:////./pipe/name.
    `,
    docsUrl: 'https://docs.docker.com/reference/cli/docker/#environment-variables',
  },
  'context-overridden': {
    severity: 'warning',
    summary: 'DOCKER_HOST silently overrides the selected context',
    explanation: prose`
      A context is selected (DOCKER_CONTEXT or "currentContext" in the docker config), but DOCKER_HOST is also set, and DOCKER_HOST wins:
      every docker command talks to DOCKER_HOST, not to the context. The docker CLI only warns about this when you run \`docker context
      use\`, so a stale DOCKER_HOST in a shell profile goes unnoticed.
    `,
    docsUrl: CONTEXT_DOCS,
  },
  'config-invalid': {
    severity: 'warning',
    summary: 'the docker CLI config file is malformed',
    explanation: prose`
      The docker CLI config (~/.docker/config.json or $DOCKER_CONFIG/config.json) is not valid JSON. The docker CLI prints "WARNING: Error
      loading config file" and carries on without it, losing the current context, registry credentials helpers and proxy settings.
    `,
    docsUrl: 'https://docs.docker.com/reference/cli/docker/#configuration-files',
  },
  'engine-warning': {
    severity: 'warning',
    summary: 'the engine reports a warning about its own setup',
    explanation: prose`
      The daemon lists problems with its own configuration in \`docker info\` (Info.Warnings). Most tools drop them; some mean container
      networking or resource limits do not work.
    `,
    docsUrl: 'https://docs.docker.com/reference/cli/docker/system/info/',
  },
  ...sshCodes,
  ...apiVersionCodes,
} satisfies Record<string, FindingCodeMeta>;

export type DaemonCause = keyof typeof daemonCodes;
