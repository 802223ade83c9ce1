import path from 'node:path';
import type { DockerfileInstruction, ParsedDockerfile } from '../../src/facts/project/dockerfile.js';
import type { SentDir } from '../../src/facts/project/context-walk.js';
import type { Fix } from '../../src/engine/types.js';
import { ancestorStages } from './stages.js';

const posix = path.posix;

/**
 * Per tool: the manifests that decide the dependencies (the first one is required: without it the fetch fails), and (for tools whose install is also the build) the
 * command that fetches dependencies only. Tools without one are installed with the user's own command.
 */
const MANIFESTS: [RegExp, string, string?][] = [
  [/\bnpm /, 'package*.json'],
  [/\byarn\b/, 'package.json yarn.lock'],
  // pnpm's own recipe, which also holds for workspaces: the store is filled from the lockfile alone.
  [/\bpnpm /, 'pnpm-lock.yaml pnpm-workspace.yaml', 'pnpm fetch'],
  [/\bpoetry /, 'pyproject.toml poetry.lock', 'poetry install --no-root'],
  [/\bpipenv /, 'Pipfile Pipfile.lock'],
  [/\bpip3? /, 'requirements*.txt'],
  [/\bbundle /, 'Gemfile Gemfile.lock'],
  [/\bgo mod /, 'go.mod go.sum'],
  [/\bcomposer /, 'composer.json composer.lock', 'composer install --no-scripts --no-autoloader'],
  [/\bmvnw?\b/, 'pom.xml', 'mvn dependency:go-offline'],
  [/gradlew?\b/, 'build.gradle* settings.gradle* gradle.properties*', 'gradle dependencies'],
  [/\bdotnet /, '*.csproj', 'dotnet restore'],
];

/** .NET restores a project with the projects it references and the solution-wide settings above it. */
const DOTNET_PROJECT = /\.(cs|fs|vb)proj$/;
const DOTNET_SETTINGS = /^(Directory\.(Build|Packages)\.props|Directory\.Build\.targets|NuGet\.config|nuget\.config|global\.json)$/;
/** Past this many COPY lines the fix is no longer something to type. */
const MAX_MANIFEST_COPIES = 12;

/** Where each instruction runs: the WORKDIR in effect (posix, from `/` or the parent stage's), or undefined when a variable sets it. */
export function workdirs(dockerfile: ParsedDockerfile): Map<DockerfileInstruction, string | undefined> {
  const at = new Map<DockerfileInstruction, string | undefined>();
  const finalOf = new Map<number, string | undefined>();
  for (let stage = 0; stage < dockerfile.stages.length || stage === 0; stage++) {
    const parent = ancestorStages(dockerfile, stage)[0];
    let dir = parent === undefined ? '/' : finalOf.get(parent);
    for (const instruction of dockerfile.instructions.filter((i) => i.stage === stage)) {
      if (instruction.keyword === 'WORKDIR') {
        const arg = instruction.args.trim().replace(/^(["'])(.*)\1$/, '$2');
        dir = dir === undefined || /[$"'\s]/.test(arg) ? undefined : posix.resolve(dir, arg);
      }
      at.set(instruction, dir);
    }
    finalOf.set(stage, dir);
  }
  return at;
}

export interface ReorderInput {
  /** The whole-context copy. */
  copy: DockerfileInstruction;
  /** The RUN that installs after it. */
  run: DockerfileInstruction;
  /** The install command within that RUN. */
  command: string;
  workdirs: Map<DockerfileInstruction, string | undefined>;
}

/**
 * The lines that fetch dependencies from the manifests alone, before the whole-context copy. The manifests are copied
 * from where they are in the context, to where the whole copy puts them, and the install runs where the original
 * one does. Without a listing of the context (`dirs`) the manifests are assumed at the install's place; with one,
 * only manifests that exist are named, and when none do there is no command (a COPY of nothing fails the build).
 */
export function reorderFix({ copy, run, command, workdirs: at }: ReorderInput, dirs?: readonly SentDir[]): Fix {
  const title = 'Copy the dependency manifests first, install, then copy the rest';
  // Cargo cannot read a manifest without the sources it names: the manifests alone make `cargo fetch` fail.
  if (/\bcargo /.test(command)) return { title: 'Build the dependencies before copying the sources, with cargo-chef (cargo chef prepare, then cargo chef cook before COPY . .)' };
  const [, manifestList, fetch] = MANIFESTS.find(([pattern]) => pattern.test(command)) ?? [];
  const copyDir = at.get(copy);
  const runDir = at.get(run);
  const dest = copyDest(copy);
  if (!manifestList || copyDir === undefined || runDir === undefined || dest === undefined) return { title };
  // Where the context root lands, and where the install runs (its WORKDIR, then a leading `cd x &&`).
  const rootAt = posix.resolve(copyDir, dest);
  const cd = cdBefore(run.args, command);
  if (cd === null) return { title };
  const installAt = posix.resolve(runDir, cd ?? '.');
  const sub = posix.relative(rootAt, installAt);
  if (sub.startsWith('..') || posix.isAbsolute(sub)) return { title };
  // The manifests' directory as the copy names it: relative to the copy's WORKDIR when the copy was, else absolute.
  const targetOf = (dir: string) => `${posix.isAbsolute(dest) ? posix.join(rootAt, dir) : posix.join(dest, dir)}/`.replace(/^\.\/$/, './');

  const copies = /\bdotnet /.test(command) ? dotnetCopies(sub, dirs) : manifestCopies(manifestList, sub, dirs);
  if (!copies || copies.length === 0 || copies.length > MAX_MANIFEST_COPIES) return { title };
  const copyLines = copies.map(([dir, sources]) => `COPY ${sources.join(' ')} ${targetOf(dir)}`);
  const userCopy = instructionText(copy);
  if (sub === '' && installAt === copyDir && !cd) {
    // The install runs where the copy does: fetch, copy, then build (or install, when the install is the fetch).
    const first = fetch ? `RUN ${fetch}` : `RUN ${run.args}`;
    return { title, command: [...copyLines, first, userCopy, ...(fetch ? [`RUN ${run.args}`] : [])].join('\n') };
  }
  const where = targetOf(sub);
  return {
    title: `Replace line ${copy.line} with these lines: the manifests are copied from where they are, and installed where line ${run.line} installs them${fetch ? '' : ` (its install then finds them in place)`}`,
    command: [...copyLines, `RUN cd ${where === './' ? '.' : where.replace(/\/$/, '')} && ${fetch ?? command}`, userCopy].join('\n'),
  };
}

/** The tool's manifests in the install's directory: the names that exist there (all of them without a listing). */
function manifestCopies(list: string, sub: string, dirs?: readonly SentDir[]): [string, string[]][] | undefined {
  const globs = list.split(' ');
  const names = dirs?.find((d) => d.path === sub)?.names;
  const present = dirs ? globs.filter((g) => names?.some((n) => globRegExp(g).test(n))) : globs;
  return present[0] !== globs[0] ? undefined : [[sub, present.map((g) => (sub ? `${sub}/${g}` : g))]];
}

/** Every project file of the context at its path, and the solution-wide settings at or above the install's directory. */
function dotnetCopies(sub: string, dirs?: readonly SentDir[]): [string, string[]][] | undefined {
  if (!dirs) return sub === '' ? [['', ['*.csproj']]] : undefined;
  // dotnet restore needs a project or solution where it runs; none there, and the Dockerfile is not what it seems.
  if (!dirs.some((d) => d.path === sub && d.names.some((n) => DOTNET_PROJECT.test(n) || n.endsWith('.sln')))) return undefined;
  const above = new Set(['', ...sub.split('/').map((_, i, parts) => parts.slice(0, i + 1).join('/'))]);
  const out: [string, string[]][] = [];
  for (const dir of dirs) {
    const wanted = dir.names.filter((n) => DOTNET_PROJECT.test(n) || (above.has(dir.path) && (DOTNET_SETTINGS.test(n) || (dir.path === '' && n.endsWith('.sln')))));
    if (wanted.length > 0) out.push([dir.path, wanted.sort().map((n) => (dir.path ? `${dir.path}/${n}` : n))]);
  }
  if (!out.some(([, files]) => files.some((f) => DOTNET_PROJECT.test(f)))) return undefined;
  return out.sort(([a], [b]) => (a < b ? -1 : 1));
}

/** The destination of a COPY (its last argument), or undefined when a variable names it. */
function copyDest(copy: DockerfileInstruction): string | undefined {
  const parts = copy.exec ?? copy.args.split(/\s+/).filter(Boolean);
  const dest = parts.at(-1);
  return dest === undefined || dest.includes('$') ? undefined : dest;
}

/** The instruction as a line to paste back: keyword, flags, arguments. */
function instructionText(i: DockerfileInstruction): string {
  return [i.keyword, ...i.flags.map((f) => (f.value === null ? `--${f.name}` : `--${f.name}=${f.value}`)), i.args].join(' ');
}

function globRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
}

/**
 * The directory a `cd` earlier in the RUN moves the install to (`cd svc && go mod download`), undefined without one,
 * null when it cannot be followed (a variable, `cd -`).
 */
function cdBefore(args: string, command: string): string | undefined | null {
  let dir: string | undefined;
  for (const part of args.split(/&&|\|\||[;|\n]/).map((c) => c.replace(/\\\s*$/, '').trim().replace(/\s+/g, ' '))) {
    if (part === command) return dir;
    const cd = /^cd(?:\s+(\S+))?$/.exec(part);
    if (!cd) continue;
    if (!cd[1] || /[$~]|^-$/.test(cd[1])) return null;
    dir = dir === undefined || cd[1].startsWith('/') ? cd[1] : posix.join(dir, cd[1]);
  }
  return dir;
}
