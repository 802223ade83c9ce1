import type { FsClient } from '../clients.js';
import type { ProjectFiles } from '../types.js';

/** The compose file names `docker compose` looks for, in its order of preference. */
export const COMPOSE_FILE_NAMES = ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml'];

const DOCKERFILE_NAME = /^(Dockerfile|Containerfile)(\..+)?$|^.+\.(Dockerfile|Containerfile)$/;

/** The project's build and compose files at its root; an unreadable directory yields none rather than an error. */
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
    dockerfiles: entries.filter((name) => DOCKERFILE_NAME.test(name) && !name.endsWith('.dockerignore')).sort(),
    composeFiles: COMPOSE_FILE_NAMES.filter((name) => names.has(name)),
  };
}
