import { describe, expect, it } from 'vitest';
import { diagnoseComposeLocalhost } from '../../checks/dns/compose.js';
import type { CheckContext } from '../../src/engine/types.js';
import { nodeFs } from '../../src/facts/clients.js';
import { loadCompose, type ComposeService } from '../../src/facts/project/compose.js';
import { tempTree } from '../helpers/tree.js';

/**
 * Review s6 F7: the compose-localhost pass filtered the whole service list twice for every service, so 5,000 services
 * took 9.7 s of synchronous work that --timeout cannot stop. The bound here is on work, not time: the network settings
 * of each service are read a fixed number of times, however many services there are (before, about 4 × n² times).
 */
const SERVICES = 5_000;

/** The review's file: a depends_on chain of 5,000 services, then a cache and one service that reaches it as localhost. */
function composeFile(): string {
  const chain = Array.from(
    { length: SERVICES },
    (_, i) =>
      `  s${i}:\n    image: app\n${i < SERVICES - 1 ? `    depends_on:\n      s${i + 1}:\n        condition: service_healthy\n` : ''}`,
  );
  return `services:\n${chain.join('')}  cache:\n    image: redis\n  api:\n    image: api\n    environment:\n      REDIS_URL: redis://localhost:6379/0\n`;
}

/** The services, each counting how often its network settings are read. */
function counted(services: ComposeService[]): { services: ComposeService[]; reads: () => number } {
  let reads = 0;
  const watched = new Set<PropertyKey>(['networks', 'networkMode']);
  const proxies = services.map(
    (s) =>
      new Proxy(s, {
        get(target, key, receiver) {
          if (watched.has(key)) reads++;
          return Reflect.get(target, key, receiver) as unknown;
        },
      }),
  );
  return { services: proxies, reads: () => reads };
}

describe('dns compose-localhost on 5,000 services', () => {
  it('reads each service a bounded number of times, and still finds the one service reached as localhost', async () => {
    const dir = tempTree({ 'compose.yaml': composeFile() }, 'dd-dns-scale-');
    const compose = (await loadCompose(nodeFs, dir, {}))!;
    expect(compose.services).toHaveLength(SERVICES + 2);
    const { services, reads } = counted(compose.services);
    const ctx = { facts: { imageInspect: () => Promise.resolve(null) } } as unknown as CheckContext;
    const found: string[] = [];
    await diagnoseComposeLocalhost(ctx, { ...compose, services }, (r) => found.push(`${r.subject.name} ${r.fixes[0]!.command}`));
    expect(found).toEqual(['api REDIS_URL: redis://cache:6379/0']);
    expect(reads()).toBeLessThanOrEqual(10 * services.length);
  });
});
