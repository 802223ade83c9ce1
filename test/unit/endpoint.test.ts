import { describe, expect, it } from 'vitest';
import { contextMetaPath, parseDockerHost, resolveEndpoint, type EndpointInputs } from '../../src/facts/docker/endpoint.js';

const HOME = '/home/dev';
const CONFIG_DIR = `${HOME}/.docker`;

function inputs(files: Record<string, string>, over: Partial<EndpointInputs> = {}): EndpointInputs {
  return {
    env: {},
    platform: 'linux',
    homedir: HOME,
    readText: async (f) => files[f],
    exists: async (f) => f in files,
    ...over,
  };
}

const meta = (name: string, host: string) => ({
  [contextMetaPath(CONFIG_DIR, name)]: JSON.stringify({ Name: name, Endpoints: { docker: { Host: host, SkipTLSVerify: false } } }),
});
const config = (currentContext: string) => ({ [`${CONFIG_DIR}/config.json`]: JSON.stringify({ currentContext }) });

describe('resolveEndpoint follows the docker CLI order', () => {
  const files = { ...config('remote'), ...meta('remote', 'tcp://10.0.0.5:2375'), ...meta('other', 'unix:///run/other.sock') };
  it.each([
    [
      '--context wins over everything',
      { contextFlag: 'other' },
      { DOCKER_HOST: 'unix:///x.sock', DOCKER_CONTEXT: 'remote' },
      'unix:///run/other.sock',
      'flag',
      'other',
    ],
    [
      '-H beats DOCKER_HOST',
      { hostFlag: 'unix:///flag.sock' },
      { DOCKER_HOST: 'unix:///env.sock' },
      'unix:///flag.sock',
      'flag',
      'default',
    ],
    [
      'DOCKER_HOST beats DOCKER_CONTEXT',
      {},
      { DOCKER_HOST: 'unix:///env.sock', DOCKER_CONTEXT: 'other' },
      'unix:///env.sock',
      'DOCKER_HOST',
      'default',
    ],
    ['DOCKER_CONTEXT beats currentContext', {}, { DOCKER_CONTEXT: 'other' }, 'unix:///run/other.sock', 'DOCKER_CONTEXT', 'other'],
  ])('%s', async (_name, flags, env, host, source, context) => {
    const resolved = await resolveEndpoint(inputs(files, { ...flags, env }));
    expect(resolved).toMatchObject({ host, source, context });
  });

  it('uses the default socket when nothing is set', async () => {
    expect(await resolveEndpoint(inputs({}))).toMatchObject({
      host: 'unix:///var/run/docker.sock',
      source: 'default',
      context: 'default',
      problems: [],
    });
  });

  it('uses currentContext from config.json', async () => {
    const resolved = await resolveEndpoint(inputs(files));
    expect(resolved).toMatchObject({ host: 'tcp://10.0.0.5:2375', source: 'context', context: 'remote', problems: [] });
  });

  it('honours DOCKER_CONFIG', async () => {
    const resolved = await resolveEndpoint(
      inputs({ '/etc/dockercfg/config.json': '{"currentContext":"default"}' }, { env: { DOCKER_CONFIG: '/etc/dockercfg' } }),
    );
    expect(resolved).toMatchObject({ host: 'unix:///var/run/docker.sock', source: 'context', configFile: '/etc/dockercfg/config.json' });
  });

  it('notes DOCKER_HOST overriding a selected context', async () => {
    const resolved = await resolveEndpoint(inputs(files, { env: { DOCKER_HOST: 'unix:///env.sock' } }));
    expect(resolved.problems).toEqual([
      { kind: 'context-overridden', context: 'remote', contextFrom: 'config', by: 'DOCKER_HOST', host: 'unix:///env.sock' },
    ]);
  });

  it('does not complain when DOCKER_HOST is set and the context is default', async () => {
    const resolved = await resolveEndpoint(inputs(config('default'), { env: { DOCKER_HOST: 'unix:///env.sock' } }));
    expect(resolved.problems).toEqual([]);
  });

  it('reports a current context with no meta file', async () => {
    const resolved = await resolveEndpoint(inputs(config('desktop-linux')));
    expect(resolved.host).toBeNull();
    expect(resolved.problems[0]).toMatchObject({ kind: 'context-not-found', context: 'desktop-linux', from: 'config' });
  });

  it('reports a malformed config.json with its line and falls back to the default socket', async () => {
    const resolved = await resolveEndpoint(inputs({ [`${CONFIG_DIR}/config.json`]: '{\n  "auths": {},\n}\n' }));
    expect(resolved.host).toBe('unix:///var/run/docker.sock');
    expect(resolved.problems[0]).toMatchObject({ kind: 'config-invalid', line: 3 });
  });

  it('reports a context whose meta has no docker endpoint', async () => {
    const resolved = await resolveEndpoint(
      inputs({ ...config('broken'), [contextMetaPath(CONFIG_DIR, 'broken')]: '{"Name":"broken","Endpoints":{}}' }),
    );
    expect(resolved.problems[0]).toMatchObject({ kind: 'context-invalid', context: 'broken' });
  });

  it('refuses -H together with --context, like the docker CLI', async () => {
    await expect(resolveEndpoint(inputs({}, { hostFlag: 'unix:///a', contextFlag: 'b' }))).rejects.toThrow(/conflicting options/);
  });

  it('uses the named pipe on Windows', async () => {
    expect((await resolveEndpoint(inputs({}, { platform: 'win32' }))).host).toBe('npipe:////./pipe/docker_engine');
  });

  it('picks up TLS material for tcp with DOCKER_TLS_VERIFY', async () => {
    const resolved = await resolveEndpoint(
      inputs(
        { '/certs/ca.pem': 'x', '/certs/cert.pem': 'x', '/certs/key.pem': 'x' },
        { env: { DOCKER_HOST: 'tcp://10.0.0.5', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs' } },
      ),
    );
    expect(resolved).toMatchObject({
      host: 'tcp://10.0.0.5:2376',
      tls: { verify: true, ca: '/certs/ca.pem', cert: '/certs/cert.pem', key: '/certs/key.pem' },
    });
  });
});

describe('parseDockerHost', () => {
  it.each([
    ['unix:///var/run/docker.sock', false, 'unix:///var/run/docker.sock'],
    ['tcp://1.2.3.4', false, 'tcp://1.2.3.4:2375'],
    ['tcp://1.2.3.4', true, 'tcp://1.2.3.4:2376'],
    ['localhost:2375', false, 'tcp://localhost:2375'],
    ['ssh://me@box', false, 'ssh://me@box'],
  ])('%s (tls %s) → %s', (raw, tls, host) => {
    expect(parseDockerHost(raw, tls)).toEqual({ host });
  });

  it.each(['http2://x', 'unix://', 'tcp://'])('rejects %s', (raw) => {
    expect(parseDockerHost(raw, false)).toHaveProperty('error');
  });
});

describe('endpoints a client cannot use', () => {
  it('fd:// is systemd socket activation: the error says so and names the socket to use instead', () => {
    const parsed = parseDockerHost('fd://', false);
    expect(parsed).toHaveProperty('error');
    const { error } = parsed as { error: string };
    expect(error).toMatch(/^fd:\/\/ is systemd socket activation, which only dockerd itself can use/);
    expect(error).toContain('unix:///var/run/docker.sock');
  });

  it('DOCKER_HOST=fd:// resolves to no host, with an invalid-host problem', async () => {
    const endpoint = await resolveEndpoint(inputs({}, { env: { DOCKER_HOST: 'fd://' } }));
    expect(endpoint.host).toBeNull();
    expect(endpoint.problems).toEqual([expect.objectContaining({ kind: 'invalid-host', host: 'fd://', from: 'DOCKER_HOST' })]);
  });

  it.each([
    ['ssh://me:pw@box', /plain-text password .* is not supported/],
    ['ssh://box?x=1', /no query or fragment/],
    ['ssh://', /not a valid ssh:\/\/ address|no host name/],
  ])('ssh: %s is refused as the docker CLI refuses it', (raw, message) => {
    expect((parseDockerHost(raw, false) as { error: string }).error).toMatch(message);
  });

  it.each(['ssh://me@box:2222', 'ssh://box', 'ssh://me@[::1]:22/run/user/1000/docker.sock'])('ssh: %s is kept as given', (raw) => {
    expect(parseDockerHost(raw, false)).toEqual({ host: raw });
  });
});
