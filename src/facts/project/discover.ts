import path from 'node:path';
import type { FsClient } from '../clients.js';
import { findComposeFiles } from './compose-files.js';
import type { ProjectFiles } from '../types.js';
import { findDockerfiles } from './find-dockerfiles.js';

export { COMPOSE_FILE_NAMES, COMPOSE_OVERRIDE_NAMES } from './compose-files.js';

/**
 * The project's Dockerfiles (see findDockerfiles), and the compose files `docker compose` would read there
 * (COMPOSE_FILE from the environment or .env, else the default name and override file); an unreadable directory
 * yields none rather than an error.
 */
export async function discoverProjectFiles(fs: FsClient, dir: string, env: Record<string, string | undefined> = {}): Promise<ProjectFiles> {
  let entries: string[];
  try {
    entries = await fs.readdir(dir);
  } catch {
    entries = [];
  }
  return {
    dir,
    dockerfiles: entries.length > 0 ? await findDockerfiles(fs, dir) : [],
    composeFiles: ((await findComposeFiles(fs, dir, env))?.files ?? []).map((file) => path.relative(dir, file)),
  };
}
