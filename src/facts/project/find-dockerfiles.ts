import path from 'node:path';
import type { FsClient } from '../clients.js';

/**
 * Dockerfile, Dockerfile.prod.alpine, Dockerfile-alpine, prod.Dockerfile, Containerfile (and the lower-case dockerfile
 * the CLI also reads).
 */
const DOCKERFILE_NAME = /^([Dd]ockerfile|Containerfile)([.-].+)?$|^.+\.([Dd]ockerfile|Containerfile)$/;
/** Names that look like one but are not built: ignore files, documentation, scripts, data, backups and templates. */
const NOT_DOCKERFILE =
  /\.(dockerignore|md|txt|rst|json|ya?ml|toml|sh|ps1|py|js|bak|orig|rej|patch|diff|swp|tmpl|tpl|template|j2|jinja2?|in|erb)$|~$/i;

export function isDockerfileName(name: string): boolean {
  return DOCKERFILE_NAME.test(name) && !NOT_DOCKERFILE.test(name);
}

/**
 * Directories never searched for Dockerfiles: dependency trees, version control and build caches. `build` is searched:
 * Go projects keep theirs in build/package/.
 */
const SKIP_DIRS = new Set([
  'node_modules',
  '.git',
  'vendor',
  'dist',
  'target',
  '.venv',
  'venv',
  '__pycache__',
  '.next',
  '.cache',
  'coverage',
]);

/**
 * The project's Dockerfiles, relative to it: depth ≤ 3, the first 100 directories breadth-first (so a huge tree costs
 * the discovery little), in a stable order (each directory's names sorted, shallower first).
 */
export async function findDockerfiles(fs: FsClient, dir: string, maxDepth = 3, maxDirs = 100): Promise<string[]> {
  const found: string[] = [];
  const queue: [string, number][] = [['', 0]];
  for (let read = 0; queue.length > 0 && read < maxDirs; read++) {
    const [rel, depth] = queue.shift()!;
    let names: string[];
    try {
      names = (await fs.readdir(path.join(dir, rel))).sort();
    } catch {
      continue; // unreadable: the build-context walk names it
    }
    // Only names that could be a Dockerfile, or a directory worth entering, cost a stat.
    const stats = await Promise.all(
      names.map(async (name) => {
        const wanted = isDockerfileName(name) || (depth < maxDepth && !SKIP_DIRS.has(name));
        return wanted ? fs.stat(path.join(dir, rel, name)).catch(() => null) : null;
      }),
    );
    names.forEach((name, i) => {
      const entry = path.posix.join(rel, name);
      // A FIFO or device under a Dockerfile's name is listed too: the builder would try it, so the check names it.
      if ((stats[i]?.type === 'file' || stats[i]?.type === 'other' || stats[i]?.type === 'socket') && isDockerfileName(name))
        found.push(entry);
      else if (stats[i]?.type === 'directory' && depth < maxDepth && !SKIP_DIRS.has(name)) queue.push([entry, depth + 1]);
    });
  }
  return found;
}
