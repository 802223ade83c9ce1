import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { cleanEnv, runCli, type CliRun } from '../helpers/cli.js';
import { fuzzDaemon } from '../helpers/fuzz-daemon.js';
import { tempDir } from '../helpers/sockets.js';

/**
 * Issue 11, "never hang, never crash, never leak": hostile project files (compose, Dockerfile, .dockerignore, .env and
 * special files where they belong) must give a valid report with no crashed check, and a secret planted under a
 * secret-looking name must appear in no output. Seeded and bounded: a failure prints its seed and counterexample.
 */

const SECRET = 'Sup3rS3cretValue42';
const SEED = 110_011;
/** Each run starts the CLI (~0.4 s on a quiet machine), so the counts keep the file well under half a minute. */
const RUNS = 20;
const HUMAN_RUNS = 12;
/** What a run may take beyond --timeout: start-up, the report, and a loaded machine. */
const MARGIN_MS = 3000;

// ---- small pieces -------------------------------------------------------------------------------------------------

const word = fc.stringMatching(/^[a-z][a-z0-9_-]{0,11}$/);
const oddText = fc.oneof(
  word,
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '\t',
    '~',
    'null',
    'true',
    '0x1F',
    '-1',
    '1e999',
    '::',
    '[',
    ']',
    '{',
    '}',
    '\\',
    '\u0000',
    '\u001b[31m',
    '../..',
    '/',
    '/etc',
    '*',
    '**',
  ),
);
/** Interpolation as compose and Dockerfiles write it, well-formed or not, over names that are not secret. */
const interpolation = fc
  .tuple(
    fc.constantFrom('HOST_PORT', 'TAG', 'DATA_DIR', 'UNSET_VAR', 'X', ''),
    fc.constantFrom('', ':-8080', '-d', ':?needed', '?', ':+x', '}', '${X}', '${'),
  )
  .chain(([name, tail]) =>
    fc.constantFrom(
      `\${${name}${tail}}`,
      `\${${name}${tail}`,
      `$${name}`,
      `$$${name}`,
      '${',
      '$',
      '${}',
      '${${X}}',
      `\${${name}:-\${TAG:-\${`,
    ),
  );
const value = fc.oneof(
  { weight: 3, arbitrary: oddText },
  { weight: 2, arbitrary: interpolation },
  fc.integer({ min: -70_000, max: 70_000 }),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);

const portSpec = fc.oneof(
  fc.integer({ min: -1, max: 70_000 }),
  fc.tuple(fc.integer({ min: 0, max: 70_000 }), fc.integer({ min: 0, max: 70_000 })).map(([a, b]) => `${a}:${b}`),
  fc
    .tuple(fc.integer({ min: 0, max: 70_000 }), fc.integer({ min: 0, max: 40 }))
    .map(([a, n]) => `127.0.0.1:${a}-${a + n}:${a}-${a + n}/udp`),
  fc.constantFrom('::1:80:80', '[::1]:80:80', '80-79:80', '0.0.0.0:${HOST_PORT}:80', '${HOST_PORT:-', 'a:b:c:d', ':80', '80:', '65536:1'),
  fc.record({ target: value, published: value, host_ip: value, protocol: value, mode: value }, { requiredKeys: [] }),
  interpolation,
);
const volumeSpec = fc.oneof(
  fc
    .tuple(
      fc.constantFrom('.', './data', '/', '/etc/passwd', '~/x', '../..', '${DATA_DIR}', 'named', '/dev/zero', '\\\\?\\C:'),
      fc.constantFrom('/data', 'relative', '', '/a:/b'),
    )
    .map(([a, b]) => `${a}:${b}`),
  fc.tuple(oddText, oddText, fc.constantFrom('ro', 'rw', 'z', 'Z', 'rshared', 'x')).map(([a, b, m]) => `${a}:${b}:${m}`),
  fc.record(
    {
      type: fc.constantFrom('bind', 'volume', 'tmpfs', 'npipe', 'cluster', 'x'),
      source: value,
      target: value,
      read_only: value,
      bind: fc.record({ create_host_path: value }),
    },
    { requiredKeys: [] },
  ),
  value,
);

/** The planted secrets, under names that look secret: these values must never be printed. */
const secretEnvMap = fc.constantFrom<Record<string, string>>(
  { DB_PASSWORD: SECRET },
  { API_TOKEN: SECRET, DATABASE_URL: `postgres://u:${SECRET}@db/x` },
  { AWS_SECRET_ACCESS_KEY: SECRET, PRIVATE_KEY: `-----BEGIN PRIVATE KEY-----\n${SECRET}\n-----END PRIVATE KEY-----` },
  { REDIS_URL: `redis://:${SECRET}@cache:6379/0`, MYSQL_ROOT_PASSWORD: SECRET },
  // Interpolation errors must not echo them: an unclosed or invalid ${ inside a secret, a required variable's message.
  { DB_PASSWORD: `Sup3r\${${SECRET}` },
  { API_TOKEN: `\${${SECRET} x}` },
  { DB_URL: `postgres://u:\${PASS:?${SECRET}}@db/x` },
  { TOKEN: `\${TOKEN:?${SECRET}}`, SECRET_KEY: `\${X:-\${Y:?${SECRET}}}` },
  // A $ inside a password: compose reads the rest as a variable's name, which must not be printed as one.
  { POSTGRES_PASSWORD: `Xy7$${SECRET}` },
);
const environment = fc
  .tuple(
    secretEnvMap,
    fc.dictionary(
      word.map((w) => w.toUpperCase()),
      value,
      { maxKeys: 6 },
    ),
    fc.boolean(),
  )
  .map(([secrets, extra, asList]) => {
    const all = { ...extra, ...secrets };
    return asList ? Object.entries(all).map(([k, v]) => `${k}=${String(v)}`) : all;
  });

// Contexts of / and /dev: hundreds of thousands of files, devices, /proc. The walk and the work after it must still end
// within --timeout (a compose context of / once ran 6-17 s under --timeout 3; see test/e2e/hostile-big-context.test.ts).
const build = fc.oneof(
  fc.constantFrom('.', './svc', '..', 'https://github.com/x/y.git', '${DATA_DIR}', '', '/', '/dev'),
  fc.record(
    {
      context: fc.constantFrom('.', './svc', '..', 'missing', '${DATA_DIR:-.}', '${', '/', '/dev', '${DATA_DIR:-/}'),
      dockerfile: fc.constantFrom('Dockerfile', 'svc/Dockerfile', '../Dockerfile', 'nope', '/etc/passwd', '${'),
      dockerfile_inline: fc.constantFrom('FROM scratch\n', `FROM alpine\nENV DB_PASSWORD=${SECRET}\n`),
      args: fc.oneof(secretEnvMap, fc.constant([`DB_PASSWORD=${SECRET}`])),
      target: value,
      secrets: fc.constant(['db_password']),
    },
    { requiredKeys: [] },
  ),
  value,
);

const service = fc.record(
  {
    image: fc.oneof(word, fc.constantFrom('nginx:1.27', 'postgres', 'x/y:${TAG}', 'registry:5000/a@sha256:zz', '${TAG:-', 'UPPER/Case')),
    build,
    ports: fc.oneof(fc.array(portSpec, { maxLength: 6 }), value),
    expose: fc.array(value, { maxLength: 3 }),
    volumes: fc.oneof(fc.array(volumeSpec, { maxLength: 5 }), value),
    environment: fc.oneof({ weight: 4, arbitrary: environment }, value),
    env_file: fc.oneof(fc.constantFrom('.env', 'missing.env', '/dev/zero', ['.env', { path: 'opt.env', required: false }]), value),
    profiles: fc.oneof(fc.array(oddText, { maxLength: 3 }), value),
    extends: fc.oneof(
      fc.record({ service: word, file: fc.constantFrom('compose.yaml', 'other.yaml', 'missing.yaml', '/dev/zero') }, { requiredKeys: [] }),
      word,
      value,
    ),
    depends_on: fc.oneof(fc.array(word, { maxLength: 3 }), fc.dictionary(word, fc.record({ condition: value }), { maxKeys: 3 })),
    network_mode: fc.constantFrom('host', 'none', 'service:db', 'container:x', 'bridge', '${X}'),
    networks: fc.oneof(
      fc.array(word, { maxLength: 3 }),
      fc.dictionary(word, fc.oneof(fc.constant(null), fc.record({ aliases: fc.array(oddText, { maxLength: 2 }) })), { maxKeys: 3 }),
    ),
    command: fc.oneof(oddText, fc.constant(['--password', SECRET]), fc.constant(`serve --password ${SECRET}`)),
    healthcheck: fc.record({ test: fc.oneof(oddText, fc.array(oddText, { maxLength: 3 })), interval: value }, { requiredKeys: [] }),
    extra_hosts: fc.oneof(fc.array(oddText, { maxLength: 3 }), value),
    dns: value,
  },
  { requiredKeys: [] },
);
/** Random structure where a compose key expects something else: deep nesting, long lists, wrong types. */
const junk = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    value,
    fc.array(tie('node'), { maxLength: 4 }),
    fc.dictionary(oddText, tie('node'), { maxKeys: 4 }),
  ),
})).node;

const composeObject = fc.record(
  {
    name: fc.oneof(word, value),
    version: fc.constantFrom('3.8', '2', 3, '${X}'),
    services: fc.oneof(
      {
        weight: 6,
        arbitrary: fc.dictionary(fc.oneof(word, oddText), fc.oneof({ weight: 5, arbitrary: service }, junk), { minKeys: 1, maxKeys: 5 }),
      },
      junk,
    ),
    include: fc.oneof(
      fc.constantFrom(['other.yaml'], ['missing.yaml'], ['compose.yaml'], [{ path: '/dev/zero' }], ['../../../etc/passwd']),
      junk,
    ),
    volumes: fc.oneof(fc.dictionary(word, fc.oneof(fc.constant(null), junk), { maxKeys: 3 }), junk),
    networks: fc.oneof(
      fc.dictionary(word, fc.oneof(fc.constant(null), fc.record({ external: value, name: value }, { requiredKeys: [] })), { maxKeys: 3 }),
      junk,
    ),
    secrets: fc.constant({ db_password: { environment: 'DB_PASSWORD' } }),
    'x-extra': junk,
  },
  { requiredKeys: ['services'] },
);

/** Hand-written YAML the object form cannot express: anchors, merge keys, aliases, tags, bad indentation, a cut file. */
const composeRaw = fc.oneof(
  fc.constantFrom(
    `x-base: &base\n  image: nginx\n  environment:\n    DB_PASSWORD: ${SECRET}\nservices:\n  a:\n    <<: *base\n    ports: ["80:80"]\n  b:\n    <<: [*base, *base]\n    ports: ["80:80"]\n`,
    `services:\n  a: &a\n    image: x\n    environment: &e\n      API_TOKEN: ${SECRET}\n  b: *a\n  c:\n    <<: *missing\n`,
    `services:\n  a:\n    image: x\n    environment:\n      - DB_PASSWORD=${SECRET}\n    ports:\n      - "\${HOST_PORT:-80:80"\n      - \${\n`,
    `services:\n  a:\n    image: x\n   environment:\n      DB_PASSWORD: ${SECRET}\n  ports: [\n`,
    `services: !!binary aGVsbG8=\nx: !custom {a: 1}\n`,
    `a: &a [*a]\nservices: *a\n`,
    `services:\n  a:\n    image: x\n    environment:\n      DB_PASSWORD: "${SECRET}\n`,
    `services:\n  a:\n    image: x\n    environment:\n      DB_PASSWORD: ${SECRET}\n---\nservices:\n  b: {image: y}\n`,
    `services:\n  a:\n    image: x\n    environment:\n      DB_PASSWORD: ${SECRET}\n    ports: ["8080:80"]\n  a:\n    image: y\n`,
    `\t\u0000services:\n  "\\xff": {image: x}\n`,
    `services:\n  a:\n    image: x\n    command: --password ${SECRET} --db postgres://u:${SECRET}@db/x\n`,
  ),
  // Many keys, deep nesting: big within reason.
  fc
    .integer({ min: 100, max: 600 })
    .map(
      (n) =>
        `services:\n${Array.from({ length: n }, (_, i) => `  s${i}:\n    image: x\n    ports: ["${1000 + (i % 50)}:80"]\n    environment: {DB_PASSWORD: ${SECRET}}\n`).join('')}`,
    ),
  fc
    .integer({ min: 50, max: 400 })
    .map(
      (depth) =>
        `services:\n  a:\n    image: x\n    x: ${'['.repeat(depth)}${']'.repeat(depth)}\n    y: ${'{a: '.repeat(depth)}1${'}'.repeat(depth)}\n`,
    ),
  fc
    .integer({ min: 10, max: 200 })
    .map(
      (n) =>
        `x-a0: &a0 {k: v, DB_PASSWORD: ${SECRET}}\n${Array.from({ length: n }, (_, i) => `x-a${i + 1}: &a${i + 1} [*a${i}, *a${i}]\n`).join('')}services:\n  a:\n    image: x\n    labels: *a${n}\n`,
    ),
);

const composeText = fc.oneof(
  { weight: 4, arbitrary: composeObject.map((doc) => stringify(doc, { aliasDuplicateObjects: false })) },
  { weight: 2, arbitrary: composeRaw },
  // A valid file cut or spliced at a random place.
  fc
    .tuple(
      composeObject.map((doc) => stringify(doc, { aliasDuplicateObjects: false })),
      fc.nat(),
      oddText,
    )
    .map(([text, at, insert]) => {
      const cut = at % (text.length + 1);
      return text.slice(0, cut) + insert + text.slice(cut);
    }),
);

const dockerfileLine = fc.oneof(
  fc.constantFrom(
    'FROM alpine:3.20',
    'FROM --platform=$BUILDPLATFORM node:22 AS build',
    'FROM ${BASE:-alpine} AS',
    'FROM scratch',
    'FROM',
    'ARG BASE',
    'ARG',
    `ENV DB_PASSWORD=${SECRET}`,
    `ENV DB_PASSWORD ${SECRET}`,
    `ENV API_TOKEN="${SECRET}" OTHER=1`,
    `ARG GITHUB_TOKEN=${SECRET}`,
    `RUN mysql --password ${SECRET} -e 'select 1'`,
    `RUN curl https://u:${SECRET}@example.invalid/x`,
    `RUN echo '-----BEGIN RSA PRIVATE KEY-----\\n${SECRET}\\n-----END RSA PRIVATE KEY-----' > /k`,
    'RUN <<EOF\nset -e\necho hi\nEOF',
    `RUN <<-"EOT" bash\n\techo --password ${SECRET}\n\tEOT`,
    'RUN <<EOF',
    'COPY <<EOF /x\nhello\nEOF',
    'COPY . .',
    'COPY --from=build --chown=1:1 --chmod=0777 --link --parents --exclude=*.md /a /b',
    'COPY --from= /a',
    'ADD --checksum=sha256:zz https://example.invalid/x /x',
    'ADD ["a", "b"',
    'COPY ["a",',
    'WORKDIR ${DIR:-/app}',
    'EXPOSE 80/tcp 70000 -1 ${PORT} a-b',
    'HEALTHCHECK --interval=abc CMD',
    'HEALTHCHECK NONE',
    'ONBUILD ONBUILD RUN x',
    'SHELL not-json',
    'USER 1000:1000',
    'VOLUME ["/data"',
    'CMD ["node", "server.js"]',
    'ENTRYPOINT [',
    'LABEL a=b \\\n  c=d \\',
    'RUN apt-get update \\\n    && apt-get install -y curl \\\n\n    # comment inside\n    && true',
    '# escape=`',
    '# syntax=docker/dockerfile:1',
    '\\',
    'MAINTAINER x',
    'STOPSIGNAL',
    'RUN --mount=type=secret,id=db_password,target=/run/secrets/x --mount=type=cache,target=/root/.cache --network=none true',
    'RUN --mount=type=bind,from=,source=${',
  ),
  fc
    .tuple(
      fc.constantFrom('FROM', 'RUN', 'COPY', 'ADD', 'ENV', 'ARG', 'EXPOSE', 'WORKDIR', 'nonsense', 'run', 'CoPy'),
      fc.array(oddText, { maxLength: 4 }),
    )
    .map(([ins, args]) => `${ins} ${args.join(' ')}`),
  oddText,
);
const dockerfileText = fc.oneof(
  { weight: 5, arbitrary: fc.array(dockerfileLine, { maxLength: 25 }).map((lines) => lines.join('\n')) },
  fc.integer({ min: 500, max: 5000 }).map((n) => `FROM alpine\n${'RUN true \\\n'.repeat(n)}\nENV DB_PASSWORD=${SECRET}\n`),
);

const ignoreLine = fc.oneof(
  fc.constantFrom(
    '[',
    ']',
    '[a-',
    '[!a]',
    '[^',
    '\\',
    'a\\',
    '\\[',
    '**',
    '**/',
    '/**',
    '**/**/**/*.log',
    '!',
    '!*',
    '!**/keep',
    '#',
    '# comment',
    '.',
    '..',
    '/',
    '../x',
    '*',
    '?',
    '???',
    '{a,b}',
    'a/**/b/**/c/**/d',
    ' trailing ',
    'node_modules',
    '!Dockerfile',
    'Dockerfile',
    '.dockerignore',
  ),
  fc.integer({ min: 1000, max: 5000 }).map((n) => '*'.repeat(n)),
  fc.integer({ min: 100, max: 3000 }).map((n) => '**/a'.repeat(n)),
  fc.integer({ min: 100, max: 3000 }).map((n) => `${'[a'.repeat(n)}`),
  fc.string({ maxLength: 60 }),
  fc.string({ unit: 'binary', maxLength: 60 }),
);
const dockerignoreText = fc.oneof(
  { weight: 5, arbitrary: fc.array(ignoreLine, { maxLength: 20 }).map((lines) => lines.join('\n')) },
  fc.uint8Array({ maxLength: 2000 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
);

const envLine = fc.oneof(
  fc.constantFrom(
    `DB_PASSWORD=${SECRET}`,
    `export API_TOKEN="${SECRET}"`,
    `SECRET_KEY='${SECRET}'`,
    `DATABASE_URL=postgres://u:${SECRET}@db/x`,
    `PRIVATE_KEY="-----BEGIN OPENSSH PRIVATE KEY-----\n${SECRET}\n-----END OPENSSH PRIVATE KEY-----"`,
    `DB_PASSWORD="${SECRET}`,
    `DB_PASSWORD=${SECRET} # a comment`,
    'HOST_PORT=8080',
    'HOST_PORT=${',
    'TAG=${TAG}',
    'DATA_DIR=${HOME:-/tmp}/${X:?}',
    'X="unterminated',
    "Y='unterminated",
    '=novalue',
    'NOEQUALS',
    '  spaced key = v ',
    '#',
    '\u0000',
  ),
  fc
    .tuple(
      word.map((w) => w.toUpperCase()),
      oddText,
      fc.constantFrom('', '"', "'", '`'),
    )
    .map(([k, v, q]) => `${k}=${q}${v}${q}`),
  oddText,
);
const envText = fc.array(envLine, { maxLength: 15 }).map((lines) => lines.join('\n'));

type Special = 'fifo' | 'zero' | 'loop' | 'dir';
const special = fc.constantFrom<Special>('fifo', 'zero', 'loop', 'dir');
const maybeSpecial = <T>(arb: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 8, arbitrary: arb }, { weight: 1, arbitrary: special }, { weight: 1, arbitrary: fc.constant(undefined) });

const project = fc.record({
  compose: maybeSpecial(composeText),
  composeName: fc.constantFrom('compose.yaml', 'docker-compose.yml', 'compose.yml'),
  dockerfile: maybeSpecial(dockerfileText),
  dockerfileInSvc: fc.option(dockerfileText, { nil: undefined }),
  dockerignore: maybeSpecial(dockerignoreText),
  env: maybeSpecial(envText),
  other: fc.option(composeText, { nil: undefined }),
});
type Project = typeof project extends fc.Arbitrary<infer P> ? P : never;

function writeProject(p: Project): string {
  // Two levels down in a fresh directory, so a context of '..' stays inside it instead of walking /tmp.
  const dir = path.join(tempDir('dd-fuzz-project-'), 'a', 'project');
  mkdirSync(dir, { recursive: true });
  const put = (file: string, content: string | Special | undefined) => {
    if (content === undefined) return;
    const target = path.join(dir, file);
    mkdirSync(path.dirname(target), { recursive: true });
    if (content === 'fifo') execFileSync('mkfifo', [target]);
    else if (content === 'zero') symlinkSync('/dev/zero', target);
    else if (content === 'loop') symlinkSync(target, target);
    else if (content === 'dir') mkdirSync(target);
    else writeFileSync(target, content, 'latin1');
  };
  put(p.composeName, p.compose);
  put('Dockerfile', p.dockerfile);
  put('svc/Dockerfile', p.dockerfileInSvc);
  put('.dockerignore', p.dockerignore);
  put('.env', p.env);
  put('other.yaml', p.other);
  writeFileSync(path.join(dir, 'app.js'), 'console.log(1)\n');
  return dir;
}

function expectSafe(run: CliRun, json: boolean): void {
  if (json) {
    expect(run.report).toBeDefined();
    const crashed = run.report!.checks.filter((c) => c.status === 'crashed');
    expect(crashed, JSON.stringify(crashed)).toEqual([]);
  }
  expect(run.exitCode, run.stderr).toBeOneOf([0, 1]);
  expect(run.stdout).not.toContain(SECRET);
  expect(run.stderr).not.toContain(SECRET);
}

const CHECKS = ['build-context', 'port-conflicts', 'bind-mounts', 'dns'];

describe('fuzzed project files', () => {
  const daemonDir = tempDir('dd-fuzz-daemon-');
  const socket = path.join(daemonDir, 'docker.sock');
  const daemon = fuzzDaemon();
  // A healthy, empty daemon, so the checks that need one read the compose file instead of being skipped.
  daemon.route = (url) => ({
    kind: 'json',
    body:
      url.startsWith('/containers/json') || url.startsWith('/networks') || url.startsWith('/images/json')
        ? []
        : { message: 'no such object' },
    status: url.startsWith('/containers/json') || url.startsWith('/networks') || url.startsWith('/images/json') ? 200 : 404,
  });
  beforeAll(() => daemon.listen(socket));
  afterAll(() => daemon.close());
  const env = () => cleanEnv({ DB_PASSWORD: undefined });

  it('give a valid report, no crashed check and no planted secret, in JSON', async () => {
    await fc.assert(
      fc.asyncProperty(project, async (p) => {
        const dir = writeProject(p);
        const started = performance.now();
        const run = await runCli(['--json', '-C', dir, '-H', `unix://${socket}`, ...CHECKS, '--timeout', '3'], {
          env: env(),
          timeoutMs: 30_000,
        });
        // The checks run side by side, each within --timeout 3; the rest is start-up and a machine shared with other tests.
        expect(performance.now() - started).toBeLessThan(3000 + MARGIN_MS);
        expectSafe(run, true);
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
  });

  it('print no planted secret in human output either (-v)', async () => {
    await fc.assert(
      fc.asyncProperty(project, async (p) => {
        const dir = writeProject(p);
        const run = await runCli(['-v', '-C', dir, '-H', `unix://${socket}`, ...CHECKS, '--timeout', '3'], {
          env: env(),
          timeoutMs: 30_000,
        });
        expectSafe(run, false);
      }),
      { seed: SEED + 1, numRuns: HUMAN_RUNS, endOnFailure: true },
    );
  });
});
