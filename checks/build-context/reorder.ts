import path from 'node:path';
import type { DockerfileInstruction, ParsedDockerfile } from '../../src/facts/project/dockerfile.js';
import type { SentDir } from '../../src/facts/project/context-walk.js';
import type { Fix } from '../../src/engine/types.js';
import { shellCommands } from './shell.js';
import { parentStage, stageInstructions } from './stages.js';
import { prose } from '../../src/util/text.js';

const posix = path.posix;

/**
 * Per tool: the manifests that decide the dependencies (the first one is required: without it the fetch fails), and
 * (for tools whose install is also the build) the command that fetches dependencies only. Tools without one are
 * installed with the user's own command.
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
    const parent = parentStage(dockerfile, stage);
    let dir = parent === undefined ? '/' : finalOf.get(parent);
    for (const instruction of stageInstructions(dockerfile, stage)) {
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
  /** The instructions between the copy and the install. */
  between: readonly DockerfileInstruction[];
  workdirs: Map<DockerfileInstruction, string | undefined>;
}

/** Instructions between the copy and the install that the install cannot depend on (WORKDIR is followed). */
const INERT = new Set(['WORKDIR', 'LABEL', 'EXPOSE', 'HEALTHCHECK', 'CMD', 'ENTRYPOINT', 'STOPSIGNAL', 'MAINTAINER']);

/** Where the context root lands in the image and where the install runs, relative to it; undefined when not to be told. */
function installPlace({
  copy,
  run,
  command,
  workdirs: at,
}: ReorderInput): { rootAt: string; installAt: string; sub: string; cd: string | undefined; dest: string } | undefined {
  const copyDir = at.get(copy);
  const runDir = at.get(run);
  const dest = copyDest(copy);
  if (copyDir === undefined || runDir === undefined || dest === undefined) return undefined;
  const rootAt = posix.resolve(copyDir, dest);
  // The install runs in its WORKDIR, moved by a leading `cd x &&`.
  const cd = cdBefore(run.args, command);
  if (cd === null) return undefined;
  const installAt = posix.resolve(runDir, cd ?? '.');
  const sub = posix.relative(rootAt, installAt);
  if (sub.startsWith('..') || posix.isAbsolute(sub)) return undefined;
  return { rootAt, installAt, sub, cd, dest };
}

/**
 * Whether the install names a manifest the context does not hold (`pip install -r requirements.txt` where there is
 * none, as in a RUN that installs only `if [ -s requirements.txt ]`): then it installs nothing from the copy.
 */
export function namedManifestMissing(input: ReorderInput, dirs: readonly SentDir[]): boolean {
  const named = /(?:^|\s)(?:-r|--requirement)(?:\s+|=)(\S+)/.exec(input.command)?.[1];
  if (!named || named.includes('$')) return false;
  // An absolute path needs only where the copy put the context; a relative one, where the install runs too.
  const copyDir = input.workdirs.get(input.copy);
  const dest = copyDest(input.copy);
  const place = posix.isAbsolute(named)
    ? copyDir !== undefined && dest !== undefined
      ? { rootAt: posix.resolve(copyDir, dest), sub: '' }
      : undefined
    : installPlace(input);
  if (!place) return false;
  const file = posix.isAbsolute(named) ? posix.relative(place.rootAt, named) : posix.join(place.sub, named);
  if (file.startsWith('..')) return false;
  const dir = posix.dirname(file) === '.' ? '' : posix.dirname(file);
  return !dirs.some((d) => d.path === dir && d.names.includes(posix.basename(file)));
}

/**
 * The lines that fetch dependencies from the manifests alone, before the whole-context copy. The manifests are copied
 * from where they are in the context, to where the whole copy puts them, and the install runs where the original
 * one does. Without a listing of the context (`dirs`) the manifests are assumed at the install's place; with one,
 * only manifests that exist are named, and when none do there is no command (a COPY of nothing fails the build).
 */
export function reorderFix(input: ReorderInput, dirs?: readonly SentDir[]): Fix {
  const { copy, run, command, between } = input;
  const title = 'Copy the dependency manifests first, install, then copy the rest';
  // Cargo cannot read a manifest without the sources it names: the manifests alone make `cargo fetch` fail.
  if (/\bcargo /.test(command))
    return {
      title:
        'Build the dependencies before copying the sources, with cargo-chef (cargo chef prepare, then cargo chef cook before COPY . .)',
    };
  // Steps between the copy and the install (a virtualenv, ENV PATH, a global tool) may be what the install needs, so
  // the install cannot move above them; the copy can move below them when none of them reads the sources.
  const steps = between.filter((i) => !INERT.has(i.keyword));
  const moveDown = steps.length > 0;
  if (moveDown && (between.some((i) => i.keyword === 'WORKDIR') || !steps.every(readsNoSources))) {
    return {
      title: prose`
        Copy the dependency manifests and install before line ${copy.line}, moving up with them what the install needs among lines
        ${steps[0]!.line}–${steps.at(-1)!.line} (${[...new Set(steps.map((i) => i.keyword))].join(', ')}); then copy the rest
      `,
    };
  }
  const [, manifestList, fetch] = MANIFESTS.find(([pattern]) => pattern.test(command)) ?? [];
  const place = installPlace(input);
  if (!manifestList || !place) return { title };
  const { rootAt, installAt, sub, cd, dest } = place;
  const copyDir = input.workdirs.get(copy);
  // The manifests' directory as the copy names it: relative to the copy's WORKDIR when the copy was, else absolute.
  const targetOf = (dir: string) => `${posix.isAbsolute(dest) ? posix.join(rootAt, dir) : posix.join(dest, dir)}/`.replace(/^\.\/$/, './');

  const copies = /\bdotnet /.test(command) ? dotnetCopies(sub, dirs) : manifestCopies(manifestList, sub, dirs);
  if (!copies || copies.length === 0 || copies.length > MAX_MANIFEST_COPIES) return { title };
  // The manifests are copied as the sources are (--chown, --link), so the install sees the same owner.
  const copyFlags = copy.flags.map((f) => (f.value === null ? ` --${f.name}` : ` --${f.name}=${f.value}`)).join('');
  const copyLines = copies.map(([dir, sources]) => `${copy.keyword}${copyFlags} ${sources.join(' ')} ${targetOf(dir)}`);
  const userCopy = instructionText(copy);
  if (sub === '' && installAt === copyDir && !cd) {
    // The install runs where the copy does: fetch, copy, then build; or install, copy, then whatever else the RUN did
    // (`npm ci && npm run build`: the build needs the sources).
    const rest = fetch ? run.args : restOfRun(run.args, input.command);
    const command = [...copyLines, `RUN ${fetch ?? input.command}`, userCopy, ...(rest ? [`RUN ${rest}`] : [])].join('\n');
    if (!moveDown) return { title, command };
    return {
      title: prose`
        Remove line ${copy.line} and put these lines in place of line ${run.line}: the steps between them keep their order, and the sources
        come after the install
      `,
      command,
    };
  }
  if (moveDown) return { title };
  const where = targetOf(sub);
  return {
    title: prose`
      Replace line ${copy.line} with these lines: the manifests are copied from where they are, and installed where line ${run.line}
      installs them${fetch ? '' : ` (its install then finds them in place)`}
    `,
    command: [...copyLines, `RUN cd ${where === './' ? '.' : where.replace(/\/$/, '')} && ${fetch ?? command}`, userCopy].join('\n'),
  };
}

/**
 * Commands that set up the image without reading the copied sources: installing named or global packages, OS
 * packages, a virtualenv, users and absolute directories.
 */
const SOURCE_FREE = new RegExp(
  `^(?:${[
    String.raw`(?:npm|pnpm) (?:i|install|add) (?:.* )?(?:-g|--global)\b|yarn global add\b|corepack\b`, // global tools
    String.raw`pip3? install (?!.*(?:\s-r\b|--requirement|\s-e\b|\s\.(?:\s|\/|$)))`, // named packages, not -r or -e .
    String.raw`python3? -m venv\b|python3? -m pip install --upgrade pip\b`, // a virtualenv, pip itself
    String.raw`apk (?:add|update|upgrade)\b|apt(?:-get)? |yum |dnf |microdnf |gem install\b`, // OS packages, gems
    'mkdir |useradd|adduser|addgroup|groupadd|export |echo |true$', // users, directories, the shell
  ].join('|')})`,
);

function readsNoSources(instruction: DockerfileInstruction): boolean {
  if (instruction.keyword === 'ENV' || instruction.keyword === 'ARG' || instruction.keyword === 'USER') return true;
  if (instruction.keyword !== 'RUN' || instruction.flags.length > 0 || instruction.args.includes('<<')) return false;
  return shellCommands(instruction.args).every((command) => {
    const bare = command.replace(/^(?:[A-Za-z_][A-Za-z0-9_]*=\S*\s+)+/, '');
    // chown/chmod of absolute paths only: a relative one is a file the copy brought.
    if (/^(?:chown|chmod) /.test(bare))
      return bare
        .split(' ')
        .slice(1)
        .filter((w) => !w.startsWith('-'))
        .slice(1)
        .every((w) => w.startsWith('/'));
    return SOURCE_FREE.test(bare);
  });
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
    const wanted = dir.names.filter(
      (n) => DOTNET_PROJECT.test(n) || (above.has(dir.path) && (DOTNET_SETTINGS.test(n) || (dir.path === '' && n.endsWith('.sln')))),
    );
    if (wanted.length > 0) out.push([dir.path, wanted.sort().map((n) => (dir.path ? `${dir.path}/${n}` : n))]);
  }
  if (!out.some(([, files]) => files.some((f) => DOTNET_PROJECT.test(f)))) return undefined;
  return out.sort(([a], [b]) => (a < b ? -1 : 1));
}

/**
 * What a RUN does besides the install: the other commands of an `&&` chain, or the whole RUN again when it is not a
 * plain chain (a loop, a conditional); empty when the install is all it does.
 */
function restOfRun(args: string, install: string): string {
  const commands = shellCommands(args);
  if (commands.length === 1 && commands[0] === install) return '';
  const plainChain = !/\|\||[;|]|<</.test(args.replace(/&&/g, ''));
  return plainChain ? commands.filter((c) => c !== install).join(' && ') : args;
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
  return new RegExp(
    `^${glob
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
}

/**
 * The directory a `cd` earlier in the RUN moves the install to (`cd svc && go mod download`), undefined without one,
 * null when it cannot be followed (a variable, `cd -`).
 */
function cdBefore(args: string, command: string): string | undefined | null {
  let dir: string | undefined;
  for (const part of shellCommands(args)) {
    if (part === command) return dir;
    const cd = /^cd(?:\s+(\S+))?$/.exec(part);
    if (!cd) continue;
    if (!cd[1] || /[$~]|^-$/.test(cd[1])) return null;
    dir = dir === undefined || cd[1].startsWith('/') ? cd[1] : posix.join(dir, cd[1]);
  }
  return dir;
}
