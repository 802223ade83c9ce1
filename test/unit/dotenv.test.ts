import { describe, expect, it } from 'vitest';
import { parseDotEnv } from '../../src/facts/project/interpolate.js';

describe('.env files', () => {
  it('expand earlier keys over the environment, and strip inline comments', () => {
    expect(parseDotEnv('A=1\nB=${A}-${HOME}\nC=x # note\nD="q # kept"\n', { A: 'env', HOME: '/h' })).toEqual({
      A: '1',
      B: '1-/h',
      C: 'x',
      D: 'q # kept',
    });
  });

  it('stay linear in the size of the file: 20,000 lines, and a line of 200,000 spaces', () => {
    const big = Array.from({ length: 20_000 }, (_, i) => `K${i}=v${i}`).join('\n');
    expect(Object.keys(parseDotEnv(big, { PATH: '/bin' }))).toHaveLength(20_000);
    expect(parseDotEnv(`A=x${' '.repeat(200_000)}y # c`).A).toMatch(/^x +y$/);
  });
});
