import { expect } from 'vitest';
import dns from '../../checks/dns.js';
import type { CheckResult } from '../../src/engine/types.js';
import { CheckTester, engineWith, HEALTHY_ENGINE, type BrokenCase, type FakeWorld, type TesterCase } from '../../src/testing/index.js';

// The compose service-name rule (services reaching each other as localhost), extended: `*_HOST: localhost` with its
// `*_PORT` sibling or a name made of several words, port-less http(s) URLs where a service serves on 80, expose-only
// targets; browser-facing URLs stay out.

const engine = engineWith([], {
  '/info': { ...(HEALTHY_ENGINE['/info'] as object), IPv4Forwarding: true },
  '/networks': [{ Name: 'bridge', Id: 'b', Driver: 'bridge' }],
  // An image present locally whose EXPOSE says where it listens.
  [`/images/${encodeURIComponent('acme/gateway:2')}/json`]: { Id: 'sha256:g', Config: { ExposedPorts: { '8080/tcp': {} } } },
});
const project = (services: string): FakeWorld => ({ engine, files: { '/project/compose.yaml': `services:\n${services}` } });

/** Each compose-localhost finding's service and first fix, the line to paste. */
const localhost = (r: CheckResult) =>
  r.findings.filter((f) => f.code === 'dns/compose-localhost').map((f) => [f.subject.name, f.fixes[0]!.command]);

const REPORTS: [string, string, string[][]][] = [
  [
    'DB_HOST: localhost with DB_PORT on the port another service exposes',
    '  pg:\n    build: ./pg\n    expose: ["5433"]\n  api:\n    image: api\n    environment:\n      DB_HOST: localhost\n      DB_PORT: "5433"\n',
    [['api', 'DB_HOST: pg']],
  ],
  [
    "libpq's PGHOST with PGPORT, in list syntax",
    '  store:\n    image: postgres:16\n  api:\n    image: api\n    environment:\n      - PGHOST=127.0.0.1\n      - PGPORT=5432\n',
    [['api', '- PGHOST=store']],
  ],
  [
    'a *_HOST variable whose words together name a service with a dash',
    '  user-api:\n    build: .\n  web:\n    image: web\n    environment:\n      USER_API_HOST: localhost\n',
    [['web', 'USER_API_HOST: user-api']],
  ],
  [
    'a port-less http URL where one service serves on 80 and nothing publishes host port 80',
    '  backend:\n    image: nginx\n    ports: ["8080:80"]\n  worker:\n    image: w\n    environment:\n      JOBS_ENDPOINT: http://localhost/api/jobs\n',
    [['worker', 'JOBS_ENDPOINT: http://backend/api/jobs']],
  ],
  [
    'a port-less https URL where one service exposes 443',
    '  tls:\n    image: proxy\n    expose: ["443"]\n  worker:\n    image: w\n    environment:\n      UPSTREAM: https://localhost/v1\n',
    [['worker', 'UPSTREAM: https://tls/v1']],
  ],
  [
    'an expose-only target from the image EXPOSE',
    '  gateway:\n    image: acme/gateway:2\n  worker:\n    image: w\n    environment:\n      GATEWAY_ENDPOINT: http://localhost:8080/rpc\n',
    [['worker', 'GATEWAY_ENDPOINT: http://gateway:8080/rpc']],
  ],
];

const PASSES: [string, string][] = [
  [
    'browser-facing URLs on an expose-only port (the browser runs on the host)',
    '  api:\n    image: api\n    expose: ["80", "3000"]\n  web:\n    image: web\n    environment:\n' +
      '      NEXT_PUBLIC_API_URL: http://localhost/api\n      VITE_API: http://localhost:3000\n      NEXTAUTH_URL: http://localhost:3000\n' +
      '      REACT_APP_API: http://localhost/api\n      PUBLIC_URL: http://localhost\n      VUE_APP_API: http://localhost:3000\n',
  ],
  [
    'a port-less http URL when a service publishes host port 80 (the front proxy, through the host)',
    '  proxy:\n    image: nginx\n    ports: ["80:80"]\n  api:\n    image: api\n    expose: ["80"]\n  worker:\n    image: w\n' +
      '    environment:\n      HOOK: http://localhost/hooks\n',
  ],
  [
    'a port-less http URL when two services serve on 80 and nothing names either',
    '  a:\n    image: nginx\n    expose: ["80"]\n  b:\n    image: nginx\n    expose: ["80"]\n  worker:\n    image: w\n' +
      '    environment:\n      HOOK: http://localhost/hooks\n',
  ],
  [
    'DB_HOST: localhost with DB_PORT on a port no service listens on, and words naming none',
    '  cache:\n    image: redis\n  api:\n    image: api\n    environment:\n      DB_HOST: localhost\n      DB_PORT: "5432"\n',
  ],
  [
    'a *_HOST: localhost whose sibling port the service itself listens on',
    '  api:\n    image: api\n    expose: ["9000"]\n    environment:\n      METRICS_HOST: localhost\n      METRICS_PORT: "9000"\n' +
      '  metrics:\n    image: m\n    expose: ["9000"]\n',
  ],
];

const reports: BrokenCase[] = REPORTS.map(([name, services, expected]) => ({
  name,
  facts: project(services),
  findings: expected.map(([service]) => ({
    code: 'compose-localhost',
    severity: 'error' as const,
    subject: { kind: 'service' as const, name: service! },
  })),
  assert: (r) => expect(localhost(r)).toEqual(expected),
}));
const passes: TesterCase[] = [
  ...PASSES.map(([name, services]) => ({ name, facts: project(services) })),
  {
    // full-stack-fastapi-template: compose.yml has SMTP_HOST from .env (localhost), compose.override.yml sets it to mailpit.
    name: 'an override file replaces the base file’s localhost: the value the container gets is judged',
    facts: {
      engine,
      files: {
        '/project/compose.yaml': 'services:\n  backend:\n    image: api\n    environment:\n      SMTP_HOST: localhost\n',
        '/project/compose.override.yaml':
          'services:\n  backend:\n    environment:\n      SMTP_HOST: mailpit\n      SMTP_PORT: "1025"\n' +
          '  mailpit:\n    image: axllent/mailpit\n    ports: ["1025:1025"]\n',
      },
    },
  },
];

new CheckTester(dns).run({ healthy: passes, broken: reports });
