import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/engine/report.js';
import { cleanEnv, runCli } from '../helpers/cli.js';
import { engineAvailable } from '../helpers/engine.js';
import { tempDir } from '../helpers/sockets.js';

/*
 * A compose file compose refuses, for real: docker-compose (v1 1.29, what this machine has) stops on it, and
 * docker-doctor says so once per run, whichever checks are selected. Nothing is started: no container is made.
 */

const env = () => {
  const base = cleanEnv();
  for (const key of ['A', 'B', 'C', 'COMPOSE_FILE', 'COMPOSE_PROFILES', 'COMPOSE_PROJECT_NAME']) delete base[key];
  return base;
};

async function composeConfig(dir: string): Promise<{ exitCode: number; output: string }> {
  const result = await execa('docker-compose', ['config', '--quiet'], {
    cwd: dir,
    env: env(),
    extendEnv: false,
    reject: false,
    all: true,
    stdin: 'ignore',
    timeout: 60_000,
  });
  return { exitCode: result.exitCode ?? -1, output: String(result.all ?? '') };
}

async function doctor(dir: string, checks: string[], cwd?: string): Promise<Report> {
  const run = await runCli([...checks, '--json', '-C', dir], { env: env(), cwd: cwd ?? dir });
  expect(run.report, run.stderr).toBeDefined();
  return run.report!;
}

const composeInvalid = (report: Report) =>
  report.checks.flatMap((c) => c.findings.filter((f) => f.code.endsWith('/compose-invalid')).map((f) => ({ check: c.id, finding: f })));

const UNSET = 'services:\n  web:\n    image: busybox\n    environment:\n      A: ${A:?set A}\n      B: ${B:?}\n    ports: ["${C:?}:80"]\n';

describe.runIf(engineAvailable())('compose files compose refuses', () => {
  it('three required variables without a value: one finding for the run, whose fix compose then accepts', async () => {
    const dir = tempDir('dd-compose-unset-');
    writeFileSync(path.join(dir, 'docker-compose.yml'), UNSET);
    const refused = await composeConfig(dir);
    expect(refused.exitCode).not.toBe(0);
    expect(refused.output).toMatch(/Missing mandatory value/);

    const report = await doctor(dir, []);
    const reported = composeInvalid(report);
    expect(reported.map((r) => [r.check, r.finding.severity, r.finding.location])).toEqual([
      ['port-conflicts', 'error', { file: 'docker-compose.yml', line: 5, column: 10 }],
    ]);
    expect(reported[0]!.finding.title).toBe(
      '3 required variables have no value: A, B, C, so compose refuses the project (first at docker-compose.yml:5)',
    );
    // This host has only Compose v1: the check the fix names is the one it has.
    expect(reported[0]!.finding.fixes.map((f) => f.command)).toEqual([undefined, 'docker-compose config --quiet']);

    // Run alone, the other readers of the compose file say it themselves.
    for (const id of ['bind-mounts', 'dns', 'build-context'])
      expect(composeInvalid(await doctor(dir, [id])).map((r) => r.check)).toEqual([id]);

    // The fix: a line for each in .env, with a value. Compose accepts the project, and the finding is gone.
    writeFileSync(path.join(dir, '.env'), 'A=one\nB=two\nC=18080\n');
    expect((await composeConfig(dir)).exitCode).toBe(0);
    const fixed = await doctor(dir, []);
    expect(composeInvalid(fixed)).toEqual([]);
    expect(fixed.checks.find((c) => c.id === 'port-conflicts')!.status).not.toBe('crashed');
  }, 120_000);

  it('run with -C from elsewhere, the check the fix names runs in the project directory', async () => {
    const dir = tempDir('dd-compose-elsewhere-');
    writeFileSync(path.join(dir, 'docker-compose.yml'), UNSET);
    const report = await doctor(dir, ['port-conflicts'], tempDir('dd-elsewhere-'));
    const check = composeInvalid(report)[0]!.finding.fixes[1]!.command!;
    expect(check).toBe(`cd ${dir} && docker-compose config --quiet`);
    writeFileSync(path.join(dir, '.env'), 'A=one\nB=two\nC=18080\n');
    // Typed from another directory, it checks the project it names.
    const typed = await execa('sh', ['-c', check], {
      cwd: tempDir('dd-elsewhere-'),
      env: env(),
      extendEnv: false,
      reject: false,
      stdin: 'ignore',
      timeout: 60_000,
    });
    expect(typed.exitCode).toBe(0);
  }, 120_000);

  it('a file that is not valid YAML: one finding at the line compose names too', async () => {
    const dir = tempDir('dd-compose-yaml-');
    writeFileSync(path.join(dir, 'docker-compose.yml'), 'services:\n  web:\n    image: busybox\n   ports:\n      - "8080:80"\n');
    const refused = await composeConfig(dir);
    expect(refused.exitCode).not.toBe(0);
    expect(refused.output).toMatch(/line 4/);

    const reported = composeInvalid(await doctor(dir, []));
    expect(reported.map((r) => [r.check, r.finding.location])).toEqual([
      ['port-conflicts', { file: 'docker-compose.yml', line: 4, column: 1 }],
    ]);
  }, 120_000);
});
