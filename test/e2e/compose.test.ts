import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/engine/report.js';
import { runCli } from '../helpers/cli.js';
import { engineAvailable, ensureTestImage, removeLabelled, TEST_LABEL } from '../helpers/engine.js';
import { freePort, tempDir } from '../helpers/sockets.js';

// Compose v1 (docker-compose 1.29) is what this machine has; it writes the same project labels as v2.
const scope = `compose-${process.pid}-${Date.now().toString(36)}`;
const projectName = (name: string) => `dd${scope.replace(/[^a-z0-9]/g, '')}${name}`;
const projects: { dir: string; args: string[] }[] = [];

async function compose(dir: string, args: string[]): Promise<void> {
  const env = { ...process.env };
  for (const key of ['COMPOSE_FILE', 'COMPOSE_PROJECT_NAME', 'COMPOSE_PROFILES', 'DOCKER_HOST', 'DOCKER_CONTEXT']) delete env[key];
  await execa('docker-compose', args, { cwd: dir, env, extendEnv: false, timeout: 120_000, stdin: 'ignore' });
}

async function doctor(dir: string, checks: string[]): Promise<Report> {
  const run = await runCli([...checks, '--json', '-C', dir]);
  expect(run.report, run.stderr).toBeDefined();
  return run.report!;
}

async function waitForExit(project: string, count: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const { stdout } = await execa('docker', [
      'ps',
      '-a',
      '--filter',
      `label=com.docker.compose.project=${project}`,
      '--filter',
      'status=exited',
      '-q',
    ]);
    if (stdout.split('\n').filter(Boolean).length >= count) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${count} exited containers of ${project}`);
}

describe.runIf(engineAvailable())('compose projects as docker-compose runs them', () => {
  let image: string;
  const labels = `    labels:\n      ${TEST_LABEL}: ${scope}\n`;

  beforeAll(async () => {
    image = await ensureTestImage();
  }, 120_000);

  afterAll(async () => {
    for (const { dir, args } of projects) await compose(dir, [...args, 'down', '--remove-orphans']).catch(() => undefined);
    await removeLabelled(scope);
  }, 120_000);

  it("does not take the project's own container for the holder of its port when .env sets COMPOSE_PROJECT_NAME", async () => {
    const dir = tempDir('dd-compose-name-');
    const port = await freePort();
    const name = projectName('own');
    writeFileSync(path.join(dir, '.env'), `COMPOSE_PROJECT_NAME=${name}\n`);
    writeFileSync(
      path.join(dir, 'compose.yaml'),
      `services:\n  web:\n    image: ${image}\n    command: ["sleep", "600"]\n    ports:\n      - "127.0.0.1:${port}:80"\n${labels}`,
    );
    projects.push({ dir, args: [] });
    await compose(dir, ['up', '-d']);
    const report = await doctor(dir, ['port-conflicts']);
    expect(report.checks[0]).toMatchObject({ id: 'port-conflicts', status: 'passed', findings: [] });
  }, 120_000);

  it('reports the port a `docker-compose run --service-ports` container holds: `up` would fail on it', async () => {
    const dir = tempDir('dd-compose-run-');
    const port = await freePort();
    const name = projectName('run');
    writeFileSync(path.join(dir, '.env'), `COMPOSE_PROJECT_NAME=${name}\n`);
    writeFileSync(
      path.join(dir, 'compose.yaml'),
      `services:\n  web:\n    image: ${image}\n    command: ["sleep", "600"]\n    ports:\n      - "127.0.0.1:${port}:80"\n${labels}`,
    );
    projects.push({ dir, args: [] });
    await compose(dir, ['run', '-d', '--service-ports', 'web', 'sleep', '600']);
    const report = await doctor(dir, ['port-conflicts']);
    const finding = report.checks[0]!.findings.find((f) => f.code === 'port-conflicts/compose-port-taken' && f.subject.name === 'web');
    expect(finding).toMatchObject({ severity: 'error', location: { file: 'compose.yaml', line: 6 } });
    expect(finding!.fixes[0]!.command).toMatch(new RegExp(`^docker stop ${name}_web_run_`));
  }, 120_000);

  it('places a failed start of a `-f stack.yml` service at its port line, and stops the sibling rather than the project', async () => {
    const dir = tempDir('dd-compose-dup-');
    const port = await freePort();
    const name = projectName('dup');
    const svc = (n: string) =>
      `  ${n}:\n    image: ${image}\n    command: ["sleep", "600"]\n    ports:\n      - "127.0.0.1:${port}:80"\n${labels}`;
    writeFileSync(path.join(dir, 'stack.yml'), `services:\n${svc('first')}${svc('second')}`);
    projects.push({ dir, args: ['-p', name, '-f', 'stack.yml'] });
    await compose(dir, ['-p', name, '-f', 'stack.yml', 'up', '-d']).catch(() => undefined); // One of the two fails on the port.
    const report = await doctor(dir, ['port-conflicts']);
    // Other tests run on this engine at the same time: only this project's containers count.
    const finding = report.checks[0]!.findings.find(
      (f) => f.code === 'port-conflicts/held-by-container' && f.subject.name.startsWith(`${name}_`),
    );
    expect(finding, JSON.stringify(report.checks[0])).toBeDefined();
    const [loser, winner] = finding!.subject.name === `${name}_first_1` ? ['first', 'second'] : ['second', 'first'];
    expect(finding).toMatchObject({
      subject: { name: `${name}_${loser}_1` },
      location: { file: 'stack.yml', line: loser === 'first' ? 6 : 13 },
    });
    expect(finding!.fixes[0]!.command).toBe(`docker stop ${name}_${winner}_1`);
  }, 120_000);

  it("places a `-f stack.yml` project's container at its command line, and never a one-off container", async () => {
    const dir = tempDir('dd-compose-stack-');
    const name = projectName('stack');
    writeFileSync(
      path.join(dir, 'stack.yml'),
      `services:\n  job:\n    image: ${image}\n    command: ["sh", "-c", "echo starting; exit 3"]\n${labels}`,
    );
    projects.push({ dir, args: ['-p', name, '-f', 'stack.yml'] });
    await compose(dir, ['-p', name, '-f', 'stack.yml', 'up', '-d']);
    await compose(dir, ['-p', name, '-f', 'stack.yml', 'run', '-d', 'job', 'sh', '-c', 'exit 4']);
    await waitForExit(name, 2);
    const report = await doctor(dir, ['exited-containers']);
    const findings = report.checks[0]!.findings.filter((f) => f.subject.name.startsWith(`${name}_job_`));
    const service = findings.find((f) => f.subject.name === `${name}_job_1`);
    const oneoff = findings.find((f) => f.subject.name.startsWith(`${name}_job_run_`));
    expect(service).toMatchObject({ code: 'exited-containers/app-error', location: { file: 'stack.yml', line: 4 } });
    expect(oneoff).toMatchObject({ code: 'exited-containers/app-error' });
    expect(oneoff!.location).toBeUndefined();
  }, 120_000);
});
