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

const DOCKER_COMPOSE = /\bdocker compose\b/;

/**
 * Makes every fix typeable where the user stands: commands that must run in the project directory start with
 * `cd <dir> &&` when the user ran elsewhere, and checks write `docker compose`, which becomes `docker-compose` on a
 * host that has only Compose v1 (asked only when some fix names compose).
 */
export async function placeFixes(
  results: CheckResult[],
  cwd: string,
  projectDir: string,
  composeCommand: () => Promise<string>,
): Promise<void> {
  const dir = projectDirFrom(cwd, projectDir);
  const findings = results.flatMap((r) => r.findings);
  const namesCompose = findings.some((f) => f.fixes.some((fix) => fix.command !== undefined && DOCKER_COMPOSE.test(fix.command)));
  const compose = namesCompose ? await composeCommand() : 'docker compose';
  for (const finding of findings) finding.fixes = finding.fixes.map((fix) => placeFix(fix, dir, compose));
}

function placeFix(fix: Fix, dir: string | undefined, compose: string): Fix {
  const { runIn, ...rest } = fix;
  if (rest.command === undefined) return rest;
  const command = compose === 'docker compose' ? rest.command : rest.command.replaceAll(new RegExp(DOCKER_COMPOSE, 'g'), compose);
  return { ...rest, command: runIn === 'project' && dir !== undefined ? `cd ${shellWord(dir)} && ${command}` : command };
}
