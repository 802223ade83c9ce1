import type { FactClients } from './clients.js';
import type { FactObserver, Memo } from './memo.js';

export interface FactSettings {
  hostFlag?: string;
  contextFlag?: string;
  projectDir: string;
  /** Per-check timeout; daemon calls get a share of it so a hung daemon cannot eat a check's whole budget. */
  timeoutMs: number;
  /** Told when each fact settles and how long it took (the benchmark's per-fact timings). */
  observer?: FactObserver;
}

/** What every domain's providers are built from: the outside world, the run's settings and the shared memo. */
export interface FactScope {
  clients: FactClients;
  settings: FactSettings;
  once: Memo['once'];
}

/** An API call gets most of a check's budget, never all of it: a hung endpoint must leave the check time to say so. */
export function requestTimeoutFor(timeoutMs: number): number {
  return Math.max(300, Math.floor(timeoutMs * 0.6));
}

export function pingTimeoutFor(timeoutMs: number): number {
  return Math.max(500, Math.min(5000, Math.floor(timeoutMs / 2)));
}
