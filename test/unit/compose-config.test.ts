import { describe, expect, it } from 'vitest';
import composeConfig from '../../checks/compose-config.js';
import { CheckTester, container, type FakeWorld } from '../../src/testing/index.js';
import { interpolate } from '../../src/facts/project/interpolate.js';
import type { CheckResult } from '../../src/engine/types.js';

CheckTester.describe = describe;
CheckTester.it = it;

const compose = (yaml: string, more: Record<string, string> = {}): FakeWorld['project'] => ({ 'compose.yaml': yaml, ...more });
const labels = (project: string, service: string, extra: Record<string, string> = {}) => ({
  'com.docker.compose.project': project,
  'com.docker.compose.service': service,
  ...extra,
});
const SECRET_DOLLARS =
  'services:\n  db:\n    image: busybox\n    environment:\n      POSTGRES_PASSWORD: "Xy7$Sup3rS3cretValue9"\n      API_KEY: "k$Hunter2Zq9-rest"\n';
/** What the password's `$` reads as variable names: none of it may appear in any output. */
const SECRET_PARTS = /Sup3rS3cret|Hunter2Zq9/;
const leaksNothing = (result: CheckResult) => expect(JSON.stringify(result)).not.toMatch(SECRET_PARTS);
const HEALTHY =
  'services:\n  web:\n    image: "busybox:${TAG:-1}"\n    env_file: app.env\n    depends_on: [db]\n    networks: [front]\n  db:\n    build: .\n    volumes: [data:/data]\nnetworks:\n  front:\nvolumes:\n  data:\n';

describe('interpolate reports unset variables as compose warns about them', () => {
  const unset = (value: string, vars: Record<string, string> = {}) => {
    const names: string[] = [];
    interpolate(value, vars, (n) => names.push(n));
    return names;
  };
  it('plain $X and ${X}', () => expect(unset('$A-${B}')).toEqual(['A', 'B']));
  it('a default, used or not, silences it', () => expect(unset('${A:-x}${B-y}${C:+z}')).toEqual([]));
  it('a default that is used is read', () => expect(unset('${A:-$B}')).toEqual(['B']));
  it('a default that is not used is not', () => expect(unset('${A:-$B}', { A: '1' })).toEqual([]));
  it('$$ is a literal dollar, an empty value is set', () => expect(unset('$$A ${B}', { B: '' })).toEqual([]));
});

describe('a $ inside a password', () => {
  const tester = new CheckTester(composeConfig);
  it('written $$ as the fix says, the findings are gone', async () => {
    const before = await tester.result({ name: 'before', facts: { project: compose(SECRET_DOLLARS) } });
    expect(before.findings.map((f) => f.code)).toEqual(['compose-config/dollar-in-secret', 'compose-config/dollar-in-secret']);
    // The fix, applied: each $ in those two values doubled.
    const fixed = SECRET_DOLLARS.split('\n')
      .map((line, i) => (before.findings.some((f) => f.location?.line === i + 1) ? line.replaceAll('$', '$$$$') : line))
      .join('\n');
    const after = await tester.result({ name: 'after', facts: { project: compose(fixed) } });
    expect([after.status, after.findings]).toEqual(['passed', []]);
  });
});

new CheckTester(composeConfig).run({
  healthy: [
    {
      name: 'a well-formed project: defaults, env file, declared network and volume, a build',
      facts: { project: compose(HEALTHY, { 'app.env': 'A=1\n', Dockerfile: 'FROM scratch\n' }) },
    },
    {
      name: 'variables set in .env and in the shell',
      facts: { project: compose('services:\n  web:\n    image: "busybox:${TAG}-$V"\n', { '.env': 'TAG=1\n' }), env: { V: 'x' } },
    },
    {
      name: 'a $ in a password written $$ is a literal $: nothing to report',
      facts: { project: compose(SECRET_DOLLARS.replaceAll('$', '$$$$')) },
    },
    {
      name: 'an env_file that is not required, and one that exists',
      facts: { project: compose('services:\n  web:\n    image: x\n    env_file:\n      - path: local.env\n        required: false\n') },
    },
    {
      name: 'Compose v2 does not read the env file of a service in a profile that is not enabled',
      facts: {
        project: compose('services:\n  web:\n    image: x\n  tools:\n    image: x\n    profiles: [debug]\n    env_file: tools.env\n'),
        facts: { composeCommand: async () => 'docker compose' as const },
      },
    },
    {
      name: 'a service in a profile that is not enabled is not judged',
      facts: { project: compose('services:\n  web:\n    image: x\n  tools:\n    profiles: [debug]\n    depends_on: [nothing]\n') },
    },
    {
      name: 'external network and volume that exist; its own container under container_name; a one-off container',
      facts: {
        project: compose(
          'services:\n  web:\n    image: x\n    container_name: web1\n    networks: [proxy]\n    volumes: [certs:/c]\nnetworks:\n  proxy:\n    external: true\nvolumes:\n  certs:\n    external: true\n    name: shared-certs\n',
        ),
        containers: [
          container({ name: 'web1', state: 'running', labels: labels('project', 'web') }),
          container({
            name: 'project-old-run-1',
            state: 'exited',
            labels: labels('project', 'old', { 'com.docker.compose.oneoff': 'True' }),
          }),
        ],
        engine: {
          '/networks': [{ Name: 'proxy', Id: 'n1', Driver: 'bridge' }],
          '/volumes': { Volumes: [{ Name: 'shared-certs' }], Warnings: null },
        },
      },
    },
    {
      name: 'a container of another project with a service name not in this file is no orphan',
      facts: {
        project: compose('services:\n  web:\n    image: x\n'),
        containers: [container({ name: 'other-api-1', state: 'running', labels: labels('other', 'api') })],
      },
    },
    {
      name: 'a container made from other compose files (-f extra.yml) is no orphan',
      facts: {
        project: compose('services:\n  web:\n    image: x\n'),
        containers: [
          container({
            name: 'project-nginx-1',
            state: 'running',
            labels: labels('project', 'nginx', {
              'com.docker.compose.project.working_dir': '/project',
              'com.docker.compose.project.config_files': '/project/compose.yaml,/project/nginx.yml',
            }),
          }),
        ],
      },
    },
  ],
  broken: [
    {
      name: 'a $ inside passwords: the key and its line are named, never the "variable" (part of the password)',
      facts: { project: compose(SECRET_DOLLARS) },
      findings: [
        {
          code: 'dollar-in-secret',
          severity: 'warning',
          subject: 'compose.yaml:5',
          title:
            'A $ in the value of POSTGRES_PASSWORD (compose.yaml:5) makes compose read a variable, which is set nowhere, so that part of the value becomes empty',
        },
        {
          code: 'dollar-in-secret',
          severity: 'warning',
          subject: 'compose.yaml:6',
          title: /^A \$ in the value of API_KEY \(compose.yaml:6\)/,
        },
      ],
      assert: (result: CheckResult) => {
        leaksNothing(result);
        const finding = result.findings[0]!;
        expect(finding.subject).toEqual({ kind: 'service', name: 'db' });
        expect(finding.fixes.map((f) => [f.title, f.command])[0]).toEqual([
          'Write $$ for each $ in the value of POSTGRES_PASSWORD at compose.yaml:5: compose reads $$ as one literal $',
          undefined,
        ]);
        expect(finding.evidence).toEqual({ setting: 'POSTGRES_PASSWORD', at: 'compose.yaml:5', unsetReads: 1 });
      },
    },
    {
      name: 'a $ in a non-secret value is named as before, beside a password whose $ is not',
      facts: {
        project: compose(
          'services:\n  web:\n    image: busybox\n    environment:\n      GREETING: "hi $NAME"\n      DB_PASSWORD: "pw$Zz8Secretish"\n',
        ),
      },
      findings: [
        { code: 'unset-variable', severity: 'warning', subject: 'compose.yaml:5', title: /^Variable NAME is set nowhere/ },
        { code: 'dollar-in-secret', severity: 'warning', subject: 'compose.yaml:6' },
      ],
      assert: (result: CheckResult) => {
        expect(JSON.stringify(result)).not.toContain('Zz8Secretish');
        expect(result.findings[0]!.evidence?.variables).toEqual([{ name: 'NAME', at: ['compose.yaml:5'] }]);
      },
    },
    {
      name: 'list-form environment, a build arg, a label and an x- anchor: each secret-named value is one finding, in file order',
      facts: {
        project: compose(
          [
            'x-env: &env',
            '  SMTP_PASSWORD: "mail$Qq1Hidden"',
            'services:',
            '  api:',
            '    build:',
            '      context: .',
            '      args:',
            '        NPM_TOKEN: "npm$Tok3nValue"',
            '    labels:',
            '      com.example.auth: "p$LabelSecret"',
            '    environment:',
            '      - PGPASSWORD=Ab$Cd9Hidden$Ef7Hidden',
            '  mail:',
            '    image: busybox',
            '    environment: *env',
            '',
          ].join('\n'),
          { Dockerfile: 'FROM scratch\n' },
        ),
      },
      findings: [
        {
          code: 'dollar-in-secret',
          severity: 'warning',
          subject: 'compose.yaml:2',
          title: /value of SMTP_PASSWORD .* a variable, which is set nowhere/,
        },
        { code: 'dollar-in-secret', severity: 'warning', subject: 'compose.yaml:8', title: /value of NPM_TOKEN/ },
        { code: 'dollar-in-secret', severity: 'warning', subject: 'compose.yaml:10', title: /value of com\.example\.auth/ },
        {
          code: 'dollar-in-secret',
          severity: 'warning',
          subject: 'compose.yaml:12',
          title: /value of PGPASSWORD .* variables, which are set nowhere, so those parts/,
        },
      ],
      assert: (result: CheckResult) => expect(JSON.stringify(result)).not.toMatch(/Qq1Hidden|Tok3nValue|LabelSecret|Cd9Hidden|Ef7Hidden/),
    },
    {
      name: 'a password that reads a variable on purpose (${NAME}, or only $NAME) names it, as any other variable',
      facts: {
        project: compose(
          'services:\n  db:\n    image: x\n    environment:\n      - MYSQL_PASSWORD=$MYSQL_PASSWORD\n      - REDIS_PASSWORD=${REDIS_PASS}\n',
        ),
      },
      findings: [
        {
          code: 'unset-variable',
          severity: 'warning',
          title: /2 variables .* MYSQL_PASSWORD \(compose.yaml:5\), REDIS_PASS \(compose.yaml:6\)/,
        },
      ],
    },
    {
      name: 'a name a password reads that is also used elsewhere is a variable the file has: named',
      facts: {
        project: compose('services:\n  db:\n    image: "busybox:$TAG"\n    environment:\n      DB_PASSWORD: "v$TAG"\n'),
      },
      findings: [
        { code: 'unset-variable', severity: 'warning', title: /^Variable TAG is set nowhere.*\(compose.yaml:3, compose.yaml:5\)/ },
      ],
    },
    {
      name: 'a variable set nowhere, used twice, and one in a key the model does not read',
      facts: { project: compose('services:\n  web:\n    image: "busybox:${TAG}"\n    labels:\n      a: "$TAG"\n      b: "${OWNER}"\n') },
      findings: [
        {
          code: 'unset-variable',
          severity: 'warning',
          subject: 'compose.yaml:3',
          title: /2 variables .* TAG \(compose.yaml:3, compose.yaml:5\), OWNER \(compose.yaml:6\)/,
        },
      ],
    },
    {
      name: "a variable meant for the container's shell (its environment: sets it): $$ is offered",
      facts: {
        project: compose(
          'services:\n  db:\n    image: x\n    environment:\n      POSTGRES_USER: app\n    healthcheck:\n      test: ["CMD-SHELL", "pg_isready -U $POSTGRES_USER"]\n',
        ),
      },
      findings: [{ code: 'unset-variable', severity: 'warning', subject: 'compose.yaml:7' }],
      assert: (result: CheckResult) => {
        const titles = result.findings[0]!.fixes.map((f) => f.title);
        expect(titles.some((t) => t.includes('write $$POSTGRES_USER at compose.yaml:7'))).toBe(true);
      },
    },
    {
      name: 'a variable passed through (POSTGRES_USER: ${POSTGRES_USER}) is no shell variable: no $$ fix, which would set the literal text',
      facts: {
        project: compose('services:\n  db:\n    image: x\n    environment:\n      POSTGRES_USER: ${POSTGRES_USER}\n'),
      },
      findings: [{ code: 'unset-variable', severity: 'warning', subject: 'compose.yaml:5' }],
      assert: (result: CheckResult) => {
        expect(result.findings[0]!.fixes.map((f) => f.title).join('\n')).not.toContain('$$');
      },
    },
    {
      name: 'unset variables with a sample .env.example that sets them: copy it',
      facts: { project: compose('services:\n  web:\n    image: "busybox:${TAG}"\n', { '.env.example': 'TAG=1\n' }) },
      findings: [{ code: 'unset-variable', severity: 'warning', fixes: ['cp -n .env.example .env', undefined] }],
    },
    {
      name: 'a .env where the user stands, not in the project directory',
      facts: { project: compose('services:\n  web:\n    image: "busybox:${TAG}"\n'), cwd: '/work', files: { '/work/.env': 'TAG=1\n' } },
      cwd: '/work',
      findings: [
        {
          code: 'dotenv-elsewhere',
          severity: 'warning',
          title: /TAG is set in \.env here \(\/work\), but compose reads \/project\/\.env/,
          fixes: ['cp -n .env /project/.env'],
        },
      ],
    },
    {
      name: 'a missing env_file, with and without a sample',
      facts: {
        project: compose('services:\n  web:\n    image: x\n    env_file: [.env.local, conf/app.env]\n', { '.env.local.example': 'A=1\n' }),
      },
      findings: [
        {
          code: 'env-file-missing',
          severity: 'error',
          subject: 'compose.yaml:4',
          fixes: ['cp -n .env.local.example .env.local', 'docker compose config --quiet'],
        },
        {
          code: 'env-file-missing',
          severity: 'error',
          subject: 'compose.yaml:4',
          fixes: ['mkdir -p conf && touch conf/app.env', 'docker compose config --quiet'],
        },
      ],
    },
    {
      name: 'two services naming the same missing env_file: one finding naming both',
      facts: { project: compose('services:\n  web:\n    image: x\n    env_file: .env\n  worker:\n    image: x\n    env_file: [.env]\n') },
      findings: [
        {
          code: 'env-file-missing',
          severity: 'error',
          subject: { kind: 'file', name: '.env' },
          title: 'env_file .env of services web, worker does not exist, so compose refuses the project (compose.yaml:4, compose.yaml:7)',
          fixes: ['touch .env', 'docker compose config --quiet'],
        },
      ],
    },
    {
      name: 'an env_file that is a FIFO: named as a special file, never "a other"',
      facts: {
        project: {
          ...compose('services:\n  web:\n    image: x\n    env_file: app.env\n'),
          'app.env': { text: '', stat: { type: 'other' as const } },
        },
      },
      findings: [
        {
          code: 'env-file-missing',
          severity: 'error',
          title: /^env_file app\.env of service web is a special file \(a FIFO or a device\), so compose refuses the project/,
        },
      ],
    },
    {
      name: 'docker-compose v1 reads the env files of services in profiles that are not enabled too',
      facts: {
        project: compose('services:\n  web:\n    image: x\n  tools:\n    image: x\n    profiles: [debug]\n    env_file: tools.env\n'),
        facts: { composeCommand: async () => 'docker-compose' as const },
      },
      findings: [
        {
          code: 'env-file-missing',
          severity: 'error',
          subject: 'compose.yaml:7',
          fixes: ['touch tools.env', 'docker-compose config --quiet'],
        },
      ],
    },
    {
      name: 'depends_on, networks and volumes that name nothing declared',
      facts: {
        project: compose(
          'services:\n  web:\n    image: x\n    depends_on: [database]\n    networks: [frontend]\n    volumes: [dbdata:/d]\n  db:\n    image: y\nnetworks:\n  front:\nvolumes:\n  data:\n',
        ),
      },
      findings: [
        { code: 'undefined-service', severity: 'error', subject: 'compose.yaml:4' },
        { code: 'undefined-network', severity: 'error', subject: 'compose.yaml:5' },
        { code: 'undefined-volume', severity: 'error', subject: 'compose.yaml:6' },
      ],
    },
    {
      name: 'a service with neither image nor build',
      facts: { project: compose('services:\n  web:\n    command: x\n') },
      findings: [{ code: 'no-image', severity: 'error', subject: 'compose.yaml:2' }],
    },
    {
      name: 'the obsolete version: is a note',
      facts: { project: compose('version: "3.8"\nservices:\n  web:\n    image: x\n') },
      findings: [{ code: 'obsolete-version', severity: 'info', subject: 'compose.yaml:1' }],
    },
    {
      name: 'schema: a misspelt key, a number where a string is meant, a key unknown in build',
      facts: {
        project: compose(
          'services:\n  web:\n    image: x\n    enviroment:\n      A: 1\n    user: 1000\n  db:\n    build:\n      context: .\n      dockrfile: x\n',
        ),
      },
      findings: [
        {
          code: 'schema-invalid',
          severity: 'error',
          subject: 'compose.yaml:4',
          title: /services\.web has an unknown key enviroment \(did you mean environment\?\)/,
        },
        {
          code: 'schema-invalid',
          severity: 'error',
          subject: 'compose.yaml:6',
          title: /services\.web\.user must be a string, not a whole number/,
        },
        { code: 'schema-invalid', severity: 'error', subject: 'compose.yaml:10', title: /dockrfile \(did you mean dockerfile\?\)/ },
      ],
    },
    {
      name: 'external network and volume missing on the engine',
      facts: {
        project: compose(
          'services:\n  web:\n    image: x\n    volumes: [certs:/c]\nnetworks:\n  default:\n    external: true\n    name: proxy\nvolumes:\n  certs:\n    external: true\n',
        ),
        engine: { '/networks': [{ Name: 'bridge', Id: 'n0', Driver: 'bridge' }], '/volumes': { Volumes: null, Warnings: null } },
      },
      findings: [
        { code: 'external-network-missing', severity: 'error', subject: 'compose.yaml:6', fixes: ['docker network create proxy'] },
        { code: 'external-volume-missing', severity: 'error', subject: 'compose.yaml:10', fixes: ['docker volume create certs'] },
      ],
    },
    {
      name: 'container_name taken by a stopped container compose did not make, and by a running one of another project',
      facts: {
        project: compose('services:\n  db:\n    image: x\n    container_name: db\n  web:\n    image: y\n    container_name: web\n'),
        containers: [
          container({ name: 'db', state: 'exited', exitCode: 0 }),
          container({ name: 'web', state: 'running', labels: labels('shop', 'frontend') }),
        ],
      },
      findings: [
        {
          code: 'container-name-taken',
          severity: 'error',
          subject: 'compose.yaml:2',
          title: /taken by a exited container of no compose project/,
          fixes: ['docker rename db db-old', 'docker rm db', undefined],
        },
        {
          code: 'container-name-taken',
          severity: 'error',
          subject: 'compose.yaml:5',
          title: /service frontend of compose project shop/,
          fixes: ['docker rename web web-old', undefined],
        },
      ],
    },
    {
      name: 'orphans: a running container of a service no longer in the file',
      facts: {
        project: compose('services:\n  web:\n    image: x\n'),
        containers: [container({ name: 'project-api-1', state: 'running', labels: labels('project', 'api') })],
      },
      findings: [
        { code: 'orphan-containers', severity: 'warning', subject: 'project-api-1', fixes: ['docker compose up -d --remove-orphans'] },
      ],
    },
    {
      name: 'orphans that are stopped are a note',
      facts: {
        project: compose('services:\n  web:\n    image: x\n'),
        containers: [container({ name: 'project-api-1', state: 'exited', exitCode: 0, labels: labels('project', 'api') })],
      },
      findings: [{ code: 'orphan-containers', severity: 'info', subject: 'project-api-1' }],
    },
    {
      name: 'a compose file compose refuses is reported (run alone) and nothing else is judged',
      facts: { project: compose('services:\n  web:\n    image: "x:${TAG:?set TAG}"\n    depends_on: [nothing]\n') },
      findings: [{ code: 'compose-invalid', severity: 'error' }],
    },
  ],
  skipped: [
    { name: 'no compose file', facts: { project: { Dockerfile: 'FROM scratch\n' } }, reason: 'no compose file in the project' },
    {
      name: 'a well-formed file and no daemon: the engine part was not checked, and that is said',
      facts: { project: compose('services:\n  web:\n    image: x\n'), socket: false },
      reason: /not reachable.*were not checked/,
    },
  ],
});
