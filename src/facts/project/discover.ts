import type { FsClient } from '../clients.js';
import type { ProjectFiles } from '../types.js';

/** The compose file names `docker compose` (v2, compose-go's DefaultFileNames) looks for, in its order of preference. */
export const COMPOSE_FILE_NAMES = ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml'];

/** Its override files (DefaultOverrideFileNames): the first one present is merged over whichever main file won. */
export const COMPOSE_OVERRIDE_NAMES = ['compose.override.yml', 'compose.override.yaml', 'docker-compose.override.yml', 'docker-compose.override.yaml'];

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
