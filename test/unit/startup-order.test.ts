import { describe, expect, it } from 'vitest';
import startupOrder from '../../checks/startup-order.js';
import { imageName, probeFor, serverFamily } from '../../checks/startup-order/families.js';
import { CheckTester, minutesBefore, type ContainerFields, type FakeWorld } from '../../src/testing/index.js';

CheckTester.describe = describe;
CheckTester.it = it;

/** The labels compose puts on a service's container of the project in /project (named "project" after its directory). */
const labels = (service: string, version = '2.24.5') => ({
  'com.docker.compose.project': 'project',
  'com.docker.compose.service': service,
  'com.docker.compose.project.working_dir': '/project',
  'com.docker.compose.project.config_files': '/project/compose.yaml',
  'com.docker.compose.version': version,
});

const APP_DB = (db: string, dependsOn: string) => `services:\n  db:\n${db}  app:\n    image: shop/app:1\n    depends_on:\n${dependsOn}`;
const POSTGRES = '    image: postgres:16\n';
const SHORT = '      - db\n';
const HEALTHY_WAIT = '      db:\n        condition: service_healthy\n';

/** db running for two minutes at 172.18.0.2; app started after it and exited 1 a second later with these logs. */
function failedStart(logs: string, app: Partial<ContainerFields> = {}, db: Partial<ContainerFields> = {}): ContainerFields[] {
  return [
    {
      name: 'project-db-1',
      image: 'postgres:16',
      state: 'running',
      startedAt: minutesBefore(2, 2),
      labels: labels('db'),
      networkAddresses: { project_default: '172.18.0.2' },
      ...db,
    },
    {
      name: 'project-app-1',
      image: 'shop/app:1',
      state: 'exited',
      exitCode: 1,
      startedAt: minutesBefore(2, 1),
      finishedAt: minutesBefore(2),
      labels: labels('app'),
      logs,
      ...app,
    },
  ];
}

const world = (compose: string, containers: ContainerFields[] = [], more: Partial<FakeWorld> = {}): FakeWorld => ({
  project: { 'compose.yaml': compose },
  containers,
  ...more,
});

const PG_REFUSED =
  'psql: error: connection to server at "db" (172.18.0.2), port 5432 failed: Connection refused\n' +
  '\tIs the server running on that host and accepting TCP/IP connections?\n';

const PG_HEALTHCHECK =
  '  db:\n    healthcheck:\n      test: ["CMD-SHELL", "pg_isready -U $${POSTGRES_USER:-postgres}"]\n' +
  '      interval: 5s\n      timeout: 5s\n      retries: 20';
const WAIT_FOR_DB = '  app:\n    depends_on:\n      db:\n        condition: service_healthy';
const RETRY = '  app:\n    restart: on-failure';

new CheckTester(startupOrder).run({
  healthy: [
    {
      name: 'dependencies with healthchecks, and dependents that wait for service_healthy',
      facts: world(APP_DB(`${POSTGRES}    healthcheck:\n      test: ["CMD-SHELL", "pg_isready -U postgres"]\n`, HEALTHY_WAIT)),
    },
    {
      name: 'short-form depends_on on a plain application service',
      facts: world('services:\n  api:\n    image: shop/api:1\n  web:\n    image: shop/web:1\n    depends_on:\n      - api\n'),
    },
    {
      name: 'a dependent that started fine next to its running dependency',
      facts: world(
        APP_DB('    image: shop/backend:1\n', SHORT),
        failedStart('connected to db:5432\nlistening on :8080\n', { state: 'running', exitCode: 0, finishedAt: '0001-01-01T00:00:00Z' }),
      ),
    },
    {
      name: 'a dependent whose failure names localhost is not a start-order problem (the dns check says localhost)',
      facts: world(APP_DB('    image: shop/backend:1\n', SHORT), failedStart('Error: connect ECONNREFUSED 127.0.0.1:5432\n')),
    },
    {
      name: 'a dependency that is down itself is its own failure, not a start order',
      facts: world(APP_DB('    image: shop/backend:1\n', SHORT), failedStart(PG_REFUSED, {}, { state: 'exited', exitCode: 1 })),
    },
    {
      name: 'a dependent that failed after running for minutes did not fail at start-up',
      facts: world(APP_DB('    image: shop/backend:1\n', SHORT), failedStart(PG_REFUSED, { startedAt: minutesBefore(30) })),
    },
    {
      name: 'a dependent that exited with an unrelated error',
      facts: world(APP_DB('    image: shop/backend:1\n', SHORT), failedStart('Error: Cannot find module "express"\n')),
    },
    {
      name: 'service_healthy on a dependency whose image has a HEALTHCHECK',
      facts: world(APP_DB('    image: shop/db:1\n', HEALTHY_WAIT), [], {
        engine: { '/images/shop%2Fdb%3A1/json': { Id: 'sha256:9', Config: { Healthcheck: { Test: ['CMD', 'db-ping'] } } } },
      }),
    },
    {
      name: 'service_healthy on a dependency built from a Dockerfile with a HEALTHCHECK',
      facts: {
        project: {
          'compose.yaml': APP_DB('    build: ./db\n', HEALTHY_WAIT),
          'db/Dockerfile': 'FROM postgres:16\nHEALTHCHECK CMD pg_isready -U postgres\n',
        },
      },
    },
    {
      name: 'depends_on naming a service that does not exist is left to compose-config',
      facts: world('services:\n  app:\n    image: shop/app:1\n    depends_on:\n      db:\n        condition: service_healthy\n'),
    },
    {
      name: "a name that did not resolve while the dependency was already up is the dns check's, not a start order",
      facts: world(APP_DB('    image: shop/backend:1\n', SHORT), failedStart('Error: getaddrinfo ENOTFOUND db\n')),
    },
    {
      name: 'condition: service_started written out is a choice, not an oversight',
      facts: world(APP_DB(POSTGRES, '      db:\n        condition: service_started\n')),
    },
    {
      name: 'a database admin UI connects when someone logs in, not at start-up',
      facts: world(APP_DB(POSTGRES, SHORT).replace('shop/app:1', 'adminer')),
    },
    {
      name: 'a dependent whose command waits for the database itself',
      facts: world(
        APP_DB(POSTGRES, SHORT).replace(
          '    depends_on:',
          '    command: sh -c "until pg_isready -h db; do sleep 1; done; exec app"\n    depends_on:',
        ),
      ),
    },
    {
      name: "a dependent whose image's entrypoint script (copied from the build context) waits for the database",
      facts: {
        project: {
          'compose.yaml': APP_DB(POSTGRES, SHORT).replace('    image: shop/app:1\n', '    build: .\n'),
          Dockerfile: 'FROM python:3.12\nADD . /code/\nENTRYPOINT ["/code/docker-entrypoint.sh"]\nCMD ["app"]\n',
          'docker-entrypoint.sh': '#!/bin/sh\nuntil psql "$DATABASE_URL" -c "\\q"; do sleep 1; done\nexec "$@"\n',
        },
      },
    },
    {
      name: 'service_completed_successfully (a migration job) is not about readiness',
      facts: world(APP_DB(POSTGRES, '      db:\n        condition: service_completed_successfully\n')),
    },
  ],
  broken: [
    {
      name: 'service_healthy on a dependency whose image (on the engine) has no healthcheck: compose refuses to start',
      facts: world(APP_DB(POSTGRES, HEALTHY_WAIT), [], {
        engine: { '/images/postgres%3A16/json': { Id: 'sha256:5', Config: { Cmd: ['postgres'] } } },
      }),
      findings: [
        {
          code: 'no-healthcheck',
          severity: 'error',
          subject: 'compose.yaml:7',
          title: /app waits for db to be healthy, but it has no healthcheck, so compose refuses to start app/,
          fixes: [PG_HEALTHCHECK, '      db:\n        condition: service_started'],
        },
      ],
    },
    {
      name: 'service_healthy on a dependency whose compose healthcheck is disabled',
      facts: world(APP_DB(`${POSTGRES}    healthcheck:\n      disable: true\n`, HEALTHY_WAIT)),
      findings: [{ code: 'no-healthcheck', severity: 'error', subject: 'compose.yaml:9', title: /but it has no healthcheck/ }],
    },
    {
      name: 'service_healthy on a dependency built FROM scratch without a HEALTHCHECK',
      facts: {
        project: { 'compose.yaml': APP_DB('    build: ./db\n', HEALTHY_WAIT), 'db/Dockerfile': 'FROM scratch\nCOPY db /db\n' },
      },
      findings: [{ code: 'no-healthcheck', severity: 'error', subject: 'compose.yaml:7' }],
    },
    {
      name: 'service_healthy on an image that is not pulled yet: cannot be told, so a note',
      facts: world(APP_DB(POSTGRES, HEALTHY_WAIT)),
      findings: [{ code: 'no-healthcheck', severity: 'info', subject: 'compose.yaml:7', title: /not on this engine yet/ }],
    },
    {
      name: 'short-form depends_on on a database: a note, with the pg_isready healthcheck and the long form',
      facts: world(APP_DB(POSTGRES, SHORT)),
      findings: [
        {
          code: 'started-not-ready',
          severity: 'info',
          subject: 'compose.yaml:7',
          title: 'app starts as soon as db (PostgreSQL) has started, before it accepts connections (compose.yaml:7)',
          fixes: [PG_HEALTHCHECK, WAIT_FOR_DB],
        },
      ],
    },
    {
      name: 'short form on a service that has a healthcheck: only the condition to add',
      facts: world(
        APP_DB('    image: shop/backend:1\n    healthcheck:\n      test: ["CMD", "wget", "-q", "--spider", "http://localhost/"]\n', SHORT),
      ),
      findings: [{ code: 'started-not-ready', severity: 'info', subject: 'compose.yaml:9', fixes: [WAIT_FOR_DB] }],
    },
    {
      name: 'a database built from a Dockerfile FROM mysql is recognised by its base image',
      facts: { project: { 'compose.yaml': APP_DB('    build: ./db\n', SHORT), 'db/Dockerfile': 'FROM mysql:8.4 AS base\nFROM base\n' } },
      findings: [
        {
          code: 'started-not-ready',
          severity: 'info',
          title: /db \(MySQL\)/,
          fixes: [PG_HEALTHCHECK.replace(/test: .*/, 'test: ["CMD", "mysqladmin", "ping", "-h", "127.0.0.1"]'), WAIT_FOR_DB],
        },
      ],
    },
    {
      name: 'a dependent whose entrypoint script does not wait: the note stands',
      facts: {
        project: {
          'compose.yaml': APP_DB(POSTGRES, SHORT).replace('    image: shop/app:1\n', '    build: .\n'),
          Dockerfile: 'FROM python:3.12\nADD . /code/\nENTRYPOINT ["/code/docker-entrypoint.sh"]\nCMD ["app"]\n',
          'docker-entrypoint.sh': '#!/bin/sh\nexec "$@"\n',
        },
      },
      findings: [{ code: 'started-not-ready', severity: 'info', subject: 'compose.yaml:7' }],
    },
    {
      name: 'a short list keeps its other entries when it becomes the long form',
      facts: world(`${APP_DB(POSTGRES, `${SHORT}      - cache\n`)}  cache:\n    image: shop/cache:1\n`),
      findings: [
        {
          code: 'started-not-ready',
          severity: 'info',
          fixes: [PG_HEALTHCHECK, `${WAIT_FOR_DB}\n      cache:\n        condition: service_started`],
        },
      ],
    },
    {
      // One note per dependent: two notes, each with its own depends_on block, would undo each other's fix.
      name: 'a dependent of two servers: one note naming both, with one depends_on block that waits for both',
      facts: world(`${APP_DB(POSTGRES, `${SHORT}      - cache\n`)}  cache:\n    image: redis:7\n`),
      findings: [
        {
          code: 'started-not-ready',
          severity: 'info',
          subject: 'compose.yaml:7',
          title: 'app starts as soon as db (PostgreSQL) and cache (Redis) have started, before they accept connections (compose.yaml:7)',
          fixes: [
            PG_HEALTHCHECK,
            PG_HEALTHCHECK.replace('  db:', '  cache:').replace(/test: .*/, 'test: ["CMD", "redis-cli", "ping"]'),
            `${WAIT_FOR_DB}\n      cache:\n        condition: service_healthy`,
          ],
        },
      ],
    },
    {
      name: 'two services wait for one database without a healthcheck: one finding (one cause), naming both',
      facts: world(`${APP_DB(POSTGRES, HEALTHY_WAIT)}  worker:\n    image: shop/worker:1\n    depends_on:\n${HEALTHY_WAIT}`, [], {
        engine: { '/images/postgres%3A16/json': { Id: 'sha256:5', Config: { Cmd: ['postgres'] } } },
      }),
      findings: [
        {
          code: 'no-healthcheck',
          severity: 'error',
          subject: 'compose.yaml:7',
          title: 'app and worker wait for db to be healthy, but it has no healthcheck, so compose refuses to start them (compose.yaml:7)',
          fixes: [PG_HEALTHCHECK, '      db:\n        condition: service_started'],
        },
      ],
      assert: (result) => expect(result.findings[0]!.evidence).toMatchObject({ dependency: 'db', dependents: ['app', 'worker'] }),
    },
    {
      // Review s6 F4: 200 services each depending on every one before them gave 19,900 notes, 165 MB of JSON.
      name: 'thirty dependents of one database: nineteen notes and one naming the other eleven',
      facts: world(
        `services:\n  db:\n    image: postgres:16\n${Array.from({ length: 30 }, (_, i) => `  app${i}:\n    image: shop/app:1\n    depends_on: [db]\n`).join('')}`,
      ),
      findings: [
        ...Array.from({ length: 19 }, (_, i) => ({
          code: 'started-not-ready',
          severity: 'info' as const,
          subject: `compose.yaml:${6 + 3 * i}`,
        })),
        {
          code: 'started-not-ready',
          severity: 'info',
          subject: 'compose.yaml:63',
          title:
            '11 more services start as soon as a database, broker or health-checked service they depend on has started: ' +
            'app19, app20, app21, app22, app23, app24 and 5 more (first at compose.yaml:63)',
        },
      ],
    },
    {
      name: 'the dependent exited with libpq\'s "connection refused" naming db: a warning at the depends_on line, not also the note',
      facts: world(APP_DB(POSTGRES, SHORT), failedStart(PG_REFUSED)),
      findings: [
        {
          code: 'connected-before-ready',
          severity: 'warning',
          subject: 'project-app-1',
          title: /^project-app-1 exited 1 s after it started because db was not accepting connections yet: .* \(compose\.yaml:7\)$/,
          fixes: [PG_HEALTHCHECK, `${WAIT_FOR_DB}\n        restart: true`, RETRY, 'docker compose up -d'],
        },
      ],
      assert: (result) => expect(result.findings[0]!.evidence).toMatchObject({ namedBy: 'the name db', dependency: 'db' }),
    },
    {
      name: "busybox nc's failure names only the dependency's address",
      facts: world(
        APP_DB('    image: shop/backend:1\n', SHORT),
        failedStart("nc: can't connect to remote host (172.18.0.2): Connection refused\n"),
      ),
      findings: [
        {
          code: 'connected-before-ready',
          severity: 'warning',
          subject: 'project-app-1',
          fixes: [
            '  db:\n    healthcheck:\n      test: ["CMD-SHELL", "<a command that exits 0 once db accepts connections>"]\n' +
              '      interval: 5s\n      timeout: 5s\n      retries: 20',
            `${WAIT_FOR_DB}\n        restart: true`,
            RETRY,
            'docker compose up -d',
          ],
        },
      ],
      assert: (result) => expect(result.findings[0]!.evidence).toMatchObject({ namedBy: 'its address 172.18.0.2' }),
    },
    {
      name: "node's ECONNREFUSED to the dependency's address and port, looping under a restart policy",
      facts: world(
        APP_DB('    image: redis:7\n', SHORT),
        failedStart('Error: connect ECONNREFUSED 172.18.0.2:6379\n    at TCPConnectWrap.afterConnect\n', {
          state: 'restarting',
          restartCount: 4,
          restartPolicy: 'always',
        }),
      ),
      findings: [
        {
          code: 'connected-before-ready',
          severity: 'warning',
          title: /^project-app-1 keeps restarting: it exited 1 s after it started because db/,
          fixes: [
            PG_HEALTHCHECK.replace(/test: .*/, 'test: ["CMD", "redis-cli", "ping"]'),
            `${WAIT_FOR_DB}\n        restart: true`,
            'docker compose up -d',
          ],
        },
      ],
    },
    {
      name: 'a dependency with a healthcheck already: only the condition, and restart: true only where compose is 2.17 or later',
      facts: world(
        APP_DB(`${POSTGRES}    healthcheck:\n      test: ["CMD", "pg_isready"]\n`, SHORT),
        failedStart(PG_REFUSED, { labels: labels('app', '2.12.2') }),
      ),
      findings: [{ code: 'connected-before-ready', severity: 'warning', fixes: [WAIT_FOR_DB, RETRY, 'docker compose up -d'] }],
    },
    {
      name: 'Compose v1 before 1.27 with a 3.x file has no conditions: restart: on-failure is the fix',
      facts: world(`version: "3.8"\n${APP_DB(POSTGRES, SHORT)}`, failedStart(PG_REFUSED, { labels: labels('app', '1.25.0') }), {
        facts: { composeCommand: async () => 'docker-compose' },
      }),
      findings: [
        {
          code: 'connected-before-ready',
          severity: 'warning',
          subject: 'compose.yaml:8',
          fixes: [RETRY.replace('Or let', 'Let'), 'docker-compose up -d'],
        },
      ],
    },
  ],
  skipped: [{ name: 'no compose file', facts: { project: { Dockerfile: 'FROM scratch\n' } }, reason: 'no compose file in the project' }],
});

describe('server families', () => {
  it('reads image references with registries, library/ and digests', () => {
    expect(imageName('docker.io/library/postgres:16-alpine@sha256:abc')).toEqual({ repo: 'postgres', base: 'postgres', tag: '16-alpine' });
    expect(imageName('localhost:5000/bitnami/postgresql')).toEqual({ repo: 'bitnami/postgresql', base: 'postgresql', tag: 'latest' });
    expect(serverFamily('ghcr.io/acme/postgres-tools:1')).toBeUndefined();
    expect(serverFamily('bitnami/mongodb:7')?.label).toBe('MongoDB');
  });

  it('names the probe the image has: mongo before 5 has mongo, later mongosh; mariadb 10.4 has mysqladmin', () => {
    expect(probeFor('mongo:4.4', serverFamily('mongo:4.4')!)?.[1]).toBe('mongo');
    expect(probeFor('mongo:7', serverFamily('mongo:7')!)?.[1]).toBe('mongosh');
    expect(probeFor('mariadb:10.4', serverFamily('mariadb:10.4')!)?.[1]).toBe('mysqladmin');
    expect(probeFor('mariadb:11', serverFamily('mariadb:11')!)?.[1]).toBe('mariadb-admin');
    expect(probeFor('bitnami/kafka:3', serverFamily('bitnami/kafka:3')!)?.[1]).toBe('kafka-topics.sh');
    expect(probeFor('someone/kafka:3', serverFamily('someone/kafka:3')!)).toBeUndefined();
  });
});
