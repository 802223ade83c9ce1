import { describe, expect, it } from 'vitest';
import type { ExecClient } from '../../src/facts/clients.js';
import { fakeClients, fakeFacts } from '../helpers/fakes.js';

/** An exec client where only the listed commands (file + first argument) exist and succeed. */
function hostWith(present: string[]): ExecClient {
  return {
    async run(file, args) {
      const ok = present.includes([file, args[0]].join(' '));
      return { exitCode: ok ? 0 : 127, stdout: '', stderr: ok ? '' : 'not found', failed: !ok };
    },
  };
}

describe('the compose command of this host', () => {
  it.each([
    [['docker compose', 'docker-compose version'], 'docker compose'],
    [['docker-compose version'], 'docker-compose'],
    [[], 'docker compose'],
  ])('with %j it is %s', async (present, expected) => {
    expect(await fakeFacts(fakeClients({ exec: hostWith(present) })).composeCommand()).toBe(expected);
  });
});

describe('the compose command found by its files, without running anything', () => {
  const exe = { stat: { mode: 0o755 } };
  const neverRun: ExecClient = {
    run: async () => {
      throw new Error('no command may run when the files answer');
    },
  };
  const facts = (files: Record<string, typeof exe>, env: Record<string, string> = { PATH: '/usr/local/bin:/usr/bin' }) =>
    fakeFacts(fakeClients({ files, env, exec: neverRun }));

  it.each([
    ['/usr/libexec/docker/cli-plugins/docker-compose', 'docker compose'],
    ['/usr/local/lib/docker/cli-plugins/docker-compose', 'docker compose'],
    ['/home/dev/.docker/cli-plugins/docker-compose', 'docker compose'],
    ['/usr/bin/docker-compose', 'docker-compose'],
  ])('%s makes it %s', async (file, expected) => {
    expect(await facts({ [file]: exe }).composeCommand()).toBe(expected);
  });

  it('prefers the plugin when both are installed, and reads DOCKER_CONFIG for the user plugin', async () => {
    const both = { '/usr/bin/docker-compose': exe, '/cfg/cli-plugins/docker-compose': exe };
    expect(await facts(both, { PATH: '/usr/bin', DOCKER_CONFIG: '/cfg' }).composeCommand()).toBe('docker compose');
  });

  it('does not take a file that is not executable, or a relative PATH entry', async () => {
    const notExecutable = { '/usr/bin/docker-compose': { stat: { mode: 0o644 } } };
    const answered = fakeFacts(
      fakeClients({ files: { ...notExecutable, 'bin/docker-compose': exe }, env: { PATH: 'bin:/usr/bin' }, exec: hostWith([]) }),
    );
    expect(await answered.composeCommand()).toBe('docker compose');
  });
});
