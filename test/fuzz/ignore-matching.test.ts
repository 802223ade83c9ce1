import { posix } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cleanPath, isExcluded, parseIgnoreFile, type IgnorePattern, type IgnoreRules } from '../../src/facts/project/ignore.js';

/**
 * isExcluded skips work (a required literal, parent directories built only for regexps, one string test for the other
 * kinds); it must answer exactly as the plain port of moby/patternmatcher's MatchesOrParentMatches it replaced.
 */
function plainMatch(p: IgnorePattern, path: string): boolean {
  switch (p.matchType) {
    case 'exact':
      return path === p.cleaned;
    case 'prefix':
      return path.startsWith(p.cleaned.slice(0, -2));
    case 'suffix': {
      const suffix = p.cleaned.slice(2);
      return path.endsWith(suffix) || (suffix.startsWith('/') && path === suffix.slice(1));
    }
    case 'regexp':
      return p.regexp!.matches(path);
  }
}

function plainIsExcluded(rules: IgnoreRules, file: string): boolean {
  let matched = false;
  const slash = file.lastIndexOf('/');
  const parentPath = slash === -1 ? '.' : file.slice(0, slash);
  const parentDirs = parentPath.split('/');
  for (const pattern of rules.patterns) {
    if (pattern.exclusion !== matched) continue;
    let match = plainMatch(pattern, file);
    for (let i = 0; !match && parentPath !== '.' && i < parentDirs.length; i++)
      match = plainMatch(pattern, parentDirs.slice(0, i + 1).join('/'));
    if (match) matched = !pattern.exclusion;
  }
  return matched;
}

const piece = fc.constantFrom('a', 'b', 'ab', '.x', 'node_modules', '*', '?', '**', '**/', '/', '.', '..', '[ab]', '\\*', 'x.log', '*.log');
const pattern = fc
  .tuple(fc.boolean(), fc.array(piece, { minLength: 1, maxLength: 6 }))
  .map(([not, parts]) => `${not ? '!' : ''}${parts.join('')}`);
const segment = fc.constantFrom('a', 'b', 'ab', '.x', 'node_modules', 'x.log', 'a.log', '*', 'b a');
const pathArb = fc.array(segment, { minLength: 1, maxLength: 6 }).map((parts) => parts.join('/'));

describe('ignore matching (property)', () => {
  it('answers as the plain matcher for any patterns and path', () => {
    fc.assert(
      fc.property(fc.array(pattern, { maxLength: 6 }), fc.array(pathArb, { minLength: 1, maxLength: 8 }), (lines, paths) => {
        const rules = parseIgnoreFile(lines.join('\n'));
        for (const p of paths) expect(isExcluded(rules, p), `${JSON.stringify(lines)} ${p}`).toBe(plainIsExcluded(rules, p));
      }),
      { seed: 110_013, numRuns: 1500 },
    );
  });
});

/** Go's path.Clean by another hand: Node's posix normalize, which differs only in keeping a trailing slash. */
function normalizedPath(p: string): string {
  const normalized = posix.normalize(p);
  return normalized.length > 1 && normalized.endsWith('/') ? normalized.slice(0, -1) : normalized;
}

describe('path cleaning (property)', () => {
  it('answers as posix normalize without the trailing slash, for any path, clean or not', () => {
    const pathPiece = fc.constantFrom('a', 'b', '.', '..', '...', '.x', 'x.', '/', '//', '');
    fc.assert(
      fc.property(fc.array(pathPiece, { maxLength: 8 }), (parts) => {
        const p = parts.join('');
        expect(cleanPath(p), JSON.stringify(p)).toBe(normalizedPath(p));
      }),
      { seed: 110_014, numRuns: 3000 },
    );
  });
});
