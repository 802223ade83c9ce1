import type { FsClient } from '../clients.js';
import type { ProjectFiles } from '../types.js';
import { findDockerfiles } from './find-dockerfiles.js';

/** The compose file names `docker compose` looks for, in its order of preference. */
export const COMPOSE_FILE_NAMES = ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml'];

/** The project's compose files at its root and its Dockerfiles (see findDockerfiles); an unreadable directory yields none rather than an error. */
export async function discoverProjectFiles(fs: FsClient, dir: string): Promise<ProjectFiles> {
  let entries: string[];
  try {
    entries = await fs.readdir(dir);
  } catch {
    entries = [];
  }
  const names = new Set(entries);
  return {
    dir,
    dockerfiles: entries.length > 0 ? await findDockerfiles(fs, dir) : [],
    composeFiles: COMPOSE_FILE_NAMES.filter((name) => names.has(name)),
  };
}
