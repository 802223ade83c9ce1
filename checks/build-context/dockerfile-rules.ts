import { copySources, type DockerfileInstruction, type ParsedDockerfile } from '../../src/facts/project/dockerfile.js';
import type { SentDir } from '../../src/facts/project/context-walk.js';
import type { Fix } from '../../src/engine/types.js';
import { namedManifestMissing, reorderFix, workdirs } from './reorder.js';
import { shellCommands } from './shell.js';
import { ancestorStages, stageReach } from './stages.js';

export { copySources };

/** `COPY . .`, `COPY ./ /app`, `COPY .. /app`, `COPY * ./`: every file of the context lands in the layer. */
export function copiesWholeContext(instruction: DockerfileInstruction): boolean {
  return copySources(instruction).some((s) => s === '.' || s === '*');
}

/** A command of a RUN that installs the project's dependencies from its manifests. */
export interface DependencyInstall {
  /** The command as written, e.g. `pip install -r requirements.txt`. */
  command: string;
  /** Tools that share manifests count as one: npm ci before the copy makes a later yarn install cache-friendly too. */
  family: string;
}

/** Words after the subcommand that are neither flags nor flag values: packages named on the command line. */
const namesPackages = (rest: string) => rest.split(/\s+/).some((word) => word !== '' && !word.startsWith('-'));

/**
 * Each rule: the command, and whether this use of it reads the project's manifests. `pip install --upgrade pip`,
 * `npm install -g x` or `cargo install cargo-chef` install a tool, not the project's dependencies.
 */
const INSTALLS: [RegExp, string, (m: RegExpExecArray) => boolean][] = [
  [/\bnpm\s+ci\b/, 'node', () => true],
  // pnpm's Docker recipe: `pnpm fetch` fills the store from the lockfile alone, `pnpm install --offline` links it later.
  [/\bpnpm\s+fetch\b/, 'node', () => true],
  [
    /\b(npm|pnpm)\s+(install|i)\b(.*)/,
    'node',
    (m) => !/(^|\s)(-g|--global)\b/.test(m[3]!) && !namesPackages(m[3]!.replace(/--?[\w-]+=\S+/g, '')),
  ],
  [/\byarn(\s+install\b|\s*$|\s+--)/, 'node', () => true],
  [/\bpip3?\s+(install|wheel|download)\b(.*)/, 'python', (m) => /(^|\s)(-r|--requirement)(\s|=)/.test(m[2]!)],
  [/\bpoetry\s+install\b/, 'python', () => true],
  [/\bpipenv\s+(install|sync)\b(.*)/, 'python', (m) => !namesPackages(m[2]!)],
  [/\bbundle\s+install\b/, 'ruby', () => true],
  [/\bgo\s+mod\s+download\b/, 'go', () => true],
  [/\bcomposer\s+install\b/, 'php', () => true],
  [/\bmvnw?\b/, 'maven', () => true],
  [/(\bgradle|\.\/gradlew)\b/, 'gradle', () => true],
  // cargo-chef's `cook` builds the dependencies from a recipe: it is the install a later `cargo build` relies on.
  [/\bcargo\s+(build|fetch|chef\s+cook)\b/, 'cargo', () => true],
  [/\bdotnet\s+restore\b/, 'dotnet', () => true],
];

/** The first command of a RUN that installs the project's dependencies, if any. */
export function dependencyInstall(run: DockerfileInstruction): DependencyInstall | undefined {
  if (run.keyword !== 'RUN') return undefined;
  for (const command of shellCommands(run.args)) {
    for (const [pattern, family, readsManifests] of INSTALLS) {
      const match = pattern.exec(command);
      if (match && readsManifests(match)) return { command, family };
    }
  }
  return undefined;
}

export interface CacheFinding {
  cause: 'copy-before-install' | 'apt-update-alone' | 'apt-lists-kept';
  line: number;
  detail: string;
  /** The RUN the finding is about (for copy-before-install, the install). */
  run: DockerfileInstruction;
  /** For copy-before-install: the Dockerfile lines that fetch dependencies from the manifests alone, when they can be told. */
  reorder?: Fix;
}

/**
 * apt-get and its subcommand, with any options in between (`apt-get -y install`, `apt-get -qq update`,
 * `apt-get -o Dpkg::Options::=--force-confold install`), across line continuations.
 */
// `-o X` takes a value that does not start with "-": with any \S+ there, `-o -o -o …` could be split in exponentially
// many ways (each -o an option or the previous one's value), and a backtracking regex tries them all.
const aptCommand = (subcommands: string) =>
  new RegExp(String.raw`\bapt(?:-get)?(?:(?:\s|\\(?=\s))+(?:-o(?:\s|\\(?=\s))+[^\s-]\S*|-\S+))*(?:\s|\\(?=\s))+(?:${subcommands})\b`);
const APT_UPDATE = aptCommand('update');
const APT_INSTALL = aptCommand('install|upgrade|dist-upgrade');

/**
 * Layer-cache rules, for the stages the build runs (the target, else the last stage, and the stages it needs).
 * `target` is the compose build target, when one is set.
 */
export function cacheFindings(dockerfile: ParsedDockerfile, target?: string, contextDirs?: readonly SentDir[]): CacheFinding[] {
  const out: CacheFinding[] = [];
  const at = workdirs(dockerfile);
  const reach = stageReach(dockerfile, target);
  const stepsOf = (stage: number) => dockerfile.instructions.filter((i) => i.stage === stage);
  for (const stage of [...reach.built].sort((a, b) => a - b)) {
    const steps = stepsOf(stage);
    const wholeCopy = steps.find(copiesWholeContext);
    if (wholeCopy) {
      // Installs done before the copy, here or in the stages this one is built FROM, are the cache-friendly order.
      const earlier = [...ancestorStages(dockerfile, stage).flatMap(stepsOf), ...steps.filter((s) => s.line < wholeCopy.line)];
      const done = new Set(earlier.map(dependencyInstall).map((i) => i?.family));
      const late = steps
        .filter((s) => s.line > wholeCopy.line)
        .map((run) => ({ run, install: dependencyInstall(run) }))
        .find(({ install }) => install && !done.has(install.family));
      if (late) {
        const input = {
          copy: wholeCopy,
          run: late.run,
          command: late.install!.command,
          between: steps.filter((s) => s.line > wholeCopy.line && s.line < late.run.line),
          workdirs: at,
        };
        // An install from a manifest the context does not hold installs nothing the copy brought.
        if (!contextDirs || !namedManifestMissing(input, contextDirs)) {
          out.push({
            cause: 'copy-before-install',
            line: wholeCopy.line,
            detail: `${late.install!.command} at line ${late.run.line}`,
            run: late.run,
            reorder: reorderFix(input, contextDirs),
          });
        }
      }
    }
    for (const run of steps.filter((i) => i.keyword === 'RUN')) {
      if (APT_UPDATE.test(run.args) && !APT_INSTALL.test(run.args))
        out.push({ cause: 'apt-update-alone', line: run.line, detail: run.args.slice(0, 120), run });
    }
  }
  // Lists only weigh on the image in the layers it is made of, and only the RUN that fetched them can remove them
  // for free. When a later RUN installs from those lists, removing them earlier would break it: say nothing. That later
  // RUN may be in a stage built FROM this one (a `build` stage's `apt-get install gcc` with no update of its own), in
  // any stage, built for this image or not (`--target build` must keep working). A fix that also added
  // `apt-get update &&` there would touch two places for a few MB: saying nothing is the honest choice.
  const installsFromLists = (later: DockerfileInstruction) =>
    later.keyword === 'RUN' && APT_INSTALL.test(later.args) && !APT_UPDATE.test(later.args);
  const layerRuns = [...reach.layers]
    .sort((a, b) => a - b)
    .flatMap(stepsOf)
    .filter((i) => i.keyword === 'RUN');
  for (const run of layerRuns) {
    if (!APT_UPDATE.test(run.args) || !APT_INSTALL.test(run.args)) continue;
    if (/\/var\/lib\/apt\/lists/.test(run.args) || run.flags.some(mountsAptLists)) continue;
    const inheritors = (stage: number) => stage === run.stage || ancestorStages(dockerfile, stage).includes(run.stage);
    const laterUse = dockerfile.instructions.some((later) => later.line > run.line && inheritors(later.stage) && installsFromLists(later));
    if (!laterUse) out.push({ cause: 'apt-lists-kept', line: run.line, detail: run.args.slice(0, 120), run });
  }
  return out.sort((a, b) => a.line - b.line);
}

/**
 * A `RUN --mount` that keeps the lists out of the layer: a cache or tmpfs on /var/lib/apt or /var/lib/apt/lists (or a
 * directory above them). A mount elsewhere (a pip cache, a tmpfs on /var/log, /var/cache/apt alone) leaves them in.
 */
function mountsAptLists(flag: { name: string; value: string | null }): boolean {
  if (flag.name !== 'mount' || !flag.value) return false;
  const target = /(?:^|,)(?:target|dst|destination)=([^,]+)/.exec(flag.value)?.[1]?.replace(/^(["'])(.*)\1$/, '$2');
  if (!target) return false;
  const dir = target.replace(/\/+$/, '');
  return ['/var/lib', '/var/lib/apt', '/var/lib/apt/lists'].includes(dir);
}

const REMOVE_LISTS = 'rm -rf /var/lib/apt/lists/*';
/** A heredoc script longer than this is not reprinted: the fix says where the line goes. */
const MAX_HEREDOC_LINES = 15;

/**
 * How to remove the lists in the RUN that fetched them. A `RUN <<EOF` script takes it as its last line (an `&&`
 * fragment has no line to go on there), reprinted with the user's own lines when short; a plain RUN takes the fragment.
 */
export function aptListsFix(run: DockerfileInstruction): Fix {
  const heredoc = /^<<(-?)\s*(["']?)(\w+)\2/.exec(run.args.trim());
  if (!heredoc) {
    if (run.args.includes('<<')) return { title: `Add \`&& ${REMOVE_LISTS}\` to the end of the apt-get install command` };
    return { title: 'Remove the lists in the same RUN', command: `&& ${REMOVE_LISTS}` };
  }
  const title = `Add \`${REMOVE_LISTS}\` as the last line of the heredoc, before ${heredoc[3]}`;
  const lines = run.args.trim().split('\n');
  const end = lines.findLastIndex((line) => (heredoc[1] ? line.replace(/^\t+/, '') : line).trim() === heredoc[3]);
  if (end < 1 || lines.length > MAX_HEREDOC_LINES) return { title };
  const flags = run.flags.map((f) => (f.value === null ? `--${f.name}` : `--${f.name}=${f.value}`));
  const text = [...lines.slice(0, end), REMOVE_LISTS, ...lines.slice(end)].join('\n');
  return { title, command: ['RUN', ...flags, text].join(' ') };
}
