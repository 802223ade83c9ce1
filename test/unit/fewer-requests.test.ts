import { describe, expect, it } from 'vitest';
import daemon from '../../checks/daemon.js';
import dns from '../../checks/dns.js';
import { inspect, summary } from '../helpers/containers.js';
import { fakeClients, fakeEngine, fakeFacts, HEALTHY_ENGINE, runCheck, type EngineRoutes } from '../helpers/fakes.js';

/** The facts over a fake engine that records every path it is asked for. */
function recorded(routes: EngineRoutes) {
  const calls: string[] = [];
  return { calls, facts: fakeFacts(fakeClients({ engine: () => fakeEngine(routes, calls) })) };
}

describe('a full run asks the daemon only what it needs, as early as it can (issue 10: room for the new checks)', () => {
  it('the daemon check has the container list sent as soon as the ping answers, while /info is still on its way', async () => {
    let listedBeforeInfo: boolean | undefined;
    const { calls, facts } = recorded({
      ...HEALTHY_ENGINE,
      '/info': () =>
        new Promise((resolve) =>
          setTimeout(() => {
            listedBeforeInfo = calls.some((c) => c.startsWith('/containers/json'));
            resolve(HEALTHY_ENGINE['/info']);
          }, 30),
        ),
    });
    expect((await runCheck(daemon, facts)).status).toBe('passed');
    expect(listedBeforeInfo).toBe(true);
  });

  it.each([
    ['none', false],
    ['host', false],
    ['container:db', false],
    ['bridge', true],
  ])('dns inspects a running container the list shows on network mode %s: %s', async (mode, inspected) => {
    const container = { id: 'c1', name: 'web', state: 'running' as const };
    const { calls, facts } = recorded({
      ...HEALTHY_ENGINE,
      '/info': { ...(HEALTHY_ENGINE['/info'] as object), IPv4Forwarding: true },
      '/networks': [{ Name: 'bridge', Id: 'b', Driver: 'bridge' }],
      '/containers/json': [{ ...summary(container), HostConfig: { NetworkMode: mode } }],
      '/containers/c1/json': { ...inspect(container), HostConfig: { ...inspect(container).HostConfig, NetworkMode: mode, Dns: [] } },
    });
    expect((await runCheck(dns, facts)).status).toBe('passed');
    expect(calls.includes('/containers/c1/json')).toBe(inspected);
  });
});
