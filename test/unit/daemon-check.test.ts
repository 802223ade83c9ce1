import { describe, expect, it } from 'vitest';
import daemon from '../../checks/daemon.js';
import { contextMetaPath } from '../../src/facts/docker/endpoint.js';
import { EngineError } from '../../src/facts/docker/engine-client.js';
import { HEALTHY_ENGINE, SOCKET, fakeClients, fakeFacts, runCheck, type FakeClientOptions } from '../helpers/fakes.js';

const GROUPS = 'root:x:0:\ndocker:x:999:alice\nusers:x:100:\n';

async function diagnose(options: FakeClientOptions) {
  return runCheck(daemon, fakeFacts(fakeClients(options)));
}

const failing = (error: EngineError) => ({ ...HEALTHY_ENGINE, '/_ping': error });

describe('daemon check', () => {
  it('passes with no findings when the daemon answers', async () => {
    const result = await diagnose({});
    expect(result.status).toBe('passed');
    expect(result.findings).toEqual([]);
  });

  it('reports a missing default socket and offers the rootless socket that exists', async () => {
    const result = await diagnose({
      files: { '/run/user/1000/docker.sock': { stat: { type: 'socket' } } },
      env: { XDG_RUNTIME_DIR: '/run/user/1000' },
    });
    expect(result.status).toBe('failed');
    expect(result.findings).toHaveLength(1);
    const [finding] = result.findings;
    expect(finding).toMatchObject({
      code: 'daemon/socket-missing',
      severity: 'error',
      subject: { kind: 'daemon', name: 'unix:///var/run/docker.sock' },
    });
    expect(finding!.title).toContain('/var/run/docker.sock');
    expect(finding!.fixes.map((f) => f.command)).toContain('export DOCKER_HOST=unix:///run/user/1000/docker.sock');
  });

  it('suggests unsetting DOCKER_HOST first when it points at a missing socket and a daemon runs elsewhere', async () => {
    const result = await diagnose({ env: { DOCKER_HOST: 'unix:///tmp/gone.sock' } });
    const [finding] = result.findings;
    expect(finding!.code).toBe('daemon/socket-missing');
    expect(finding!.fixes[0]!.command).toBe('unset DOCKER_HOST');
    expect(finding!.fixes.map((f) => f.command)).toContain('export DOCKER_HOST=unix:///var/run/docker.sock');
  });

  it('says start the daemon when no socket exists anywhere, with the systemd state when known', async () => {
    const result = await diagnose({
      files: {},
      exec: { run: async (_f, args) => ({ exitCode: 3, stdout: args.includes('--user') ? '' : 'failed\n', stderr: '', failed: true }) },
    });
    const commands = result.findings[0]!.fixes.map((f) => f.command);
    expect(commands).toContain('sudo journalctl -u docker --no-pager -n 50');
    expect(commands).toContain('sudo systemctl enable --now docker');
  });

  describe('something that is not a socket at the endpoint', () => {
    const commands = (r: { findings: { fixes: { command?: string }[] }[] }) =>
      r.findings.flatMap((f) => f.fixes.map((x) => x.command ?? ''));

    it("offers rmdir (never rm) for an empty directory at the daemon's own socket path", async () => {
      const result = await diagnose({ files: { '/var/run/docker.sock': { stat: { type: 'directory' } } } });
      expect(result.findings[0]).toMatchObject({ code: 'daemon/not-a-socket', severity: 'error' });
      expect(result.findings[0]!.title).toBe(
        '/var/run/docker.sock is an empty directory, not a socket, so no daemon can answer there: a bind mount of the socket made while it was missing leaves one (the default socket)',
      );
      expect(commands(result)).toEqual(['sudo rmdir /var/run/docker.sock && sudo systemctl restart docker']);
    });

    it('removes nothing when the directory at the default path has content', async () => {
      const result = await diagnose({
        files: { '/var/run/docker.sock': { stat: { type: 'directory' } }, '/var/run/docker.sock/notes.txt': 'mine' },
      });
      expect(result.findings[0]!.code).toBe('daemon/not-a-socket');
      expect(commands(result)).toEqual(['sudo ls -la /var/run/docker.sock']);
    });

    it.each<[string, string, Record<string, { stat: object } | string>, string]>([
      [
        'a home directory given by a DOCKER_HOST typo',
        '/home/dev',
        { '/home/dev': { stat: { type: 'directory', uid: 1000 } }, '/home/dev/thesis.tex': 'years of work' },
        'a directory',
      ],
      ['an empty directory named by DOCKER_HOST', '/tmp/empty', { '/tmp/empty': { stat: { type: 'directory' } } }, 'a directory'],
      ['a regular file named by DOCKER_HOST', '/home/dev/docker.sock', { '/home/dev/docker.sock': 'data' }, 'a regular file'],
    ])('says check DOCKER_HOST and removes nothing for %s', async (_name, target, files, kind) => {
      const result = await diagnose({
        env: { DOCKER_HOST: `unix://${target}` },
        files: { '/var/run/docker.sock': { stat: SOCKET }, ...files },
      });
      expect(result.findings.map((f) => f.code)).toEqual(['daemon/not-a-socket']);
      expect(result.findings[0]!.title).toBe(
        `${target} is ${kind}, not a socket: check DOCKER_HOST, which points there (from DOCKER_HOST)`,
      );
      expect(commands(result)).toContain('unset DOCKER_HOST');
      expect(commands(result).join('\n')).not.toMatch(/\brm\b|rmdir|mv /);
    });
  });

  it('tells a user outside the docker group to join it, naming the user and group', async () => {
    const result = await diagnose({
      files: { '/var/run/docker.sock': { stat: SOCKET }, '/etc/group': GROUPS },
      engine: failing(new EngineError('permission-denied', 'permission denied', { code: 'EACCES' })),
      username: 'bob',
      groups: [100],
    });
    const [finding] = result.findings;
    expect(finding).toMatchObject({ code: 'daemon/permission-denied' });
    expect(finding!.title).toBe('bob cannot open /var/run/docker.sock: it belongs to group docker (mode 0660) and bob is not in it');
    expect(finding!.fixes.map((f) => f.command)).toEqual(expect.arrayContaining(['sudo usermod -aG docker bob', 'newgrp docker']));
  });

  it('tells a user listed in /etc/group but without the group in this session to log in again', async () => {
    const result = await diagnose({
      files: { '/var/run/docker.sock': { stat: SOCKET }, '/etc/group': GROUPS },
      engine: failing(new EngineError('permission-denied', 'permission denied', { code: 'EACCES' })),
      username: 'alice',
      groups: [100],
    });
    expect(result.findings[0]).toMatchObject({ code: 'daemon/group-not-active' });
    expect(result.findings[0]!.fixes[0]!.command).toBe('newgrp docker');
  });

  it('explains a root:root socket (no docker group existed when the daemon started)', async () => {
    const result = await diagnose({
      files: { '/var/run/docker.sock': { stat: { ...SOCKET, gid: 0 } }, '/etc/group': GROUPS },
      engine: failing(new EngineError('permission-denied', 'permission denied', { code: 'EACCES' })),
    });
    expect(result.findings[0]!.code).toBe('daemon/permission-denied');
    expect(result.findings[0]!.fixes[0]!.command).toContain('groupadd');
  });

  it.each([
    ['refused', 'daemon/connection-refused'],
    ['no-answer', 'daemon/no-answer'],
    ['connect-timeout', 'daemon/connect-timeout'],
    ['host-not-found', 'daemon/host-unreachable'],
    ['tls', 'daemon/tls-failed'],
    ['reset', 'daemon/unexpected-answer'],
    ['http', 'daemon/unexpected-answer'],
  ] as const)('maps a %s failure to %s', async (kind, code) => {
    const result = await diagnose({ engine: failing(new EngineError(kind, `${kind} happened`)) });
    expect(result.findings.map((f) => f.code)).toEqual([code]);
    expect(result.status).toBe('failed');
  });

  it('names the timeout in a no-answer finding', async () => {
    const result = await diagnose({ engine: failing(new EngineError('no-answer', 'silent', { connected: true })) });
    expect(result.findings[0]!.title).toBe(
      'The daemon at unix:///var/run/docker.sock accepted the connection but did not answer within 1 s',
    );
  });

  it('reports a current context that does not exist once, without a second connection finding', async () => {
    const result = await diagnose({ files: { '/home/dev/.docker/config.json': '{"currentContext":"desktop-linux"}' } });
    expect(result.findings.map((f) => f.code)).toEqual(['daemon/context-not-found']);
    expect(result.findings[0]!.title).toContain('"desktop-linux"');
    expect(result.findings[0]!.fixes[0]!.command).toBe('docker context use default');
  });

  it('warns that DOCKER_HOST overrides the selected context even when the daemon answers', async () => {
    const meta = contextMetaPath('/home/dev/.docker', 'remote');
    const result = await diagnose({
      files: {
        '/var/run/docker.sock': { stat: SOCKET },
        '/home/dev/.docker/config.json': '{"currentContext":"remote"}',
        [meta]: '{"Endpoints":{"docker":{"Host":"tcp://10.1.1.1:2376"}}}',
      },
      env: { DOCKER_HOST: 'unix:///var/run/docker.sock' },
    });
    expect(result.status).toBe('warned');
    expect(result.findings.map((f) => f.code)).toEqual(['daemon/context-overridden']);
  });

  it('reports a malformed docker config with its line', async () => {
    const result = await diagnose({
      files: { '/var/run/docker.sock': { stat: SOCKET }, '/home/dev/.docker/config.json': '{\n "auths": {}\n "x": 1}' },
    });
    expect(result.findings[0]).toMatchObject({
      code: 'daemon/config-invalid',
      severity: 'warning',
      location: { file: '/home/dev/.docker/config.json', line: 3 },
    });
  });

  it('turns engine warnings into findings, serious ones as warnings and the rest as notes', async () => {
    const result = await diagnose({
      engine: {
        ...HEALTHY_ENGINE,
        '/info': {
          ...(HEALTHY_ENGINE['/info'] as object),
          Warnings: [
            'WARNING: API is accessible on http://0.0.0.0:2375 without encryption.',
            'WARNING: No swap limit support',
            'WARNING: IPv4 forwarding is disabled',
          ],
        },
      },
    });
    expect(result.status).toBe('warned');
    expect(result.findings.map((f) => [f.code, f.severity])).toEqual([
      ['daemon/engine-warning', 'warning'],
      ['daemon/engine-warning', 'info'],
    ]);
    expect(result.findings[0]!.title).toContain('without encryption');
    // Forwarding is the dns check's finding (one cause, one finding).
    expect(result.findings.some((f) => f.title.includes('forwarding'))).toBe(false);
  });

  it('reports an invalid DOCKER_HOST', async () => {
    const result = await diagnose({ env: { DOCKER_HOST: 'htp://oops' } });
    expect(result.findings.map((f) => f.code)).toEqual(['daemon/invalid-host']);
  });
});
