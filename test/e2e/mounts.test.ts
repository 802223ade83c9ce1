import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, findingsOf, runCli } from '../helpers/cli.js';
import { engines, TEST_LABEL, type TestEngine } from '../helpers/engine.js';
import { tempDir } from '../helpers/sockets.js';

const baseScope = `mounts-${process.pid}-${Date.now().toString(36)}`;

/** A compose project on one engine: its directory, its project name, and the engine compose drives. */
interface Project {
  dir: string;
  name: string;
  engine: TestEngine;
}

/** This test's findings about its own compose project (other tests on this engine leave containers of their own). */
const own = (report: Parameters<typeof findingsOf>[0]) =>
  findingsOf(report, 'bind-mounts').filter((f) => f.code === 'bind-mounts/compose-source-missing');

/** docker-compose 1.x is what this host has; on Podman it drives Podman's Docker-compatible socket (DOCKER_HOST). */
const composeEnv = (p: Project) => ({ ...process.env, DOCKER_HOST: p.engine.host });

/** `up` is the real judge of whether the mount works. */
async function composeUp(p: Project) {
  const result = await execa('docker-compose', ['-p', p.name, 'up', '--no-color', '--abort-on-container-exit'], {
    cwd: p.dir,
    env: composeEnv(p),
    reject: false,
    timeout: 120_000,
    stdin: 'ignore',
  });
  return { exitCode: result.exitCode ?? -1, output: `${String(result.stdout)}\n${String(result.stderr)}` };
}

async function composeDown(p: Project) {
  await execa('docker-compose', ['-p', p.name, 'down', '--remove-orphans'], {
    cwd: p.dir,
    env: composeEnv(p),
    reject: false,
    timeout: 60_000,
    stdin: 'ignore',
  });
}

const composeInstalled = existsSync('/usr/bin/docker-compose');

// The same compose projects on Docker and on Podman (docker-compose against its Docker-compatible socket).
describe.each(engines)('compose bind sources on a real engine: $name', (engine) => {
  if (!engine.available() || !composeInstalled) return void it.skip(`${engine.name} or docker-compose is missing here`, () => {});
  const scope = `${baseScope}-${engine.name}`;
  const projects: Project[] = [];
  let image = '';
  /** A compose project whose one service runs the local busybox image once; its containers carry the test label. */
  function project(volumes: string, command = '["true"]'): Project {
    const dir = tempDir('dd-mounts-');
    const name = `dd${scope.replace(/[^a-z0-9]/g, '')}${projects.length}`;
    writeFileSync(
      path.join(dir, 'docker-compose.yml'),
      `version: "3.8"\nservices:\n  app:\n    image: ${image}\n    command: ${command}\n    labels: ["${TEST_LABEL}=${scope}"]\n    volumes:\n${volumes}`,
    );
    const p = { dir, name, engine };
    projects.push(p);
    return p;
  }
  /** The doctor on this engine, from `cwd`. */
  // Room beyond the default 10 s: the whole engine is diagnosed, other test files' containers too, on a busy 2-core machine.
  const doctor = (args: string[], options: Parameters<typeof runCli>[1] = {}) =>
    runCli([...args, '-H', engine.host, '--timeout', '30'], options);

  beforeAll(async () => {
    image = await engine.ensureTestImage();
  });
  afterAll(async () => {
    for (const p of projects) await composeDown(p);
    await engine.removeLabelled(scope);
  });

  // Podman differs: it creates a missing bind source even for long syntax (`type: bind`), where Docker refuses, so
  // `up` works there without the fix, and bind-mounts says nothing of the kind there.
  it.runIf(engine.name === 'podman')('Podman creates a missing long-syntax bind source itself: `up` works without the fix', async () => {
    const p = project('      - type: bind\n        source: ./cache\n        target: /cache\n');
    const up = await composeUp(p);
    expect(up.exitCode, up.output).toBe(0);
    expect(statSync(path.join(p.dir, 'cache')).isDirectory()).toBe(true);
    await composeDown(p);
  });
  it.runIf(engine.name === 'podman')('Podman: no error for a long-syntax source Podman creates', async () => {
    const p = project('      - type: bind\n        source: ./cache\n        target: /cache\n');
    expect(own((await doctor(['bind-mounts', '--json', '-C', p.dir])).report)).toEqual([]);
  });

  it.runIf(engine.name === 'docker')(
    'long syntax with a missing source fails `up`; the printed fix, typed from elsewhere, makes it start',
    async () => {
      const p = project('      - type: bind\n        source: ./cache\n        target: /cache\n');
      const elsewhere = tempDir('dd-cwd-');
      const run = await doctor(['bind-mounts', '--json', '-C', p.dir], { cwd: elsewhere });
      const [finding] = own(run.report);
      expect(finding).toMatchObject({
        code: 'bind-mounts/compose-source-missing',
        severity: 'error',
        subject: { kind: 'service', name: 'app' },
        location: { file: 'docker-compose.yml', line: 8 },
      });
      expect(finding!.fixes[0]!.command).toBe(`cd ${p.dir} && mkdir -p cache`);

      const before = await composeUp(p);
      expect(before.exitCode).not.toBe(0);
      expect(before.output).toContain('bind source path does not exist');

      await execa('sh', ['-c', finding!.fixes[0]!.command!], { cwd: elsewhere });
      const again = await doctor(['bind-mounts', '--json', '-C', p.dir], { cwd: elsewhere });
      expect(own(again.report)).toEqual([]);
      expect((await composeUp(p)).exitCode).toBe(0);
      await composeDown(p);
    },
  );

  it.runIf(engine.name === 'docker')(
    'one missing source two services mount is one finding naming both lines; its one fix makes both start',
    async () => {
      const p = project('      - type: bind\n        source: ./shared\n        target: /shared\n');
      const worker = `  worker:\n    image: ${image}\n    command: ["true"]\n    labels: ["${TEST_LABEL}=${scope}"]\n    volumes:\n      - type: bind\n        source: ./shared\n        target: /data\n`;
      writeFileSync(path.join(p.dir, 'docker-compose.yml'), readFileSync(path.join(p.dir, 'docker-compose.yml'), 'utf8') + worker);
      const run = await doctor(['bind-mounts', '--json', '-C', p.dir]);
      const findings = own(run.report);
      expect(findings).toHaveLength(1);
      expect(findings[0]).toMatchObject({
        severity: 'error',
        subject: { kind: 'file', name: './shared' },
        location: { file: 'docker-compose.yml', line: 8 },
      });
      expect(findings[0]!.title).toMatch(/^Services app, worker bind-mount \.\/shared, .*\(docker-compose\.yml:8, 16\)$/);
      expect(findings[0]!.fixes.map((f) => f.command)).toEqual([`cd ${p.dir} && mkdir -p shared`]);

      const before = await composeUp(p);
      expect(before.exitCode).not.toBe(0);
      expect(before.output).toContain('bind source path does not exist');

      await execa('sh', ['-c', findings[0]!.fixes[0]!.command!]);
      expect(own((await doctor(['bind-mounts', '--json', '-C', p.dir])).report)).toEqual([]);
      expect((await composeUp(p)).exitCode).toBe(0);
      await composeDown(p);
    },
  );

  it('a missing file-like source is a warning that asks for the file; mounted onto a file of the image, `up` fails as it says, and the mount error is shown unredacted', async () => {
    const p = project('      - ./passwd.conf:/etc/passwd\n');
    const run = await doctor(['bind-mounts', '--json', '-C', p.dir]);
    const [finding] = own(run.report);
    expect(finding).toMatchObject({ code: 'bind-mounts/compose-source-missing', severity: 'warning' });
    expect(finding!.title).toContain('the container fails to start if the image has a file at /etc/passwd');
    // An empty passwd file would be no fix (nor a directory): the user's own file goes there.
    expect(finding!.fixes).toEqual([
      {
        title:
          'Put your configuration file passwd.conf at ./passwd.conf (an empty file is not a configuration file, so touch is no fix; or correct the path if it is a typo)',
      },
    ]);

    const up = await composeUp(p);
    expect(up.exitCode).not.toBe(0);
    // Podman fails earlier, reading the mounted /etc/passwd for the user: "unable to find user 0: read …/passwd.conf: is a directory".
    expect(up.output).toMatch(/not a directory|Are you trying to mount a directory onto a file|passwd\.conf: is a directory/);
    // What the engine did in its place: the root-owned directory the finding predicted.
    expect(statSync(path.join(p.dir, 'passwd.conf')).isDirectory()).toBe(true);
    // Podman differs: it leaves the container in Created with no State.Error, so there is no start error to show (the
    // bind-mounts check judges only recorded errors); the user's file still makes `up` work.
    if (engine.name === 'podman') {
      await composeDown(p);
      await execa('rmdir', [path.join(p.dir, 'passwd.conf')]);
      writeFileSync(path.join(p.dir, 'passwd.conf'), 'root:x:0:0:root:/root:/bin/sh\n');
      expect(own((await doctor(['bind-mounts', '--json', '-C', p.dir])).report)).toEqual([]);
      expect((await composeUp(p)).exitCode).toBe(0);
      return composeDown(p);
    }

    // The container left in Created: its error names source:target, which is a mount, not a secret.
    const failed = findingsOf((await doctor(['bind-mounts', '--json', '-C', p.dir])).report, 'bind-mounts').find(
      (f) => f.code === 'bind-mounts/mount-failed' && f.subject.name.startsWith(p.name),
    );
    expect(failed).toBeDefined();
    const error = String(failed!.evidence?.error);
    expect(error).toContain(`${p.dir}/passwd.conf`);
    expect(error).not.toContain('[redacted]');
    expect(failed!.title).not.toContain('[redacted]');
    // Typed, the fix removes only the empty directory Docker made; with the user's file there, `up` works.
    expect(failed!.fixes[0]!.command).toBe(`rmdir ${p.dir}/passwd.conf`);
    await composeDown(p);
    await execa('sh', ['-c', failed!.fixes[0]!.command!]);
    writeFileSync(path.join(p.dir, 'passwd.conf'), 'root:x:0:0:root:/root:/bin/sh\n');
    expect(own((await doctor(['bind-mounts', '--json', '-C', p.dir])).report)).toEqual([]);
    expect((await composeUp(p)).exitCode).toBe(0);
    await composeDown(p);
  });

  it('fixes typed from a deeper directory with -C: ~ stays ~, absolute stays absolute, relative runs in the project (P10)', async () => {
    const home = tempDir('dd-home-');
    const outside = tempDir('dd-abs-');
    const p = project(`      - ~/appdata:/appdata\n      - ${outside}/srv data:/srv\n      - ./conf:/conf\n`);
    // A non-root service, so each missing directory is worth a fix (root would use Docker's empty directories).
    const file = path.join(p.dir, 'docker-compose.yml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('    volumes:', '    user: "1000"\n    volumes:'));
    const deeper = path.join(tempDir('dd-cwd-'), 'a', 'b', 'c');
    mkdirSync(deeper, { recursive: true });
    const env = cleanEnv({ HOME: home });
    const run = await doctor(['bind-mounts', '--json', '-C', p.dir], { cwd: deeper, env });
    const fixes = own(run.report).map((f) => f.fixes[0]!.command);
    expect(fixes).toEqual([
      'mkdir -p ~/appdata && sudo chown 1000 ~/appdata',
      `mkdir -p '${outside}/srv data' && sudo chown 1000 '${outside}/srv data'`,
      `cd ${p.dir} && mkdir -p conf && sudo chown 1000 conf`,
    ]);

    // Run as root here, so sudo is not needed (and may not be installed).
    for (const command of fixes)
      await execa('sh', ['-c', command!.replace(/\bsudo /g, '')], { cwd: deeper, env: { ...process.env, HOME: home } });
    expect(statSync(path.join(home, 'appdata')).isDirectory()).toBe(true);
    expect(statSync(path.join(outside, 'srv data')).isDirectory()).toBe(true);
    expect(statSync(path.join(p.dir, 'conf')).isDirectory()).toBe(true);
    expect(readdirSync(deeper)).toEqual([]);
    expect(own((await doctor(['bind-mounts', '--json', '-C', p.dir], { cwd: deeper, env })).report)).toEqual([]);
  });

  it('missing directories for a root image pass, and `up` indeed works with the empty directories Docker makes', async () => {
    const p = project(
      '      - ./initdb/:/docker-entrypoint-initdb.d/\n      - ./nginx/conf.d:/etc/nginx/conf.d\n      - ./data:/data\n',
      '["sh", "-c", "touch /data/ok && ls -d /docker-entrypoint-initdb.d /etc/nginx/conf.d"]',
    );
    const run = await doctor(['bind-mounts', '--json', '-C', p.dir]);
    expect(own(run.report)).toEqual([]);

    const up = await composeUp(p);
    expect(up.exitCode).toBe(0);
    expect(readdirSync(path.join(p.dir, 'data'))).toEqual(['ok']);
    await composeDown(p);
  });

  it('a non-root user and a missing directory is a warning; `up` fails as it says, and after the printed fix it works', async () => {
    const volumes = '      - ./uploads:/uploads\n';
    const withUser = (p: { dir: string }) =>
      writeFileSync(
        path.join(p.dir, 'docker-compose.yml'),
        readFileSync(path.join(p.dir, 'docker-compose.yml'), 'utf8').replace('    volumes:', '    user: "1000"\n    volumes:'),
      );
    const broken = project(volumes, '["touch", "/uploads/x"]');
    withUser(broken);
    const run = await doctor(['bind-mounts', '--json', '-C', broken.dir]);
    const [finding] = own(run.report);
    expect(finding).toMatchObject({ code: 'bind-mounts/compose-source-missing', severity: 'warning' });
    expect(finding!.title).toContain('which user 1000 cannot write');
    expect(finding!.fixes[0]!.command).toBe(`cd ${broken.dir} && mkdir -p uploads && sudo chown 1000 uploads`);
    const up = await composeUp(broken);
    expect(up.output).toMatch(/Permission denied/);
    await composeDown(broken);

    const fixed = project(volumes, '["touch", "/uploads/x"]');
    withUser(fixed);
    const fix = own((await doctor(['bind-mounts', '--json', '-C', fixed.dir])).report)[0]!.fixes[0]!.command!;
    // Run as root here, so sudo is not needed (and may not be installed).
    await execa('sh', ['-c', fix.replace(/\bsudo /g, '')]);
    expect(own((await doctor(['bind-mounts', '--json', '-C', fixed.dir])).report)).toEqual([]);
    expect((await composeUp(fixed)).exitCode).toBe(0);
    await composeDown(fixed);
  }, 180_000);
});
