import path from 'node:path';
import type { FsClient } from '../clients.js';
import { parseDotEnv } from './interpolate.js';

/** The compose file names `docker compose` (v2, compose-go's DefaultFileNames) looks for, in its order of preference. */
export const COMPOSE_FILE_NAMES = ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml'];

/** Its override files (DefaultOverrideFileNames): the first one present is merged over whichever main file won. */
export const COMPOSE_OVERRIDE_NAMES = [
  'compose.override.yml',
  'compose.override.yaml',
  'docker-compose.override.yml',
  'docker-compose.override.yaml',
];

export type Vars = Record<string, string | undefined>;

/** The compose files of a project and the variables compose reads them with. */
export interface ComposeSources {
  /** Absolute paths, in the order compose merges them. */
  files: string[];
  /** The environment over the project's .env (a shell variable wins, as in compose). */
  vars: Vars;
}

/** The environment over `<dir>/.env`; COMPOSE_DISABLE_ENV_FILE turns the file off, as in compose. */
export async function projectVars(fs: FsClient, dir: string, env: Vars): Promise<Vars> {
  const vars: Vars = {};
  if (!/^(1|true)$/i.test(env.COMPOSE_DISABLE_ENV_FILE ?? '')) Object.assign(vars, await readEnvFile(fs, path.join(dir, '.env'), env));
  for (const [name, value] of Object.entries(env)) if (value !== undefined) vars[name] = value;
  return vars;
}

/** A compose file or .env larger than this is not a hand-written project file: it is refused, not read. */
export const MAX_PROJECT_FILE_BYTES = 4 * 1024 * 1024;

/**
 * A project file's text, read only when it is a regular file of sane size: a FIFO or device there must never block
 * the run. `missing` when it does not exist; otherwise `problem` says why it was not read.
 */
export async function readProjectFile(fs: FsClient, file: string): Promise<{ text: string } | { missing: true } | { problem: string }> {
  try {
    const stat = await fs.stat(file);
    if (!stat) return { missing: true };
    if (stat.type !== 'file') return { problem: stat.type === 'directory' ? 'is a directory' : 'is not a regular file' };
    if (stat.size > MAX_PROJECT_FILE_BYTES) return { problem: `is too large (${stat.size} bytes)` };
    const text = await fs.readText(file);
    return text === undefined ? { missing: true } : { text };
  } catch (error) {
    return { problem: `cannot be read: ${(error as Error).message}` };
  }
}

/** KEY=VALUE pairs of an env file; one that is missing or unreadable gives none (compose would name it: not our finding). */
export async function readEnvFile(fs: FsClient, file: string, env: Vars = {}): Promise<Record<string, string>> {
  const read = await readProjectFile(fs, file);
  return 'text' in read ? parseDotEnv(read.text, env) : {};
}

/**
 * The files `docker compose` would read in `dir`: COMPOSE_FILE (from the environment or .env) replaces discovery;
 * otherwise the first default name present plus the first override file present. Unlike compose we do not walk up
 * to parent directories: the directory the user points docker-doctor at is the project.
 */
export async function findComposeFiles(fs: FsClient, dir: string, env: Vars): Promise<ComposeSources | null> {
  const vars = await projectVars(fs, dir, env);
  const list = vars.COMPOSE_FILE;
  if (list) {
    const separator = vars.COMPOSE_PATH_SEPARATOR || path.delimiter;
    const files = list
      .split(separator)
      .filter(Boolean)
      .map((f) => path.resolve(dir, f));
    return files.length > 0 ? { files, vars } : null;
  }
  const names = new Set(await fs.readdir(dir).catch(() => [] as string[]));
  const main = COMPOSE_FILE_NAMES.find((n) => names.has(n));
  if (!main) return null;
  const override = COMPOSE_OVERRIDE_NAMES.find((n) => names.has(n));
  return { files: [main, ...(override ? [override] : [])].map((f) => path.join(dir, f)), vars };
}
