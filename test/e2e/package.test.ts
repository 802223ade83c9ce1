import { readFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, ROOT } from '../helpers/cli.js';
import { expectValidReport } from '../helpers/schema.js';
import { tempDir } from '../helpers/sockets.js';
import type { Report } from '../../src/engine/report.js';

/*
 * What a user gets from `npm install -g @docker-doctor/cli`: the packed tarball, installed into a clean prefix with
 * only its declared dependencies (from the registry), runs on its own. The prefix is a temporary directory, removed
 * after the file (test/setup/cleanup.ts).
 */

const npm = (args: string[], cwd = ROOT) =>
  execa('npm', args, { cwd, reject: false, timeout: 300_000, env: { npm_config_update_notifier: 'false' } });

interface PackResult {
  filename: string;
  files: { path: string }[];
}

let installedBin: string;

beforeAll(async () => {
  const packDir = tempDir('dd-pack-');
  const pack = await npm(['pack', '--json', '--pack-destination', packDir]);
  expect(pack.exitCode, pack.stderr).toBe(0);
  const [packed] = JSON.parse(pack.stdout) as PackResult[];
  const prefix = tempDir('dd-prefix-');
  const install = await npm([
    'install',
    '-g',
    '--prefix',
    prefix,
    path.join(packDir, packed!.filename),
    '--prefer-offline',
    '--no-audit',
    '--no-fund',
  ]);
  expect(install.exitCode, install.stderr).toBe(0);
  installedBin = path.join(prefix, 'bin', 'docker-doctor');
}, 320_000);

/** The installed command, with no plugins, no docker config and a daemon that is not there. */
const run = (args: string[]) =>
  execa(installedBin, args, {
    reject: false,
    env: cleanEnv({ DOCKER_DOCTOR_DATA_DIR: tempDir('dd-data-'), DOCKER_HOST: 'unix:///nonexistent/docker.sock' }),
    extendEnv: false,
    cwd: tempDir('dd-project-'),
    stdin: 'ignore',
  });

describe('the packed package, installed globally into a clean prefix', () => {
  it('runs: --version, list, and a --json daemon check against an unreachable daemon', async () => {
    const version = await run(['--version']);
    expect(version.exitCode, version.stderr).toBe(0);
    expect(version.stdout).toMatch(/^docker-doctor\/0\.1\.0 /);

    const list = await run(['list']);
    expect(list.exitCode, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^daemon\s+daemon\s+Docker daemon is reachable$/m);

    const daemon = await run(['--json', 'daemon']);
    const report = JSON.parse(daemon.stdout) as Report;
    expectValidReport(report);
    expect(report.checks.map((c) => [c.id, c.status])).toEqual([['daemon', 'failed']]);
    expect(daemon.exitCode).toBe(1);
  });

  it('ships no tests, source maps, fixtures, sources or examples', async () => {
    const dryRun = await npm(['pack', '--dry-run', '--json']);
    const files = (JSON.parse(dryRun.stdout) as PackResult[])[0]!.files.map((f) => f.path);
    expect(files).toContain('dist/cli.js');
    expect(files).toContain('dist/testing.js');
    expect(
      files.filter((f) => /(^|\/)(test|tests|fixtures|examples|src|checks)\/|\.map$|\.test\.|\.ts$/.test(f) && !f.endsWith('.d.ts')),
    ).toEqual([]);
  });

  it('depends at runtime only on what the bundle leaves out', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Record<string, Record<string, string>>;
    expect(Object.keys(pkg.dependencies!).sort()).toEqual(['@oclif/plugin-plugins']);
    for (const bundled of ['ajv', '@oclif/core', 'yaml', 'dockerfile-ast', 'listr2', 'execa', 'systeminformation', 're2js', 'shell-quote'])
      expect(pkg.devDependencies, bundled).toHaveProperty([bundled]);
  });
});
