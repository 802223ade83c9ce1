import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { FsClient } from '../../src/facts/clients.js';
import { createFacts } from '../../src/facts/index.js';
import { fakeClients, fakeFs, type FakeFile } from '../helpers/fakes.js';

// Nothing here exists on disk: every answer below can only have come through the injected file system.
const DIR = '/fake-project-for-facts';

/** Project facts over a fake file system that records every path it was asked about. */
function projectAt(files: Record<string, string | FakeFile>, env: Record<string, string> = {}) {
  const asked: string[] = [];
  const inner = fakeFs(Object.fromEntries(Object.entries(files).map(([p, f]) => [`${DIR}/${p}`, f])));
  const fs: FsClient = {
    readText: (p) => (asked.push(p), inner.readText(p)),
    stat: (p) => (asked.push(p), inner.stat(p)),
    readdir: (p) => (asked.push(p), inner.readdir(p)),
    readlink: (p) => (asked.push(p), inner.readlink(p)),
  };
  const facts = createFacts({ ...fakeClients({ env }), fs }, { projectDir: DIR, timeoutMs: 2000 });
  return { facts, asked };
}

describe('builds read only through the injected clients', () => {
  it('the project directory is not on disk', () => {
    expect(existsSync(DIR)).toBe(false);
  });

  it('builds a Dockerfile from the project root when its COPY sources are there (Go layout)', async () => {
    const { facts, asked } = projectAt({
      'go.mod': 'module x\n',
      'cmd/main.go': 'package main\n',
      'build/package/Dockerfile': 'FROM golang\nCOPY go.mod ./\nCOPY cmd ./cmd\n',
    });
    const builds = await facts.builds();
    expect(builds.map((b) => [b.dockerfile, b.context, b.ignoreFile])).toEqual([['build/package/Dockerfile', DIR, undefined]]);
    expect(asked).toContain(`${DIR}/build/package/Dockerfile`);
    expect(asked).toContain(`${DIR}/go.mod`);
  });

  it("keeps a Dockerfile in its own directory when its sources are there, with the Dockerfile's own ignore file", async () => {
    const { facts } = projectAt({
      '.dockerignore': 'node_modules\n',
      'web/Dockerfile': 'FROM nginx\nCOPY site /usr/share/nginx/html\n',
      'web/Dockerfile.dockerignore': '*.md\n',
      'web/site/index.html': '<p>hi</p>\n',
    });
    const [build] = await facts.builds();
    expect(build).toMatchObject({ dockerfile: 'web/Dockerfile', context: `${DIR}/web`, ignoreFile: `${DIR}/web/Dockerfile.dockerignore` });
  });

  it('builds from the root a Dockerfile whose directory holds only Dockerfiles and that copies the whole context', async () => {
    const { facts } = projectAt({
      '.dockerignore': '.git\n',
      'docker/Dockerfile': 'FROM node\nCOPY . .\n',
      'docker/Dockerfile.dev': 'FROM node\nCOPY . .\n',
      'package.json': '{}\n',
    });
    const builds = await facts.builds();
    expect(builds.map((b) => [b.dockerfile, b.context, b.ignoreFile])).toEqual([
      ['docker/Dockerfile', DIR, `${DIR}/.dockerignore`],
      ['docker/Dockerfile.dev', DIR, `${DIR}/.dockerignore`],
    ]);
  });

  it("finds a compose build's context and its .dockerignore", async () => {
    const { facts } = projectAt({
      'compose.yaml': 'services:\n  api:\n    build: ./api\n',
      'api/Dockerfile': 'FROM node\nCOPY . .\n',
      'api/.dockerignore': 'node_modules\n',
    });
    const [build] = await facts.builds();
    expect(build).toMatchObject({ service: 'api', context: `${DIR}/api`, ignoreFile: `${DIR}/api/.dockerignore` });
    expect((await facts.buildDockerfile(build!))?.instructions.map((i) => i.keyword)).toEqual(['FROM', 'COPY']);
  });
});

describe('compose facts read only through the injected clients', () => {
  it("expands ~ in compose bind sources from the injected environment's HOME", async () => {
    const { facts } = projectAt({ 'compose.yaml': 'services:\n  web:\n    volumes: ["~/data:/data"]\n' }, { HOME: '/home/someone' });
    const compose = await facts.compose();
    expect(compose?.services[0]?.volumes[0]).toMatchObject({ type: 'bind', source: '/home/someone/data', sourceAsWritten: '~/data' });
  });

  it('reads COMPOSE_FILE from the injected environment, not this process', async () => {
    const { facts } = projectAt(
      { 'compose.yaml': 'services:\n  main: {image: x}\n', 'other.yml': 'services:\n  other: {image: y}\n' },
      { COMPOSE_FILE: 'other.yml' },
    );
    expect((await facts.projectFiles()).composeFiles).toEqual(['other.yml']);
    expect((await facts.compose())?.services.map((s) => s.name)).toEqual(['other']);
  });

  it('parses an inline Dockerfile with the line numbers of its compose file', async () => {
    const { facts } = projectAt({
      'compose.yaml':
        'services:\n  app:\n    build:\n      context: .\n      dockerfile_inline: |\n        FROM alpine\n        RUN true\n',
    });
    const [build] = await facts.builds();
    const parsed = await facts.buildDockerfile(build!);
    expect(parsed?.instructions.map((i) => [i.keyword, i.line])).toEqual([
      ['FROM', 6],
      ['RUN', 7],
    ]);
  });
});
