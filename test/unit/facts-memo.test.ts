import { describe, expect, it } from 'vitest';
import { createFacts, DOCKER_KEYS, type FactObserver } from '../../src/facts/index.js';
import { createMemo } from '../../src/facts/memo.js';
import { fakeClients } from '../helpers/fakes.js';

/** An observer that records what it is told. */
function recorder(): FactObserver & { seen: [string, number, boolean][] } {
  const seen: [string, number, boolean][] = [];
  return { seen, settled: (key, ms, ok) => void seen.push([key, ms, ok]) };
}

describe('memo', () => {
  it('produces each key at most once, however many ask', async () => {
    const memo = createMemo();
    let calls = 0;
    const produce = async () => ++calls;
    const answers = await Promise.all([memo.once('a', produce), memo.once('a', produce), memo.once('a', produce)]);
    expect(answers).toEqual([1, 1, 1]);
    expect(calls).toBe(1);
    expect(await memo.once('b', produce)).toBe(2);
  });

  it('keeps a failure: it is fetched once, and an unawaited rejection does not crash the process', async () => {
    const memo = createMemo();
    let calls = 0;
    const fail = () => (calls++, Promise.reject(new Error('no')));
    memo.once('x', fail); // never awaited: an unhandled rejection would fail this test run
    await expect(memo.once('x', fail)).rejects.toThrow('no');
    expect(calls).toBe(1);
  });

  it('peeks only at what something already asked for', async () => {
    const memo = createMemo();
    expect(memo.peek('a')).toBeUndefined();
    void memo.once('a', async () => 42);
    expect(await memo.peek<number>('a')).toBe(42);
  });

  it('tells the observer once per key, with the time from the first request to settlement', async () => {
    let clock = 100;
    const observer = recorder();
    const memo = createMemo(observer, () => clock);
    let finish: (value: string) => void = () => undefined;
    const slow = memo.once('slow', () => new Promise<string>((resolve) => (finish = resolve)));
    clock = 130;
    void memo.once('slow', async () => 'again');
    clock = 175;
    finish('done');
    await slow;
    await memo.once('failing', () => Promise.reject(new Error('no'))).catch(() => undefined);
    expect(observer.seen).toEqual([
      ['slow', 75, true],
      ['failing', 0, false],
    ]);
  });

  it('survives an observer that throws', async () => {
    const memo = createMemo({
      settled: () => {
        throw new Error('profiler bug');
      },
    });
    expect(await memo.once('a', async () => 'fine')).toBe('fine');
  });
});

describe('createFacts with an observer', () => {
  it('reports every fact a provider needed, once each, failures as not ok', async () => {
    const observer = recorder();
    const facts = createFacts(fakeClients(), { projectDir: '/project', timeoutMs: 2000, observer });
    await Promise.all([facts.containers(), facts.containers(), facts.dockerInfo()]);
    await facts.inspectContainer('missing').catch(() => undefined);
    const keys = observer.seen.map(([key, , ok]) => [key, ok]);
    expect(keys).toEqual(
      expect.arrayContaining([
        [DOCKER_KEYS.endpoint, true],
        [DOCKER_KEYS.connection, true],
        [DOCKER_KEYS.containers, true],
        [DOCKER_KEYS.info, true],
        [DOCKER_KEYS.inspect('missing'), false],
      ]),
    );
    expect(new Set(keys.map(([key]) => key)).size).toBe(keys.length);
    expect(observer.seen.every(([, ms]) => ms >= 0)).toBe(true);
    expect(facts.peek(DOCKER_KEYS.connection)).toBeDefined();
    expect(facts.peek('project.compose')).toBeUndefined();
  });
});
