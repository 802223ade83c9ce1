import { describe, expect, it } from 'vitest';
import volumes from '../../checks/volumes.js';
import { expand } from '../../checks/volumes/installs.js';
import { CheckTester, container, type FakeWorld } from '../../src/testing/index.js';

CheckTester.describe = describe;
CheckTester.it = it;

const NODE_DOCKERFILE = 'FROM node:20\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci\nCOPY . .\nCMD ["npm", "start"]\n';
const app = (volumes: string, extra = '') => `services:\n  app:\n    build: .\n${extra}    volumes:\n${volumes}`;
const node = (compose: string, more: Record<string, string> = {}): FakeWorld => ({
  project: { 'compose.yaml': compose, Dockerfile: NODE_DOCKERFILE, 'package.json': '{}', ...more },
});
const db = (image: string, lines = '', extra = '') => ({
  project: {
    'compose.yaml': `services:\n  db:\n    image: ${image}\n${extra}${lines ? `    volumes:\n${lines}` : ''}${lines.includes('pgdata:') ? 'volumes:\n  pgdata:\n' : ''}`,
  },
});
const LABELS = { 'com.docker.compose.project': 'project', 'com.docker.compose.service': 'app' };
const anonymous = (destination: string) => ({
  Type: 'volume' as const,
  Name: 'f'.repeat(64),
  Source: `/var/lib/docker/volumes/${'f'.repeat(64)}/_data`,
  Destination: destination,
  RW: true,
});

new CheckTester(volumes).run({
  healthy: [
    {
      name: 'a node project with .:/app and an anonymous volume for node_modules',
      facts: node(app('      - .:/app\n      - /app/node_modules\n')),
    },
    {
      name: 'the long syntax with a volume at node_modules',
      facts: node(
        app('      - type: bind\n        source: .\n        target: /app\n      - type: volume\n        target: /app/node_modules\n'),
      ),
    },
    { name: 'a bind of a source subdirectory only', facts: node(app('      - ./src:/app/src\n')) },
    { name: 'a command that installs at start', facts: node(app('      - .:/app\n', '    command: sh -c "npm install && npm run dev"\n')) },
    {
      name: 'a global install and a build stage the final stage does not use',
      facts: {
        project: {
          'compose.yaml': app('      - ./html:/usr/share/nginx/html\n'),
          Dockerfile:
            'FROM node:20 AS build\nWORKDIR /app\nRUN npm ci && npm run build\nFROM nginx\nRUN npm install -g serve\nCOPY --from=build /app/dist /usr/share/nginx/html\n',
        },
      },
    },
    {
      name: 'a postgres service with a named volume at the right path',
      facts: db('postgres:16', '      - pgdata:/var/lib/postgresql/data\n'),
    },
    { name: 'postgres 18 with its volume at /var/lib/postgresql', facts: db('postgres:18-alpine', '      - pgdata:/var/lib/postgresql\n') },
    {
      name: 'postgres with PGDATA below the mounted directory',
      facts: db(
        'postgres:16',
        '      - pgdata:/var/lib/postgresql/data\n',
        '    environment:\n      PGDATA: /var/lib/postgresql/data/pgdata\n',
      ),
    },
    { name: 'redis used as a cache (no persistence asked)', facts: db('redis:7') },
    {
      name: 'elasticsearch with its data volume and a plugins mount',
      facts: db(
        'elasticsearch:8.13.0',
        '      - esdata:/usr/share/elasticsearch/data\n      - ./plugins:/usr/share/elasticsearch/plugins\n',
      ),
    },
    { name: 'a test database told not to fsync', facts: db('postgres:16', '', '    command: postgres -c fsync=off\n') },
    { name: 'an image whose tag variable is not set', facts: db('postgres:${PG_TAG}') },
    { name: 'a database on tmpfs by choice', facts: db('mysql:8', '      - type: tmpfs\n        target: /var/lib/mysql\n') },
    { name: 'mysql with a bind mount of its data', facts: db('mysql:8', '      - ./mysql:/var/lib/mysql\n') },
    { name: 'bitnami postgresql is not the official layout', facts: db('bitnami/postgresql:16') },
    {
      name: 'plain binds of directories onto directories',
      facts: {
        project: {
          'compose.yaml': 'services:\n  web:\n    image: nginx\n    volumes:\n      - ./site:/usr/share/nginx/html\n',
          'site/index.html': 'hi',
        },
      },
    },
    {
      name: 'a file bind onto a file',
      facts: {
        project: {
          'compose.yaml': 'services:\n  web:\n    image: nginx\n    volumes:\n      - ./nginx.conf:/etc/nginx/nginx.conf:ro\n',
          'nginx.conf': 'events {}\n',
        },
      },
    },
    {
      name: 'a database container with a named volume',
      facts: {
        containers: [
          container({
            name: 'pg',
            image: 'postgres:16',
            state: 'running',
            mounts: [{ ...anonymous('/var/lib/postgresql/data'), Name: 'pgdata' }],
          }),
        ],
      },
    },
  ],
  broken: [
    {
      name: '.:/app over the WORKDIR where npm ci installed',
      facts: node(app('      - .:/app\n')),
      findings: [
        {
          code: 'hidden-dependencies',
          severity: 'warning',
          subject: 'compose.yaml:5',
          title: /bind-mounts \. over \/app, hiding the node_modules its image installed at \/app\/node_modules \(npm ci, Dockerfile:4\)/,
          fixes: ['- /app/node_modules'],
        },
      ],
    },
    {
      name: 'the long syntax gets the long syntax fix',
      facts: node(app('      - type: bind\n        source: .\n        target: /app\n')),
      findings: [
        {
          severity: 'warning',
          code: 'hidden-dependencies',
          subject: 'compose.yaml:5',
          fixes: ['- type: volume\n  target: /app/node_modules'],
        },
      ],
    },
    {
      name: 'the host has its own node_modules: a note',
      facts: node(app('      - .:/app\n'), { 'node_modules/express/index.js': '' }),
      findings: [
        { code: 'hidden-dependencies', severity: 'info', title: /uses the host's \.\/node_modules/, fixes: ['- /app/node_modules'] },
      ],
    },
    {
      name: 'a container of the service says Cannot find module',
      facts: {
        ...node(app('      - .:/app\n'), { 'node_modules/express/index.js': '' }),
        containers: [
          container({ name: 'project-app-1', state: 'exited', exitCode: 1, labels: LABELS, logs: "Error: Cannot find module 'express'\n" }),
        ],
      },
      findings: [{ code: 'hidden-dependencies', severity: 'warning', title: /says "Error: Cannot find module 'express'"/ }],
    },
    {
      name: 'a bind over the parent of the WORKDIR, and cd in the RUN',
      facts: {
        project: {
          'compose.yaml': app('      - .:/srv\n'),
          Dockerfile: 'FROM node:20\nWORKDIR /srv/app\nRUN cd web && yarn install --frozen-lockfile\n',
        },
      },
      findings: [
        {
          severity: 'warning',
          code: 'hidden-dependencies',
          title: /hiding the app\/web\/node_modules/,
          fixes: ['- /srv/app/web/node_modules'],
        },
      ],
    },
    {
      name: 'python: a virtualenv under the WORKDIR',
      facts: {
        project: {
          'compose.yaml': app('      - .:/code\n'),
          Dockerfile:
            'FROM python:3.12\nENV APP=/code\nWORKDIR $APP\nRUN python -m venv .venv && .venv/bin/pip install -r requirements.txt\n',
        },
      },
      findings: [{ severity: 'warning', code: 'hidden-dependencies', title: /hiding the \.venv/, fixes: ['- /code/.venv'] }],
    },
    {
      name: 'ruby bundle --path and php composer',
      facts: {
        project: {
          'compose.yaml': app('      - .:/app\n'),
          Dockerfile:
            'FROM ruby:3\nWORKDIR /app\nRUN bundle config set --local path vendor/bundle && bundle install\nRUN composer install --no-dev\n',
        },
      },
      findings: [
        { severity: 'warning', code: 'hidden-dependencies', fixes: ['- /app/vendor/bundle'] },
        { severity: 'warning', code: 'hidden-dependencies', fixes: ['- /app/vendor'] },
      ],
    },
    {
      name: 'node_modules copied from a deps stage into the built target',
      facts: {
        project: {
          'compose.yaml': 'services:\n  app:\n    build:\n      context: .\n      target: dev\n    volumes:\n      - .:/app\n',
          Dockerfile:
            'FROM node:20 AS deps\nWORKDIR /app\nRUN pnpm install\nFROM node:20 AS dev\nWORKDIR /app\nCOPY --from=deps /app/node_modules ./node_modules\nFROM nginx\n',
        },
      },
      findings: [
        { severity: 'warning', code: 'hidden-dependencies', title: /COPY --from=deps, Dockerfile:6/, fixes: ['- /app/node_modules'] },
      ],
    },
    {
      name: 'a postgres service without a volume',
      facts: db('postgres:16'),
      findings: [
        {
          code: 'database-no-volume',
          severity: 'warning',
          subject: 'compose.yaml:2',
          title: /no volume at \/var\/lib\/postgresql\/data/,
          fixes: ['volumes:\n  - db-data:/var/lib/postgresql/data', 'volumes:\n  db-data: {}'],
        },
      ],
    },
    {
      name: 'a postgres service with init scripts mounted but no data volume',
      facts: db('postgres:15', '      - ./initdb:/docker-entrypoint-initdb.d:ro\n'),
      findings: [
        { severity: 'warning', code: 'database-no-volume', fixes: ['- db-data:/var/lib/postgresql/data', 'volumes:\n  db-data: {}'] },
      ],
    },
    {
      name: 'elasticsearch with only a plugins mount: no volume, not a wrong path',
      facts: db('elasticsearch:8.13.0', '      - ./plugins:/usr/share/elasticsearch/plugins\n'),
      findings: [{ severity: 'warning', code: 'database-no-volume', subject: 'compose.yaml:2' }],
    },
    {
      name: 'a postgres volume at /var/lib/postgres',
      facts: db('postgres:16-alpine', '      - pgdata:/var/lib/postgres\n'),
      findings: [
        { severity: 'warning', code: 'database-wrong-path', subject: 'compose.yaml:5', fixes: ['- pgdata:/var/lib/postgresql/data'] },
      ],
    },
    {
      name: 'postgres 18 with the old data path',
      facts: db('postgres:18', '      - pgdata:/var/lib/postgresql/data\n'),
      findings: [
        { severity: 'warning', code: 'database-wrong-path', title: /refuses to start/, fixes: ['- pgdata:/var/lib/postgresql', undefined] },
      ],
    },
    {
      name: 'postgres 17 mounted at /var/lib/postgresql: the image VOLUME nests an anonymous volume',
      facts: db('postgres:17', '      - pgdata:/var/lib/postgresql\n'),
      findings: [{ severity: 'warning', code: 'database-wrong-path', title: /declares VOLUME \/var\/lib\/postgresql\/data/ }],
    },
    {
      name: 'postgres:latest not on this engine: a note',
      facts: db('postgres', '      - pgdata:/var/lib/postgresql/data\n'),
      findings: [{ code: 'database-wrong-path', severity: 'info' }],
    },
    {
      name: 'the local image says where its data goes (PGDATA)',
      facts: {
        ...db('postgres', '      - pgdata:/var/lib/postgresql/data\n'),
        engine: {
          '/images/postgres/json': {
            Id: 'sha256:1',
            Config: { Env: ['PGDATA=/var/lib/postgresql/18/docker'], Volumes: { '/var/lib/postgresql': {} } },
          },
        },
      },
      findings: [{ code: 'database-wrong-path', severity: 'warning', title: /postgres 18/ }],
    },
    {
      name: 'redis with appendonly and no volume',
      facts: db('redis:7-alpine', '', '    command: redis-server --appendonly yes\n'),
      findings: [{ severity: 'warning', code: 'database-no-volume', fixes: ['volumes:\n  - db-data:/data', 'volumes:\n  db-data: {}'] }],
    },
    {
      name: 'an empty directory where a file is mounted',
      facts: {
        files: { '/project': { stat: { type: 'directory', uid: 1000, gid: 1000, mode: 0o755 } } },
        project: {
          'compose.yaml': 'services:\n  web:\n    image: nginx\n    volumes:\n      - ./nginx.conf:/etc/nginx/nginx.conf:ro\n',
          'nginx.conf': { stat: { type: 'directory', uid: 0, gid: 0, mode: 0o755 } },
        },
      },
      findings: [{ code: 'directory-for-file', severity: 'warning', subject: 'compose.yaml:5', fixes: ['rmdir ./nginx.conf'] }],
    },
    {
      name: 'the empty directory, a sample beside it, and the start error',
      facts: {
        files: { '/project': { stat: { type: 'directory', uid: 1000, gid: 1000, mode: 0o755 } } },
        project: {
          'compose.yaml': 'services:\n  web:\n    image: nginx\n    volumes:\n      - ./nginx.conf:/etc/nginx/nginx.conf:ro\n',
          'nginx.conf': { stat: { type: 'directory', uid: 0, gid: 0, mode: 0o755 } },
          'nginx.conf.example': 'events {}\n',
        },
        containers: [
          container({
            name: 'project-web-1',
            state: 'created',
            labels: { ...LABELS, 'com.docker.compose.service': 'web' },
            error:
              'error mounting "/project/nginx.conf" to rootfs at "/etc/nginx/nginx.conf": not a directory: unknown: Are you trying to mount a directory onto a file (or vice-versa)?',
          }),
        ],
      },
      findings: [
        {
          code: 'directory-for-file',
          severity: 'error',
          title: /container project-web-1 could not start/,
          fixes: ['rmdir ./nginx.conf && cp ./nginx.conf.example ./nginx.conf'],
        },
      ],
    },
    {
      name: 'a file mounted onto a conf.d directory',
      facts: {
        project: {
          'compose.yaml': 'services:\n  web:\n    image: nginx\n    volumes:\n      - ./default.conf:/etc/nginx/conf.d\n',
          'default.conf': 'server {}\n',
        },
      },
      findings: [{ severity: 'warning', code: 'file-for-directory', fixes: ['- ./default.conf:/etc/nginx/conf.d/default.conf'] }],
    },
    {
      name: 'a running postgres container keeps its data in an anonymous volume',
      facts: {
        containers: [container({ name: 'pg', image: 'postgres:16', state: 'running', mounts: [anonymous('/var/lib/postgresql/data')] })],
      },
      findings: [
        {
          code: 'database-anonymous-volume',
          severity: 'info',
          subject: 'pg',
          title: /anonymous volume ffffffffffff/,
          fixes: [
            'docker run -v pg-data:/var/lib/postgresql/data … postgres:16',
            `docker run -v ${'f'.repeat(64)}:/var/lib/postgresql/data … postgres:16`,
          ],
        },
      ],
    },
    {
      name: 'a running mysql container built without a VOLUME keeps data in the container',
      facts: { containers: [container({ name: 'my', image: 'mysql:8', state: 'running' })] },
      findings: [{ code: 'database-no-volume', severity: 'info', subject: 'my' }],
    },
    {
      name: 'a database container run with --rm and an anonymous volume: a warning',
      facts: {
        containers: [
          container({
            name: 'pg',
            image: 'postgres:16',
            state: 'running',
            autoRemove: true,
            mounts: [anonymous('/var/lib/postgresql/data')],
          }),
        ],
      },
      findings: [{ code: 'database-anonymous-volume', severity: 'warning', subject: 'pg', title: /runs with --rm/ }],
    },
  ],
  skipped: [{ name: 'no compose file and no daemon', facts: { socket: false }, reason: /no compose file/ }],
});

describe('volumes: the fix keeps the project quiet', () => {
  it('adding the anonymous volume line under the bind passes', async () => {
    const tester = new CheckTester(volumes);
    const before = await tester.result({ name: 'before', facts: node(app('      - .:/app\n')) });
    expect(before.status).toBe('warned');
    const line = before.findings[0]!.fixes[0]!.command!;
    const after = await tester.result({ name: 'after', facts: node(app(`      - .:/app\n      ${line}\n`)) });
    expect(after.status).toBe('passed');
  });
});

// Review s6 F1, in this check's own reader: `$X$X…` over a long X built text without bound (gigabytes from a 16 MiB file).
describe('volumes: expanding a path stops at what a path can be', () => {
  it('gives up on a text past 4 KiB instead of building it', () => {
    const vars = new Map([['X', 'x'.repeat(1_000)]]);
    expect(expand('/app/$X', vars)).toBe(`/app/${'x'.repeat(1_000)}`);
    expect(expand('$X$X$X$X', vars)).toHaveLength(4_000);
    expect(expand('$X'.repeat(5), vars)).toBeUndefined();
    expect(expand('${X}'.repeat(100_000), new Map([['X', 'x'.repeat(1_000_000)]]))).toBeUndefined();
  });
});

// Review s6 F4: 10,000 database services gave 10,000 findings (19 MB of JSON, 216 MB peak). Twenty say what to do.
describe('volumes: many services with one finding', () => {
  it('reports 19 of them and one finding naming the rest', async () => {
    const services = Array.from({ length: 25 }, (_, i) => `  db${i}:\n    image: postgres:16\n`).join('');
    const result = await new CheckTester(volumes).result({
      name: '25 databases',
      facts: { project: { 'compose.yaml': `services:\n${services}` } },
    });
    expect(result.findings.map((f) => f.code)).toEqual(Array(20).fill('volumes/database-no-volume'));
    expect(result.findings[18]!.subject.name).toBe('db18');
    expect(result.findings[19]!.title).toBe('6 more with the same finding as those above: db19, db20, db21, db22, db23 and db24');
    expect(result.findings[19]!.severity).toBe('warning');
  });
});
