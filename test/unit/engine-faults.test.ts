import { describe, expect, it } from 'vitest';
import exitedContainers from '../../checks/exited-containers.js';
import portConflicts from '../../checks/port-conflicts.js';
import { EngineError } from '../../src/facts/docker/engine-client.js';
import { fakeClients, fakeFacts, HEALTHY_ENGINE, runCheck } from '../helpers/fakes.js';

/** A daemon that answers the ping but fails the container list in the given way. */
function facts(containers: unknown) {
  return fakeFacts(fakeClients({ engine: { ...HEALTHY_ENGINE, '/containers/json': containers } }));
}

describe('an endpoint that fails after the ping', () => {
  it.each([
    [
      'HTTP 500',
      new EngineError('http', '/containers/json?all=1 answered HTTP 500: boom', { statusCode: 500 }),
      /failed GET \/containers\/json: .*HTTP 500: boom/,
    ],
    [
      'no answer',
      new EngineError('no-answer', 'the daemon accepted the connection but did not answer /containers/json?all=1 within 2 s'),
      /failed GET \/containers\/json: .*did not answer/,
    ],
    ['not a list', { message: 'hello' }, /failed GET \/containers\/json: it answered object, not a list/],
    ['null', null, /it answered null, not a list/],
  ])('skips the checks that need it with one reason (%s)', async (_name, answer, reason) => {
    for (const check of [exitedContainers, portConflicts]) {
      const result = await runCheck(check, facts(answer));
      expect(result.status).toBe('skipped');
      expect(result.skipReason).toMatch(reason);
    }
  });

  it('drops null and malformed entries instead of crashing on them', async () => {
    const result = await runCheck(exitedContainers, facts([null, 42, 'x', { Names: ['/no-id'] }]));
    expect(result.status).toBe('passed');
  });
});

describe('the daemon check names a failing endpoint once', () => {
  it('reports the list the daemon failed, while the checks that need it skip with the same reason', async () => {
    const { default: daemon } = await import('../../checks/daemon.js');
    const shared = facts(new EngineError('http', '/containers/json?all=1 answered HTTP 500: boom', { statusCode: 500 }));
    const result = await runCheck(daemon, shared);
    expect(result.status).toBe('failed');
    expect(result.findings.map((f) => [f.code, f.subject.name])).toEqual([['daemon/endpoint-failed', 'unix:///var/run/docker.sock']]);
    expect(result.findings[0]!.title).toContain('failed GET /containers/json');
    expect((await runCheck(exitedContainers, shared)).status).toBe('skipped');
  });

  it('says nothing when the list answers', async () => {
    const { default: daemon } = await import('../../checks/daemon.js');
    expect((await runCheck(daemon, facts([]))).status).toBe('passed');
  });
});

describe('a daemon that lists containers but fails their inspect', () => {
  const summary = {
    Id: 'a'.repeat(64),
    Names: ['/web'],
    Image: 'busybox',
    State: 'exited',
    Status: 'Exited (1) 2 minutes ago',
    Labels: {},
  };
  const failing = (answer: unknown) =>
    fakeFacts(fakeClients({ engine: { ...HEALTHY_ENGINE, '/containers/json': [summary], [`/containers/${summary.Id}/json`]: answer } }));

  it.each([
    ['HTTP 500', new EngineError('http', 'answered HTTP 500: boom', { statusCode: 500 }), /HTTP 500: boom/],
    ['no container in the answer', { message: 'hello' }, /it answered no container/],
  ])('is one daemon finding, and the checks that inspect are skipped, never passed (%s)', async (_name, answer, what) => {
    const { default: daemon } = await import('../../checks/daemon.js');
    const shared = failing(answer);
    const result = await runCheck(daemon, shared);
    expect(result.findings.map((f) => f.code)).toEqual(['daemon/endpoint-failed']);
    expect(result.findings[0]!.title).toMatch(new RegExp(`failed GET /containers/${summary.Id}/json: .*${what.source}`));
    const exited = await runCheck(exitedContainers, shared);
    expect(exited.status).toBe('skipped');
    expect(exited.skipReason).toMatch(what);
  });

  it('a container removed since the list (HTTP 404) is passed over quietly', async () => {
    const { default: daemon } = await import('../../checks/daemon.js');
    const gone = failing(new EngineError('http', 'answered HTTP 404: No such container', { statusCode: 404 }));
    expect((await runCheck(daemon, gone)).status).toBe('passed');
    expect((await runCheck(exitedContainers, gone)).status).toBe('passed');
  });
});
