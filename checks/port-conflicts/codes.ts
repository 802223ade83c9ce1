import type { FindingCodeMeta } from '../../src/engine/types.js';
import { prose } from '../../src/util/text.js';

const PORT_DOCS = 'https://docs.docker.com/engine/network/port-publishing/';

export const portCodes = {
  'held-by-container': {
    severity: 'error',
    summary: 'another container already publishes the port',
    explanation: prose`
      Another container of the same daemon already publishes this host port, so the daemon's port allocator refuses it: "Bind for
      0.0.0.0:8080 failed: port is already allocated". Usually an old run, a container of another compose project, or a second service with
      the same port.
    `,
    docsUrl: PORT_DOCS,
  },
  'held-by-process': {
    severity: 'error',
    summary: 'a process on the host holds the port',
    explanation: prose`
      A program on the host (a dev server, nginx, postgres…) is listening on the port, so the kernel refuses Docker's bind: "address already
      in use" (older engines: "Error starting userland proxy: listen tcp4 0.0.0.0:8080: bind: address already in use").
    `,
    docsUrl: PORT_DOCS,
  },
  'held-by-other-engine': {
    severity: 'error',
    summary: 'another container engine holds the port',
    explanation: prose`
      The port is held by another container engine on this machine (a rootless or second Docker daemon, Docker Desktop, Podman), whose
      containers this daemon cannot see.
    `,
    docsUrl: PORT_DOCS,
  },
  'leftover-created': {
    severity: 'warning',
    summary: 'a container was left in Created by a port conflict that is gone now',
    explanation: prose`
      A failed port bind leaves the container in the Created state with exit code 128. The port is free now, so the container can be
      started, or removed so that re-running with the same --name does not hit "Conflict. The container name is already in use".
    `,
    docsUrl: PORT_DOCS,
  },
  'bind-failed': {
    severity: 'error',
    summary: 'the port could not be bound, and the holder is not visible from here',
    explanation: prose`
      The daemon could not bind the host port. The holder could not be identified from this machine (a remote engine, or a process in
      another network namespace).
    `,
    docsUrl: PORT_DOCS,
  },
  'rootless-privileged-port': {
    severity: 'error',
    summary: 'rootless Docker cannot publish ports below ip_unprivileged_port_start',
    explanation: prose`
      A rootless daemon runs as your user, and ports below net.ipv4.ip_unprivileged_port_start (1024 by default) need privileges: "cannot
      expose privileged port 80, you can add 'net.ipv4.ip_unprivileged_port_start=80' to /etc/sysctl.conf".
    `,
    docsUrl: 'https://docs.docker.com/engine/security/rootless/tips/',
  },
  'compose-port-taken': {
    severity: 'error',
    summary: 'a port the compose file publishes is already taken',
    explanation: prose`
      The compose file publishes a host port that a host process or a container outside this project already holds, so \`docker compose up\`
      will fail for that service.
    `,
    docsUrl: 'https://docs.docker.com/reference/compose-file/services/#ports',
  },
  'compose-duplicate-port': {
    severity: 'error',
    summary: 'two services publish the same host port',
    explanation: prose`
      Two services that \`docker compose up\` starts together (no profiles, or profiles COMPOSE_PROFILES enables) publish the same host port
      and protocol on overlapping addresses; whichever starts second fails with "port is already allocated". Services in profiles that are
      never enabled together do not conflict.
    `,
    docsUrl: 'https://docs.docker.com/reference/compose-file/services/#ports',
  },
  'compose-fixed-port-replicas': {
    severity: 'error',
    summary: 'a fixed host port on a service with several replicas',
    explanation: prose`
      Every replica of a service tries to publish the same fixed host port, so every replica after the first fails. Publish only the
      container port (an ephemeral host port), a range, or put a proxy in front.
    `,
    docsUrl: 'https://docs.docker.com/reference/compose-file/services/#ports',
  },
} satisfies Record<string, FindingCodeMeta>;
