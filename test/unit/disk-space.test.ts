import { describe, expect, it } from 'vitest';
import diskSpace from '../../checks/disk-space.js';
import type { CheckResult } from '../../src/engine/types.js';
import {
  CheckTester,
  HEALTHY_ENGINE,
  jsonLogPath,
  container,
  fakeFacts,
  type ContainerFields,
  type FakeDisk,
  type FakeWorld,
} from '../../src/testing/index.js';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

/** The Docker root on its own file system of this size and free space. */
const rootDisk = (disk: FakeDisk): FakeWorld['disks'] => ({
  '/': { totalBytes: 200 * GiB, availableBytes: 150 * GiB },
  '/var/lib/docker': disk,
});

/** What Docker 20.10 answers for GET /system/df (legacy lists): 6 GiB of build cache, a dangling image, a stopped container, a volume. */
const LEGACY_DF = {
  LayersSize: 5 * GiB,
  Images: [
    { Id: 'sha256:a', RepoTags: ['app:1'], Size: 3 * GiB, SharedSize: 0, Containers: 1 },
    { Id: 'sha256:b', RepoTags: ['<none>:<none>'], Size: 1 * GiB, SharedSize: 0, Containers: 0 },
    { Id: 'sha256:c', RepoTags: ['old:1'], Size: 1 * GiB, SharedSize: 0, Containers: 0 },
  ],
  Containers: [
    { Id: 'c1', State: 'running', SizeRw: 10 * MiB },
    { Id: 'c2', State: 'exited', SizeRw: 300 * MiB },
  ],
  Volumes: [
    { Name: 'pgdata', UsageData: { RefCount: 0, Size: 2 * GiB } },
    { Name: 'cache', UsageData: { RefCount: 1, Size: 1 * GiB } },
  ],
  BuildCache: [
    { ID: 'x', Size: 6 * GiB, InUse: false, Shared: false },
    { ID: 'y', Size: 1 * GiB, InUse: true, Shared: false },
  ],
};

/** API 1.52's summaries. */
const SUMMARY_DF = {
  ImageUsage: { ActiveCount: 1, TotalCount: 4, TotalSize: 8 * GiB, Reclaimable: 5 * GiB },
  ContainerUsage: { ActiveCount: 1, TotalCount: 3, TotalSize: 1 * GiB, Reclaimable: 900 * MiB },
  VolumeUsage: { ActiveCount: 0, TotalCount: 0, TotalSize: 0, Reclaimable: 0 },
  BuildCacheUsage: { ActiveCount: 0, TotalCount: 12, TotalSize: 4 * GiB, Reclaimable: 4 * GiB },
};

const PODMAN = {
  '/version': { Version: '4.3.1', ApiVersion: '1.41', Components: [{ Name: 'Podman Engine', Version: '4.3.1' }] },
  '/info': { ...(HEALTHY_ENGINE['/info'] as object), DockerRootDir: '/var/lib/containers/storage', Driver: 'overlay' },
};
const ROOTLESS_DOCKER = {
  '/info': {
    ...(HEALTHY_ENGINE['/info'] as object),
    SecurityOptions: ['name=seccomp,profile=default', 'name=rootless'],
    DockerRootDir: '/home/dev/.local/share/docker',
  },
};

const running = (fields: Partial<ContainerFields> & { name: string }): ContainerFields => ({ state: 'running', ...fields });
const json = (config: Record<string, string> = {}) => ({ Type: 'json-file', Config: config });
const commands = (r: CheckResult) => r.findings.flatMap((f) => f.fixes.map((x) => x.command ?? ''));
const podmanLog = (c: ContainerFields) => `/var/lib/containers/storage/overlay-containers/${container(c).id}/userdata/ctr.log`;

const COMPOSE = 'services:\n  web:\n    image: busybox\n    command: ["sh", "-c", "yes"]\n';
const composeLabels = {
  'com.docker.compose.project': 'project',
  'com.docker.compose.service': 'web',
  'com.docker.compose.project.working_dir': '/project',
  'com.docker.compose.project.config_files': '/project/compose.yaml',
};

new CheckTester(diskSpace).run({
  healthy: [
    { name: 'a roomy root and no containers', facts: {} },
    {
      name: 'a running container with a small log',
      facts: { containers: [running({ name: 'web', logSize: 5 * MiB, logConfig: json() })] },
    },
    {
      name: 'a large log under a max-size the user chose above the threshold',
      facts: { containers: [running({ name: 'web', logSize: 300 * MiB, logConfig: json({ 'max-size': '1g', 'max-file': '2' }) })] },
    },
    {
      name: 'a file at the json-file place, but the container logs to journald',
      facts: { containers: [running({ name: 'web', logSize: 300 * MiB, logConfig: { Type: 'journald' } })] },
    },
    { name: 'a container that exited 1 for another reason', facts: { containers: [{ name: 'job', exitCode: 1, logs: 'Error: boom\n' }] } },
    {
      name: 'a 2 TB disk with 50 GiB free (2.5 %): the ceilings apply',
      facts: { disks: rootDisk({ totalBytes: 2000 * GiB, availableBytes: 50 * GiB }) },
    },
    {
      name: 'a small disk more than half free',
      facts: { disks: rootDisk({ totalBytes: 30 * GiB, availableBytes: 16 * GiB }) },
    },
    {
      name: 'a file system without an inode table (btrfs says 0)',
      facts: { disks: rootDisk({ totalBytes: 100 * GiB, availableBytes: 60 * GiB, totalInodes: 0, freeInodes: 0 }) },
    },
    {
      name: 'a user in the docker group: the root is measured, the log files cannot be read, nothing to say',
      facts: {
        containers: [running({ name: 'web', logSize: 300 * MiB, logConfig: json() })],
        facts: { stat: async () => Promise.reject(Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' })) },
      },
    },
  ],
  broken: [
    {
      name: 'the root is short of space: the breakdown from /system/df and the prunes, volumes listed before any removal',
      facts: { disks: rootDisk({ totalBytes: 100 * GiB, availableBytes: 8 * GiB }), engine: { '/system/df': LEGACY_DF } },
      findings: [
        {
          code: 'low-space',
          severity: 'warning',
          subject: '/var/lib/docker',
          title: /^The Docker root \/var\/lib\/docker has 8\.0 GiB free of 100\.0 GiB \(92 % used\); prunes can give back 8\.3 GiB$/,
          fixes: [
            'docker builder prune',
            'docker image prune',
            'docker container prune',
            'docker image prune -a',
            'docker volume ls -f dangling=true',
            'docker volume prune',
          ],
        },
      ],
      assert: (r) => {
        const f = r.findings[0]!;
        expect(f.fixes[0]!.title).toContain('(6.0 GiB)');
        expect(f.fixes[1]!.title).toContain('1 dangling image');
        expect(f.fixes[2]!.title).toMatch(/1 stopped container .*300 MiB.*lost/);
        expect(f.fixes[4]!.title).toContain('pgdata');
        expect(f.fixes[5]!.title).toMatch(/ALL THE DATA IN THEM \(2\.0 GiB\)/);
        expect(f.evidence!.usage).toMatchObject({ buildCache: '7.0 GiB (6.0 GiB reclaimable)' });
      },
    },
    {
      name: 'a small disk nearly full is an error; API 1.52 summaries give no dangling count',
      facts: { disks: rootDisk({ totalBytes: 20 * GiB, availableBytes: 500 * MiB }), engine: { '/system/df': SUMMARY_DF } },
      findings: [
        {
          code: 'low-space',
          severity: 'error',
          title: /has 500 MiB free of 20\.0 GiB .*prunes can give back 9\.9 GiB/,
          fixes: ['docker builder prune', 'docker container prune', 'docker image prune -a'],
        },
      ],
    },
    {
      name: 'the engine does not answer /system/df within the budget: the finding says so and gives the commands without sizes',
      options: { timeoutMs: 1000 },
      facts: {
        disks: rootDisk({ totalBytes: 100 * GiB, availableBytes: 1 * GiB }),
        engine: { '/system/df': () => new Promise(() => undefined) },
      },
      findings: [
        {
          code: 'low-space',
          severity: 'error',
          title: /\(docker system df did not answer within 0\.6 s, so no breakdown\)$/,
          fixes: ['docker system df', 'docker builder prune', 'docker image prune', 'docker container prune'],
        },
      ],
    },
    {
      name: '/system/df fails: the space is still reported',
      facts: {
        disks: rootDisk({ totalBytes: 100 * GiB, availableBytes: 3 * GiB }),
        engine: { '/system/df': new Error('boom') },
      },
      findings: [{ code: 'low-space', severity: 'warning', title: /GET \/system\/df failed: boom, so no breakdown/ }],
    },
    {
      name: 'inodes run out while space is left',
      facts: {
        disks: rootDisk({ totalBytes: 100 * GiB, availableBytes: 60 * GiB, totalInodes: 1_000_000, freeInodes: 10_000 }),
        engine: { '/system/df': LEGACY_DF },
      },
      findings: [{ code: 'low-inodes', severity: 'error', title: /10,000 of 1,000,000 inodes free \(1\.0 %\)/ }],
      assert: (r) => expect(r.findings[0]!.fixes[0]!.command).toBe('df -i /var/lib/docker'),
    },
    {
      name: 'the log files cannot be read as this user: the low-space finding says its breakdown lacks them',
      facts: {
        disks: rootDisk({ totalBytes: 100 * GiB, availableBytes: 8 * GiB }),
        engine: { '/system/df': LEGACY_DF },
        containers: [running({ name: 'web' })],
        facts: { stat: async () => Promise.reject(Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' })) },
      },
      findings: [{ code: 'low-space', severity: 'warning' }],
      assert: (r) => expect(r.findings[0]!.evidence!.logs).toMatch(/not included: this user may not read/),
    },
    {
      name: 'a remote engine: said once, as a note',
      facts: { env: { DOCKER_HOST: 'tcp://10.9.9.9:2376' } },
      findings: [
        {
          code: 'not-measured',
          severity: 'info',
          subject: 'tcp://10.9.9.9:2376',
          title: /the engine at tcp:\/\/10\.9\.9\.9:2376 runs on another machine/,
        },
      ],
    },
    {
      name: 'the root does not exist here (a container with only the socket mounted)',
      facts: {
        disks: {
          '/': { totalBytes: 10 * GiB, availableBytes: 5 * GiB },
          '/var/lib/docker': { totalBytes: 0, availableBytes: 0, error: 'ENOENT' },
        },
      },
      findings: [{ code: 'not-measured', severity: 'info', subject: '/var/lib/docker', title: /does not exist on this machine/ }],
    },
    {
      name: 'the root is an empty directory here: not the engine root, not measured',
      facts: {
        disks: rootDisk({ totalBytes: 10 * GiB, availableBytes: 100 * MiB }),
        files: { '/var/lib/docker': { stat: { type: 'directory' } } },
      },
      findings: [{ code: 'not-measured', severity: 'info', title: /is empty here/ }],
    },
    {
      name: 'a faulty engine names /proc as its root: a file system of 0 blocks is not measured, never called full',
      facts: {
        engine: { '/info': { ...(HEALTHY_ENGINE['/info'] as object), DockerRootDir: '/proc' }, '/system/df': LEGACY_DF },
        disks: { '/': { totalBytes: 200 * GiB, availableBytes: 150 * GiB }, '/proc': { totalBytes: 0, availableBytes: 0, totalInodes: 0 } },
        files: { '/proc/1/stat': '1 (init) S 0' },
      },
      findings: [{ code: 'not-measured', severity: 'info', subject: '/proc', title: /\/proc is on a file system that reports no size/ }],
    },
    {
      name: "Podman's storage below a directory only root may enter",
      facts: {
        engine: PODMAN,
        disks: {
          '/': { totalBytes: 10 * GiB, availableBytes: 5 * GiB },
          '/var/lib/containers': { totalBytes: 0, availableBytes: 0, error: 'EACCES' },
        },
      },
      findings: [{ code: 'not-measured', severity: 'info', title: /this user may not reach \/var\/lib\/containers\/storage/ }],
    },
    {
      name: 'a running container with a 300 MiB log and no max-size, no daemon.json: create it, restart, recreate the container',
      facts: { containers: [running({ name: 'chatty', logSize: 300 * MiB, logConfig: json() })] },
      findings: [
        {
          code: 'unbounded-log',
          severity: 'warning',
          subject: 'chatty',
          title: "Container chatty's log is 300 MiB and grows without a limit (json-file, no max-size)",
          fixes: [
            '{ "log-driver": "json-file", "log-opts": { "max-size": "10m", "max-file": "3" } }',
            'sudo systemctl restart docker',
            '--log-opt max-size=10m --log-opt max-file=3',
          ],
        },
      ],
      assert: (r) => {
        const f = r.findings[0]!;
        expect(f.fixes[0]!.title).toContain('create /etc/docker/daemon.json');
        expect(f.fixes[1]!.title).toMatch(/only new containers get it/);
        expect(f.evidence).toMatchObject({ bytes: 300 * MiB, logPath: jsonLogPath(container({ name: 'chatty' }).id) });
      },
    },
    {
      name: 'daemon.json exists with other keys: merge the log keys into it',
      facts: {
        containers: [running({ name: 'chatty', logSize: 300 * MiB, logConfig: json() })],
        files: { '/etc/docker/daemon.json': '{ "dns": ["10.0.0.2"] }\n' },
      },
      findings: [
        {
          code: 'unbounded-log',
          severity: 'warning',
          fixes: [
            '"log-driver": "json-file", "log-opts": { "max-size": "10m", "max-file": "3" }',
            'sudo systemctl restart docker',
            '--log-opt max-size=10m --log-opt max-file=3',
          ],
        },
      ],
      assert: (r) =>
        expect(r.findings[0]!.fixes[0]!.title).toMatch(/merge these keys into \/etc\/docker\/daemon\.json \(keep the others\)/),
    },
    {
      name: 'daemon.json already limits new logs: the container predates it, so only recreating it helps',
      facts: {
        containers: [running({ name: 'chatty', logSize: 300 * MiB, logConfig: json() })],
        files: { '/etc/docker/daemon.json': '{ "log-opts": { "max-size": "10m" } }\n' },
      },
      findings: [{ code: 'unbounded-log', severity: 'warning', fixes: ['--log-opt max-size=10m --log-opt max-file=3'] }],
    },
    {
      name: "a compose service of this project: the logging block at the service's line and its recreate",
      facts: {
        project: { 'compose.yaml': COMPOSE },
        containers: [running({ name: 'project-web-1', labels: composeLabels, logSize: 2 * GiB, logConfig: json() })],
      },
      findings: [
        {
          code: 'unbounded-log',
          severity: 'warning',
          subject: 'compose.yaml:2',
          title: /log is 2\.0 GiB/,
          fixes: [
            '{ "log-driver": "json-file", "log-opts": { "max-size": "10m", "max-file": "3" } }',
            'sudo systemctl restart docker',
            'logging:\n  options:\n    max-size: "10m"\n    max-file: "3"',
            'docker compose up -d --force-recreate web',
          ],
        },
      ],
    },
    {
      name: 'a compose service started under another project name (-p): the recreate names it, or up would make a second container',
      facts: {
        project: { 'compose.yaml': COMPOSE },
        containers: [
          running({
            name: 'staging-web-1',
            labels: { ...composeLabels, 'com.docker.compose.project': 'staging' },
            logSize: 2 * GiB,
            logConfig: json(),
          }),
        ],
      },
      findings: [{ code: 'unbounded-log', severity: 'warning', subject: 'compose.yaml:2' }],
      assert: (r) => expect(commands(r)).toContain('docker compose -p staging up -d --force-recreate web'),
    },
    {
      name: "Docker Desktop: its VM's disk is not measured from the host, said once",
      facts: { engine: { '/info': { ...(HEALTHY_ENGINE['/info'] as object), OperatingSystem: 'Docker Desktop', Name: 'docker-desktop' } } },
      findings: [
        {
          code: 'not-measured',
          severity: 'info',
          subject: 'unix:///var/run/docker.sock',
          title: /Docker Desktop keeps images and containers in its VM's disk/,
        },
      ],
    },
    {
      name: 'a stopped container keeping a large log is a note',
      facts: { containers: [{ name: 'old', state: 'exited', status: 'Exited (0) 3 weeks ago', logSize: 500 * MiB, logConfig: json() }] },
      findings: [
        {
          code: 'unbounded-log',
          severity: 'info',
          title: /Container old \(exited\) keeps a 500 MiB log with no max-size; removing the container deletes it/,
        },
      ],
    },
    {
      name: "Podman's k8s-file log: containers.conf's log_size_max",
      facts: (() => {
        const c = running({ name: 'pchatty', logConfig: json() });
        return { engine: PODMAN, containers: [{ ...c, logPath: podmanLog(c), logSize: 200 * MiB }] };
      })(),
      findings: [
        {
          code: 'unbounded-log',
          severity: 'warning',
          title: "Container pchatty's log is 200 MiB and grows without a limit (json-file, no size limit below that)",
          fixes: ['log_size_max = 10485760', '--log-opt max-size=10m --log-opt max-file=3'],
        },
      ],
      assert: (r) => expect(r.findings[0]!.fixes[0]!.title).toContain('/etc/containers/containers.conf'),
    },
    {
      name: "rootless Docker: the user's daemon.json and a user service restart",
      facts: {
        engine: ROOTLESS_DOCKER,
        disks: { '/': { totalBytes: 100 * GiB, availableBytes: 50 * GiB } },
        files: { '/home/dev/.local/share/docker/containers': { stat: { type: 'directory' } } },
        containers: [
          running({
            name: 'chatty',
            logSize: 300 * MiB,
            logConfig: json(),
            logPath: jsonLogPath(container({ name: 'chatty' }).id, '/home/dev/.local/share/docker'),
          }),
        ],
      },
      findings: [{ code: 'unbounded-log', severity: 'warning' }],
      assert: (r) => {
        expect(r.findings[0]!.fixes[0]!.title).toContain('create /home/dev/.config/docker/daemon.json');
        expect(commands(r)).toContain('systemctl --user restart docker');
      },
    },
    {
      name: 'a container whose start failed with ENOSPC while the root has room now: a warning that says space was freed since',
      facts: {
        containers: [
          {
            name: 'db',
            state: 'created',
            error: 'failed to create shim task: OCI runtime create failed: write /var/lib/docker/x: no space left on device: unknown',
          },
        ],
      },
      findings: [
        {
          code: 'no-space-error',
          severity: 'warning',
          subject: 'db',
          title:
            /^Container db failed with "no space left on device" \(its start error: .*\); the Docker root has 120\.0 GiB free now, so space was freed since/,
          fixes: ['docker system df', 'docker start db'],
        },
      ],
    },
    {
      name: 'a container that exited with ENOSPC in its log while the root is full: an error beside the low-space one',
      facts: {
        disks: rootDisk({ totalBytes: 50 * GiB, availableBytes: 200 * MiB }),
        engine: { '/system/df': LEGACY_DF },
        containers: [{ name: 'pg', exitCode: 1, logs: 'starting\nFATAL:  could not write to file "base/1/2": No space left on device\n' }],
      },
      findings: [
        { code: 'low-space', severity: 'error' },
        {
          code: 'no-space-error',
          severity: 'error',
          subject: 'pg',
          title: /its log: FATAL: +could not write .*short of space/,
          fixes: ['docker start pg'],
        },
      ],
    },
    {
      name: "PostgreSQL's full /dev/shm is not the disk: shm_size",
      facts: {
        containers: [
          {
            name: 'pg',
            exitCode: 1,
            logs: 'ERROR:  could not resize shared memory segment "/PostgreSQL.1" to 1048576 bytes: No space left on device\n',
          },
        ],
      },
      findings: [
        { code: 'no-space-error', severity: 'warning', title: /its \/dev\/shm .* is full/, fixes: ['shm_size: "1gb"', '--shm-size=1g'] },
      ],
    },
  ],
  skipped: [{ name: 'no daemon', facts: { socket: false }, reason: /not reachable/ }],
});

describe('disk-space: the facts it reads', () => {
  it('asks for /system/df only when space is short', async () => {
    const calls: string[] = [];
    const tester = new CheckTester(diskSpace);
    const result = await tester.result({
      name: 'roomy',
      facts: { engine: { '/system/df': () => (calls.push('df'), LEGACY_DF) } },
    });
    expect(result.status).toBe('passed');
    expect(calls).toEqual([]);
  });

  it('inspects only the containers whose log file is past the threshold', async () => {
    const inspected: string[] = [];
    const small = running({ name: 'small', logSize: 1 * MiB, logConfig: json() });
    const big = running({ name: 'big', logSize: 150 * MiB, logConfig: json() });
    const facts = () => {
      const world = fakeFacts({ containers: [small, big] });
      const inspect = world.inspectContainer;
      world.inspectContainer = (id) => (inspected.push(id), inspect(id));
      return world;
    };
    const result = await new CheckTester(diskSpace).result({ name: 'two logs', facts });
    expect(result.findings.map((f) => f.subject.name)).toEqual(['big']);
    expect(inspected).toEqual([container(big).id]);
  });
});
