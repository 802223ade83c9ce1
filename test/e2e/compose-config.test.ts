import { execFileSync } from 'node:child_process';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/engine/report.js';
import { findingsOf, runCli } from '../helpers/cli.js';
import { dockerEngine, engineAvailable, engines, TEST_LABEL } from '../helpers/engine.js';
import { tempDir } from '../helpers/sockets.js';

/**
 * compose-config on real project directories and a real engine: what docker-compose itself warns about or refuses
 * (an unset variable, a missing env_file), and what only the engine can tell (a container_name taken, an external
 * network that does not exist, an orphan container of a renamed service). Fixes applied make `docker-compose config`
 * succeed and leave no finding.
 */
const scope = `compose-config-${process.pid}-${Date.now().toString(36)}`;
const unique = (name: string) => `ddcc${process.pid}${name}`;

function composeInstalled(): boolean {
  try {
    execFileSync('docker-compose', ['version'], { stdio: 'pipe', timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}

async function compose(dir: string, args: string[], host?: string): Promise<{ exitCode: number; stderr: string }> {
  const { exitCode, stderr } = await composeOutput(dir, args, host);
  return { exitCode, stderr };
}

async function composeOutput(dir: string, args: string[], host?: string): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const key of ['COMPOSE_FILE', 'COMPOSE_PROJECT_NAME', 'COMPOSE_PROFILES', 'DOCKER_HOST', 'DOCKER_CONTEXT']) delete env[key];
  if (host) env.DOCKER_HOST = host;
  const result = await execa('docker-compose', args, { cwd: dir, env, extendEnv: false, timeout: 120_000, stdin: 'ignore', reject: false });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

async function doctor(dir: string, host = dockerEngine.host): Promise<Report> {
  const run = await runCli(['compose-config', '--json', '-C', dir, '-H', host]);
  expect(run.report, run.stderr).toBeDefined();
  return run.report!;
}

describe.runIf(engineAvailable() && composeInstalled())('compose-config on project files (docker-compose 1.29)', () => {
  it('an unset variable and a missing env_file: compose warns and refuses; the fixes make it accept the project', async () => {
    const dir = tempDir('dd-cc-files-');
    writeFileSync(
      path.join(dir, 'docker-compose.yml'),
      'services:\n  web:\n    image: "busybox:${TAG}"\n    env_file: app.env\n    labels:\n      owner: "${OWNER:-me}"\n',
    );
    const before = await compose(dir, ['config', '-q']);
    expect(before.stderr).toMatch(/The TAG variable is not set/);
    expect(before.stderr).toMatch(/Couldn't find env file/);

    const findings = findingsOf(await doctor(dir), 'compose-config');
    expect(findings.map((f) => [f.code, f.severity, f.location?.line])).toEqual([
      ['compose-config/unset-variable', 'warning', 3],
      ['compose-config/env-file-missing', 'error', 4],
    ]);
    expect(findings[0]!.title).toMatch(/Variable TAG is set nowhere/);
    const touch = findings[1]!.fixes[0]!.command!;
    expect(touch).toBe(`cd ${dir} && touch app.env`);

    execFileSync('sh', ['-c', touch]);
    appendFileSync(path.join(dir, '.env'), 'TAG=1\n');
    const after = await compose(dir, ['config', '-q']);
    expect(after).toEqual({ exitCode: 0, stderr: '' });
    const report = await doctor(dir);
    expect(findingsOf(report, 'compose-config')).toEqual([]);
    expect(report.checks[0]!.status).toBe('passed');
  });
});

describe.runIf(engineAvailable() && composeInstalled())('compose-config and a $ inside a password (docker-compose 1.29)', () => {
  it('compose reads part of the password as a variable; the doctor names the key, never that part; $$ fixes it', async () => {
    const dir = tempDir('dd-cc-secret-');
    const file = path.join(dir, 'compose.yaml');
    writeFileSync(
      file,
      'services:\n  db:\n    image: busybox\n    environment:\n      POSTGRES_PASSWORD: "Xy7$Sup3rS3cretValue9"\n      API_KEY: "k$Hunter2Zq9-rest"\n      GREETING: "hi $NAME"\n',
    );
    // What compose does: it warns with part of the password as a variable's name, and the container gets what is left.
    const config = await composeOutput(dir, ['config']);
    expect(config.stderr).toMatch(/The Sup3rS3cretValue9 variable is not set/);
    expect(config.stdout).toMatch(/POSTGRES_PASSWORD: Xy7\n/);
    expect(config.stdout).toMatch(/API_KEY: k-rest\n/);

    const json = await runCli(['compose-config', '--json', '-C', dir, '-H', dockerEngine.host]);
    const human = await runCli(['compose-config', '-C', dir, '-H', dockerEngine.host]);
    for (const output of [json.stdout, json.stderr, human.stdout, human.stderr]) expect(output).not.toMatch(/Sup3rS3cret|Hunter2Zq9/);
    const findings = findingsOf(json.report, 'compose-config');
    expect(findings.map((f) => [f.code, f.severity, f.location?.line])).toEqual([
      ['compose-config/unset-variable', 'warning', 7],
      ['compose-config/dollar-in-secret', 'warning', 5],
      ['compose-config/dollar-in-secret', 'warning', 6],
    ]);
    expect(findings[0]!.title).toMatch(/^Variable NAME is set nowhere/);
    expect(findings[1]!.title).toBe(
      'A $ in the value of POSTGRES_PASSWORD (compose.yaml:5) makes compose read a variable, which is set nowhere, so that part of the value becomes empty',
    );
    expect(findings[1]!.fixes[0]).toEqual({
      title: 'Write $$ for each $ in the value of POSTGRES_PASSWORD at compose.yaml:5: compose reads $$ as one literal $',
    });
    expect(human.stdout).toContain('A $ in the value of API_KEY (compose.yaml:6)');

    // The fix, applied: each $ in those two values written $$. Compose keeps them as text (its config prints a literal $ as $$).
    const lines = readFileSync(file, 'utf8').split('\n');
    for (const line of [5, 6]) lines[line - 1] = lines[line - 1]!.replaceAll('$', '$$$$');
    writeFileSync(file, lines.join('\n'));
    const after = await composeOutput(dir, ['config']);
    expect(after.stderr).not.toMatch(/Sup3rS3cret|Hunter2Zq9/);
    expect(after.stdout).toContain('POSTGRES_PASSWORD: Xy7$$Sup3rS3cretValue9');
    const again = findingsOf((await runCli(['compose-config', '--json', '-C', dir, '-H', dockerEngine.host])).report, 'compose-config');
    expect(again.map((f) => f.code)).toEqual(['compose-config/unset-variable']);
  });
});

describe.runIf(engineAvailable() && composeInstalled())('compose-config and the .env compose reads (docker-compose 1.29)', () => {
  it('a .env where the user stands is not read for a compose file in another directory; copying it there is', async () => {
    const here = tempDir('dd-cc-here-');
    const project = path.join(here, 'deploy');
    execFileSync('mkdir', [project]);
    writeFileSync(path.join(here, '.env'), 'TAG=1\n');
    writeFileSync(path.join(project, 'docker-compose.yml'), 'services:\n  web:\n    image: "busybox:${TAG}"\n');
    // What compose does, typed from here: the .env beside the user is not read.
    expect((await compose(here, ['-f', 'deploy/docker-compose.yml', 'config', '-q'])).stderr).toMatch(/The TAG variable is not set/);

    const run = await runCli(['compose-config', '--json', '-C', 'deploy', '-H', dockerEngine.host], { cwd: here });
    const findings = findingsOf(run.report, 'compose-config');
    expect(findings.map((f) => [f.code, f.severity, f.location?.line])).toEqual([['compose-config/dotenv-elsewhere', 'warning', 3]]);
    expect(findings[0]!.title).toContain(`compose reads ${path.join(project, '.env')}`);
    const copy = findings[0]!.fixes[0]!.command!;
    expect(copy).toBe('cp -n .env deploy/.env');

    execFileSync('sh', ['-c', copy], { cwd: here });
    expect(await compose(here, ['-f', 'deploy/docker-compose.yml', 'config', '-q'])).toEqual({ exitCode: 0, stderr: '' });
    const again = await runCli(['compose-config', '--json', '-C', 'deploy', '-H', dockerEngine.host], { cwd: here });
    expect(findingsOf(again.report, 'compose-config')).toEqual([]);
  });
});

describe.each(engines)('compose-config against the engine ($name)', (engine) => {
  let image: string;
  const created: string[] = [];
  beforeAll(async () => {
    if (engine.available()) image = await engine.ensureTestImage();
  }, 180_000);
  afterAll(async () => {
    if (!engine.available()) return;
    for (const name of created) await engine.cliMayFail('network', 'rm', name);
    await engine.removeLabelled(scope);
  }, 120_000);

  it.runIf(engine.available())(
    'a container_name taken by a container the test made, and an external network that does not exist',
    async () => {
      const taken = unique(`${engine.name}db`);
      const missing = unique(`${engine.name}nonet`);
      await engine.cli('create', '--name', taken, '--label', `${TEST_LABEL}=${scope}`, image, 'true');
      const dir = tempDir('dd-cc-engine-');
      writeFileSync(
        path.join(dir, 'compose.yaml'),
        `services:\n  db:\n    image: ${image}\n    container_name: ${taken}\n    networks: [edge]\nnetworks:\n  edge:\n    external: true\n    name: ${missing}\n`,
      );
      const findings = findingsOf(await doctor(dir, engine.host), 'compose-config');
      expect(findings.map((f) => [f.code, f.subject.name, f.location?.line])).toEqual([
        ['compose-config/external-network-missing', missing, 7],
        ['compose-config/container-name-taken', 'db', 2],
      ]);
      expect(findings[1]!.title).toMatch(/taken by a (created|exited) container of no compose project/);
      const cli = engine.name === 'podman' ? 'podman' : 'docker';
      expect(findings[0]!.fixes[0]!.command).toBe(`${cli} network create ${missing}`);
      expect(findings[1]!.fixes.map((f) => f.command)).toEqual([`${cli} rename ${taken} ${taken}-old`, `${cli} rm ${taken}`, undefined]);

      // The fixes, applied: the network exists and the name is free; the finding is gone.
      await engine.cli('network', 'create', '--label', `${TEST_LABEL}=${scope}`, missing);
      created.push(missing);
      await engine.cli('rename', taken, `${taken}-old`);
      expect(findingsOf(await doctor(dir, engine.host), 'compose-config')).toEqual([]);
    },
  );
});

describe.each(engines)('compose-config and orphans (docker-compose 1.29 on $name)', (engine) => {
  const dirs: { dir: string; name: string }[] = [];
  afterAll(async () => {
    if (!engine.available()) return;
    for (const { dir, name } of dirs) await compose(dir, ['-p', name, 'down', '--remove-orphans'], engine.host);
    await engine.removeLabelled(scope);
  }, 120_000);

  it.runIf(engine.available() && composeInstalled())(
    'a service removed from the file leaves an orphan; --remove-orphans clears it',
    async () => {
      const image = await engine.ensureTestImage();
      const dir = tempDir('dd-cc-orphan-');
      const name = unique(`${engine.name}orphan`);
      dirs.push({ dir, name });
      const service = (s: string) =>
        `  ${s}:\n    image: ${image}\n    command: ["sleep", "600"]\n    labels:\n      ${TEST_LABEL}: ${scope}\n`;
      const file = path.join(dir, 'docker-compose.yml');
      writeFileSync(file, `services:\n${service('web')}${service('api')}`);
      writeFileSync(path.join(dir, '.env'), `COMPOSE_PROJECT_NAME=${name}\n`);
      expect((await compose(dir, ['up', '-d'], engine.host)).exitCode).toBe(0);
      writeFileSync(file, `services:\n${service('web')}`);

      const findings = findingsOf(await doctor(dir, engine.host), 'compose-config');
      expect(findings.map((f) => [f.code, f.severity, f.subject.name])).toEqual([
        ['compose-config/orphan-containers', 'warning', `${name}_api_1`],
      ]);
      const fix = findings[0]!.fixes[0]!;
      expect(fix.command).toBe(`cd ${dir} && docker-compose up -d --remove-orphans`);
      expect(fix.title).toMatch(/^Remove the orphan container/);

      await execa('sh', ['-c', fix.command!], { env: { ...process.env, DOCKER_HOST: engine.host }, timeout: 120_000 });
      expect(findingsOf(await doctor(dir, engine.host), 'compose-config')).toEqual([]);
    },
  );
});
