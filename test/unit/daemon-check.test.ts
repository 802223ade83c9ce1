import { expect } from 'vitest';
import daemon from '../../checks/daemon.js';
import { contextMetaPath } from '../../src/facts/docker/endpoint.js';
import { EngineError } from '../../src/facts/docker/engine-client.js';
import type { CheckResult } from '../../src/engine/types.js';
import type { ExecResult, FactClients } from '../../src/facts/clients.js';
import {
  CheckTester,
  fakeClients,
  fakeEngine,
  HEALTHY_ENGINE,
  SOCKET,
  type FakeClientOptions,
  type FakeWorld,
} from '../../src/testing/index.js';

const GROUPS = 'root:x:0:\ndocker:x:999:alice\nusers:x:100:\n';

/** A host exactly as described: `files` replaces the default socket, so a test without it has no daemon socket. */
const host = (options: FakeClientOptions): FakeWorld => ({ clients: fakeClients(options) });

const failing = (error: EngineError) => ({ ...HEALTHY_ENGINE, '/_ping': error });
const denied = () => failing(new EngineError('permission-denied', 'permission denied', { code: 'EACCES' }));
const commands = (r: CheckResult) => r.findings.flatMap((f) => f.fixes.map((x) => x.command ?? ''));

const NOT_A_SOCKET: [string, string, FakeClientOptions['files'], string][] = [
  [
    'a home directory given by a DOCKER_HOST typo',
    '/home/dev',
    { '/home/dev': { stat: { type: 'directory', uid: 1000 } }, '/home/dev/thesis.tex': 'years of work' },
    'a directory',
  ],
  ['an empty directory named by DOCKER_HOST', '/tmp/empty', { '/tmp/empty': { stat: { type: 'directory' } } }, 'a directory'],
  ['a regular file named by DOCKER_HOST', '/home/dev/docker.sock', { '/home/dev/docker.sock': 'data' }, 'a regular file'],
];

const CONNECTION_FAILURES = [
  ['refused', 'daemon/connection-refused'],
  ['no-answer', 'daemon/no-answer'],
  ['connect-timeout', 'daemon/connect-timeout'],
  ['host-not-found', 'daemon/host-unreachable'],
  ['tls', 'daemon/tls-failed'],
  ['reset', 'daemon/unexpected-answer'],
  ['http', 'daemon/unexpected-answer'],
] as const;

/**
 * A host with these commands installed (`--version` answers) and these systemd units (`systemctl is-active <unit>`,
 * system and user scope alike); everything else is not there.
 */
const installed = (commands: string[], units: Record<string, string> = {}): FactClients['exec'] => ({
  run: async (file, args): Promise<ExecResult> => {
    if (file === 'systemctl') {
      const state = units[args.at(-1)!];
      return state ? { exitCode: state === 'active' ? 0 : 3, stdout: `${state}\n`, stderr: '', failed: state !== 'active' } : NOT_FOUND;
    }
    return commands.includes(file) && args[0] === '--version'
      ? { exitCode: 0, stdout: `${file} version 1\n`, stderr: '', failed: false }
      : NOT_FOUND;
  },
});
const NOT_FOUND: ExecResult = { exitCode: undefined, stdout: '', stderr: 'not found', failed: true };
const ROOTLESS_PODMAN = '/run/user/1000/podman/podman.sock';
const refusing = () => failing(new EngineError('refused', 'connect ECONNREFUSED', { code: 'ECONNREFUSED' }));
const dockerAdvice = (r: CheckResult) => commands(r).filter((c) => /systemctl (restart|enable --now) docker|usermod -aG docker/.test(c));

const PODMAN_CASES = [
  {
    name: 'DOCKER_HOST at a missing rootless Podman socket: its user socket unit, never Docker',
    facts: host({ env: { DOCKER_HOST: `unix://${ROOTLESS_PODMAN}` }, files: {}, exec: installed(['podman']) }),
    findings: [
      { code: 'socket-missing', severity: 'error' as const, title: /^No Podman service is listening at \/run\/user\/1000\/podman/ },
    ],
    assert: (r: CheckResult) => {
      expect(commands(r)).toContain('systemctl --user enable --now podman.socket');
      expect(dockerAdvice(r)).toEqual([]);
    },
  },
  {
    name: 'a stale rootful Podman socket (-H): the system socket unit, with its state',
    facts: host({
      env: { DOCKER_HOST: 'unix:///run/podman/podman.sock' },
      files: { '/run/podman/podman.sock': { stat: { ...SOCKET, gid: 0 } } },
      engine: refusing(),
      exec: installed(['podman'], { 'podman.socket': 'inactive' }),
    }),
    findings: [{ code: 'connection-refused', severity: 'error' as const, title: /no Podman service accepts connections/ }],
    assert: (r: CheckResult) => {
      expect(r.findings[0]!.fixes[0]).toMatchObject({
        title: expect.stringContaining('podman.socket is inactive'),
        command: 'sudo systemctl enable --now podman.socket',
      });
      expect(dockerAdvice(r)).toEqual([]);
    },
  },
  {
    name: 'a stale podman.sock started by hand: `podman system service` at that path again',
    facts: host({
      env: { DOCKER_HOST: 'unix:///tmp/dev/podman.sock' },
      files: { '/tmp/dev/podman.sock': { stat: SOCKET } },
      engine: refusing(),
      exec: installed(['podman']),
    }),
    findings: [{ code: 'connection-refused', severity: 'error' as const }],
    assert: (r: CheckResult) => {
      expect(r.findings[0]!.fixes[0]!.command).toBe('podman system service --time=0 unix:///tmp/dev/podman.sock &');
      expect(commands(r).join('\n')).not.toMatch(/systemctl/);
    },
  },
  {
    name: 'no socket at the default path on a host with only Podman: Podman only',
    facts: host({ files: {}, exec: installed(['podman', 'docker']) }),
    findings: [{ code: 'socket-missing', severity: 'error' as const }],
    assert: (r: CheckResult) => {
      expect(commands(r)).toContain(
        'systemctl --user enable --now podman.socket && export DOCKER_HOST=unix://$XDG_RUNTIME_DIR/podman/podman.sock',
      );
      expect(dockerAdvice(r)).toEqual([]);
      expect(r.findings[0]!.fixes.some((f) => /Install Docker/.test(f.title))).toBe(false);
    },
  },
  {
    name: 'no socket at the default path with Docker and Podman installed: both, Docker first',
    facts: host({ files: {}, exec: installed(['dockerd', 'podman']) }),
    findings: [{ code: 'socket-missing', severity: 'error' as const }],
    assert: (r: CheckResult) => {
      const titles = r.findings[0]!.fixes.map((f) => f.title);
      expect(commands(r)[0]).toBe('sudo systemctl enable --now docker');
      expect(titles.at(-1)).toMatch(/^Or, to use Podman instead, start your own \(rootless\) Podman/);
    },
  },
  {
    name: 'no socket at the default path with only Docker installed: no Podman advice',
    facts: host({ files: {}, exec: installed(['dockerd']) }),
    findings: [{ code: 'socket-missing', severity: 'error' as const }],
    assert: (r: CheckResult) => expect(commands(r).join('\n')).not.toMatch(/podman/),
  },
  {
    name: "permission denied on Docker's socket while the user's own Podman socket answers: use it, no docker group",
    facts: host({
      files: { '/var/run/docker.sock': { stat: SOCKET }, [ROOTLESS_PODMAN]: { stat: { ...SOCKET, uid: 1000 } }, '/etc/group': GROUPS },
      env: { XDG_RUNTIME_DIR: '/run/user/1000' },
      engine: (h: string) => fakeEngine(h.includes('podman') ? HEALTHY_ENGINE : denied()),
      username: 'bob',
      groups: [100],
    }),
    findings: [{ code: 'permission-denied', severity: 'error' as const }],
    assert: (r: CheckResult) => {
      expect(commands(r)).toEqual([`export DOCKER_HOST=unix://${ROOTLESS_PODMAN}`]);
      expect(r.findings[0]!.evidence).toMatchObject({ podmanSocket: ROOTLESS_PODMAN });
    },
  },
  {
    name: "permission denied while the user's Podman socket is stale: the docker group advice stays",
    facts: host({
      files: { '/var/run/docker.sock': { stat: SOCKET }, [ROOTLESS_PODMAN]: { stat: SOCKET }, '/etc/group': GROUPS },
      env: { XDG_RUNTIME_DIR: '/run/user/1000' },
      engine: (h: string) => fakeEngine(h.includes('podman') ? refusing() : denied()),
      username: 'bob',
      groups: [100],
    }),
    findings: [{ code: 'permission-denied', severity: 'error' as const }],
    assert: (r: CheckResult) => expect(commands(r)).toContain('sudo usermod -aG docker bob'),
  },
  {
    name: "permission denied on rootful Podman's socket: the user's own Podman, never the docker group",
    facts: host({
      env: { DOCKER_HOST: 'unix:///run/podman/podman.sock' },
      files: { '/run/podman/podman.sock': { stat: { ...SOCKET, gid: 0 } }, '/etc/group': GROUPS },
      engine: denied(),
    }),
    findings: [{ code: 'permission-denied', severity: 'error' as const, title: /rootful Podman's socket belongs to 0:root/ }],
    assert: (r: CheckResult) => {
      expect(commands(r)[0]).toMatch(/^systemctl --user enable --now podman\.socket/);
      expect(dockerAdvice(r)).toEqual([]);
    },
  },
];

const ENGINE_WARNINGS = [
  'WARNING: API is accessible on http://0.0.0.0:2375 without encryption.',
  'WARNING: No swap limit support',
  'WARNING: IPv4 forwarding is disabled',
];

const PODMAN_ENGINE = {
  ...HEALTHY_ENGINE,
  '/version': { Version: '4.3.1', ApiVersion: '1.41', Components: [{ Name: 'Podman Engine', Version: '4.3.1' }] },
};

new CheckTester(daemon).run({
  healthy: [
    { name: 'the daemon answers', facts: host({}) },
    {
      name: 'a rootless Podman socket answers',
      facts: host({
        env: { DOCKER_HOST: `unix://${ROOTLESS_PODMAN}` },
        files: { [ROOTLESS_PODMAN]: { stat: SOCKET } },
        engine: PODMAN_ENGINE,
      }),
    },
  ],
  broken: [
    ...PODMAN_CASES,
    {
      name: 'a missing default socket, with the rootless socket that exists offered',
      facts: host({ files: { '/run/user/1000/docker.sock': { stat: { type: 'socket' } } }, env: { XDG_RUNTIME_DIR: '/run/user/1000' } }),
      findings: [
        {
          code: 'socket-missing',
          severity: 'error',
          subject: { kind: 'daemon', name: 'unix:///var/run/docker.sock' },
          title: /\/var\/run\/docker\.sock/,
        },
      ],
      assert: (r) => expect(commands(r)).toContain('export DOCKER_HOST=unix:///run/user/1000/docker.sock'),
    },
    {
      name: 'DOCKER_HOST at a missing socket while a daemon runs elsewhere: unset it first',
      facts: host({ env: { DOCKER_HOST: 'unix:///tmp/gone.sock' } }),
      findings: [{ code: 'socket-missing', severity: 'error', subject: 'unix:///tmp/gone.sock' }],
      assert: (r) => {
        expect(r.findings[0]!.fixes[0]!.command).toBe('unset DOCKER_HOST');
        expect(commands(r)).toContain('export DOCKER_HOST=unix:///var/run/docker.sock');
      },
    },
    {
      name: 'no socket anywhere: start the daemon, with the systemd state when known',
      facts: host({
        files: {},
        exec: { run: async (_f, args) => ({ exitCode: 3, stdout: args.includes('--user') ? '' : 'failed\n', stderr: '', failed: true }) },
      }),
      findings: [{ code: 'socket-missing', severity: 'error' }],
      assert: (r) =>
        expect(commands(r)).toEqual(
          expect.arrayContaining(['sudo journalctl -u docker --no-pager -n 50', 'sudo systemctl enable --now docker']),
        ),
    },
    {
      name: "an empty directory at the daemon's own socket path: rmdir, never rm",
      facts: host({ files: { '/var/run/docker.sock': { stat: { type: 'directory' } } } }),
      findings: [
        {
          code: 'not-a-socket',
          severity: 'error',
          title:
            '/var/run/docker.sock is an empty directory, not a socket, so no daemon can answer there: a bind mount of the socket made ' +
            'while it was missing leaves one (the default socket)',
          fixes: ['sudo rmdir /var/run/docker.sock && sudo systemctl restart docker'],
        },
      ],
    },
    {
      name: 'a directory with content at the default path: nothing removed',
      facts: host({ files: { '/var/run/docker.sock': { stat: { type: 'directory' } }, '/var/run/docker.sock/notes.txt': 'mine' } }),
      findings: [{ code: 'not-a-socket', severity: 'error', fixes: ['sudo ls -la /var/run/docker.sock'] }],
    },
    ...NOT_A_SOCKET.map(([name, target, files, kind]) => ({
      name: `${name}: check DOCKER_HOST, remove nothing`,
      facts: host({ env: { DOCKER_HOST: `unix://${target}` }, files: { '/var/run/docker.sock': { stat: SOCKET }, ...files } }),
      findings: [
        {
          code: 'not-a-socket',
          severity: 'error' as const,
          title: `${target} is ${kind}, not a socket: check DOCKER_HOST, which points there (from DOCKER_HOST)`,
        },
      ],
      assert: (r: CheckResult) => {
        expect(commands(r)).toContain('unset DOCKER_HOST');
        expect(commands(r).join('\n')).not.toMatch(/\brm\b|rmdir|mv /);
      },
    })),
    {
      name: 'a user outside the docker group: join it, naming the user and group',
      facts: host({
        files: { '/var/run/docker.sock': { stat: SOCKET }, '/etc/group': GROUPS },
        engine: denied(),
        username: 'bob',
        groups: [100],
      }),
      findings: [
        {
          code: 'permission-denied',
          severity: 'error',
          title: 'bob cannot open /var/run/docker.sock: it belongs to group docker (mode 0660) and bob is not in it',
        },
      ],
      assert: (r) => expect(commands(r)).toEqual(expect.arrayContaining(['sudo usermod -aG docker bob', 'newgrp docker'])),
    },
    {
      name: 'a user in /etc/group without the group in this session: log in again',
      facts: host({
        files: { '/var/run/docker.sock': { stat: SOCKET }, '/etc/group': GROUPS },
        engine: denied(),
        username: 'alice',
        groups: [100],
      }),
      findings: [{ code: 'group-not-active', severity: 'error' }],
      assert: (r) => expect(r.findings[0]!.fixes[0]!.command).toBe('newgrp docker'),
    },
    {
      name: 'a root:root socket (no docker group existed when the daemon started)',
      facts: host({ files: { '/var/run/docker.sock': { stat: { ...SOCKET, gid: 0 } }, '/etc/group': GROUPS }, engine: denied() }),
      findings: [{ code: 'permission-denied', severity: 'error' }],
      assert: (r) => expect(r.findings[0]!.fixes[0]!.command).toContain('groupadd'),
    },
    ...CONNECTION_FAILURES.map(([kind, code]) => ({
      name: `a ${kind} failure is ${code}`,
      facts: host({ engine: failing(new EngineError(kind, `${kind} happened`)) }),
      findings: [{ code, severity: 'error' as const }],
    })),
    {
      name: 'a no-answer finding names the timeout',
      facts: host({ engine: failing(new EngineError('no-answer', 'silent', { connected: true })) }),
      findings: [
        {
          code: 'no-answer',
          severity: 'error',
          title: 'The daemon at unix:///var/run/docker.sock accepted the connection but did not answer within 1 s',
        },
      ],
    },
    {
      name: 'a current context that does not exist, once, without a second connection finding',
      facts: host({ files: { '/home/dev/.docker/config.json': '{"currentContext":"desktop-linux"}' } }),
      findings: [{ code: 'context-not-found', severity: 'error', title: /"desktop-linux"/ }],
      assert: (r) => expect(r.findings[0]!.fixes[0]!.command).toBe('docker context use default'),
    },
    {
      name: 'DOCKER_HOST overrides the selected context, even when the daemon answers',
      facts: host({
        files: {
          '/var/run/docker.sock': { stat: SOCKET },
          '/home/dev/.docker/config.json': '{"currentContext":"remote"}',
          [contextMetaPath('/home/dev/.docker', 'remote')]: '{"Endpoints":{"docker":{"Host":"tcp://10.1.1.1:2376"}}}',
        },
        env: { DOCKER_HOST: 'unix:///var/run/docker.sock' },
      }),
      findings: [{ code: 'context-overridden', severity: 'warning' }],
      assert: (r) => expect(r.status).toBe('warned'),
    },
    {
      name: 'a malformed docker config, at its line',
      facts: host({ files: { '/var/run/docker.sock': { stat: SOCKET }, '/home/dev/.docker/config.json': '{\n "auths": {}\n "x": 1}' } }),
      findings: [{ code: 'config-invalid', severity: 'warning', subject: '/home/dev/.docker/config.json:3' }],
    },
    {
      // Forwarding is the dns check's finding (one cause, one finding).
      name: 'engine warnings: serious ones as warnings, the rest as notes, forwarding left to dns',
      facts: host({ engine: { ...HEALTHY_ENGINE, '/info': { ...(HEALTHY_ENGINE['/info'] as object), Warnings: ENGINE_WARNINGS } } }),
      findings: [
        { code: 'engine-warning', severity: 'warning', title: /without encryption/ },
        { code: 'engine-warning', severity: 'info' },
      ],
      assert: (r) => {
        expect(r.status).toBe('warned');
        expect(r.findings.some((f) => f.title.includes('forwarding'))).toBe(false);
      },
    },
    {
      name: 'an invalid DOCKER_HOST',
      facts: host({ env: { DOCKER_HOST: 'htp://oops' } }),
      findings: [{ code: 'invalid-host', severity: 'error' }],
    },
  ],
});
