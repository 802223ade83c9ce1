import path from 'node:path';
import type { CheckContext } from '../../src/engine/types.js';
import type { ComposeProject, ComposeVolume } from '../../src/facts/project/compose.js';
import { parseDotEnv } from '../../src/facts/project/interpolate.js';

/**
 * Path segments that only a sample file writes: `<directory-path>`, `/path/to/…`, `/media/your/…`, `changeme`. A
 * project that ships `DATA_FOLDER=/<directory-path>/app` in .env expects the user to edit it; creating that tree
 * "fixes" nothing.
 */
const PLACEHOLDER_SEGMENT = /^(?:.*[<>].*|\{[^}]*\}|your|your[-_].+|(?:change|replace)[-_]?me|x{3,})$/i;

export function isPlaceholderPath(p: string): boolean {
  const segments = p.split('/').filter(Boolean);
  if (segments.some((s) => PLACEHOLDER_SEGMENT.test(s))) return true;
  return segments.some((s, i) => s.toLowerCase() === 'path' && segments[i + 1]?.toLowerCase() === 'to');
}

/** Where a placeholder came from: the .env line that sets it, or at least the variable the compose line names. */
export interface PlaceholderOrigin {
  variable?: string;
  /** The sample value, as .env writes it. */
  value?: string;
  envLine?: number;
}

/** Variables named in one line of the compose file: `${DATA_FOLDER}`, `${DATA_FOLDER:-x}`, `$DATA_FOLDER`. */
function variablesOn(line: string): string[] {
  return [...line.matchAll(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)|([A-Za-z_][A-Za-z0-9_]*))/g)].map((m) => (m[1] ?? m[2])!);
}

/**
 * Finds the variable behind a placeholder source: a .env entry whose value is itself a placeholder and appears in the
 * source (so its line can be named), else a variable the volume's compose line uses.
 */
export async function placeholderOrigin(ctx: CheckContext, compose: ComposeProject, volume: ComposeVolume): Promise<PlaceholderOrigin> {
  const source = volume.sourceAsWritten ?? volume.source ?? '';
  const composeLine = (await ctx.facts.hostFile(path.join(compose.dir, volume.at.file)))?.split(/\r?\n/)[volume.at.line - 1] ?? '';
  const used = variablesOn(composeLine);
  const envLines = ((await ctx.facts.hostFile(path.join(compose.dir, '.env'))) ?? '').split(/\r?\n/);
  for (const [index, line] of envLines.entries()) {
    for (const [name, value] of Object.entries(parseDotEnv(line))) {
      if (value && isPlaceholderPath(value) && source.includes(value.replace(/\/+$/, '')) && (used.length === 0 || used.includes(name))) {
        return { variable: name, value, envLine: index + 1 };
      }
    }
  }
  return used.length > 0 ? { variable: used[0] } : {};
}
