import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/engine/report.js';
import type { Finding } from '../../src/engine/types.js';
import { runCli } from '../helpers/cli.js';
import { engineAvailable, engines, ensureTestImage, removeLabelled, TEST_LABEL, type TestEngine, waitFor } from '../helpers/engine.js';
import { tempDir } from '../helpers/sockets.js';

/** The subject's findings of the volumes check only: other tests use the same engine at the same time. */
function findingsFor(report: Report, subject: string): Finding[] {
  return report.checks.filter((c) => c.id === 'volumes').flatMap((c) => c.findings.filter((f) => f.subject.name === subject));
}

async function doctor(engine: Pick<TestEngine, 'host'>, dir?: string): Promise<Report> {
  const run = await runCli(['volumes', '--json', '-H', engine.host, ...(dir ? ['-C', dir] : [])]);
  expect(run.report, run.stderr).toBeDefined();
  return run.report!;
}

// Database data and bind sources of the wrong kind, on Docker and on Podman (its Docker-compatible API).
describe.each(engines)('volumes on a real engine: $name', (engine) => {
  if (!engine.available()) return void it.skip(`${engine.name} does not answer here`, () => {});
  const scope = `vol-${engine.name}-${process.pid}-${Date.now().toString(36)}`;
  const p = (name: string) => `dd-${scope}-${name}`;
  const label = ['--label', `${TEST_LABEL}=${scope}`];
  const none = ['--network', 'none'];
  // A "postgres" image built here: the official image's VOLUME and PGDATA on the busybox test image (no registry here).
  const dbImage = `postgres:16-dd${process.pid}${engine.name}`;
  const siteImage = `dd-vol-site:${process.pid}${engine.name}`;
  const projectName = `ddvol${process.pid}${engine.name}`;
  let projectDir: string;
  let report: Report;
  let projectReport: Report;

  beforeAll(async () => {
    const base = await engine.ensureTestImage();
    const build = tempDir('dd-vol-db-');
    writeFileSync(
      path.join(build, 'Dockerfile'),
      `FROM ${base}\nENV PGDATA=/var/lib/postgresql/data\nVOLUME /var/lib/postgresql/data\nCMD ["sleep", "3600"]\n`,
    );
    await engine.cli('build', ...label, '-t', dbImage, build);
    const site = tempDir('dd-vol-site-');
    writeFileSync(path.join(site, 'Dockerfile'), `FROM ${base}\nWORKDIR /srv/site\n`);
    await engine.cli('build', ...label, '-t', siteImage, site);
    await engine.cli('volume', 'create', ...label, p('pgdata'));
    await engine.cli('run', '-d', '--name', p('pg'), ...label, ...none, dbImage);
    await engine.cli('run', '-d', '--name', p('pgnamed'), ...label, ...none, '-v', `${p('pgdata')}:/var/lib/postgresql/data`, dbImage);

    // A compose project whose config file Docker replaced by an empty directory on an earlier up, and its container.
    projectDir = tempDir('dd-vol-project-');
    writeFileSync(path.join(projectDir, '.env'), `COMPOSE_PROJECT_NAME=${projectName}\n`);
    writeFileSync(
      path.join(projectDir, 'compose.yaml'),
      `services:\n  web:\n    image: ${base}\n    volumes:\n      - ./passwd:/etc/passwd\n      - ./site:/www\n` +
        `  static:\n    image: ${siteImage}\n    volumes:\n      - ./index.html:/srv/site\n` +
        `  db:\n    image: ${dbImage}\n    volumes:\n      - pgdata:/var/lib/postgresql/data\nvolumes:\n  pgdata:\n`,
    );
    mkdirSync(path.join(projectDir, 'passwd'));
    mkdirSync(path.join(projectDir, 'site'));
    writeFileSync(path.join(projectDir, 'index.html'), '<h1>hi</h1>\n');
    const compose = ['--label', `com.docker.compose.project=${projectName}`, '--label', 'com.docker.compose.service=web'];
    await engine.cliMayFail(
      'run',
      '--name',
      p('web'),
      ...label,
      ...compose,
      ...none,
      '-v',
      `${projectDir}/passwd:/etc/passwd`,
      base,
      'true',
    );
    const staticLabels = ['--label', `com.docker.compose.project=${projectName}`, '--label', 'com.docker.compose.service=static'];
    const staticBind = ['-v', `${projectDir}/index.html:/srv/site`];
    await engine.cliMayFail('run', '--name', p('static'), ...label, ...staticLabels, ...none, ...staticBind, siteImage, 'true');

    [report, projectReport] = await Promise.all([doctor(engine), doctor(engine, projectDir)]);
  }, 180_000);

  afterAll(async () => {
    await engine.removeLabelled(scope);
    await engine.cliMayFail('volume', 'rm', '-f', p('pgdata'));
    await engine.cliMayFail('rmi', '-f', dbImage, siteImage);
  }, 120_000);

  it('a database container run without a volume keeps its data in an anonymous volume: a note with the named-volume fix', () => {
    const [finding, ...more] = findingsFor(report, p('pg'));
    expect(more).toEqual([]);
    expect(finding).toMatchObject({ code: 'volumes/database-anonymous-volume', severity: 'info', subject: { kind: 'container' } });
    expect(finding!.title).toContain('/var/lib/postgresql/data');
    expect(finding!.fixes[0]!.command).toContain(`-v ${p('pg')}-data:/var/lib/postgresql/data`);
    expect(finding!.fixes[0]!.command).toMatch(new RegExp(`^${engine.name === 'podman' ? '(podman|docker)' : 'docker'} run`));
  });

  it('a database container with a named volume at its data directory: nothing', () => {
    expect(findingsFor(report, p('pgnamed'))).toEqual([]);
  });

  it('an empty directory where the compose file mounts a file is tied to the compose line', () => {
    const [finding, ...more] = findingsFor(projectReport, 'web');
    expect(more).toEqual([]);
    expect(finding).toMatchObject({ code: 'volumes/directory-for-file', location: { file: 'compose.yaml', line: 5 } });
    // The doctor ran with -C from elsewhere: the fix goes to the project first.
    expect(finding!.fixes[0]!.command).toBe(`cd ${projectDir} && rmdir ./passwd`);
    // Docker records runc's start error; Podman leaves the container created without one, so there the empty directory alone says it.
    if (engine.name === 'docker') {
      expect(finding!.severity).toBe('error');
      expect(finding!.title).toContain(`container ${p('web')} could not start`);
    } else {
      expect(finding!.severity).toBe('warning');
    }
  });

  it('a compose database with a named volume at its data path, and a directory bound onto a directory: nothing', () => {
    expect(findingsFor(projectReport, 'db')).toEqual([]);
    const services = projectReport.checks.find((c) => c.id === 'volumes')!.findings.filter((f) => f.subject.kind === 'service');
    expect(services.map((f) => f.subject.name)).toEqual(['web', 'static']);
  });

  it("a file mounted onto the image's WORKDIR: the fix mounts it inside", () => {
    const [finding, ...more] = findingsFor(projectReport, 'static');
    expect(more).toEqual([]);
    expect(finding).toMatchObject({ code: 'volumes/file-for-directory', location: { file: 'compose.yaml', line: 10 } });
    expect(finding!.fixes[0]!.command).toBe('- ./index.html:/srv/site/index.html');
    // The image says /srv/site is a directory; Docker's start error confirms it, Podman records none.
    expect(finding!.severity).toBe(engine.name === 'docker' ? 'error' : 'warning');
  });
});

function composeV1Installed(): boolean {
  if (!engineAvailable()) return false;
  try {
    execFileSync('docker-compose', ['version'], { stdio: 'pipe', timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}

async function compose(dir: string, ...args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const env = { ...process.env };
  for (const key of ['COMPOSE_FILE', 'COMPOSE_PROJECT_NAME', 'COMPOSE_PROFILES', 'DOCKER_HOST', 'DOCKER_CONTEXT']) delete env[key];
  const r = await execa('docker-compose', args, { cwd: dir, env, extendEnv: false, timeout: 180_000, stdin: 'ignore', reject: false });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

async function state(name: string): Promise<string> {
  const r = await execa('docker', ['inspect', '--format', '{{.State.Status}}', name], { reject: false });
  return String(r.stdout).trim();
}

// `.:/app` over the directory where the Dockerfile installed: the real failure, the fix applied, and the project working.
describe.runIf(composeV1Installed())('volumes: a bind mount hides node_modules (docker-compose)', () => {
  const scope = `vol-compose-${process.pid}-${Date.now().toString(36)}`;
  const projectName = `ddvolnode${process.pid}`;
  const container = `${projectName}_app_1`;
  let dir: string;

  beforeAll(async () => {
    const image = await ensureTestImage();
    dir = tempDir('dd-vol-node-');
    writeFileSync(path.join(dir, '.env'), `COMPOSE_PROJECT_NAME=${projectName}\n`);
    // A stand-in npm: `npm ci` puts a package binary in node_modules/.bin, as the real one would.
    writeFileSync(
      path.join(dir, 'Dockerfile'),
      [
        `FROM ${image}`,
        `RUN printf '#!/bin/sh\\nmkdir -p node_modules/.bin\\nprintf "#!/bin/sh\\\\necho serving\\\\nexec sleep 3600\\\\n" > node_modules/.bin/serve\\nchmod +x node_modules/.bin/serve\\n' > /bin/npm && chmod +x /bin/npm`,
        'WORKDIR /app',
        'COPY package.json ./',
        'RUN npm ci',
        'ENV PATH=/app/node_modules/.bin:/bin',
        'COPY . .',
        'CMD ["sh", "-c", "serve"]',
        '',
      ].join('\n'),
    );
    writeFileSync(path.join(dir, 'package.json'), '{ "name": "app", "scripts": { "start": "serve" } }\n');
    writeFileSync(
      path.join(dir, 'docker-compose.yml'),
      `version: "3.8"\nservices:\n  app:\n    build:\n      context: .\n      network: none\n      labels: ["${TEST_LABEL}=${scope}"]\n` +
        `    labels: ["${TEST_LABEL}=${scope}"]\n    network_mode: none\n    volumes:\n      - .:/app\n`,
    );
    const up = await compose(dir, 'up', '-d', '--build');
    expect(up.exitCode, up.stderr).toBe(0);
    await waitFor(async () => (await state(container)) === 'exited', `${container} to exit`);
  }, 300_000);

  afterAll(async () => {
    await compose(dir, 'down', '-v', '--rmi', 'local');
    await removeLabelled(scope);
  }, 120_000);

  it('reports the bind at its compose line with the log line, and the anonymous volume fix makes the app start', async () => {
    const before = await doctor({ host: 'unix:///var/run/docker.sock' }, dir);
    const [finding, ...more] = findingsFor(before, 'app');
    expect(more).toEqual([]);
    expect(finding).toMatchObject({
      code: 'volumes/hidden-dependencies',
      severity: 'warning',
      location: { file: 'docker-compose.yml', line: 11 },
      evidence: { installed: '/app/node_modules', installedBy: 'npm ci', container },
    });
    expect(String(finding!.evidence!.logLine)).toMatch(/serve: not found/);
    const line = finding!.fixes[0]!.command!;
    expect(line).toBe('- /app/node_modules');

    // Applied as the fix says: the entry under the bind, in the same syntax and indentation.
    const file = path.join(dir, 'docker-compose.yml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('      - .:/app\n', `      - .:/app\n      ${line}\n`));
    expect((await compose(dir, 'config', '-q')).exitCode).toBe(0);
    const up = await compose(dir, 'up', '-d', '--force-recreate');
    expect(up.exitCode, up.stderr).toBe(0);
    await waitFor(
      async () => (await execa('docker', ['logs', container], { reject: false })).stdout.includes('serving'),
      'the app to serve',
    );
    expect(await state(container)).toBe('running');

    const after = await doctor({ host: 'unix:///var/run/docker.sock' }, dir);
    expect(after.checks.find((c) => c.id === 'volumes')).toMatchObject({ status: 'passed' });
    expect(findingsFor(after, 'app')).toEqual([]);
  }, 300_000);
});
