import fs from 'node:fs';
import path from 'node:path';
import type { ComposeProject, InlineDockerfile, SourceLocation } from './compose.js';

export interface BuildSpec {
  /** The Dockerfile, relative to the project directory (for dockerfile_inline, the compose file that holds it). */
  dockerfile: string;
  dockerfileAbs: string;
  /** The build context directory (absolute). */
  context: string;
  /** The ignore file the builder would use: <Dockerfile>.dockerignore first, then <context>/.dockerignore. */
  ignoreFile?: string;
  service?: string;
  at?: SourceLocation;
  inline?: InlineDockerfile;
}

const DOCKERFILE_NAME = /^(Dockerfile|Containerfile)(\.[^.]+)?$|^.+\.(Dockerfile|Containerfile)$/;
/** Directories never searched for Dockerfiles: dependency and build output trees. */
const SKIP_DIRS = new Set(['node_modules', '.git', 'vendor', 'dist', 'build', 'target', '.venv', 'venv', '__pycache__', '.next', '.cache', 'coverage']);

/** Every build of the project: compose `build:` entries, and Dockerfiles (depth ≤ 3, the first 100 directories breadth-first) built from their own directory. */
export function discoverBuilds(projectDir: string, compose: ComposeProject | null, maxDepth = 3, maxDirs = 100): BuildSpec[] {
  const builds: BuildSpec[] = [];
  const seen = new Set<string>();
  const add = (spec: Omit<BuildSpec, 'ignoreFile'>) => {
    const key = `${spec.dockerfileAbs}\0${spec.context}\0${spec.inline ? spec.service : ''}`;
    if (seen.has(key)) return;
    seen.add(key);
    // An inline Dockerfile has no file name, so no <Dockerfile>.dockerignore either.
    const specific = spec.inline ? undefined : `${spec.dockerfileAbs}.dockerignore`;
    const shared = path.join(spec.context, '.dockerignore');
    const ignoreFile = specific && fs.existsSync(specific) ? specific : fs.existsSync(shared) ? shared : undefined;
    builds.push({ ...spec, ...(ignoreFile ? { ignoreFile } : {}) });
  };
  for (const service of compose?.services ?? []) {
    const build = service.build;
    if (!build) continue;
    // dockerfile_inline wins over dockerfile, as in compose.
    const dockerfileAbs = build.inline ? path.resolve(compose!.dir, build.inline.file) : path.resolve(build.context, build.dockerfile);
    add({ dockerfile: path.relative(projectDir, dockerfileAbs), dockerfileAbs, context: build.context, service: service.name, at: build.at, ...(build.inline ? { inline: build.inline } : {}) });
  }
  // Breadth-first, bounded in depth and in directories read, so a huge tree costs the discovery little.
  const queue: [string, number][] = [[projectDir, 0]];
  for (let read = 0; queue.length > 0 && read < maxDirs; read++) {
    const [dir, depth] = queue.shift()!;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (depth < maxDepth && !SKIP_DIRS.has(entry.name)) queue.push([full, depth + 1]);
      } else if (entry.isFile() && DOCKERFILE_NAME.test(entry.name) && !entry.name.endsWith('.dockerignore')) {
        if (!builds.some((b) => b.dockerfileAbs === full && !b.inline)) add({ dockerfile: path.relative(projectDir, full), dockerfileAbs: full, context: dir });
      }
    }
  }
  return builds;
}
