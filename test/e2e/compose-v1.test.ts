import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/engine/report.js';
import { findingsOf, runCli } from '../helpers/cli.js';
import { engineAvailable, ensureTestImage, removeLabelled, TEST_LABEL } from '../helpers/engine.js';
import { tempDir } from '../helpers/sockets.js';

/**
 * Compose v1 (Debian's docker-compose 1.29) as people still run it: containers named <project>_<service>_1, one-off
 * `run` containers labelled oneoff=True, and config_files written as typed, relative to where it ran. This machine
 * has only v1, so fixes that name compose must say `docker-compose`.
 */
const scope = `compose-v1-${process.pid}-${Date.now().toString(36)}`;
const projectName = (name: string) => `ddv1${process.pid}${name}`;
const projects: { dir: string; args: string[] }[] = [];

function composeV1Installed(): boolean {
  return engineAvailable() && commandAnswers('docker-compose', ['version']);
}

function commandAnswers(file: string, args: string[]): boolean {
  try {
    execFileSync(file, args, { stdio: 'pipe', timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}

async function compose(dir: string, args: string[]): Promise<string> {
  const env = { ...process.env };
  for (const key of ['COMPOSE_FILE', 'COMPOSE_PROJECT_NAME', 'COMPOSE_PROFILES', 'DOCKER_HOST', 'DOCKER_CONTEXT']) delete env[key];
  const result = await execa('docker-compose', args, { cwd: dir, env, extendEnv: false, timeout: 120_000, stdin: 'ignore' });
  return String(result.stdout).trim();
}

async function up(dir: string, args: string[]): Promise<void> {
  projects.push({ dir, args });
  await compose(dir, [...args, 'up', '-d']);
}

async function exited(name: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const { stdout } = await execa('docker', ['inspect', '--format', '{{.State.Status}}', name], { reject: false });
    if (String(stdout).trim() === 'exited') return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${name} did not exit`);
}

async function doctor(dir: string, checks: string[]): Promise<Report> {
  const run = await runCli([...checks, '--json', '-C', dir]);
  expect(run.report, run.stderr).toBeDefined();
  return run.report!;
}

describe.runIf(composeV1Installed())('Compose v1 projects (docker-compose 1.29)', () => {
  let image: string;
  const service = (name: string, exitCode: number) =>
    `  ${name}:\n    image: IMAGE\n    # exits at once\n    command: ["sh", "-c", "exit ${exitCode}"]\n` +
    `    labels:\n      ${TEST_LABEL}: ${scope}\n`;
  const file = (text: string) => text.replaceAll('IMAGE', image);

  beforeAll(async () => {
    image = await ensureTestImage();
  }, 120_000);

  afterAll(async () => {
    for (const { dir, args } of projects) await compose(dir, [...args, 'down', '--remove-orphans']).catch(() => undefined);
    await removeLabelled(scope);
  }, 120_000);

  it('a <project>_<service>_1 container is attributed to its service in docker-compose.yml, at the command line', async () => {
    const dir = tempDir('dd-compose-v1-');
    writeFileSync(path.join(dir, 'docker-compose.yml'), file(`services:\n${service('web', 3)}`));
    const name = projectName('default');
    await up(dir, ['-p', name]);
    await exited(`${name}_web_1`);
    const finding = findingsOf(await doctor(dir, ['exited-containers']), 'exited-containers').find(
      (f) => f.subject.name === `${name}_web_1`,
    );
    expect(finding).toMatchObject({ subject: { kind: 'container' }, location: { file: 'docker-compose.yml', line: 5 } });
  });

  it('a project started with -f from a subdirectory is attributed to that file (v1 labels it relative to where it ran)', async () => {
    const dir = tempDir('dd-compose-v1-f-');
    mkdirSync(path.join(dir, 'stack'));
    writeFileSync(path.join(dir, 'docker-compose.yml'), file(`services:\n${service('web', 0)}`));
    writeFileSync(path.join(dir, 'stack', 'prod.yml'), file(`services:\n${service('api', 5)}`));
    const name = projectName('sub');
    await up(dir, ['-f', 'stack/prod.yml', '-p', name]);
    await exited(`${name}_api_1`);
    const labels = JSON.parse(
      await execa('docker', ['inspect', '--format', '{{json .Config.Labels}}', `${name}_api_1`]).then((r) => r.stdout),
    );
    // What v1 wrote: the file as typed, and the file's directory as the working directory.
    expect(labels).toMatchObject({
      'com.docker.compose.project.config_files': 'stack/prod.yml',
      'com.docker.compose.project.working_dir': path.join(dir, 'stack'),
    });
    const finding = findingsOf(await doctor(dir, ['exited-containers']), 'exited-containers').find(
      (f) => f.subject.name === `${name}_api_1`,
    );
    expect(finding).toMatchObject({ location: { file: path.join('stack', 'prod.yml'), line: 5 } });
  });

  it("a one-off `docker-compose run` container is not sent to the service's command line (it ran the typed command)", async () => {
    const dir = tempDir('dd-compose-v1-run-');
    writeFileSync(path.join(dir, 'docker-compose.yml'), file(`services:\n${service('web', 0)}`));
    const name = projectName('run');
    projects.push({ dir, args: ['-p', name] });
    const id = await compose(dir, ['-p', name, 'run', '-d', '--label', `${TEST_LABEL}=${scope}`, 'web', 'sh', '-c', 'exit 4']);
    const runName = (await execa('docker', ['inspect', '--format', '{{.Name}}', id.split('\n').at(-1)!])).stdout.slice(1);
    expect(runName).toMatch(new RegExp(`^${name}_web_run_[0-9a-f]+$`));
    await exited(runName);
    const finding = findingsOf(await doctor(dir, ['exited-containers']), 'exited-containers').find((f) => f.subject.name === runName);
    expect(finding).toBeDefined();
    expect(finding!.location).toBeUndefined();
  });

  it('fixes that name compose say docker-compose where only Compose v1 is installed', async () => {
    const dir = tempDir('dd-compose-v1-bad-');
    writeFileSync(path.join(dir, 'docker-compose.yml'), 'services:\n  web:\n    image: [unclosed\n');
    const report = await doctor(dir, ['bind-mounts']);
    const commands = findingsOf(report, 'bind-mounts').flatMap((f) => f.fixes.map((x) => x.command ?? ''));
    // Typed from elsewhere (-C), it starts with cd into the project.
    expect(commands).toContain(`cd ${dir} && docker-compose config --quiet`);
    expect(commands.join('\n')).not.toMatch(/docker compose/);
  });
});
