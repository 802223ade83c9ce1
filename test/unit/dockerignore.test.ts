import { describe, expect, it } from 'vitest';
import { cleanPath, isExcluded, mayReinclude, parseIgnoreFile } from '../../src/facts/project/ignore.js';

/** [ignore file, path, excluded?] — each row checked against moby/patternmatcher's behaviour (reference/docker-failures.md). */
const TABLE: [string, string, boolean][] = [
  ['node_modules', 'node_modules/a.js', true],
  ['node_modules', 'src/node_modules/a.js', false],
  ['**/node_modules', 'src/node_modules/a.js', true],
  ['**/node_modules', 'node_modules/a.js', true],
  ['*.log', 'a.log', true],
  ['*.log', 'logs/a.log', false],
  ['**/*.log', 'logs/deep/a.log', true],
  ['*', 'anything', true],
  ['*\n!src', 'src/index.js', false],
  ['*\n!src', 'README.md', true],
  ['docs\n!docs/keep.md', 'docs/keep.md', false],
  ['docs\n!docs/keep.md', 'docs/other.md', true],
  ['/build', 'build/out.js', true],
  ['  # not a comment', '# not a comment', true],
  ['# comment\nsecret', 'secret', true],
  ['Secret', 'secret', false],
  ['secret', 'Secret', false],
  ['a/*/c', 'a/b/c', true],
  ['a/*/c', 'a/b/x/c', false],
  ['a/**/c', 'a/b/x/c', true],
  ['a/**/c', 'a/c', true],
  ['a?c', 'abc', true],
  ['a?c', 'a/c', false],
  ['c++', 'c++', true],
  ['file(1).txt', 'file(1).txt', true],
  ['[ab].txt', 'b.txt', true],
  ['[ab].txt', 'c.txt', false],
  ['\\*.txt', '*.txt', true],
  ['\\*.txt', 'a.txt', false],
  ['dir/', 'dir/x', true],
  ['./dir', 'dir/x', true],
  ['dir/../other', 'other/x', true],
  ['**', 'any/thing', true],
  ['foo/**', 'foo/bar/baz', true],
  ['foo/**', 'foobar', false],
  ['*.md\n!README.md\nREADME.md', 'README.md', true],
  ['\uFEFFbom', 'bom', true],
];

describe('.dockerignore matching (moby/patternmatcher semantics)', () => {
  it.each(TABLE)('%j vs %s → excluded %s', (file, path, excluded) => {
    expect(isExcluded(parseIgnoreFile(file), path)).toBe(excluded);
  });

  it.each([
    ['!', 1, 'illegal exclusion pattern'],
    ['ok\n[abc', 2, 'unterminated character class'],
    ['x\\', 1, 'dangling escape'],
  ])('reports %j at line %i', (file, line, message) => {
    const rules = parseIgnoreFile(file);
    expect(rules.problems[0]).toMatchObject({ line });
    expect(rules.problems[0]!.message).toContain(message);
  });

  it('knows when an excluded directory may hold a re-included file', () => {
    expect(mayReinclude(parseIgnoreFile('docs\n!docs/keep.md'), 'docs')).toBe(true);
    expect(mayReinclude(parseIgnoreFile('docs\n!src/keep.md'), 'docs')).toBe(false);
    expect(mayReinclude(parseIgnoreFile('node_modules'), 'node_modules')).toBe(false);
    expect(mayReinclude(parseIgnoreFile('*\n!**/*.go'), 'pkg')).toBe(true);
  });

  it.each([
    ['a/./b/../c', 'a/c'],
    ['/x//y/', '/x/y'],
    ['', '.'],
    ['../a', '../a'],
    ['.', '.'],
    ['a/', 'a'],
    ['/..', '/'],
    ['/', '/'],
    // Already clean: returned as they are.
    ['a/b', 'a/b'],
    ['/a/b.', '/a/b.'],
    ['.hidden/..x', '.hidden/..x'],
  ])('cleans %s → %s', (input, output) => {
    expect(cleanPath(input)).toBe(output);
  });
});

describe('hostile ignore files', () => {
  it('match in linear time: nested wildcards that would stall a backtracking matcher', () => {
    const rules = parseIgnoreFile(`${'*a'.repeat(12)}*b\n${'**/'.repeat(30)}x\n`);
    expect(rules.problems).toEqual([]);
    expect(isExcluded(rules, 'a'.repeat(60))).toBe(false);
    expect(isExcluded(rules, `${'d/'.repeat(40)}x`)).toBe(true);
  });

  it('turn a range out of order and an over-long line into problems at their lines, as the builder refuses them', () => {
    const rules = parseIgnoreFile(`node_modules\n[z-a]\n${'y'.repeat(100_000)}\n`);
    expect(rules.problems.map((p) => p.line)).toEqual([2, 3]);
    expect(rules.problems[0]!.message).toMatch(/syntax error in pattern "\[z-a\]": invalid character class range/);
    expect(rules.problems[1]!.message).toMatch(/refuses lines over 64 KiB/);
    expect(isExcluded(rules, 'node_modules/x')).toBe(true);
  });
});

describe('compiled patterns', () => {
  it('all have the same fields in the same order, so matching a path against 1,000 of them stays one hidden class', () => {
    const rules = parseIgnoreFile(['node_modules', '**/x1*y', 'build/**', '**/.git', '!keep', 'a?c', 'docs/'].join('\n'));
    const shapes = new Set(rules.patterns.map((p) => Object.keys(p).join(',')));
    expect(rules.patterns.map((p) => p.matchType)).toEqual(['exact', 'regexp', 'prefix', 'suffix', 'exact', 'regexp', 'exact']);
    expect([...shapes]).toEqual(['raw,line,exclusion,cleaned,matchType,regexp,literal,matchesOrParent']);
  });
});
