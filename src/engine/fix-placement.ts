import path from 'node:path';
import { shellWord } from '../util/text.js';
import type { CheckResult, Fix } from './types.js';

/**
 * How to reach the project directory from where the user stands: a relative path when the project is below the
 * current directory, else the absolute path (never a chain of `../`).
 */
export function projectDirFrom(cwd: string, projectDir: string): string | undefined {
  const relative = path.relative(cwd, projectDir);
  if (relative === '') return undefined;
  return relative.startsWith('..') || path.isAbsolute(relative) ? projectDir : relative;
}

/** Makes every fix that must run in the project directory correct from the user's current directory. */
export function placeFixes(results: CheckResult[], cwd: string, projectDir: string): void {
  const dir = projectDirFrom(cwd, projectDir);
  for (const result of results) {
    for (const finding of result.findings) finding.fixes = finding.fixes.map((fix) => placeFix(fix, dir));
  }
}

function placeFix(fix: Fix, dir: string | undefined): Fix {
  const { runIn, ...rest } = fix;
  if (runIn !== 'project' || !rest.command || dir === undefined) return rest;
  return { ...rest, command: `cd ${shellWord(dir)} && ${rest.command}` };
}
