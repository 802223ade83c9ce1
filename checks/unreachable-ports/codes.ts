import type { FindingCodeMeta } from '../../src/engine/types.js';
import { prose } from '../../src/util/text.js';

const PUBLISH_DOCS = 'https://docs.docker.com/engine/network/port-publishing/';
const HOST_DOCS = 'https://docs.docker.com/reference/cli/docker/container/run/#add-host';

export const reachCodes = {
  'wrong-port': {
    severity: 'error',
    summary: 'a published container port nothing listens on, while the app listens on another',
    explanation: prose`
      Publishing (\`-p 8080:80\`, compose \`ports: ["8080:80"]\`) forwards a host port to one container port. When the app inside listens on
      another port (8080 while 80 is published), the forward reaches nothing: clients see "Connection refused", "Connection reset by peer"
      or "Empty reply from server". Publish the port the app listens on, or make the app listen on the published one. What the app listens
      on is read from /proc/<pid>/net/tcp and tcp6 on this host (the container's network namespace), without running anything in the
      container.
    `,
    docsUrl: PUBLISH_DOCS,
  },
  'loopback-only': {
    severity: 'error',
    summary: 'the app listens on 127.0.0.1 (or ::1) inside the container, which no published port reaches',
    explanation: prose`
      Inside a container, 127.0.0.1 is the container's own loopback. A published port is forwarded to the container's network interface
      (its bridge address), never to its loopback, so an app bound to 127.0.0.1 or ::1 answers nothing from outside: "Empty reply from
      server", ERR_EMPTY_RESPONSE, "Connection reset by peer". Make the app listen on 0.0.0.0 (every address): most servers take a --host or
      --bind option or a HOST variable (flask run --host 0.0.0.0, uvicorn --host 0.0.0.0, gunicorn -b 0.0.0.0:8000, vite --host,
      next dev -H 0.0.0.0, rails server -b 0.0.0.0, manage.py runserver 0.0.0.0:8000). Not reported on rootless Podman, whose port forwarder
      may enter through the container's loopback.
    `,
    docsUrl: PUBLISH_DOCS,
  },
  'nothing-listening': {
    severity: 'warning',
    summary: 'a published container port nothing listens on',
    explanation: prose`
      The container has been up for a while, yet nothing in it listens on the published container port: connections to the host port are
      refused or reset. The app may have failed to start its server, be waiting for something (a database, a configuration), or listen on a
      Unix socket. Its logs usually say which. Containers that started seconds ago, or whose health check is still starting, are left alone.
    `,
    docsUrl: PUBLISH_DOCS,
  },
  'not-published': {
    severity: 'info',
    summary: 'the app listens on a port that is not published',
    explanation: prose`
      The container listens on a port but publishes none, and it runs on the default bridge, where other containers cannot reach it by
      name: nothing outside Docker reaches it. If you meant to open it from the host, publish it with -p. Containers on user-defined or
      compose networks are left alone (other containers reach them by name, which needs no publishing). Podman's container list leaves out
      exposed ports that are not published, so there such containers are not read and get no note.
    `,
    docsUrl: PUBLISH_DOCS,
  },
  'loopback-published': {
    severity: 'info',
    summary: 'a host port published on 127.0.0.1 only',
    explanation: prose`
      A port published as 127.0.0.1:8080:80 is bound to the engine host's loopback: reachable from that machine only, not from other
      machines (and, on a remote engine, not from this one). That is often what you want for a database; publish on 0.0.0.0 (or leave the
      address out) when others must reach it.
    `,
    docsUrl: PUBLISH_DOCS,
  },
  'listeners-unreadable': {
    severity: 'info',
    summary: 'what containers listen on cannot be read from here',
    explanation: prose`
      What a container listens on is read from /proc/<pid>/net on the engine's machine. It cannot be read for a remote engine or Docker
      Desktop (the containers run elsewhere), on a host that is not Linux, or, as a user other than root, for containers whose processes
      belong to root (a rootful engine). Run docker-doctor with sudo on the engine's machine to judge the published ports.
    `,
    docsUrl: PUBLISH_DOCS,
  },
  'host-as-localhost': {
    severity: 'warning',
    summary: 'a container reaches a service on the host as localhost',
    explanation: prose`
      Inside a container, localhost is the container itself. A setting that points at localhost:<port> where a process on the host listens
      (and no service of the project does) reaches nothing. Reach the host by the name host.docker.internal, which Linux engines resolve
      only with extra_hosts: ["host.docker.internal:host-gateway"] (--add-host host.docker.internal:host-gateway); Podman names it
      host.containers.internal. The host process must listen on an address the container can reach (0.0.0.0, or the bridge gateway), not
      127.0.0.1 alone. Variables a browser on the host uses (public, base, callback and redirect URLs, VITE_, NEXT_PUBLIC_…) are left alone.
    `,
    docsUrl: HOST_DOCS,
  },
  'host-gateway-missing': {
    severity: 'error',
    summary: 'host.docker.internal used on a Linux engine without extra_hosts: host-gateway',
    explanation: prose`
      Docker Desktop resolves host.docker.internal by itself; Docker Engine on Linux does not, so a container that uses the name fails with
      "Could not resolve host" / ENOTFOUND unless it is started with extra_hosts: ["host.docker.internal:host-gateway"] (docker run
      --add-host host.docker.internal:host-gateway, Docker 20.10 and later). Podman before 4.7 has neither the name nor host-gateway: it
      names the host host.containers.internal.
    `,
    docsUrl: HOST_DOCS,
  },
} satisfies Record<string, FindingCodeMeta>;
