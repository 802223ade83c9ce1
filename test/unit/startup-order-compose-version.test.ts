import { describe, expect, it } from 'vitest';
import { composeAbility } from '../../checks/startup-order/fixes.js';
import { composeVersion } from '../../src/facts/host/compose-version.js';
import { composeProject, fakeClients, fakeFacts } from '../../src/testing/index.js';

/** A host whose compose answers `version --short` with this output (or fails). */
function clientsAnswering(stdout: string, exitCode = 0) {
  const calls: string[][] = [];
  const clients = fakeClients({
    exec: {
      run: async (file, args) => {
        calls.push([file, ...args]);
        return { exitCode, stdout, stderr: '', failed: exitCode !== 0 };
      },
    },
  });
  return { clients, calls };
}

describe('the compose version', () => {
  it('asks the compose the host has for its short version: v2 plugin, v1 standalone', async () => {
    const v2 = clientsAnswering('2.24.5\n');
    expect(await composeVersion(v2.clients, 'docker compose')).toBe('2.24.5');
    expect(v2.calls).toEqual([['docker', 'compose', 'version', '--short']]);
    const v1 = clientsAnswering('1.29.2\n');
    expect(await composeVersion(v1.clients, 'docker-compose')).toBe('1.29.2');
    expect(v1.calls).toEqual([['docker-compose', 'version', '--short']]);
    expect(await composeVersion(clientsAnswering('v2.0.1\n').clients, 'docker compose')).toBe('2.0.1');
  });

  it('is unknown when compose does not answer', async () => {
    expect(await composeVersion(clientsAnswering('', 1).clients, 'docker compose')).toBeUndefined();
    expect(await composeVersion(clientsAnswering('garbage').clients, 'docker compose')).toBeUndefined();
  });
});

describe('what the compose in use accepts in depends_on', () => {
  const facts = (command: 'docker compose' | 'docker-compose', version: string | undefined) =>
    fakeFacts({ facts: { composeCommand: async () => command, composeVersion: async () => version } });
  const plain = composeProject('services:\n  app:\n    image: a\n');
  const v3 = composeProject('version: "3.8"\nservices:\n  app:\n    image: a\n');
  const v24 = composeProject('version: "2.4"\nservices:\n  app:\n    image: a\n');

  it('restart: true from Compose 2.17 on', async () => {
    expect(await composeAbility(facts('docker compose', '2.17.0'), await plain)).toMatchObject({ conditions: true, restartOption: true });
    expect(await composeAbility(facts('docker compose', '2.16.9'), await plain)).toMatchObject({ conditions: true, restartOption: false });
    expect(await composeAbility(facts('docker compose', undefined), await plain)).toMatchObject({ restartOption: false });
  });

  it('Compose v1 has conditions from 1.27, and before that only in 2.x files', async () => {
    expect(await composeAbility(facts('docker-compose', '1.29.2'), await v3)).toMatchObject({ conditions: true, restartOption: false });
    expect(await composeAbility(facts('docker-compose', '1.25.0'), await v3)).toMatchObject({ conditions: false });
    expect(await composeAbility(facts('docker-compose', '1.25.0'), await v24)).toMatchObject({ conditions: true });
  });

  it('the label of the container compose created wins over asking compose', async () => {
    const inspect = { Config: { Labels: { 'com.docker.compose.version': '2.20.0' } } } as never;
    expect(await composeAbility(facts('docker compose', '2.10.0'), await plain, inspect)).toMatchObject({
      version: '2.20.0',
      restartOption: true,
    });
  });
});
