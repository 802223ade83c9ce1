import path from 'node:path';
import { nodeFs, type FsClient } from '../clients.js';
import type { ComposeProject, InlineDockerfile, SourceLocation } from './compose.js';
import { isDockerfileName } from './find-dockerfiles.js';

export interface BuildSpec {
  /** The Dockerfile, relative to the project directory (for dockerfile_inline, the compose file that holds it). */
  dockerfile: string;
  dockerfileAbs: string;
  /** The build context directory (absolute). */
  context: string;
  /** The ignore file the builder would use: <Dockerfile>.dockerignore first, then <context>/.dockerignore. */
  ignoreFile?: string;
  service?: string;
  /** The compose `build.target` stage; without one the last stage is built. */
  target?: string;
  at?: SourceLocation;
  inline?: InlineDockerfile;
}

/**
 * Every build of the project: compose `build:` entries, and the Dockerfiles discovery found (paths relative to the
 * project, see findDockerfiles), each built from its own directory, or from the project root when that is where
 * its COPY sources are (Go's build/package/Dockerfile is built with `-f` from the root). Files are read through `fs`
 * (the facts pass the injected client; tests of real directories may leave the default).
 */
export async function discoverBuilds(
  projectDir: string,
  compose: ComposeProject | null,
  dockerfiles: readonly string[],
  fs: FsClient = nodeFs,
): Promise<BuildSpec[]> {
  const builds: BuildSpec[] = [];
  const seen = new Set<string>();
  const add = async (spec: Omit<BuildSpec, 'ignoreFile'>) => {
    const key = `${spec.dockerfileAbs}\0${spec.context}\0${spec.inline ? spec.service : ''}`;
    if (seen.has(key)) return;
    seen.add(key);
    // An inline Dockerfile has no file name, so no <Dockerfile>.dockerignore either.
    const specific = spec.inline ? undefined : `${spec.dockerfileAbs}.dockerignore`;
    const shared = path.join(spec.context, '.dockerignore');
    const ignoreFile = specific && (await exists(fs, specific)) ? specific : (await exists(fs, shared)) ? shared : undefined;
    builds.push({ ...spec, ...(ignoreFile ? { ignoreFile } : {}) });
  };
  for (const service of compose?.services ?? []) {
    const build = service.build;
    if (!build) continue;
    // dockerfile_inline wins over dockerfile, as in compose.
    const dockerfileAbs = build.inline ? path.resolve(compose!.dir, build.inline.file) : path.resolve(build.context, build.dockerfile);
    await add({
      dockerfile: path.relative(projectDir, dockerfileAbs),
      dockerfileAbs,
      context: build.context,
      service: service.name,
      at: build.at,
      ...(build.target ? { target: build.target } : {}),
      ...(build.inline ? { inline: build.inline } : {}),
    });
  }
  for (const file of dockerfiles) {
    const full = path.join(projectDir, file);
    if (builds.some((b) => b.dockerfileAbs === full && !b.inline)) continue;
    await add({ dockerfile: file, dockerfileAbs: full, context: await likelyContext(fs, full, projectDir) });
  }
  return builds;
}

/**
 * The Dockerfile's own directory, unless it names that directory inside the image, more of its COPY sources exist
 * from the project root than from there, or it copies only the whole context and its directory holds nothing else.
 */
async function likelyContext(fs: FsClient, dockerfileAbs: string, projectDir: string): Promise<string> {
  const own = path.dirname(dockerfileAbs);
  if (own === projectDir) return own;
  // readText reads regular files only, without blocking: a FIFO named Dockerfile must never stop the event loop.
  const text = await fs.readText(dockerfileAbs).catch(() => undefined);
  if (text === undefined) return own;
  const { copySources, parseDockerfile } = await import('./dockerfile.js');
  const instructions = parseDockerfile('', text).instructions;
  // A Dockerfile that names its own directory inside the image (`WORKDIR /app/src/Web` in src/Web/Dockerfile) was
  // written for the whole tree: it is built from the root. Only for paths of two parts or more: one word is too common.
  const ownPath = path.relative(projectDir, own).split(path.sep).join('/');
  if (
    ownPath.includes('/') &&
    instructions.some(
      (i) =>
        ['WORKDIR', 'RUN', 'COPY', 'ADD'].includes(i.keyword) &&
        i.args.split(/[\s"'=:]+/).some((word) => word.replace(/\/$/, '').endsWith(`/${ownPath}`)),
    )
  )
    return projectDir;
  const copied = instructions.flatMap(copySources);
  const sources = copied.filter((s) => s !== '.' && !/[*?[]/.test(s));
  if (sources.length === 0 && copied.includes('.')) {
    // Only whole-context or glob copies: a directory that holds nothing but Dockerfiles is no context for them.
    const others = (await fs.readdir(own)).filter((name) => !isDockerfileName(name) && !name.endsWith('.dockerignore'));
    return others.length === 0 ? projectDir : own;
  }
  const found = async (dir: string) => (await Promise.all(sources.map((s) => exists(fs, path.join(dir, s))))).filter(Boolean).length;
  return (await found(projectDir)) > (await found(own)) ? projectDir : own;
}

/** Like fs.existsSync: anything there, following links; an unreadable path counts as absent. */
async function exists(fs: FsClient, file: string): Promise<boolean> {
  return (await fs.stat(file).catch(() => null)) !== null;
}
