import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import buildContext from '../../checks/build-context.js';
import { aptListsFix, cacheFindings, copySources } from '../../checks/build-context/dockerfile-rules.js';
import type { CheckResult, Severity } from '../../src/engine/types.js';
import { nodeFs } from '../../src/facts/clients.js';
import { createFacts } from '../../src/facts/index.js';
import type { Facts } from '../../src/facts/types.js';
import { discoverBuilds } from '../../src/facts/project/builds.js';
import type { ComposeProject } from '../../src/facts/project/compose.js';
import { findDockerfiles } from '../../src/facts/project/find-dockerfiles.js';
import { parseDockerfile } from '../../src/facts/project/dockerfile.js';
import { runCheck } from '../helpers/fakes.js';
import { CheckTester, fakeClients, fakeFacts, memoryFs as fakeFs, type FakeWorld } from '../../src/testing/index.js';
import { tempTree } from '../helpers/tree.js';

const project = (files: Record<string, string>): string => tempTree(files, 'dd-bc-unit-');

const buildsOf = async (dir: string, compose: ComposeProject | null = null) =>
  discoverBuilds(dir, compose, await findDockerfiles(nodeFs, dir));

/** A path is heavy from 1 MiB on. */
const MIB = 'x'.repeat(1024 * 1024);

const codes = (r: { findings: { code: string }[] }) => r.findings.map((f) => f.code);

const tester = new CheckTester(buildContext, { timeoutMs: 10_000 });

/** Real files in a temporary directory, read through the real file system; the host stays fake. */
const onDisk = (dir: string): FakeWorld => ({ clients: { ...fakeClients(), fs: nodeFs }, projectDir: dir, timeoutMs: 10_000 });
/** A case's facts: the project written when the case runs. */
const inProject = (files: Record<string, string>) => () => onDisk(project(files));

/** The check run as the CLI runs it, on a project that exists on disk. */
const diagnose = (dir: string, options: { contextMaxFiles?: number; contextMaxBytes?: number } = {}) =>
  tester.result({ name: dir, facts: onDisk(dir), options });

/** The check's own result, before the CLI places its fixes: `runIn` says which commands must run in the project. */
const rawDiagnose = (dir: string) => runCheck(buildContext, fakeFacts(onDisk(dir)), 10_000);

/** The project with the context walk replaced: a walk that stops at its budget, or meets unreadable directories. */
const withScan = (files: Record<string, string>, change: Partial<Awaited<ReturnType<Facts['contextScan']>>>) => () => {
  const facts = fakeFacts(onDisk(project(files)));
  return {
    ...facts,
    contextScan: async (...args: Parameters<Facts['contextScan']>) => ({ ...(await facts.contextScan(...args)), ...change }),
  };
};

const PRIVATE_KEY = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n';
const CERTIFICATE = '-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkq\n-----END CERTIFICATE-----\n';
const PROPOSED = '# Proposed by docker-doctor from what this context holds\n';
const proposal = (r: CheckResult) => r.findings.find((f) => f.code === 'build-context/no-dockerignore')?.evidence?.proposal;
const secretFindings = (r: CheckResult) => r.findings.filter((f) => f.code === 'build-context/secrets-sent');

const manyAssets = () => {
  const files: Record<string, string> = {
    '.dockerignore': '.git\n',
    'certs/server.key': 'k',
    '.env.example': 'x',
    Dockerfile: 'FROM scratch\n',
  };
  for (let i = 0; i < 30; i++) files[`assets/img${i}.png`] = 'p';
  return files;
};

const INLINE_COMPOSE = [
  'services:',
  '  api:',
  '    build:',
  '      context: .',
  '      dockerfile_inline: |',
  '        FROM node:20',
  '        COPY . .',
  '        RUN npm ci',
  '  web:',
  '    build:',
  '      dockerfile_inline: "FROM debian\\nRUN apt-get update"',
  '  remote:',
  '    build: https://github.com/docker/welcome.git',
  '',
].join('\n');

/** The Dockerfiles below that install after copying the whole context get that finding too, at this line. */
const SECRET_COPIES: [string, string, Severity, string, number?][] = [
  [
    'a whole-context copy in the final image: an error',
    'FROM ruby:3.3\nWORKDIR /app\nCOPY . .\nRUN bundle install\n',
    'error',
    'and Dockerfile:3 copies them into the image',

    3,
  ],
  [
    'a whole-context copy in a build stage only: a warning',
    'FROM ruby:3.3 AS build\nCOPY . .\nRUN bundle install\nFROM ruby:3.3-slim\nCOPY --from=build /usr/local/bundle /usr/local/bundle\n',
    'warning',
    'and Dockerfile:2 copies them into a build stage, from which a COPY --from can carry them into the image',

    2,
  ],
  [
    'no whole-context copy: info',
    'FROM mcr.microsoft.com/mssql/server:2022-latest\nCOPY setup.sql /setup.sql\n',
    'info',
    'but no COPY puts them in the image',
  ],
];

const EXAMPLE_KEYSTORES: [string, Record<string, string>, Severity][] = [
  [
    'R5: a PKCS#12 under example/ sent by a whole-context copy is info, the exclusion still offered',
    { 'apps/web/example/cert.p12': 'bin' },
    'info',
  ],
  ['R5: one under tests/fixtures/ too', { 'tests/fixtures/client.pfx': 'bin' }, 'info'],
  ['R5: a keystore anywhere else stays an error', { 'certs/cert.p12': 'bin' }, 'error'],
  [
    'R5: an example keystore next to a real secret: the real one decides',
    { 'example/cert.p12': 'bin', 'deploy/prod.key': PRIVATE_KEY },
    'error',
  ],
];

const DEV_APT = 'RUN apt-get update && apt-get -y install git\n';
const TARGETED =
  'FROM debian AS dev\nRUN apt-get update && apt-get install -y gdb\nFROM debian AS prod\nRUN ' +
  'apt-get update && apt-get install -y curl\nFROM prod AS test\nRUN true\n';
const NODE_TREE = { 'node_modules/a/index.js': MIB, '.git/objects/p.pack': MIB, 'package.json': '{}' };
const OPTIONAL_REQUIREMENTS =
  'FROM python:3\nCOPY . /usr/src/app\nRUN if [ -s /usr/src/app/requirements.txt ]; then \\\n' +
  '    pip install -r /usr/src/app/requirements.txt; \\\n  fi\n';

tester.run({
  healthy: [
    {
      name: 'heavy is not what the Dockerfile copies on purpose',
      facts: inProject({
        '.dockerignore': '**/node_modules\n',
        'dist/index.html': 'x',
        Dockerfile: 'FROM nginx\nCOPY dist/ /usr/share/nginx/html/\n',
      }),
    },
    {
      name: 'a small project without an ignore file and nothing heavy in it',
      facts: inProject({
        'main.go': 'package main',
        'go.mod': 'module x\n',
        Dockerfile: 'FROM golang:1.22 AS build\nCOPY go.mod ./\nRUN go mod download\nCOPY . .\nRUN go build -o /app\n',
      }),
    },
    {
      name: 'names alone are not heavy: a Go package internal/build and a tiny dist',
      facts: inProject({
        Dockerfile: 'FROM scratch\nCOPY . /src/\n',
        'internal/build/version.go': 'package build\n\nvar Version = "1"\n',
        'dist/README.md': 'x',
        'node_modules/a/index.js': 'x',
      }),
    },
    {
      name: 'under COPY . ., node_modules stays when the build does not install, and .git stays when a RUN calls git',
      facts: inProject({
        ...NODE_TREE,
        Dockerfile: 'FROM node:20\nCOPY . .\nRUN git describe --tags > VERSION\nCMD ["node", "index.js"]\n',
      }),
    },
    {
      name: 'a VS Code dev container is not judged on image size',
      facts: inProject({ '.devcontainer/Dockerfile': `FROM debian\n${DEV_APT}` }),
    },
    {
      name: 'an install from a requirements file the context does not hold (only if it exists)',
      facts: inProject({ Dockerfile: OPTIONAL_REQUIREMENTS, 'requirements.example.txt': 'x' }),
    },
    {
      name: 'secret-looking files judged by what they hold: public keys, DH parameters, certificates, settings and plain .env',
      facts: inProject({
        Dockerfile: 'FROM debian\nADD vendor-repo.gpg.key /tmp/\nCOPY app /app/\nCOPY . /src/\n',
        'vendor-repo.gpg.key': '-----BEGIN PGP PUBLIC KEY BLOCK-----\nmQINBF\n-----END PGP PUBLIC KEY BLOCK-----\n',
        'app/dhparam/ffdhe2048.pem': '-----BEGIN DH PARAMETERS-----\nMIIBCAKCAQEA\n-----END DH PARAMETERS-----\n',
        'certs/ca-bundle.pem': `${CERTIFICATE}${CERTIFICATE}`,
        '.npmrc': 'shamefully-hoist=true\n//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n',
        '.env': 'COMPOSE_PROJECT_NAME=x\n',
        'empty.key': '',
      }),
    },
  ],
  broken: [
    {
      name: 'a COPY source the ignore file excludes, naming the Dockerfile line and the ignore line',
      facts: inProject({ '.dockerignore': '*.json\n', 'package.json': '{}', Dockerfile: 'FROM node:20\nCOPY package.json ./\n' }),
      findings: [
        {
          code: 'copy-source-ignored',
          severity: 'error',
          subject: 'Dockerfile:2',
          title: 'Dockerfile:2: COPY package.json will fail with "not found": .dockerignore:1 (*.json) excludes it',
        },
      ],
    },
    {
      name: 'malformed ignore lines, at their line',
      facts: inProject({ '.dockerignore': 'ok\n!\n', Dockerfile: 'FROM scratch\n' }),
      findings: [{ code: 'ignore-invalid', severity: 'error', subject: '.dockerignore:2' }],
    },
    {
      name: 'heavy paths an existing ignore file lets through (a bare node_modules misses nested ones)',
      facts: inProject({ '.dockerignore': 'node_modules\n', 'web/node_modules/x.js': MIB, Dockerfile: 'FROM scratch\n' }),
      findings: [{ code: 'heavy-paths-sent', severity: 'warning' }],
      assert: (r) => expect(r.findings[0]!.fixes[0]!.command).toBe("printf '%s\\n' '**/node_modules' >> .dockerignore"),
    },
    {
      name: 'secrets, and a context over the file threshold with what dominates it',
      facts: () => onDisk(project(manyAssets())),
      options: { contextMaxFiles: 20 },
      findings: [
        { code: 'context-large', severity: 'warning', title: /the largest parts are assets \(30 files\), certs \(1 file\)/ },
        { code: 'secrets-sent', severity: 'info' },
      ],
      assert: (r) => expect(r.findings[1]!.evidence!.files).toEqual(['certs/server.key']),
    },
    {
      // The walk stopping at its budget, fed in: a real one needs a tree that takes seconds to walk.
      name: 'a walk that ran out of time is incomplete, with the lower bound it measured',
      facts: withScan({ Dockerfile: 'FROM scratch\nCOPY . /app/\n', 'src/a.js': 'x' }, { truncated: true, elapsedMs: 6000 }),
      findings: [
        {
          code: 'scan-incomplete',
          severity: 'info',
          title: 'The walk of . stopped after 6 s at 27 B in 2 files; the context is at least that large',
          fixes: ['docker-doctor build-context --timeout 60'],
        },
      ],
    },
    {
      name: 'an unreadable directory the Dockerfile copies from is to be made readable, not excluded (that would break the COPY)',
      facts: withScan(
        { Dockerfile: 'FROM scratch\nCOPY private/ /app/private/\n', 'private/a.txt': 'x', 'logs/a.txt': 'x' },
        { unreadable: ['private'] },
      ),
      findings: [{ code: 'scan-incomplete', severity: 'info' }],
      assert: (r) =>
        expect(r.findings[0]!.fixes).toEqual([
          { title: 'Give the user who builds read access to private: the Dockerfile copies from there' },
        ]),
    },
    {
      name: 'an unreadable directory the Dockerfile does not copy from is excluded',
      facts: withScan(
        { Dockerfile: 'FROM scratch\nCOPY private/ /app/private/\n', 'private/a.txt': 'x', 'logs/a.txt': 'x' },
        { unreadable: ['logs'] },
      ),
      findings: [{ code: 'scan-incomplete', severity: 'info' }],
      assert: (r) => expect(r.findings[0]!.fixes[0]!.command).toBe("printf '%s\\n' logs >> .dockerignore"),
    },
    {
      name: 'over the size threshold, a large file at the root leads what dominates the context',
      facts: inProject({
        '.dockerignore': '.git\n',
        'export.sql': 'x'.repeat(3000),
        'src/a.js': 'x'.repeat(200),
        Dockerfile: 'FROM scratch\n',
      }),
      options: { contextMaxBytes: 1000 },
      findings: [{ code: 'context-large', severity: 'warning', title: /the largest parts are export\.sql \(3 KiB\), src \(200 B\)$/ }],
      assert: (r) =>
        expect((r.findings[0]!.evidence!.largestFiles as { path: string }[]).map((f) => f.path)).toEqual([
          'export.sql',
          'src/a.js',
          'Dockerfile',
          '.dockerignore',
        ]),
    },
    {
      name: 'a compose dockerfile_inline, with findings at the compose lines; remote contexts skipped',
      facts: inProject({ 'compose.yaml': INLINE_COMPOSE, 'package.json': '{}' }),
      findings: [
        {
          code: 'copy-before-install',
          severity: 'warning',
          subject: 'compose.yaml:7',
          title: 'compose.yaml:7 copies the whole context before npm ci at line 8, so every source change reruns the install',
        },
        { code: 'apt-update-alone', severity: 'warning', subject: 'compose.yaml:11' },
      ],
    },
    {
      name: 'a secret under a directory the Dockerfile copies is copied on purpose too',
      facts: inProject({
        Dockerfile: 'FROM scratch\nCOPY config/ /app/config/\n',
        'config/.env': 'DB_PASSWORD=1',
        'config/app.yaml': 'a: 1',
      }),
      findings: [
        {
          code: 'secrets-sent',
          severity: 'info',
          title: 'Dockerfile:2 copies secret-looking files into the image on purpose: config/.env',
        },
      ],
    },
    ...SECRET_COPIES.map(([name, dockerfile, severity, where, copyLine]) => ({
      name: `secrets: ${name}, and no npm example for a project that is not npm`,
      facts: inProject({ Dockerfile: dockerfile, '.env': 'SA_PASSWORD=x', 'setup.sql': 'select 1;', Gemfile: '' }),
      findings: [
        { code: 'secrets-sent', severity, title: `The build context . sends secret-looking files to the builder (.env), ${where}` },
        ...(copyLine ? [{ code: 'copy-before-install', severity: 'warning' as const, subject: `Dockerfile:${copyLine}` }] : []),
      ],
      assert: (r: CheckResult) => {
        expect(secretFindings(r)[0]!.fixes).toHaveLength(1);
        expect(JSON.stringify(secretFindings(r)[0]!.fixes)).not.toContain('npm');
      },
    })),
    {
      name:
        'a Dockerfile that cannot be read: a secret is a warning that says so, nothing proposed under ' +
        'the guess that it copies everything',
      facts: inProject({
        'compose.yaml': 'services:\n  app:\n    build:\n      context: .\n      dockerfile: missing.Dockerfile\n',
        '.env': 'SECRET_KEY=1',
        'dist/app.js': MIB,
      }),
      findings: [
        {
          code: 'secrets-sent',
          severity: 'warning',
          title:
            'The build context . sends secret-looking files to the builder (.env), and missing.Dockerfile ' +
            'could not be read to tell whether ' +
            'a COPY puts them in the image',
        },
      ],
    },
    {
      name: 'an .npmrc in an npm build gets the npm build-secret example',
      facts: inProject({
        Dockerfile: 'FROM node:20\nCOPY package*.json ./\nRUN npm ci\nCOPY . .\n',
        '.npmrc': '//registry/:_authToken=x',
        'package.json': '{}',
      }),
      findings: [
        {
          code: 'secrets-sent',
          severity: 'error',
          fixes: ["printf '%s\\n' .npmrc >> .dockerignore", 'RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci'],
        },
      ],
    },
    {
      name: 'under COPY . ., build output the app may serve stays; .git and caches go',
      facts: inProject({
        Dockerfile: 'FROM scratch\nCOPY . /srv/\n',
        'wwwroot/lib/bootstrap/dist/css/b.css': MIB,
        '.git/objects/p.pack': MIB,
        '__pycache__/m.pyc': MIB,
      }),
      findings: [{ code: 'no-dockerignore', severity: 'warning' }],
      assert: (r) => expect(proposal(r)).toBe(`${PROPOSED}.git\n**/__pycache__\n`),
    },
    {
      name: 'under COPY . ., node_modules goes when the build installs the dependencies itself',
      facts: inProject({ ...NODE_TREE, Dockerfile: 'FROM node:20\nCOPY package.json ./\nRUN npm ci\nCOPY . .\n' }),
      findings: [{ code: 'no-dockerignore', severity: 'warning' }],
      assert: (r) => expect(proposal(r)).toBe(`${PROPOSED}.git\n**/node_modules\n`),
    },
    {
      name: 'a compose build target decides which stages count',
      facts: inProject({ Dockerfile: TARGETED, 'compose.yaml': 'services:\n  app:\n    build:\n      context: .\n      target: dev\n' }),
      findings: [{ code: 'apt-lists-kept', severity: 'info', subject: 'Dockerfile:2' }],
    },
    {
      name: 'without a build target, the last stage counts',
      facts: inProject({ Dockerfile: TARGETED }),
      findings: [{ code: 'apt-lists-kept', severity: 'info', subject: 'Dockerfile:4' }],
    },
    {
      name: 'the production Dockerfile beside a dev container is still judged on image size',
      facts: inProject({ '.devcontainer/Dockerfile': `FROM debian\n${DEV_APT}`, Dockerfile: `FROM debian\n${DEV_APT}` }),
      findings: [{ code: 'apt-lists-kept', severity: 'info', subject: 'Dockerfile' }],
      assert: (r) => expect(r.findings[0]!.location?.file).toBe('Dockerfile'),
    },
    {
      name: 'an install from a requirements file the context holds is a copy-before-install',
      facts: inProject({ Dockerfile: OPTIONAL_REQUIREMENTS, 'requirements.txt': 'flask' }),
      findings: [{ code: 'copy-before-install', severity: 'warning' }],
    },
    {
      name: 'what is secret by content is still reported: a private key after the certificate, a token, a password in a URL',
      facts: inProject({
        Dockerfile: 'FROM debian\nCOPY . /src/\n',
        'tls/fullchain.pem': `${CERTIFICATE}${PRIVATE_KEY}`,
        '.npmrc': '//registry.npmjs.org/:_authToken=npm_abc\n',
        'config/.env': 'DATABASE_URL=postgres://app:hunter2@db/app\n',
        '.env': 'COMPOSE_PROJECT_NAME=x\n',
        'binary.p12': '\u0000\u0001',
      }),
      findings: [{ code: 'secrets-sent', severity: 'error' }],
      assert: (r) => expect(r.findings[0]!.evidence!.files).toEqual(['.npmrc', 'binary.p12', 'config/.env', 'tls/fullchain.pem']),
    },
    {
      name: 'Dockerfiles that share a context get one finding about it, naming each of them; an exclusion never breaks either',
      facts: inProject({
        'Dockerfile.alpine': 'FROM alpine\nCOPY app /app/\nCOPY . /src/\n',
        'Dockerfile.debian': 'FROM debian\nCOPY app /app/\nCOPY tools/ca.key /etc/ca.key\n',
        'app/server.key': PRIVATE_KEY,
        'tools/ca.key': PRIVATE_KEY,
        'test/client.key': PRIVATE_KEY,
      }),
      findings: [
        {
          code: 'secrets-sent',
          severity: 'error',
          title:
            'The build context . (built by Dockerfile.alpine, Dockerfile.debian) sends secret-looking files ' +
            'to the builder (test/client.key), ' +
            'and Dockerfile.alpine:3 copies them into the image',
          fixes: ["printf '%s\\n' test/client.key >> .dockerignore"],
        },
        {
          code: 'secrets-sent',
          severity: 'info',
          title: 'Dockerfile.alpine:2 and Dockerfile.debian:2 copy secret-looking files into the image on purpose: app/server.key',
        },
        {
          code: 'secrets-sent',
          severity: 'info',
          title: 'Dockerfile.debian:3 copies secret-looking files into the image on purpose: tools/ca.key',
        },
      ],
      assert: (r) => expect(r.findings[0]!.evidence).toMatchObject({ dockerfiles: ['Dockerfile.alpine', 'Dockerfile.debian'] }),
    },
    {
      name: 'R2: a key a COPY --from carries into the image by directory is needed by it: a note, never an exclusion',
      facts: inProject({
        Dockerfile:
          'FROM golang AS build\nCOPY . /src\nRUN go build -o /app ./...\nFROM alpine\nCOPY --from=build /src/keys/. /svc/keys/.\n' +
          'COPY --from=build /app /svc/app\n',
        'keys/k.pem': PRIVATE_KEY,
        'main.go': 'package main',
      }),
      findings: [
        {
          code: 'secrets-sent',
          severity: 'info',
          subject: 'Dockerfile:5',
          title: 'Dockerfile:5 copies secret-looking files into the image on purpose: keys/k.pem',
          fixes: [undefined],
        },
      ],
    },
    {
      name: 'R2: a key the build stage copied but the image does not carry is still a warning, and its exclusion spares the carried one',
      facts: inProject({
        Dockerfile: 'FROM golang AS build\nWORKDIR /src\nCOPY . .\nFROM alpine\nCOPY --from=build /src/keys /svc/keys\n',
        'keys/k.pem': PRIVATE_KEY,
        'dev/other.pem': PRIVATE_KEY,
      }),
      findings: [
        { code: 'secrets-sent', severity: 'warning', title: /\(dev\/other\.pem\)/ },
        { code: 'secrets-sent', severity: 'info', title: 'Dockerfile:5 copies secret-looking files into the image on purpose: keys/k.pem' },
      ],
      assert: (r) => expect(r.findings[0]!.fixes[0]!.command).toBe("printf '%s\\n' dev/other.pem >> .dockerignore"),
    },
    {
      name: 'R2: a COPY --from of the whole directory the build stage copied the context to is a whole copy into the image',
      facts: inProject({
        Dockerfile: 'FROM golang AS build\nCOPY . /src\nFROM alpine\nCOPY --from=build /src /app\n',
        'keys/k.pem': PRIVATE_KEY,
      }),
      findings: [
        {
          code: 'secrets-sent',
          severity: 'error',
          title:
            'The build context . sends secret-looking files to the builder (keys/k.pem), and Dockerfile:4 ' +
            'carries the stage that copied the ' +
            'whole context into the image',
        },
      ],
    },
    ...EXAMPLE_KEYSTORES.map(([name, files, severity]) => ({
      name,
      facts: inProject({ Dockerfile: 'FROM scratch\nCOPY . /app\n', ...files }),
      findings: [{ code: 'secrets-sent', severity, ...(severity === 'info' ? { title: /sends example keystores to the builder/ } : {}) }],
      assert: (r: CheckResult) => expect(r.findings[0]!.fixes[0]!.command).toMatch(/>> \.dockerignore$/),
    })),
  ],
  skipped: [
    { name: 'a project with no build', facts: inProject({ 'README.md': 'x' }), reason: 'no Dockerfile or compose build in the project' },
  ],
});

describe('build-context', () => {
  it('gives fixes that work when typed: appended lines are not glued to a last line without a newline', async () => {
    const dir = project({ '.dockerignore': 'node_modules', 'web/node_modules/x.js': MIB, '.env': 'TOKEN=1', Dockerfile: 'FROM scratch\n' });
    const before = await diagnose(dir);
    expect(codes(before)).toEqual(['build-context/heavy-paths-sent', 'build-context/secrets-sent']);
    // Each command stands alone, so each ends the unterminated last line; the blank line is harmless.
    for (const finding of before.findings) execFileSync('sh', ['-c', finding.fixes[0]!.command!], { cwd: dir });
    expect(readFileSync(path.join(dir, '.dockerignore'), 'utf8')).toBe('node_modules\n**/node_modules\n\n.env\n');
    expect(codes(await diagnose(dir))).toEqual([]);
  });

  it('past twenty secret files, the fix excludes them by kind, and the evidence stays bounded', async () => {
    const files: Record<string, string> = { '.dockerignore': '.git\n', Dockerfile: 'FROM scratch\n', 'app/.env': 'API_KEY=1' };
    for (let i = 0; i < 150; i++) files[`certs/c${i}.pem`] = 'k';
    const dir = project(files);
    const result = await diagnose(dir);
    const [secrets] = result.findings.filter((f) => f.code === 'build-context/secrets-sent');
    expect(secrets!.fixes[0]!.command).toBe("printf '%s\\n' '**/.env' '**/*.pem' >> .dockerignore");
    expect(secrets!.evidence).toMatchObject({ fileCount: 151 });
    expect(secrets!.evidence!.files).toHaveLength(100);
    execFileSync('sh', ['-c', secrets!.fixes[0]!.command!], { cwd: dir });
    expect(codes(await diagnose(dir))).toEqual([]);
  });

  it('uses the Dockerfile-specific ignore file first, as BuildKit does', async () => {
    const dir = project({
      '.dockerignore': '',
      'app.Dockerfile': 'FROM scratch\n',
      'app.Dockerfile.dockerignore': 'secret.env\n',
      'secret.env': 'x',
    });
    const [build] = await buildsOf(dir);
    expect(build!.ignoreFile).toBe(path.join(dir, 'app.Dockerfile.dockerignore'));
  });

  it('finds compose builds with their context and Dockerfile, and nested Dockerfiles', async () => {
    const dir = project({
      'compose.yaml': 'services:\n  api:\n    build:\n      context: ./api\n      dockerfile: Dockerfile.prod\n',
      'api/Dockerfile.prod': 'FROM scratch\n',
      'worker/Dockerfile': 'FROM scratch\n',
      'node_modules/x/Dockerfile': 'FROM scratch\n',
    });
    const { loadCompose } = await import('../../src/facts/project/compose.js');
    const builds = await buildsOf(dir, await loadCompose(nodeFs, dir, {}));
    expect(builds.map((b) => [b.dockerfile, path.relative(dir, b.context) || '.', b.service])).toEqual([
      ['api/Dockerfile.prod', 'api', 'api'],
      ['worker/Dockerfile', 'worker', undefined],
    ]);
  });
});

describe('build-context: secrets, by what the Dockerfile does with them', () => {
  const secretFindings = (r: { findings: { code: string }[] }) =>
    r.findings.filter((f) => f.code === 'build-context/secrets-sent') as Awaited<ReturnType<typeof diagnose>>['findings'];

  it(
    'a key the Dockerfile copies by name is a note without an exclusion; one sent but never copied ' +
      'is info, and excluding it keeps the COPY working',
    async () => {
      const dir = project({
        Dockerfile: 'FROM scratch\nCOPY certs/server.key certs/server.crt /etc/app/tls/\nCOPY run.sh /app/\n',
        'certs/server.key': 'k',
        'certs/server.crt': 'c',
        'certs/client.key': 'k',
        'run.sh': 'x',
      });
      const result = await rawDiagnose(dir);
      expect(result.status).toBe('passed');
      const [loose, copied] = secretFindings(result);
      expect(loose).toMatchObject({
        severity: 'info',
        title: 'The build context . sends secret-looking files to the builder (certs/client.key), but no COPY puts them in the image',
      });
      expect(loose!.fixes).toEqual([
        { title: 'Exclude them in .dockerignore', command: "printf '%s\\n' certs/client.key >> .dockerignore", runIn: 'project' },
      ]);
      // Its own subject, so the fix of the other finding is not held to it.
      expect(copied).toMatchObject({
        severity: 'info',
        subject: { kind: 'file', name: 'certs/server.key' },
        location: { file: 'Dockerfile', line: 2 },
        title: 'Dockerfile:2 copies secret-looking files into the image on purpose: certs/server.key',
      });
      expect(copied!.fixes.every((f) => f.command === undefined)).toBe(true);
      for (const fix of result.findings.flatMap((f) => f.fixes)) if (fix.command) execFileSync('sh', ['-c', fix.command], { cwd: dir });
      const after = await diagnose(dir);
      expect(after.status).toBe('passed');
      expect(codes(after)).toEqual(['build-context/secrets-sent']);
    },
  );

  it('past twenty secrets, a kind pattern that would exclude a copied file gives way to the paths of that kind', async () => {
    const files: Record<string, string> = {
      '.dockerignore': '.git\n',
      Dockerfile: 'FROM scratch\nCOPY tls/ca.pem /etc/ca.pem\nCOPY . /app/\n',
      'tls/ca.pem': 'c',
      '.env': 'API_TOKEN=1',
    };
    for (let i = 0; i < 25; i++) files[`fixtures/k${i}.key`] = 'k';
    const dir = project(files);
    const [loose] = secretFindings(await diagnose(dir));
    expect(loose!.fixes[0]!.command).toBe("printf '%s\\n' '**/.env' '**/*.key' >> .dockerignore");
    execFileSync('sh', ['-c', loose!.fixes[0]!.command!], { cwd: dir });
    const after = await diagnose(dir);
    expect(codes(after)).toEqual(['build-context/secrets-sent']);
    expect(after.findings[0]!.severity).toBe('info');
  });
});

describe('build-context: a heavy path is heavy by size, and never one the image needs', () => {
  it(
    'without a whole-context copy, heavy paths go unless a COPY names them, and the pattern gives ' +
      'way to the path when it would exclude a COPY source',
    async () => {
      const dir = project({
        '.dockerignore': '.git\n',
        Dockerfile: 'FROM scratch\nCOPY web/dist /srv/\n',
        'web/dist/app.js': 'x',
        'tools/dist/big.bin': MIB,
      });
      const result = await diagnose(dir);
      expect(codes(result)).toEqual(['build-context/heavy-paths-sent']);
      expect(result.findings[0]!.fixes[0]!.command).toBe("printf '%s\\n' tools/dist >> .dockerignore");
      execFileSync('sh', ['-c', result.findings[0]!.fixes[0]!.command!], { cwd: dir });
      expect(await diagnose(dir)).toMatchObject({ status: 'passed', findings: [] });
    },
  );
});

describe('build-context: discovery', () => {
  it(
    'finds Dockerfiles under build/ (built from the root when that is where their sources are) ' +
      'and every Dockerfile name, and the environment lists the same',
    async () => {
      const dir = project({
        'build/package/Dockerfile': 'FROM golang:1.22\nCOPY go.mod go.sum ./\nRUN go mod download\n',
        'go.mod': 'module x',
        'go.sum': '',
        'Dockerfile.prod.alpine': 'FROM scratch\n',
        'prod.Dockerfile': 'FROM scratch\n',
        'ops/Containerfile': 'FROM scratch\n',
        'docs/Dockerfile.md': '# not one',
        'tmpl/Dockerfile.template': 'FROM {{image}}\n',
        'node_modules/x/Dockerfile': 'FROM scratch\n',
        'vendor/y/Dockerfile': 'FROM scratch\n',
      });
      const facts = createFacts({ ...fakeClients(), fs: nodeFs }, { projectDir: dir, timeoutMs: 10_000 });
      const listed = (await facts.projectFiles()).dockerfiles;
      // Breadth-first: shallower first, each directory's names in order.
      expect(listed).toEqual(['Dockerfile.prod.alpine', 'prod.Dockerfile', 'ops/Containerfile', 'build/package/Dockerfile']);
      const builds = await facts.builds();
      expect(builds.map((b) => [b.dockerfile, path.relative(dir, b.context) || '.'])).toEqual([
        ['Dockerfile.prod.alpine', '.'],
        ['prod.Dockerfile', '.'],
        ['ops/Containerfile', 'ops'],
        ['build/package/Dockerfile', '.'],
      ]);
    },
  );

  it('reads the tree through the injected file system, skipping dependency trees and names that are not built', async () => {
    const fs = fakeFs({
      '/p/Containerfile': 'FROM scratch',
      '/p/dockerfile': 'FROM scratch',
      '/p/Dockerfile.dockerignore': 'x',
      '/p/Dockerfile~': 'FROM scratch',
      '/p/a/b/c/Dockerfile': 'FROM scratch',
      '/p/a/b/c/d/Dockerfile': 'FROM scratch',
      '/p/.devcontainer/Dockerfile': 'FROM scratch',
      '/p/node_modules/m/Dockerfile': 'FROM scratch',
      '/p/target/Dockerfile': 'FROM scratch',
    });
    // Three levels deep, as before: a/b/c/Dockerfile is found, a/b/c/d/Dockerfile is not.
    expect(await findDockerfiles(fs, '/p')).toEqual(['Containerfile', 'dockerfile', '.devcontainer/Dockerfile', 'a/b/c/Dockerfile']);
  });
});

/** Dockerfile text → the cache rules it breaks, with their lines. */
const CACHE_RULES: [string, string, (string | number)[][]][] = [
  ['COPY . . before npm ci', 'FROM node:20\nCOPY . .\nRUN npm ci\n', [['copy-before-install', 2]]],
  [
    'ADD ./ before pip install, across a line continuation',
    'FROM python:3\nADD ./ /app\nRUN pip install \\\n  -r requirements.txt\n',
    [['copy-before-install', 2]],
  ],
  ['manifest first is fine', 'FROM node:20\nCOPY package*.json ./\nRUN npm ci\nCOPY . .\nRUN npm run build\n', []],
  ['only within the same stage', 'FROM node:20 AS a\nCOPY . .\nFROM node:20\nRUN npm ci\n', []],
  [
    'apt-get update alone; the install-only RUN after it is not "lists kept" (its lists are in the earlier layer)',
    'FROM debian\nRUN apt-get update\nRUN apt-get install -y curl\n',
    [['apt-update-alone', 2]],
  ],
  ['lists kept by the RUN that fetched them', 'FROM debian\nRUN apt-get update && apt-get install -y curl\n', [['apt-lists-kept', 2]]],
  ['apt done right', 'FROM debian\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n', []],
  [
    'dependencies fetched before the copy: building after it is fine',
    'FROM maven\nCOPY pom.xml .\nRUN mvn dependency:go-offline\nCOPY . .\nRUN mvn package\n',
    [],
  ],
  ['yarn build is not an install', 'FROM node:20\nCOPY . .\nRUN yarn build\n', []],
  ['a bare yarn is', 'FROM node:20\nCOPY . .\nRUN yarn --frozen-lockfile && yarn build\n', [['copy-before-install', 2]]],
  [
    'apt in a heredoc, and a backtick escape directive',
    '# syntax=docker/dockerfile:1\nFROM debian\nRUN <<EOF\napt-get update\napt-get install -y curl\nEOF\n',
    [['apt-lists-kept', 3]],
  ],
  [
    'backtick continuation',
    '# escape=`\nFROM debian\nRUN apt-get update && `\n    apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n',
    [],
  ],
  ['COPY --from is not the context', 'FROM a AS b\nFROM node:20\nCOPY --from=b . .\nRUN npm ci\n', []],
  [
    'cargo-chef cooks the dependencies before the copy',
    'FROM rust AS chef\nRUN cargo install cargo-chef\nFROM chef AS planner\nCOPY . .\nRUN cargo ' +
      'chef prepare --recipe-path recipe.json\nFROM chef AS builder\nCOPY --from=planner /recipe.json ' +
      '.\nRUN cargo chef cook --release --recipe-path recipe.json\nCOPY . .\nRUN cargo build --release\n' +
      'FROM debian\nCOPY --from=builder /target/release/app /app\n',
    [],
  ],
  [
    'an unrelated pip upgrade does not hide the install after the copy',
    'FROM python:3\nRUN pip install --upgrade pip\nCOPY . .\nRUN pip install -r requirements.txt\n',
    [['copy-before-install', 3]],
  ],
  [
    'npm install -g of a tool does not either, and COPY ./ . copies the whole context',
    'FROM node:20\nRUN npm install -g pnpm\nCOPY ./ .\nRUN npm ci\n',
    [['copy-before-install', 3]],
  ],
  [
    'pip wheel -r is an install, and COPY .. stops at the context root',
    'FROM python:3 AS w\nCOPY .. /app\nRUN pip wheel -w /wheels -r requirements.txt\nFROM python:3-slim\nCOPY --from=w /wheels /wheels\n',
    [['copy-before-install', 2]],
  ],
  ['naming a package is not installing the manifests', 'FROM node:20\nCOPY . .\nRUN npm install express\n', []],
  [
    'an install in the stage it is built FROM came first',
    'FROM node:20 AS deps\nCOPY package*.json ./\nRUN npm ci\nFROM deps\nCOPY . .\nRUN npm ci --offline\n',
    [],
  ],
  ['a stage the build never runs is not judged', 'FROM node:20 AS unused\nCOPY . .\nRUN npm ci\nFROM scratch\nCOPY app /app\n', []],
  [
    'apt lists in a stage the image only copies files from stay behind',
    'FROM debian AS tools\nRUN apt-get update && apt-get install -y curl\nFROM scratch\nCOPY --from=tools /usr/bin/curl /curl\n',
    [],
  ],
  [
    'apt lists in the stage the image is built FROM are in it',
    'FROM debian AS base\nRUN apt-get update && apt-get install -y curl\nFROM base\nCMD ["curl"]\n',
    [['apt-lists-kept', 2]],
  ],
  [
    'removing lists a later RUN installs from would break it: said nothing',
    'FROM debian\nRUN apt-get update && apt-get install -y a\nRUN apt-get install -y b && rm -rf /var/lib/apt/lists/*\n',
    [],
  ],
];

/** The copy-before-install reorder fix keeps the install command as the user wrote it. */
const REORDER_FIXES = [
  ['npm', 'FROM node:20\nCOPY . .\nRUN npm ci --omit=dev\n', 'COPY package*.json ./\nRUN npm ci --omit=dev\nCOPY . .'],
  [
    'pip, into the WORKDIR named in full',
    'FROM python:3\nWORKDIR /app\nCOPY . /app\nRUN pip install -r requirements.txt\n',
    'COPY requirements*.txt /app/\nRUN pip install -r requirements.txt\nCOPY . /app',
  ],
  [
    'npm with the build in the same RUN: the build comes after the sources',
    'FROM node:20\nCOPY . .\nRUN npm ci && npm run build\n',
    'COPY package*.json ./\nRUN npm ci\nCOPY . .\nRUN npm run build',
  ],
  [
    'maven, whose install is the build',
    'FROM maven\nCOPY . .\nRUN mvn -B package\n',
    'COPY pom.xml ./\nRUN mvn dependency:go-offline\nCOPY . .\nRUN mvn -B package',
  ],
];

describe('Dockerfile cache rules', () => {
  const rules = (text: string) => cacheFindings(parseDockerfile('Dockerfile', text)).map((f) => [f.cause, f.line]);

  it.each(CACHE_RULES)('%s', (_name, text, expected) => {
    expect(rules(text)).toEqual(expected);
  });

  it.each(REORDER_FIXES)("the reorder fix for %s keeps the user's own command", (_tool, text, reorder) => {
    expect(cacheFindings(parseDockerfile('Dockerfile', text))[0]!.reorder?.command).toBe(reorder);
  });

  it('reads COPY sources in both forms', () => {
    const df = parseDockerfile(
      'Dockerfile',
      'FROM x\nCOPY ["a b.txt", "./c/", "/dst/"]\nCOPY --chown=1 ./src/../lib /x\nADD https://example.com/f /f\n',
    );
    expect(df.instructions.map(copySources)).toEqual([[], ['a b.txt', 'c'], ['lib'], []]);
  });
});

/** Cache rules on real projects (second round). */
const SECOND_ROUND_RULES: [string, string, (string | number)[][]][] = [
  [
    'apt-get -y install (an option before the subcommand) is the install of the same RUN',
    'FROM debian\nRUN apt-get update && apt-get -y install wget\n',
    [['apt-lists-kept', 2]],
  ],
  [
    'apt-get -qq, -o values and continuations too',
    'FROM debian\nRUN apt-get -qq update && \\\n  DEBIAN_FRONTEND=noninteractive apt-get -o Dpkg::Options::=--force-confold ' +
      '\\\n  -qq install wget && rm -rf /var/lib/apt/lists/*\n',
    [],
  ],
  [
    "pnpm fetch from the lockfile, then install --offline after the copy: pnpm's own recipe",
    'FROM node:20\nCOPY pnpm-lock.yaml ./\nRUN pnpm fetch\nCOPY . .\nRUN pnpm install --offline\n',
    [],
  ],
  [
    'a global tool after the copy is not a dependency install (turbo prune)',
    'FROM node:20\nCOPY . .\nRUN npm install -g turbo\nRUN turbo prune web --docker\n',
    [],
  ],
  [
    'a pip upgrade after the copy is not one either, and does not hide the real install',
    'FROM python:3\nCOPY . .\nRUN pip install --upgrade pip\nRUN pip install -r requirements.txt\n',
    [['copy-before-install', 2]],
  ],
];

describe('build-context: right on real projects (second round)', () => {
  const rules = (text: string) => cacheFindings(parseDockerfile('Dockerfile', text)).map((f) => [f.cause, f.line]);

  it.each(SECOND_ROUND_RULES)('%s', (_name, text, expected) => {
    expect(rules(text)).toEqual(expected);
  });

  it('the apt-lists fix takes the form of the RUN: a last line for a heredoc script, a fragment otherwise', () => {
    const fix = (text: string) => cacheFindings(parseDockerfile('Dockerfile', text)).map((f) => aptListsFix(f.run))[0];
    expect(fix('# syntax=docker/dockerfile:1\nFROM debian\nRUN <<EOF\napt-get update\napt-get install -y git\nEOF\n')).toEqual({
      title: 'Add `rm -rf /var/lib/apt/lists/*` as the last line of the heredoc, before EOF',
      command: 'RUN <<EOF\napt-get update\napt-get install -y git\nrm -rf /var/lib/apt/lists/*\nEOF',
    });
    expect(fix('FROM debian\nRUN --network=host <<-EOT bash\n\tapt-get update\n\tapt-get install -y git\n\tEOT\n')!.command).toBe(
      'RUN --network=host <<-EOT bash\n\tapt-get update\n\tapt-get install -y git\nrm -rf /var/lib/apt/lists/*\n\tEOT',
    );
    expect(fix('FROM debian\nRUN apt-get update && apt-get install -y git\n')).toEqual({
      title: 'Remove the lists in the same RUN',
      command: '&& rm -rf /var/lib/apt/lists/*',
    });
    // A heredoc that is data for a command (cat <<EOF > file), not the script: said in words.
    expect(fix('FROM debian\nRUN apt-get update && apt-get install -y git && cat <<EOF > /etc/motd\nhi\nEOF\n')).toEqual({
      title: 'Add `&& rm -rf /var/lib/apt/lists/*` to the end of the apt-get install command',
    });
  });
});

describe('build-context: the copy-before-install fix', () => {
  describe('the copy-before-install fix copies the manifests from where they are', () => {
    const fixOf = async (files: Record<string, string>) =>
      (await diagnose(project(files))).findings.find((f) => f.code === 'build-context/copy-before-install')!.fixes[0]!;

    it('.NET: every project file at its path, the solution-wide settings, and the restore where the Dockerfile restores', async () => {
      const fix = await fixOf({
        Dockerfile:
          'FROM mcr.microsoft.com/dotnet/sdk:8.0\nWORKDIR /app\nCOPY . .\nWORKDIR /app/src/Web\nRUN dotnet ' +
          'restore\nRUN dotnet publish -o /out\n',
        'App.sln': '',
        'Directory.Packages.props': '<Project/>',
        'src/Web/Web.csproj': '<Project/>',
        'src/Web/Program.cs': '',
        'src/Core/Core.csproj': '<Project/>',
      });
      expect(fix.command).toBe(
        'COPY App.sln Directory.Packages.props ./\nCOPY src/Core/Core.csproj src/Core/\nCOPY src/Web/Web.csproj ' +
          'src/Web/\nRUN cd src/Web && dotnet restore\nCOPY . .',
      );
      expect(fix.title).toContain('Replace line 3 with these lines');
    });

    it('Go in a subdirectory, by WORKDIR or by cd, into a copy named in full', async () => {
      const tree = { 'svc/go.mod': 'module x', 'svc/go.sum': '', 'svc/main.go': 'package main' };
      expect(
        (await fixOf({ ...tree, Dockerfile: 'FROM golang:1.22\nWORKDIR /src\nCOPY . .\nWORKDIR /src/svc\nRUN go mod download\n' })).command,
      ).toBe('COPY svc/go.mod svc/go.sum svc/\nRUN cd svc && go mod download\nCOPY . .');
      expect(
        (await fixOf({ ...tree, Dockerfile: 'FROM golang:1.22\nCOPY . /src\nRUN cd /src/svc && go mod download && go build ./...\n' }))
          .command,
      ).toBe('COPY svc/go.mod svc/go.sum /src/svc/\nRUN cd /src/svc && go mod download\nCOPY . /src');
    });

    it('only the manifests that exist are named, and with none there is no command', async () => {
      expect((await fixOf({ Dockerfile: 'FROM golang:1.22\nCOPY . .\nRUN go mod download\n', 'go.mod': 'module x' })).command).toBe(
        'COPY go.mod ./\nRUN go mod download\nCOPY . .',
      );
      // go.mod is in svc/ but the install runs at the root: a COPY of go.mod there would fail the build.
      expect(await fixOf({ Dockerfile: 'FROM golang:1.22\nCOPY . .\nRUN go mod download\n', 'svc/go.mod': 'module x' })).toEqual({
        title: 'Copy the dependency manifests first, install, then copy the rest',
      });
      // An install that runs outside what the copy put in place: nothing can be told.
      expect(
        await fixOf({ Dockerfile: 'FROM python:3\nCOPY . /app\nRUN pip install -r requirements.txt\n', 'requirements.txt': 'flask' }),
      ).toEqual({ title: 'Copy the dependency manifests first, install, then copy the rest' });
    });
  });
});

describe('build-context: right on real projects (second round, fixes and discovery)', () => {
  it(
    'steps between the copy and the install stay before it: the copy moves below the install, or, ' +
      'when a step may read the sources, the fix says so in words',
    async () => {
      const dockerfile = (step: string) =>
        'FROM python:3\nWORKDIR /home/app\nCOPY --chown=app . .\nENV VIRTUAL_ENV=/home/app/venv\n' +
        `RUN python -m venv $VIRTUAL_ENV && pip install --upgrade pip\n${step}\nRUN pip install -r requirements.txt\n`;
      const fixes = async (step: string) =>
        (await diagnose(project({ Dockerfile: dockerfile(step), 'requirements.txt': 'flask\n', 'entrypoint.sh': '' }))).findings.map(
          (f) => f.fixes,
        );
      expect(await fixes('ENV PATH="$VIRTUAL_ENV/bin:$PATH"')).toEqual([
        [
          {
            title:
              'Remove line 3 and put these lines in place of line 7: the steps between them keep their order, ' +
              'and the sources come after the install',
            command: 'COPY --chown=app requirements*.txt ./\nRUN pip install -r requirements.txt\nCOPY --chown=app . .',
          },
        ],
      ]);
      expect(await fixes('RUN chmod +x entrypoint.sh')).toEqual([
        [
          {
            title:
              'Copy the dependency manifests and install before line 3, moving up with them what the install ' +
              'needs among lines 4–6 (ENV, RUN); then copy the rest',
          },
        ],
      ]);
    },
  );

  it(
    'a Dockerfile that names its own directory inside the image is built from the root; a one-word ' + 'directory is not enough to tell',
    async () => {
      const dir = project({
        'src/Web/Dockerfile': 'FROM sdk\nWORKDIR /app\nCOPY . .\nWORKDIR "/app/src/Web"\nRUN dotnet restore\n',
        'src/Web/Web.csproj': '<Project/>',
        'svc/Dockerfile': 'FROM golang\nWORKDIR /src/svc\nCOPY . .\nRUN go build\n',
        'svc/main.go': 'package main',
      });
      expect((await buildsOf(dir)).map((b) => [b.dockerfile, path.relative(dir, b.context) || '.'])).toEqual([
        ['svc/Dockerfile', 'svc'],
        ['src/Web/Dockerfile', '.'],
      ]);
    },
  );
});

describe('build-context: right on real projects (second round, names)', () => {
  it('finds Dockerfile-<variant> names, in discovery and in the environment alike', async () => {
    const fs = fakeFs({
      '/p/Dockerfile-alpine': 'FROM scratch',
      '/p/Dockerfile-test': 'FROM scratch',
      '/p/Dockerfile-lint.yml': 'x',
      '/p/Containerfile-dev': 'FROM scratch',
    });
    expect(await findDockerfiles(fs, '/p')).toEqual(['Containerfile-dev', 'Dockerfile-alpine', 'Dockerfile-test']);
    const dir = project({ 'Dockerfile-alpine': 'FROM scratch\nCOPY . /src/\n', 'main.go': 'package main' });
    const facts = createFacts({ ...fakeClients(), fs: nodeFs }, { projectDir: dir, timeoutMs: 10_000 });
    expect((await facts.projectFiles()).dockerfiles).toEqual(['Dockerfile-alpine']);
    expect((await facts.builds()).map((b) => b.dockerfile)).toEqual(['Dockerfile-alpine']);
  });

  it('build output is excluded by its path when a light directory of the same name is source (vendor/…/target, build/ci)', async () => {
    const dir = project({
      Dockerfile: 'FROM golang:1.22\nCOPY go.mod ./\nCOPY cmd ./cmd\nCOPY vendor ./vendor\nCOPY build/ci ./build/ci\n',
      'go.mod': 'module x',
      'target/release/app.bin': MIB,
      'vendor/example.com/lib/target/target.go': 'package target\n'.repeat(300),
      'build/ci/rules.mk': 'all:\n',
      'web/build/bundle.js': MIB,
    });
    const result = await diagnose(dir);
    expect(result.findings.find((f) => f.code === 'build-context/no-dockerignore')!.evidence!.proposal).toBe(
      '# Proposed by docker-doctor from what this context holds\ntarget\nweb/build\n',
    );
  });
});

/** Cache rules on real projects (final review): apt lists other stages need, and cache mounts. */
const FINAL_REVIEW_RULES: [string, string, (string | number)[][]][] = [
  [
    'R3: a stage built FROM this one installs from its lists with no update: no rm fix',
    'FROM debian AS base\nRUN apt-get update && apt-get install -y curl\nFROM base AS build\nRUN ' +
      'apt-get install -y gcc\nRUN echo x > /out\nFROM base\nCOPY --from=build /out /out\n',
    [],
  ],
  [
    'R3: transitively too',
    'FROM debian AS base\nRUN apt-get update && apt-get install -y curl\nFROM base AS mid\nRUN ' +
      'true\nFROM mid AS build\nRUN apt-get -y install gcc\nFROM base\nCOPY --from=build /out /out\n',
    [],
  ],
  [
    'R3: a derived stage that updates for itself needs nothing from these lists',
    'FROM debian AS base\nRUN apt-get update && apt-get install -y curl\nFROM base AS build\nRUN ' +
      'apt-get update && apt-get install -y gcc\nFROM base\nCOPY --from=build /out /out\n',
    [['apt-lists-kept', 2]],
  ],
  [
    'R3: an install-only RUN in an unrelated stage does not count',
    'FROM debian AS other\nRUN apt-get install -y gcc\nFROM debian AS base\nRUN apt-get update ' +
      '&& apt-get install -y curl\nFROM base\nCOPY --from=other /out /out\n',
    [['apt-lists-kept', 4]],
  ],
  [
    'FN1: a tmpfs on /var/log keeps the lists in the layer',
    'FROM debian\nRUN --mount=type=tmpfs,target=/var/log apt-get -y update && apt-get -y install curl\n',
    [['apt-lists-kept', 2]],
  ],
  [
    'FN1: a pip cache mount does too',
    'FROM debian\nRUN --mount=type=cache,target=/root/.cache apt-get update && apt-get install -y curl\n',
    [['apt-lists-kept', 2]],
  ],
  [
    'FN1: /var/cache/apt alone does too',
    'FROM debian\nRUN --mount=type=cache,target=/var/cache/apt apt-get update && apt-get install -y curl\n',
    [['apt-lists-kept', 2]],
  ],
  [
    'FN1: a cache on /var/lib/apt keeps them out',
    'FROM debian\nRUN --mount=type=cache,target=/var/cache/apt,sharing=locked --mount=type=cache,target=/var/lib/apt,sharing=locked ' +
      'apt-get update && apt-get install -y curl\n',
    [],
  ],
  [
    'FN1: so does one on /var/lib/apt/lists/ (dst= spelling)',
    'FROM debian\nRUN --mount=type=cache,dst=/var/lib/apt/lists/ apt-get update && apt-get install -y curl\n',
    [],
  ],
];

describe('build-context: right on real projects (final review)', () => {
  const rules = (text: string) => cacheFindings(parseDockerfile('Dockerfile', text)).map((f) => [f.cause, f.line]);

  it('R2: a build output a COPY --from carries is not protected from a heavy-path exclusion (node_modules is rebuilt there)', async () => {
    const dir = project({
      Dockerfile:
        'FROM node:20 AS build\nWORKDIR /app\nCOPY . .\nRUN npm ci\nFROM node:20-slim\nCOPY --from=build ' +
        '/app/node_modules /app/node_modules\n',
      'package.json': '{}',
      'package-lock.json': '{}',
      'node_modules/big/blob.js': MIB,
    });
    expect(codes(await diagnose(dir))).toContain('build-context/no-dockerignore');
  });

  it.each(FINAL_REVIEW_RULES)('%s', (_name, text, expected) => {
    expect(rules(text)).toEqual(expected);
  });
});
