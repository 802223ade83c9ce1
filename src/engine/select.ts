import { distance } from 'fastest-levenshtein';
import type { Check } from './types.js';

export class UnknownCheckError extends Error {
  constructor(
    readonly unknown: string[],
    readonly suggestions: Map<string, string[]>,
  ) {
    super(
      unknown
        .map((id) => {
          const near = suggestions.get(id) ?? [];
          return `unknown check "${id}"${near.length ? ` (did you mean ${near.join(' or ')}?)` : ''}`;
        })
        .join('\n') + '\nRun `docker-doctor list` to see every check.',
    );
  }
}

/** The checks to run, in catalogue order; no ids means all of them. */
export function selectChecks(all: readonly Check[], ids: readonly string[]): Check[] {
  if (ids.length === 0) return [...all];
  const known = new Set(all.map((c) => c.meta.id));
  const unknown = ids.filter((id) => !known.has(id));
  if (unknown.length > 0) {
    throw new UnknownCheckError(unknown, new Map(unknown.map((id) => [id, nearestIds(id, [...known])])));
  }
  const wanted = new Set(ids);
  return all.filter((c) => wanted.has(c.meta.id));
}

export function nearestIds(input: string, candidates: readonly string[], max = 2): string[] {
  const needle = input.toLowerCase();
  return candidates
    .map((id) => {
      const d = distance(needle, id);
      // "port" or "ports" should find "port-conflicts": a shared prefix is as good as a small edit.
      const related =
        id.startsWith(needle) || needle.startsWith(id) || id.split('-').some((part) => part.startsWith(needle) || needle.startsWith(part));
      return { id, score: related ? Math.min(d, 1) : d };
    })
    .filter(({ id, score }) => score <= Math.max(2, Math.floor(id.length / 3)))
    .sort((a, b) => a.score - b.score || a.id.localeCompare(b.id))
    .slice(0, max)
    .map(({ id }) => id);
}
