import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanEnv, findingsOf, ROOT, runCli } from '../helpers/cli.js';
import { fixturePath } from '../helpers/fakes.js';
import { tempDir } from '../helpers/sockets.js';

const PINNED_IMAGES = path.join(ROOT, 'examples', 'plugin-pinned-images');
const pinnedFixture = (name: string) => path.join(PINNED_IMAGES, 'test', 'fixtures', name);

/**
 * Registers a plugin the way `docker-doctor plugins link <dir>` records it, in a private data dir. The example's own
 * `@docker-doctor/cli` is linked to this repository by the suite's setup (test/setup/link-examples.ts), as
 * `npm install` in the example would.
 */
function envWithPlugin(name = 'docker-doctor-plugin-example', root = fixturePath('plugin-example')) {
  const dataDir = tempDir('dd-data-');
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(
    path.join(dataDir, 'package.json'),
    JSON.stringify({ private: true, oclif: { schema: 1, plugins: [{ name, type: 'link', root }] } }),
  );
  return cleanEnv({ DOCKER_DOCTOR_DATA_DIR: dataDir, DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
}

describe('checks from an installed oclif plugin', () => {
  it('appear in list and run by id with the same contract', async () => {
    const env = envWithPlugin();
    const list = await runCli(['list'], { env });
    expect(list.stdout).toMatch(/^example-dockerfile\s+build\s+The project has a Dockerfile$/m);

    const project = tempDir('dd-plugin-project-');
    const run = await runCli(['example-dockerfile', '--json', '-C', project], { env });
    expect(run.report!.checks.map((c) => c.id)).toEqual(['example-dockerfile']);
    expect(findingsOf(run.report, 'example-dockerfile')).toEqual([
      expect.objectContaining({ code: 'example-dockerfile/missing', severity: 'warning', title: `${project} has no Dockerfile` }),
    ]);
    expect(run.exitCode).toBe(0);

    writeFileSync(path.join(project, 'Dockerfile'), 'FROM scratch\n');
    const healthy = await runCli(['example-dockerfile', '--json', '-C', project, '--fail-on', 'warning'], { env });
    expect(healthy.report!.checks[0]!.status).toBe('passed');
    expect(healthy.exitCode).toBe(0);
  });

  it("explain reads the plugin check's own text", async () => {
    const run = await runCli(['explain', 'example-dockerfile/missing'], { env: envWithPlugin() });
    expect(run.stdout).toContain('This team builds every project from a Dockerfile at its root.');
  });
});

describe('the example plugin (examples/plugin-pinned-images), linked as its README says', () => {
  const env = () => envWithPlugin('docker-doctor-plugin-pinned-images', PINNED_IMAGES);

  it('joins the catalogue through the docker-doctor:checks hook, with no plugin problem on stderr', async () => {
    const list = await runCli(['list'], { env: env() });
    expect(list.exitCode).toBe(0);
    expect(list.stdout).toMatch(/^pinned-images\s+compose\s+Compose images are pinned to a version$/m);
    expect(list.stdout).toMatch(/^daemon\s+daemon\s/m);
    expect(list.stderr).not.toMatch(/plugin/i);
  });

  it('runs by id: each unpinned service at its image line, with a line to paste and no command that edits files', async () => {
    const run = await runCli(['pinned-images', '--json', '-C', pinnedFixture('unpinned')], { env: env() });
    expect(run.report!.checks.map((c) => [c.id, c.status])).toEqual([['pinned-images', 'warned']]);
    const findings = findingsOf(run.report, 'pinned-images');
    expect(findings.map((f) => [f.code, f.severity, f.subject.name, f.location])).toEqual([
      ['pinned-images/untagged', 'warning', 'web', { file: 'compose.yaml', line: 3, column: 5 }],
      ['pinned-images/latest', 'warning', 'cache', { file: 'compose.yaml', line: 7, column: 5 }],
    ]);
    expect(findings.map((f) => f.fixes.map((fix) => fix.command))).toEqual([['image: nginx:<version>'], ['image: redis:<version>']]);
    expect(run.exitCode).toBe(0);

    const strict = await runCli(['pinned-images', '--json', '-C', pinnedFixture('unpinned'), '--fail-on', 'warning'], { env: env() });
    expect(strict.exitCode).toBe(1);
  });

  it('passes on pinned and digest images and on built ones, and is skipped without a compose file', async () => {
    const pinned = await runCli(['pinned-images', '--json', '-C', pinnedFixture('pinned'), '--fail-on', 'warning'], { env: env() });
    expect(pinned.report!.checks[0]).toMatchObject({ id: 'pinned-images', status: 'passed', findings: [] });
    expect(pinned.exitCode).toBe(0);

    const empty = await runCli(['pinned-images', '--json', '-C', tempDir('dd-plugin-empty-')], { env: env() });
    expect(empty.report!.checks[0]).toMatchObject({ status: 'skipped', skipReason: 'no compose file in the project' });
  });

  it('is explained offline, by id and by finding code', async () => {
    const check = await runCli(['explain', 'pinned-images'], { env: env() });
    expect(check.exitCode).toBe(0);
    expect(check.stdout).toContain('Compose images are pinned to a version');
    expect(check.stdout).toContain('Services that build their image');
    const code = await runCli(['explain', 'pinned-images/latest'], { env: env() });
    expect(code.stdout).toContain('An image without a tag means :latest');
  });
});
