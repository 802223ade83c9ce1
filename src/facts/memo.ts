/** Told when each memoised fact settles, so a run can be profiled fact by fact (the benchmark prints these). */
export interface FactObserver {
  /** Called once per key: `ms` runs from the first request for the key to the settlement of its promise. */
  settled(key: string, ms: number, ok: boolean): void;
}

/** One promise per key, shared by every check that asks: each fact is fetched at most once per run. */
export interface Memo {
  once<T>(key: string, produce: () => Promise<T>): Promise<T>;
  /** The fact's promise only if something already asked for it. */
  peek<T>(key: string): Promise<T> | undefined;
  /** The promises of every fact asked for so far whose key starts with the prefix (each container inspected, say). */
  peekAll<T>(prefix: string): Promise<T>[];
}

export function createMemo(observer?: FactObserver, clock: () => number = () => performance.now()): Memo {
  const cache = new Map<string, Promise<unknown>>();
  const watch = (key: string, value: Promise<unknown>) => {
    // Rejections are observed by whoever awaits; this keeps an unawaited failure from crashing the process.
    if (!observer) return void value.catch(() => undefined);
    const started = clock();
    const settled = (ok: boolean) => () => {
      try {
        observer.settled(key, clock() - started, ok);
      } catch {
        // A profiler that fails must not fail the diagnosis.
      }
    };
    // Observes rejections too, as above.
    value.then(settled(true), settled(false));
  };
  return {
    once<T>(key: string, produce: () => Promise<T>): Promise<T> {
      let value = cache.get(key) as Promise<T> | undefined;
      if (!value) {
        value = produce();
        watch(key, value);
        cache.set(key, value);
      }
      return value;
    },
    peek: <T>(key: string) => cache.get(key) as Promise<T> | undefined,
    peekAll: <T>(prefix: string) => [...cache].filter(([key]) => key.startsWith(prefix)).map(([, value]) => value as Promise<T>),
  };
}
