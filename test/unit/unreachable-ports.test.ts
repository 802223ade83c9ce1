import { describe, expect, it } from 'vitest';
import check from '../../checks/unreachable-ports.js';
import { judgePort } from '../../checks/unreachable-ports/listening.js';
import { bindAdvice } from '../../checks/unreachable-ports/servers.js';
import {
  CheckTester,
  container,
  HEALTHY_ENGINE,
  listener,
  minutesBefore,
  type ContainerFields,
  type EngineRoutes,
  type FakeWorld,
} from '../../src/testing/index.js';

const running = (fields: Partial<ContainerFields> & { name: string }): ContainerFields => ({
  state: 'running',
  pid: 4242,
  startedAt: minutesBefore(10),
  image: 'acme/web:1',
  ...fields,
});

/** A compose project's container, labelled as compose v2 labels it, from /project/compose.yaml. */
const composeLabels = (service: string) => ({
  'com.docker.compose.project': 'project',
  'com.docker.compose.service': service,
  'com.docker.compose.project.working_dir': '/project',
  'com.docker.compose.project.config_files': '/project/compose.yaml',
});

const PODMAN_43: EngineRoutes = {
  '/version': { Version: '4.3.1', ApiVersion: '1.41', Components: [{ Name: 'Podman Engine', Version: '4.3.1' }] },
  '/info': { ...(HEALTHY_ENGINE['/info'] as object), DockerRootDir: '/var/lib/containers/storage' },
};
const PODMAN_50: EngineRoutes = {
  '/version': { Version: '5.0.2', ApiVersion: '1.41', Components: [{ Name: 'Podman Engine', Version: '5.0.2' }] },
  '/info': { ...(HEALTHY_ENGINE['/info'] as object), DockerRootDir: '/var/lib/containers/storage' },
};
const DESKTOP: EngineRoutes = { '/info': { ...(HEALTHY_ENGINE['/info'] as object), OperatingSystem: 'Docker Desktop' } };

const world = (w: FakeWorld): FakeWorld => w;

new CheckTester(check).run({
  healthy: [
    {
      name: "a faulty engine's State.Pid names a host process (pid 1): the host's listeners are not called the container's",
      facts: world({
        containers: [container(running({ name: 'web', ports: ['18471:80'], pid: 1 }))],
        namespaces: { 1: [listener({ port: 2024 })] },
        hostNetworkPids: [1],
      }),
    },
    {
      name: 'a published port the app listens on',
      facts: world({
        containers: [container(running({ name: 'web', ports: ['18471:80'] }))],
        namespaces: { 4242: [listener({ port: 80 })] },
      }),
    },
    {
      name: 'the app listens on :: (every address, IPv6 and IPv4)',
      facts: world({
        containers: [container(running({ name: 'web', ports: ['18471:80'] }))],
        namespaces: { 4242: [listener({ port: 80, address: '::' })] },
      }),
    },
    {
      name: 'the app listens on the container address, beside the embedded DNS on 127.0.0.11',
      facts: world({
        containers: [container(running({ name: 'web', ports: ['8080:8080'] }))],
        namespaces: { 4242: [listener({ port: 8080, address: '172.18.0.2' }), listener({ port: 41235, address: '127.0.0.11' })] },
      }),
    },
    {
      name: 'started 5 s ago on the wrong port: it may not listen yet',
      facts: world({
        containers: [container(running({ name: 'web', ports: ['18471:80'], startedAt: minutesBefore(0, 5) }))],
        namespaces: { 4242: [listener({ port: 8080 })] },
      }),
    },
    {
      name: 'health check still starting',
      facts: world({
        containers: [container(running({ name: 'web', ports: ['18471:80'], health: { status: 'starting' } }))],
        namespaces: { 4242: [] },
      }),
    },
    {
      name: 'nothing listens yet after 30 s (a slow server)',
      facts: world({
        containers: [container(running({ name: 'web', ports: ['18471:80'], startedAt: minutesBefore(0, 30) }))],
        namespaces: { 4242: [] },
      }),
    },
    {
      name: 'a UDP port (not read from tcp tables)',
      facts: world({ containers: [container(running({ name: 'dns', ports: ['5353:53/udp'] }))], namespaces: { 4242: [] } }),
    },
    {
      name: 'a host-networked container and one with no ports: /proc is not read',
      facts: world({ containers: [container(running({ name: 'h', networkMode: 'host' })), container(running({ name: 'plain', pid: 7 }))] }),
    },
    {
      name: 'a compose container that listens but publishes nothing (other services reach it by name)',
      facts: world({
        containers: [
          container(running({ name: 'project-db-1', ports: [{ PrivatePort: 5432, Type: 'tcp' }], labels: composeLabels('db') })),
        ],
        namespaces: { 4242: [listener({ port: 5432 })] },
      }),
    },
    {
      name: 'an exposed port nothing listens on, nothing published',
      facts: world({
        containers: [container(running({ name: 'worker', ports: [{ PrivatePort: 80, Type: 'tcp' }] }))],
        namespaces: { 4242: [] },
      }),
    },
    {
      name: 'browser-facing and own-address variables on a host port, and a container that serves the port itself',
      facts: world({
        containers: [
          container(
            running({
              name: 'api',
              ports: ['3000:3000'],
              env: ['NEXT_PUBLIC_API=http://localhost:9000', 'LISTEN_ADDR=127.0.0.1:9000', 'SELF=http://localhost:3000/health'],
            }),
          ),
        ],
        namespaces: { 4242: [listener({ port: 3000 })] },
        listeners: [listener({ port: 9000, pid: 55, command: 'python3' }), listener({ port: 3000, pid: 60, command: 'docker-proxy' })],
      }),
    },
    {
      name: 'localhost on a port a container publishes (docker-proxy holds it)',
      facts: world({
        containers: [container(running({ name: 'worker', pid: 0, env: ['API=http://localhost:8081'] }))],
        listeners: [listener({ port: 8081, pid: 61, command: 'docker-proxy' })],
      }),
    },
    {
      name: 'compose: localhost where a service of the project listens (the dns check says so), extra_hosts given',
      facts: world({
        project: {
          'compose.yaml':
            'services:\n  db:\n    image: postgres:16\n  api:\n    image: api\n    extra_hosts: ["host.docker.internal:host-gateway"]\n' +
            '    environment:\n      DATABASE_URL: postgres://localhost:5432/app\n      UPSTREAM: http://host.docker.internal:8000\n',
        },
        listeners: [listener({ port: 5432, pid: 70, command: 'postgres' })],
      }),
    },
    {
      name: 'compose: a host-networked service reaches the host as localhost (right there)',
      facts: world({
        project: {
          'compose.yaml':
            'services:\n  api:\n    image: api\n    network_mode: host\n    environment:\n      OLLAMA: http://localhost:11434\n',
        },
        listeners: [listener({ port: 11434, pid: 71, command: 'ollama' })],
      }),
    },
    {
      name: 'Docker Desktop resolves host.docker.internal itself',
      facts: world({
        engine: DESKTOP,
        project: {
          'compose.yaml': 'services:\n  api:\n    image: api\n    environment:\n      OLLAMA: http://host.docker.internal:11434\n',
        },
      }),
    },
    {
      name: 'Podman 5 resolves host.docker.internal itself',
      facts: world({
        engine: PODMAN_50,
        containers: [container(running({ name: 'w', pid: 0, env: ['O=http://host.docker.internal:1'] }))],
      }),
    },
  ],
  broken: [
    {
      name: 'a published port while the app listens on another',
      facts: world({
        containers: [container(running({ name: 'web', ports: ['18471:80'] }))],
        namespaces: { 4242: [listener({ port: 8080 })] },
      }),
      findings: [
        {
          code: 'wrong-port',
          severity: 'error',
          subject: { kind: 'container', name: 'web' },
          title: 'Container web publishes 18471->80, but nothing in it listens on port 80: the app listens on 8080',
          fixes: ['docker run -d -p 18471:8080 … acme/web:1', undefined],
        },
      ],
    },
    {
      name: 'several candidate ports: named, no command guessed',
      facts: world({
        containers: [container(running({ name: 'web', ports: ['18471:80'] }))],
        namespaces: { 4242: [listener({ port: 8080 }), listener({ port: 9090 })] },
      }),
      findings: [
        { code: 'wrong-port', severity: 'error', subject: 'web', title: /the app listens on 8080, 9090$/, fixes: [undefined, undefined] },
      ],
    },
    {
      name: 'compose: the wrong port, fixed on its ports: line',
      facts: world({
        containers: [container(running({ name: 'project-web-1', ports: ['18471:80'], labels: composeLabels('web') }))],
        namespaces: { 4242: [listener({ port: 8080 })] },
        project: { 'compose.yaml': 'services:\n  web:\n    image: acme/web:1\n    ports:\n      - "18471:80"\n' },
      }),
      findings: [
        {
          code: 'wrong-port',
          severity: 'error',
          subject: 'compose.yaml:5',
          fixes: ['- "18471:8080"', 'docker compose up -d web', undefined],
        },
      ],
    },
    {
      name: 'uvicorn on 127.0.0.1: its --host flag',
      facts: world({
        containers: [container(running({ name: 'api', ports: ['8000:8000'], cmd: ['uvicorn', 'main:app', '--port', '8000'] }))],
        namespaces: { 4242: [listener({ port: 8000, address: '127.0.0.1' })] },
      }),
      findings: [
        {
          code: 'loopback-only',
          severity: 'error',
          subject: 'api',
          title: 'Container api listens on 127.0.0.1:8000 only, which its published port 8000->8000 cannot reach',
          fixes: ['uvicorn main:app --port 8000 --host 0.0.0.0'],
        },
      ],
    },
    {
      name: 'gunicorn on ::1',
      facts: world({
        containers: [container(running({ name: 'api', ports: ['8000:8000'], cmd: ['gunicorn', 'app:app'] }))],
        namespaces: { 4242: [listener({ port: 8000, address: '::1' })] },
      }),
      findings: [
        {
          code: 'loopback-only',
          severity: 'error',
          subject: 'api',
          title: /\[::1\]:8000 only/,
          fixes: ['gunicorn app:app -b 0.0.0.0:8000'],
        },
      ],
    },
    {
      name: 'loopback on another port than the one published: bind and remap',
      facts: world({
        containers: [container(running({ name: 'web', ports: ['8080:80'], cmd: ['flask', 'run'] }))],
        namespaces: { 4242: [listener({ port: 5000, address: '127.0.0.1' })] },
      }),
      findings: [
        {
          code: 'loopback-only',
          severity: 'error',
          subject: 'web',
          title: 'Container web publishes 8080->80, but the app listens on 127.0.0.1:5000 only, which no published port reaches',
          fixes: ['flask run --host 0.0.0.0', 'docker run -d -p 8080:5000 … acme/web:1'],
        },
      ],
    },
    {
      name: 'nothing listens after 10 minutes',
      facts: world({ containers: [container(running({ name: 'web', ports: ['18471:80'] }))], namespaces: { 4242: [] } }),
      findings: [
        {
          code: 'nothing-listening',
          severity: 'warning',
          subject: 'web',
          title: 'Container web has been up 10 min, yet nothing in it listens on published 18471->80',
          fixes: ['docker logs --tail 50 web', undefined],
        },
      ],
    },
    {
      name: 'a standalone container on the default bridge that listens but publishes nothing',
      facts: world({
        containers: [container(running({ name: 'web', ports: [{ PrivatePort: 80, Type: 'tcp' }] }))],
        namespaces: { 4242: [listener({ port: 80 })] },
      }),
      findings: [{ code: 'not-published', severity: 'info', subject: 'web', fixes: ['docker run -d -p 8080:80 … acme/web:1'] }],
    },
    {
      name: 'a port published on 127.0.0.1 only',
      facts: world({
        containers: [container(running({ name: 'db', ports: ['127.0.0.1:5432:5432'] }))],
        namespaces: { 4242: [listener({ port: 5432 })] },
      }),
      findings: [
        {
          code: 'loopback-published',
          severity: 'info',
          subject: 'db',
          title: 'Container db publishes 127.0.0.1:5432->5432 on the loopback address only: reachable from this machine, not from others',
        },
      ],
    },
    {
      name: "another user's containers as a non-root user: said once, nothing judged",
      facts: world({
        containers: [container(running({ name: 'web', ports: ['18471:80'] }))],
        files: { '/proc/4242/net/tcp': { stat: { uid: 0 } }, '/proc/4242/net/tcp6': { stat: { uid: 0 } } },
      }),
      findings: [
        { code: 'listeners-unreadable', severity: 'info', title: /container web listens on cannot be read: .*uid 1000, not root/ },
      ],
    },
    {
      name: 'a remote engine: said once, nothing judged',
      facts: world({ env: { DOCKER_HOST: 'tcp://10.9.9.9:2375' }, containers: [container(running({ name: 'web', ports: ['18471:80'] }))] }),
      findings: [{ code: 'listeners-unreadable', severity: 'info', title: /runs on another machine/ }],
    },
    {
      name: 'compose: localhost:<port> served by a host process',
      facts: world({
        project: { 'compose.yaml': 'services:\n  api:\n    image: api\n    environment:\n      OLLAMA_BASE_URL: http://localhost:11434\n' },
        listeners: [listener({ port: 11434, pid: 77, command: 'ollama' })],
      }),
      findings: [
        {
          code: 'host-as-localhost',
          severity: 'warning',
          subject: 'compose.yaml:5',
          title:
            /^Service api reaches localhost:11434 through OLLAMA_BASE_URL \(compose.yaml:5\).*served by ollama \(pid 77\) on the host$/,
          fixes: ['OLLAMA_BASE_URL: http://host.docker.internal:11434', 'extra_hosts: ["host.docker.internal:host-gateway"]'],
        },
      ],
    },
    {
      name: 'a container reaching a loopback-only host process: rename, and make the process listen beyond loopback',
      facts: world({
        containers: [container(running({ name: 'worker', pid: 0, env: ['API=http://127.0.0.1:9000/v1'] }))],
        listeners: [listener({ port: 9000, address: '127.0.0.1', pid: 55, command: 'python3' })],
      }),
      findings: [
        {
          code: 'host-as-localhost',
          severity: 'warning',
          subject: 'worker',
          fixes: [
            'docker run -d --add-host host.docker.internal:host-gateway -e API=http://host.docker.internal:9000/v1 … acme/web:1',
            undefined,
          ],
        },
      ],
    },
    {
      name: 'compose: host.docker.internal without extra_hosts on Docker Engine',
      facts: world({
        project: {
          'compose.yaml': 'services:\n  api:\n    image: api\n    environment:\n      - UPSTREAM=http://host.docker.internal:8000\n',
        },
      }),
      findings: [
        {
          code: 'host-gateway-missing',
          severity: 'error',
          subject: 'compose.yaml:5',
          fixes: ['extra_hosts: ["host.docker.internal:host-gateway"]'],
        },
      ],
    },
    {
      name: 'Podman 4.3: host.docker.internal does not resolve, host.containers.internal does',
      facts: world({
        engine: PODMAN_43,
        containers: [container(running({ name: 'w', pid: 0, env: ['O=http://host.docker.internal:1'] }))],
      }),
      findings: [
        {
          code: 'host-gateway-missing',
          severity: 'error',
          subject: 'w',
          fixes: ['podman run -d -e O=http://host.containers.internal:1 … acme/web:1'],
        },
      ],
    },
  ],
});

describe('judgePort', () => {
  const published = new Set([80]);
  it('tells the causes apart', () => {
    expect(judgePort(80, [listener({ port: 80 })], published)).toEqual({ kind: 'ok' });
    expect(judgePort(80, [listener({ port: 80, address: '::ffff:127.0.0.1' })], published).kind).toBe('loopback-only');
    expect(judgePort(80, [listener({ port: 8080 }), listener({ port: 9000, address: '127.0.0.1' })], published)).toEqual({
      kind: 'wrong-port',
      listening: [8080],
    });
    expect(judgePort(80, [listener({ port: 53, address: '127.0.0.11' })], published)).toEqual({ kind: 'nothing-listening', elsewhere: [] });
    expect(judgePort(443, [listener({ port: 80 })], new Set([80, 443]))).toEqual({ kind: 'nothing-listening', elsewhere: [80] });
  });
});

describe('bindAdvice', () => {
  const rows: [string, number, string | undefined][] = [
    ['httpd -f -p 127.0.0.1:80', 80, 'httpd -f -p 0.0.0.0:80'],
    ['python manage.py runserver', 8000, 'python manage.py runserver 0.0.0.0:8000'],
    ['python manage.py runserver 8001', 8001, 'python manage.py runserver 0.0.0.0:8001'],
    ['bin/rails server', 3000, 'bin/rails server -b 0.0.0.0'],
    ['npx vite', 5173, 'npx vite --host 0.0.0.0'],
    ['next dev', 3000, 'next dev -H 0.0.0.0'],
    ['npx nuxi dev', 3000, 'npx nuxi dev --host 0.0.0.0'],
    ['webpack serve --mode development', 8080, 'webpack serve --mode development --host 0.0.0.0'],
    ['php -S localhost:8000 -t public', 8000, 'php -S 0.0.0.0:8000 -t public'],
    ['sh -c "flask --app app run --debug"', 5000, 'sh -c "flask --app app run --debug --host 0.0.0.0"'],
    ['sh -c "flask run && echo done"', 5000, undefined],
    ['npm run dev', 5173, undefined],
    ['node server.js', 3000, undefined],
  ];
  it.each(rows)('%s', (command, port, expected) => {
    expect(bindAdvice(command, port).command).toBe(expected);
  });
  it('leaves a database URL in the command alone', () => {
    expect(bindAdvice('app --db postgres://localhost/app', 80).command).toBeUndefined();
  });
});
