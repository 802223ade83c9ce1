import { execFileSync } from 'node:child_process';
import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, symlinkSync, truncateSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { scanContext } from '../../src/facts/project/context-scan.js';
import { sentPaths } from '../../src/facts/project/context-walk.js';
import { parseIgnoreFile } from '../../src/facts/project/ignore.js';
import { discoverBuilds } from '../../src/facts/project/builds.js';
import { findDockerfiles } from '../../src/facts/project/find-dockerfiles.js';
import { nodeFs } from '../../src/facts/clients.js';
import { findingsOf, runCli } from '../helpers/cli.js';
import { buildkitClient, dockerMayFail, engineAvailable, ensureTestImage, TEST_LABEL } from '../helpers/engine.js';
import { tempDir } from '../helpers/sockets.js';
import { writeTree } from '../helpers/tree.js';

const scope = `bc-${process.pid}-${Date.now().toString(36)}`;
const tag = `docker-doctor-test/context-${scope}:1`;

/** Tricky patterns from reference/docker-failures.md: anchoring, **, ! inside excluded dirs, depth, case, comments, a leading /. */
const IGNORE = [
  '# a comment line',
  'node_modules',
  '*.log',
  '**/tmp',
  'docs',
  '!docs/keep.md',
  '/build',
  'secret.txt',
  '  # not a comment: a pattern',
  'c++',
  'data/**/*.csv',
  '!data/keep/*.csv',
].join('\n');
const TREE: Record<string, string> = {
  'node_modules/a.js': 'x',
  'src/node_modules/b.js': 'x',
  'src/index.js': 'x',
  'src/tmp/t.txt': 'x',
  'tmp/root.txt': 'x',
  'a.log': 'x',
  'logs/deep.log': 'x',
  'docs/keep.md': 'x',
  'docs/other.md': 'x',
  'build/out.js': 'x',
  'src/build/kept.js': 'x',
  'secret.txt': 'x',
  'Secret.txt': 'x',
  '# not a comment: a pattern': 'x',
  'c++/lib.h': 'x',
  'data/a/b/x.csv': 'x',
  'data/keep/y.csv': 'x',
  'data/readme.txt': 'x',
  '.hidden': 'x',
};

describe.runIf(engineAvailable())('build-context on a real engine', () => {
  afterAll(async () => {
    await dockerMayFail('rm', '-f', `dd-${scope}`, `dd-${scope}-bk`);
    await dockerMayFail('rmi', '-f', tag, `${tag}-bk`, `${tag}-apply`, `${tag}-reorder0`, `${tag}-reorder1`, `${tag}-reorder2`);
  });

  it('the files the check says are sent are exactly the files the engine receives', async () => {
    const context = tempDir('dd-conformance-');
    writeTree(context, { ...TREE, '.dockerignore': IGNORE, Dockerfile: 'FROM scratch\nCOPY . /ctx/\n' });
    // Symlink loops: the builder sends links as links, never following them.
    symlinkSync('.', path.join(context, 'src', 'loop'));
    symlinkSync('..', path.join(context, 'src', 'up'));
    await execa('docker', ['build', '-q', '--force-rm', '--label', `${TEST_LABEL}=${scope}`, '-t', tag, context], {
      env: { DOCKER_BUILDKIT: process.env.DOCKER_BUILDKIT ?? '' },
    });
    await execa('docker', ['create', '--name', `dd-${scope}`, '--label', `${TEST_LABEL}=${scope}`, tag, '/nonexistent']);
    const exported = path.join(tempDir(), 'fs.tar');
    await execa('docker', ['export', '-o', exported, `dd-${scope}`]);
    const listing = String((await execa('tar', ['-tf', exported])).stdout)
      .split('\n')
      .filter((entry) => entry.startsWith('ctx/') && !entry.endsWith('/'))
      .map((entry) => entry.slice('ctx/'.length))
      .sort();

    const scan = await scanContext(context, {
      rules: parseIgnoreFile(readFileSync(path.join(context, '.dockerignore'), 'utf8')),
      alwaysSent: ['Dockerfile', '.dockerignore'],
      budgetMs: 10_000,
    });
    expect(sentPaths(scan.dirs).sort()).toEqual(listing);
    // Sanity: the fixture exercises both sides of every rule.
    expect(listing).toContain('src/node_modules/b.js');
    expect(listing).toContain('docs/keep.md');
    expect(listing).not.toContain('docs/other.md');
    expect(listing).toContain('Secret.txt');
    expect(listing).toContain('data/keep/y.csv');
    expect(listing).toContain('src/loop');
  });

  it.runIf(buildkitClient() !== undefined)(
    'with BuildKit, the Dockerfile-specific ignore file wins, and the files still match what the engine receives',
    async () => {
      const context = tempDir('dd-conformance-bk-');
      // Engine 20.10's BuildKit predates the regex escaping of "+" (it rejects "c++" as a syntax error), so that line is left out here.
      const ignore = IGNORE.split('\n')
        .filter((line) => line !== 'c++')
        .join('\n');
      writeTree(context, {
        ...TREE,
        '.dockerignore': 'src\n',
        'app.Dockerfile': 'FROM scratch\nCOPY . /ctx/\n',
        'app.Dockerfile.dockerignore': ignore,
      });
      const [build] = await discoverBuilds(context, null, await findDockerfiles(nodeFs, context));
      expect(build!.ignoreFile).toBe(path.join(context, 'app.Dockerfile.dockerignore'));
      await execa(
        buildkitClient()!,
        ['build', '-q', '-f', path.join(context, 'app.Dockerfile'), '--label', `${TEST_LABEL}=${scope}`, '-t', `${tag}-bk`, context],
        { env: { DOCKER_BUILDKIT: '1' } },
      );
      await execa('docker', ['create', '--name', `dd-${scope}-bk`, '--label', `${TEST_LABEL}=${scope}`, `${tag}-bk`, '/nonexistent']);
      const exported = path.join(tempDir(), 'fs.tar');
      await execa('docker', ['export', '-o', exported, `dd-${scope}-bk`]);
      const listing = String((await execa('tar', ['-tf', exported])).stdout)
        .split('\n')
        .filter((entry) => entry.startsWith('ctx/') && !entry.endsWith('/'))
        .map((entry) => entry.slice('ctx/'.length))
        .sort();
      // BuildKit applies the rules to the Dockerfile and ignore files too (this fixture excludes neither).
      const scan = await scanContext(context, { rules: parseIgnoreFile(readFileSync(build!.ignoreFile!, 'utf8')), budgetMs: 10_000 });
      expect(sentPaths(scan.dirs).sort()).toEqual(listing);
      expect(listing).toContain('src/index.js'); // the shared .dockerignore (which excludes src) was not used
    },
  );

  it('diagnoses a generated project with 6,000 files in node_modules and no ignore file, and --fix writes the proposal', async () => {
    const project = tempDir('dd-bc-project-');
    const files: Record<string, string> = {
      'package.json': '{}',
      'src/index.js': 'console.log(1)',
      Dockerfile: 'FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD ["node", "src/index.js"]\n',
    };
    // Enough entries that the walk hands half of the tree to its worker thread.
    for (let i = 0; i < 6000; i++) files[`node_modules/pkg${i % 50}/file${i}.js`] = 'module.exports = 1;\n'.repeat(10);
    writeTree(project, files);

    const run = await runCli(['build-context', '--json', '-C', project, '--fail-on', 'warning']);
    expect(run.exitCode).toBe(1);
    const findings = run.report!.checks[0]!.findings;
    const [missing] = findings.filter((f) => f.code === 'build-context/no-dockerignore');
    expect(missing!.title).toMatch(
      /^The project has no \.dockerignore, so the build sends node_modules \(\d+ (KiB|MiB)\): \d+ (KiB|MiB) in 6,00\d files in all$/,
    );
    expect(missing!.evidence).toMatchObject({ before: { files: 6003 }, after: { files: 3 } });
    expect(findings.find((f) => f.code === 'build-context/copy-before-install')).toMatchObject({
      location: { file: 'Dockerfile', line: 3 },
    });

    const fixed = await runCli(['build-context', '--fix', '--json', '-C', project]);
    expect(fixed.stderr).toContain(`fix: wrote ${path.join(project, '.dockerignore')}`);
    expect(readFileSync(path.join(project, '.dockerignore'), 'utf8')).toContain('**/node_modules');
    const again = await runCli(['build-context', '--fix', '--json', '-C', project]);
    expect(again.report!.checks[0]!.findings.map((f) => f.code)).not.toContain('build-context/no-dockerignore');
  });

  it('applying every printed fix keeps docker build working, the served assets and the key the Dockerfile copies in the image, and the leaked files out', async () => {
    const image = await ensureTestImage();
    const project = tempDir('dd-bc-apply-');
    writeTree(project, {
      Dockerfile: `FROM ${image}\nWORKDIR /srv\nCOPY certs/server.key /etc/app/tls/server.key\nCOPY . .\nCMD ["httpd", "-f", "-h", "/srv/wwwroot"]\n`,
      'certs/server.key': 'test fixture key',
      'certs/server.crt': 'test fixture cert',
      '.env': 'DATABASE_URL=postgres://app:fixture@db/app',
      'wwwroot/index.html': '<link rel="stylesheet" href="lib/bootstrap/dist/css/bootstrap.min.css">',
    });
    // Heavy, but sparse: real sizes for the walk, nothing written.
    for (const [file, bytes] of [
      ['wwwroot/lib/bootstrap/dist/css/bootstrap.min.css', 2_000_000],
      ['.git/objects/pack/pack-1.pack', 5_000_000],
    ] as const) {
      mkdirSync(path.dirname(path.join(project, file)), { recursive: true });
      truncateSync(openAndClose(path.join(project, file)), bytes);
    }
    // From inside the project, as a user types the fixes.
    const before = findingsOf((await runCli(['build-context', '--json'], { cwd: project })).report, 'build-context');
    expect(before.map((f) => [f.code, f.severity])).toEqual([
      ['build-context/no-dockerignore', 'warning'],
      ['build-context/secrets-sent', 'error'],
      ['build-context/secrets-sent', 'info'],
    ]);
    // The served dist is not proposed; the key the Dockerfile copies is not excluded.
    expect(before[0]!.evidence!.proposal).toBe('# Proposed by docker-doctor from what this context holds\n.git\n.env\n');
    for (const fix of before.flatMap((f) => f.fixes))
      if (fix.command && /^(printf|cat) /.test(fix.command)) execFileSync('sh', ['-c', fix.command], { cwd: project });

    const after = findingsOf((await runCli(['build-context', '--json'], { cwd: project })).report, 'build-context');
    const key = (f: { code: string; subject: { name: string } }) => `${f.code} ${f.subject.name}`;
    expect(after.filter((f) => !before.some((b) => key(b) === key(f)))).toEqual([]);
    expect(after.map((f) => [f.code, f.severity])).toEqual([['build-context/secrets-sent', 'info']]);

    await execa(
      'docker',
      ['build', '-q', '--force-rm', '--network', 'none', '--label', `${TEST_LABEL}=${scope}`, '-t', `${tag}-apply`, project],
      { env: { DOCKER_BUILDKIT: '0' } },
    );
    const listing = await execa('docker', [
      'run',
      '--rm',
      '--network',
      'none',
      '--label',
      `${TEST_LABEL}=${scope}`,
      `${tag}-apply`,
      'sh',
      '-c',
      'ls /srv/wwwroot/lib/bootstrap/dist/css /etc/app/tls; ls -a /srv',
    ]);
    expect(String(listing.stdout).split('\n')).toEqual(expect.arrayContaining(['bootstrap.min.css', 'server.key', 'certs', 'wwwroot']));
    expect(String(listing.stdout).split('\n')).not.toEqual(expect.arrayContaining(['.env']));
    expect(String(listing.stdout).split('\n')).not.toEqual(expect.arrayContaining(['.git']));
  });

  it('the copy-before-install fix, pasted over the whole-context copy, builds: the manifests land where the install runs (Go in svc/, a .NET solution in src/*/, after a virtualenv step)', async () => {
    const image = await ensureTestImage();
    // No registry here: shims stand in for the toolchains, and fail unless the manifests are where they run.
    const shim = (tool: string, test: string) => `RUN printf '#!/bin/sh\\n${test}\\n' > /bin/${tool} && chmod +x /bin/${tool}`;
    const cases: { dockerfile: string; tree: Record<string, string>; text: string; expected: string }[] = [
      {
        dockerfile: 'Dockerfile',
        tree: { 'svc/go.mod': 'module example.com/svc\n', 'svc/go.sum': '', 'svc/main.go': 'package main\n', 'README.md': 'x' },
        text: `FROM ${image}\n${shim('go', 'test -f go.mod && test -f go.sum')}\nWORKDIR /src\nCOPY . .\nWORKDIR /src/svc\nRUN go mod download\n`,
        expected: 'COPY svc/go.mod svc/go.sum svc/\nRUN cd svc && go mod download\nCOPY . .',
      },
      {
        dockerfile: 'src/Web/Dockerfile',
        tree: {
          'App.sln': '',
          'Directory.Packages.props': '<Project/>',
          'src/Web/Web.csproj': '<Project/>',
          'src/Web/Program.cs': '',
          'src/Core/Core.csproj': '<Project/>',
        },
        text: `FROM ${image}\n${shim('dotnet', 'test -f Web.csproj && test -f ../Core/Core.csproj && test -f ../../Directory.Packages.props')}\nWORKDIR /app\nCOPY . .\nWORKDIR /app/src/Web\nRUN dotnet restore\n`,
        expected:
          'COPY App.sln Directory.Packages.props ./\nCOPY src/Core/Core.csproj src/Core/\nCOPY src/Web/Web.csproj src/Web/\nRUN cd src/Web && dotnet restore\nCOPY . .',
      },
      {
        // A virtualenv made between the copy and the install: the copy moves below the install instead.
        dockerfile: 'Dockerfile',
        tree: { 'requirements.txt': 'flask\n', 'app.py': '' },
        text: `FROM ${image}\n${shim('pip', 'test -f requirements.txt && test -d /venv && test ! -f app.py')}\nWORKDIR /app\nCOPY . .\nRUN mkdir /venv\nRUN pip install -r requirements.txt\n`,
        expected: 'COPY requirements*.txt ./\nRUN pip install -r requirements.txt\nCOPY . .',
      },
    ];
    for (const [i, c] of cases.entries()) {
      const project = tempDir('dd-bc-reorder-');
      writeTree(project, { ...c.tree, [c.dockerfile]: c.text });
      const [finding] = findingsOf((await runCli(['build-context', '--json', '-C', project])).report, 'build-context').filter(
        (f) => f.code === 'build-context/copy-before-install',
      );
      expect(finding!.location).toEqual({ file: c.dockerfile, line: 4 });
      expect(finding!.fixes[0]!.command).toBe(c.expected);
      // Pasted as its title says; the shims fail the build if a manifest is not in place.
      const lines = c.text.split('\n');
      const move = /^Remove line (\d+) and put these lines in place of line (\d+)/.exec(finding!.fixes[0]!.title);
      if (move) {
        lines.splice(Number(move[2]) - 1, 1, finding!.fixes[0]!.command!);
        lines.splice(Number(move[1]) - 1, 1);
      } else {
        expect(finding!.fixes[0]!.title).toMatch(/^Replace line 4 with these lines/);
        lines.splice(3, 1, finding!.fixes[0]!.command!);
      }
      writeTree(project, { [c.dockerfile]: lines.join('\n') });
      const build = await execa(
        'docker',
        [
          'build',
          '-q',
          '--force-rm',
          '--network',
          'none',
          '--label',
          `${TEST_LABEL}=${scope}`,
          '-t',
          `${tag}-reorder${i}`,
          '-f',
          path.join(project, c.dockerfile),
          project,
        ],
        { env: { DOCKER_BUILDKIT: '0' }, reject: false },
      );
      expect(build.stderr, build.stderr).not.toMatch(/returned a non-zero code|no source files|not found/);
      expect(build.exitCode).toBe(0);
    }
  });

  it('a project with a good .dockerignore and a cache-friendly Dockerfile gets no warning', async () => {
    const project = tempDir('dd-bc-good-');
    writeTree(project, {
      '.dockerignore': '.git\n**/node_modules\n**/*.log\n.env\n',
      'package.json': '{}',
      'package-lock.json': '{}',
      'src/index.js': 'x',
      'node_modules/x/y.js': 'x',
      '.env': 'TOKEN=1',
      Dockerfile:
        'FROM node:20-slim\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\nCMD ["node", "src/index.js"]\n',
    });
    const run = await runCli(['build-context', '--json', '-C', project, '--fail-on', 'info']);
    expect(run.report!.checks[0]).toMatchObject({ status: 'passed', findings: [] });
    expect(run.exitCode).toBe(0);
  });
});

/** Creates an empty file and returns its path. */
function openAndClose(file: string): string {
  closeSync(openSync(file, 'w'));
  return file;
}

describe('build-context without an engine', () => {
  it("finds Go's build/package/Dockerfile and Dockerfile.prod.alpine, and the report lists the Dockerfiles it diagnosed", async () => {
    const project = tempDir('dd-bc-discover-');
    writeTree(project, {
      'build/package/Dockerfile': 'FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\nRUN go mod download\n',
      'Dockerfile.prod.alpine': 'FROM node:20-alpine\nCOPY package.json ./\nRUN npm ci\nCOPY . .\n',
      'go.mod': 'module example.com/app\n',
      'package.json': '{}',
      'internal/build/version.go': 'package build\n',
    });
    const run = await runCli(['build-context', '--json', '-C', project]);
    expect(run.report!.environment.project.dockerfiles).toEqual(['Dockerfile.prod.alpine', 'build/package/Dockerfile']);
    expect(findingsOf(run.report, 'build-context').map((f) => [f.code, f.subject.name, f.location?.line])).toEqual([
      ['build-context/copy-before-install', 'build/package/Dockerfile', 3],
    ]);
  });

  // Root reads every directory, so the case drops to uid 65534 with setpriv, which only root may do.
  it.runIf(process.getuid?.() === 0)(
    'reports a directory the user cannot read, and still measures the rest (root only: drops to uid 65534)',
    async () => {
      const project = tempDir('dd-bc-locked-');
      writeTree(project, { Dockerfile: 'FROM scratch\nCOPY . /app/\n', 'src/a.js': 'x', 'private/key.txt': 'x' });
      chmodSync(project, 0o755);
      chmodSync(path.join(project, 'private'), 0o700);
      const run = await runCli(['build-context', '--json', '-C', project], {
        setpriv: ['--reuid=65534', '--regid=65534', '--clear-groups'],
      });
      const [incomplete] = findingsOf(run.report, 'build-context').filter((f) => f.code === 'build-context/scan-incomplete');
      expect(incomplete!.title).toBe('1 directory in . could not be read (private); the builder will fail on it too');
      expect(incomplete!.evidence).toMatchObject({ unreadable: ['private'], truncated: false, sentFiles: 2 });
    },
  );

  it('says how much an existing ignore file already keeps out when the context is still large', async () => {
    const project = tempDir('dd-bc-large-');
    const files: Record<string, string> = { Dockerfile: 'FROM scratch\nCOPY . /app/\n', '.dockerignore': '**/node_modules\n' };
    for (let i = 0; i < 30; i++) files[`assets/img${i}.png`] = 'png';
    for (let i = 0; i < 50; i++) files[`web/node_modules/pkg/f${i}.js`] = '0123456789';
    writeTree(project, files);
    const run = await runCli(['build-context', '--json', '-C', project, '--context-max-files', '20']);
    const [large] = findingsOf(run.report, 'build-context').filter((f) => f.code === 'build-context/context-large');
    expect(large!.title).toBe(
      'The build context . is 132 B in 32 files, after .dockerignore keeps out 500 B in 50 files; the largest parts are assets (30 files)',
    );
    expect(large!.evidence).toMatchObject({ sentFiles: 32, withoutIgnoreFile: { files: 82, bytes: 632, complete: true } });
  });
});
