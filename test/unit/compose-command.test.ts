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
