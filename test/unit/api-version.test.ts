import http from 'node:http';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import daemon from '../../checks/daemon.js';
import { chooseApiVersion, MAX_API_VERSION } from '../../src/facts/docker/api-version.js';
import { connect } from '../../src/facts/docker/connection.js';
import { createHttpEngineClient } from '../../src/facts/docker/engine-client.js';
import type { ResolvedEndpoint } from '../../src/facts/docker/endpoint.js';
import { fakeClients, fakeFacts, HEALTHY_ENGINE, runCheck, SOCKET } from '../helpers/fakes.js';
import { tempDir } from '../helpers/sockets.js';

describe('chooseApiVersion negotiates as the docker CLI does', () => {
  it.each([
    ['an older daemon: its own version', { max: '1.41', min: '1.12' }, undefined, '1.41'],
    ['a newer daemon: the newest version the code reads', { max: '1.56', min: '1.40' }, undefined, MAX_API_VERSION],
    ['never below the daemon minimum', { max: '1.60', min: '1.54' }, undefined, '1.54'],
    ['no API-Version header: 1.24, as the docker CLI assumes', {}, undefined, '1.24'],
    ['DOCKER_API_VERSION inside the range wins', { max: '1.41', min: '1.12' }, '1.30', '1.30'],
    ['DOCKER_API_VERSION with a v', { max: '1.41', min: '1.12' }, 'v1.40', '1.40'],
    ['an empty DOCKER_API_VERSION is unset', { max: '1.41', min: '1.12' }, ' ', '1.41'],
  ])('%s', (_name, range, override, expected) => {
    expect(chooseApiVersion(range, override)).toMatchObject({ ok: true, version: expected });
  });

  it.each([
    ['not a version', 'latest', 'invalid'],
    ['below the daemon minimum', '1.11', 'too-old'],
    ['above the daemon version', '1.44', 'too-new'],
  ])('DOCKER_API_VERSION %s is refused', (_name, override, reason) => {
    expect(chooseApiVersion({ max: '1.41', min: '1.12' }, override)).toMatchObject({ ok: false, reason });
  });

  it('compares numerically: 1.9 is older than 1.10', () => {
    expect(chooseApiVersion({ max: '1.9' }, undefined)).toMatchObject({ version: '1.9' });
  });
});

/** A daemon on a unix socket that records every request path and says which API versions it serves. */
async function recordingDaemon(range: { max?: string; min: string }) {
  const paths: string[] = [];
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    paths.push(url);
    if (range.max) res.setHeader('API-Version', range.max);
    const route = url.replace(/^\/v[\d.]+/, '');
    if (route === '/_ping') return void res.end('OK');
    if (route === '/version')
      return void res.end(JSON.stringify({ Version: 'x', ApiVersion: range.max ?? '1.41', MinAPIVersion: range.min }));
    if (route === '/info') return void res.end(JSON.stringify({ ServerVersion: 'x', OperatingSystem: 'Test', Warnings: [] }));
    res.end('[]');
  });
  const socket = path.join(tempDir('dd-api-'), 'docker.sock');
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { paths, socket };
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

async function connectTo(socket: string, env: Record<string, string> = {}) {
  const host = `unix://${socket}`;
  const endpoint: ResolvedEndpoint = { host, source: 'flag', context: 'default', configFile: '/none', problems: [] };
  const clients = { ...fakeClients({ env, files: { [socket]: { stat: SOCKET } } }), engine: (h: string) => createHttpEngineClient(h) };
  return connect(endpoint, clients, { pingTimeoutMs: 2000, requestTimeoutMs: 2000 });
}

describe('every request after the ping carries the negotiated version', () => {
  it('a newer daemon: /version at its own version, everything else at the newest version the code reads', async () => {
    const daemon = await recordingDaemon({ max: '1.56', min: '1.40' });
    const { connection, client } = await connectTo(daemon.socket);
    await client!.getJson('/containers/json?all=1', { timeoutMs: 2000 });
    expect(connection.apiVersion).toEqual({ version: MAX_API_VERSION, from: 'negotiated' });
    expect(daemon.paths).toEqual(['/_ping', '/v1.56/version', `/v${MAX_API_VERSION}/info`, `/v${MAX_API_VERSION}/containers/json?all=1`]);
  });

  it('a daemon not newer than the code: the ping settles the version, so /version, /info and the list go out together', async () => {
    const daemon = await recordingDaemon({ max: '1.41', min: '1.12' });
    const host = `unix://${daemon.socket}`;
    const endpoint: ResolvedEndpoint = { host, source: 'flag', context: 'default', configFile: '/none', problems: [] };
    const clients = { ...fakeClients({ files: { [daemon.socket]: { stat: SOCKET } } }), engine: (h: string) => createHttpEngineClient(h) };
    let listed: Promise<unknown> | undefined;
    // What the facts do with the client handed out at the ping: list the containers while /version and /info answer.
    const { connection } = await connect(endpoint, clients, { pingTimeoutMs: 2000, requestTimeoutMs: 2000 }, (client) => {
      listed = client.getJson('/containers/json?all=1', { timeoutMs: 2000 });
    });
    await listed;
    expect(connection).toMatchObject({ reachable: true, apiVersion: { version: '1.41', from: 'negotiated' } });
    expect(daemon.paths[0]).toBe('/_ping');
    expect(daemon.paths.slice(1).sort()).toEqual(['/v1.41/containers/json?all=1', '/v1.41/info', '/v1.41/version']);
  });

  it('a daemon whose minimum is above the newest version the code reads: its minimum', async () => {
    const daemon = await recordingDaemon({ max: '1.60', min: '1.54' });
    await connectTo(daemon.socket);
    expect(daemon.paths.at(-1)).toBe('/v1.54/info');
  });

  it('a daemon without the API-Version header: /version unversioned, then its ApiVersion', async () => {
    const daemon = await recordingDaemon({ min: '1.12' });
    await connectTo(daemon.socket);
    expect(daemon.paths).toEqual(['/_ping', '/version', '/v1.41/info']);
  });

  it('DOCKER_API_VERSION is used as is', async () => {
    const daemon = await recordingDaemon({ max: '1.41', min: '1.12' });
    const { connection } = await connectTo(daemon.socket, { DOCKER_API_VERSION: '1.30' });
    expect(connection.apiVersion).toEqual({ version: '1.30', from: 'DOCKER_API_VERSION' });
    expect(daemon.paths.at(-1)).toBe('/v1.30/info');
  });

  it('DOCKER_API_VERSION outside what the daemon serves fails the connection with that reason, before any other request', async () => {
    const daemon = await recordingDaemon({ max: '1.41', min: '1.24' });
    const { connection } = await connectTo(daemon.socket, { DOCKER_API_VERSION: '1.12' });
    expect(connection).toMatchObject({ reachable: false, failure: { kind: 'api-version' } });
    expect(connection.failure!.message).toBe('DOCKER_API_VERSION=1.12 is older than the oldest API version the daemon serves (1.24)');
    expect(daemon.paths).toEqual(['/_ping', '/v1.41/version']);
  });
});

describe('the daemon check on API versions', () => {
  const world = (version: object, env: Record<string, string> = {}) =>
    fakeFacts(fakeClients({ env, engine: { ...HEALTHY_ENGINE, '/version': version } }));

  it('a daemon older than the checks need is a finding with upgrade advice', async () => {
    const result = await runCheck(daemon, world({ Version: '18.09.9', ApiVersion: '1.39', MinAPIVersion: '1.12' }));
    expect(result.findings.map((f) => f.code)).toEqual(['daemon/api-too-old']);
    expect(result.findings[0]!.title).toContain('speaks Engine API 1.39, older than the 1.40 the checks need');
    expect(result.findings[0]!.fixes[0]!.title).toMatch(/Upgrade Docker Engine/);
  });

  it('an old Podman is told to upgrade Podman', async () => {
    const podman = { Version: '1.9.3', ApiVersion: '1.39', Components: [{ Name: 'Podman Engine', Version: '1.9.3' }] };
    const result = await runCheck(daemon, world(podman));
    expect(result.findings[0]!.fixes.map((f) => f.title).join(' ')).toMatch(/Upgrade Podman/);
  });

  it('a daemon at the minimum passes', async () => {
    expect((await runCheck(daemon, world({ Version: '19.03.15', ApiVersion: '1.40', MinAPIVersion: '1.12' }))).status).toBe('passed');
  });

  it('DOCKER_API_VERSION the daemon does not serve is one finding whose fix unsets it', async () => {
    const result = await runCheck(
      daemon,
      world({ Version: '28.2.2', ApiVersion: '1.50', MinAPIVersion: '1.24' }, { DOCKER_API_VERSION: '1.99' }),
    );
    expect(result.findings.map((f) => f.code)).toEqual(['daemon/api-version-refused']);
    expect(result.findings[0]!.title).toMatch(/DOCKER_API_VERSION=1.99 is newer than the daemon's API version \(1.50\)/);
    expect(result.findings[0]!.fixes[0]!.command).toBe('unset DOCKER_API_VERSION');
  });
});
