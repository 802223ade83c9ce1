import { FactUnavailable } from './errors.js';
import type { FactClients } from './clients.js';
import { dockerFacts, requireLocalEngine } from './docker/facts.js';
import { hostFacts } from './host/facts.js';
import { createMemo } from './memo.js';
import { projectFacts } from './project/facts.js';
import type { FactSettings } from './scope.js';
import type { DockerFacts, FactName, Facts } from './types.js';

export type { FactObserver } from './memo.js';
export { pingTimeoutFor, requestTimeoutFor, type FactSettings } from './scope.js';
export { DOCKER_KEYS, LOG_TAIL_BYTES, LOG_TAIL_LINES } from './docker/facts.js';
export { HOST_KEYS } from './host/facts.js';
export { PROJECT_KEYS } from './project/facts.js';

/**
 * Lazy, memoised fact providers: each fact is fetched at most once per run, however many checks ask. The providers
 * live with their domain (docker/, host/, project/ facts.ts); this only puts them together over one memo.
 *
 * A new fact: declare it on its domain's interface in types.ts, give it a key in that domain's *_KEYS, and write its
 * provider in that domain's facts.ts, reading the world only through `scope.clients` (tests hand in fakes).
 */
export function createFacts(clients: FactClients, settings: FactSettings): Facts {
  const memo = createMemo(settings.observer);
  const scope = { clients, settings, once: memo.once };
  const docker = dockerFacts(scope);
  return {
    ...docker,
    ...hostFacts(scope),
    ...projectFacts(scope),
    need: (name) => need(name, docker, clients.proc.platform),
    now: () => clients.now(),
    platform: () => clients.proc.platform,
    peek: memo.peek,
    peekAll: memo.peekAll,
  };
}

/** What a check's meta.requires names, resolved (or rejected with FactUnavailable and the reason the check is skipped). */
function need(name: FactName, docker: DockerFacts, platform: NodeJS.Platform): Promise<unknown> {
  switch (name) {
    case 'docker':
      return docker.dockerInfo();
    case 'linux':
      return platform === 'linux' ? Promise.resolve(true) : Promise.reject(new FactUnavailable('this check applies to Linux hosts only'));
    case 'local-engine':
      return requireLocalEngine(docker);
  }
}
