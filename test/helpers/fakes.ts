import path from 'node:path';
import { runChecks } from '../../src/engine/runner.js';
import type { Check, CheckResult } from '../../src/engine/types.js';
import type { FactClients } from '../../src/facts/clients.js';
import type { Facts } from '../../src/facts/types.js';
import { fakeClients, fakeFacts as worldFacts } from '../../src/testing/index.js';

// The fakes live in the kit for check authors (src/testing); these names keep the older tests' imports working.
export {
  fakeClients,
  fakeEngine,
  HEALTHY_ENGINE,
  memoryFs as fakeFs,
  overlayFs,
  SOCKET,
  type EngineRoutes,
  type FakeClientOptions,
  type FakeFile,
} from '../../src/testing/index.js';

export const fixturePath = (...parts: string[]) => path.join(import.meta.dirname, '..', 'fixtures', ...parts);

/** Real fact providers over these clients, with any provider replaced by a fixed value. */
export function fakeFacts(clients: FactClients = fakeClients(), overrides: Partial<Facts> = {}): Facts {
  return worldFacts({ clients, facts: overrides });
}

/** Like fakeFacts, for a project that exists on disk at `projectDir` (the host stays fake). */
export function fakeFactsAt(projectDir: string, clients: FactClients = fakeClients(), overrides: Partial<Facts> = {}): Facts {
  return worldFacts({ clients, projectDir, onDisk: true, facts: overrides });
}

export async function runCheck(check: Check, facts: Facts, timeoutMs = 2000): Promise<CheckResult> {
  const [result] = await runChecks([check], facts, { probe: false, verbose: false, timeoutMs });
  return result!;
}
