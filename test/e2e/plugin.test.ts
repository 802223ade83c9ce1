import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanEnv, findingsOf, runCli } from '../helpers/cli.js';
import { fixturePath } from '../helpers/fakes.js';
import { tempDir } from '../helpers/sockets.js';

/** Links the fixture plugin the way `docker-doctor plugins link` records it, in a private data dir. */
function envWithPlugin() {
  const dataDir = tempDir('dd-data-');
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(
    path.join(dataDir, 'package.json'),
    JSON.stringify({
      private: true,
      oclif: { schema: 1, plugins: [{ name: 'docker-doctor-plugin-example', type: 'link', root: fixturePath('plugin-example') }] },
    }),
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
