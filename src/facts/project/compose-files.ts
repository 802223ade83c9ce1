import path from 'node:path';
import type { FsClient } from '../clients.js';
import { COMPOSE_FILE_NAMES, COMPOSE_OVERRIDE_NAMES } from './discover.js';
import { parseDotEnv } from './interpolate.js';

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
  if (!/^(1|true)$/i.test(env.COMPOSE_DISABLE_ENV_FILE ?? '')) Object.assign(vars, await readEnvFile(fs, path.join(dir, '.env')));
  for (const [name, value] of Object.entries(env)) if (value !== undefined) vars[name] = value;
  return vars;
}

export async function readEnvFile(fs: FsClient, file: string): Promise<Record<string, string>> {
  return parseDotEnv((await fs.readText(file).catch(() => undefined)) ?? '');
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
    const files = list.split(separator).filter(Boolean).map((f) => path.resolve(dir, f));
    return files.length > 0 ? { files, vars } : null;
  }
  const names = new Set(await fs.readdir(dir).catch(() => [] as string[]));
  const main = COMPOSE_FILE_NAMES.find((n) => names.has(n));
  if (!main) return null;
  const override = COMPOSE_OVERRIDE_NAMES.find((n) => names.has(n));
  return { files: [main, ...(override ? [override] : [])].map((f) => path.join(dir, f)), vars };
}
