import path from 'node:path';
import type { ComposeProject, ComposeVolume } from '../../src/facts/project/compose.js';
import type { Facts } from '../../src/facts/types.js';

/** How a compose volume entry is written, so a fix can add a line in the same syntax. */
export type VolumeSyntax = 'short' | 'long';

/** Long syntax starts its entry with a key (`- type: bind`); short syntax is one string (`- .:/app`). */
export async function volumeSyntax(facts: Facts, compose: ComposeProject, volume: ComposeVolume): Promise<VolumeSyntax> {
  const text = await facts.hostFile(path.resolve(compose.dir, volume.at.file)).catch(() => undefined);
  const line = text?.split('\n')[volume.at.line - 1] ?? '';
  return /^\s*(-\s+)?(type|source|target|read_only|bind|volume|consistency)\s*:/.test(line) ? 'long' : 'short';
}

/** The list entry for an anonymous volume at `target`, in the syntax of the entry it goes under. */
export function anonymousVolumeLine(target: string, syntax: VolumeSyntax): string {
  return syntax === 'long' ? `- type: volume\n  target: ${target}` : `- ${target}`;
}
