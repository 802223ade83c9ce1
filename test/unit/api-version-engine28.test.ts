import { describe, expect, it } from 'vitest';
import dns from '../../checks/dns.js';
import portConflicts from '../../checks/port-conflicts.js';
import { runChecks } from '../../src/engine/runner.js';
import { EngineError } from '../../src/facts/docker/engine-client.js';
import { fakeClients, fakeFacts, HEALTHY_ENGINE, listener, SOCKET, type EngineRoutes } from '../../src/testing/index.js';

/**
 * Engine 28 with the containerd image store cannot run here (Docker 20.10): these cases feed its answers as the
 * Engine API gives them. With that store, creating a container from an image that lacks the host's platform fails
 * with 404 and one of these messages (moby daemon/containerd/image.go; daemon/images/image.go for the older wording).
 */
const PLATFORM_ERRORS = [
  'image with reference busybox:latest was found but does not match the specified platform: wanted linux/amd64, actual: linux/arm64',
  'image with reference busybox:latest was found but does not provide the specified platform (linux/amd64)',
  'image with reference busybox:latest was found but its platform (linux/arm64) does not match the specified platform (linux/amd64)',
];

function probeWorld(createError: string): EngineRoutes {
  return {
    ...HEALTHY_ENGINE,
    '/version': { Version: '28.2.2', ApiVersion: '1.50', MinAPIVersion: '1.24', Os: 'linux', Arch: 'amd64' },
    '/info': { ...(HEALTHY_ENGINE['/info'] as object), IPv4Forwarding: true },
    '/networks': [{ Name: 'bridge', Id: 'b', Driver: 'bridge' }],
    '/images/json': [{ Id: 'i', RepoTags: ['busybox:latest'] }],
    'POST /containers/create': new EngineError('http', `/containers/create answered HTTP 404: ${createError}`, { statusCode: 404 }),
  };
}

describe('dns probe on Engine 28 with the containerd image store', () => {
  it.each(PLATFORM_ERRORS)('a probe image without the host platform is a finding, not a crash: %s', async (message) => {
    const clients = fakeClients({ engine: probeWorld(message), files: { '/var/run/docker.sock': { stat: SOCKET } } });
    const [result] = await runChecks([dns], fakeFacts({ clients }), {
      probe: true,
      probeName: 'example.test',
      probeDns: ['172.17.0.1'],
      verbose: false,
      timeoutMs: 5000,
    });
    expect(result!.status).not.toBe('crashed');
    expect(result!.findings.map((f) => f.code)).toEqual(['dns/probe-skipped']);
    expect(result!.findings[0]!.title).toContain('could not start a container on network bridge');
    expect(result!.findings[0]!.title).toContain(message);
  });
});

describe('port-conflicts on Engine 28, where dockerd binds published ports before handing them to docker-proxy', () => {
  const engine28 = { '/version': { Version: '28.2.2', ApiVersion: '1.50', MinAPIVersion: '1.24', Os: 'linux', Arch: 'amd64' } };
  it.each(['docker-proxy', 'dockerd'])("a compose service's own running container, its port held by %s, is healthy", async (command) => {
    const web = {
      id: 'id-web',
      name: 'project-web-1',
      state: 'running' as const,
      labels: { 'com.docker.compose.project': 'project', 'com.docker.compose.service': 'web' },
      ports: ['8080:80'],
    };
    const facts = fakeFacts({
      containers: [web],
      listeners: [listener({ port: 8080, pid: 9, command })],
      project: { 'compose.yaml': 'name: project\nservices:\n  web:\n    ports: ["8080:80"]\n' },
      engine: engine28,
    });
    const [result] = await runChecks([portConflicts], facts, { probe: false, verbose: false, timeoutMs: 5000 });
    expect(result!.findings).toEqual([]);
    expect(result!.status).toBe('passed');
  });
});
