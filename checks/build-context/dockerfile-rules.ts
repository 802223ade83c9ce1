import { copySources, type DockerfileInstruction, type ParsedDockerfile } from '../../src/facts/project/dockerfile.js';
import type { SentDir } from '../../src/facts/project/context-walk.js';
import type { Fix } from '../../src/engine/types.js';
import { namedManifestMissing, reorderFix, workdirs } from './reorder.js';
import { shellCommands } from './shell.js';
import { parentStage, stageInstructions, stageReach, type StageReach } from './stages.js';

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

/** Reads the clock every so many instructions: often enough to stop near the deadline, rarely enough to cost nothing. */
const CLOCK_EVERY = 256;

/** Counts the instructions a pass works through and tells when the check is out of time. */
export class WorkBudget {
  private count = 0;
  /** Set once the deadline has passed: every pass stops, and what was finished is reported. */
  stopped = false;
  constructor(private readonly expired: () => boolean = () => false) {}
  /** Counts one instruction; true when the passes must stop. */
  spend(): boolean {
    if (!this.stopped && ++this.count % CLOCK_EVERY === 0 && this.expired()) this.stopped = true;
    return this.stopped;
  }
}

/** What the layer-cache rules found, and whether they went through every stage before the deadline. */
export interface CacheVerdict {
  findings: CacheFinding[];
  finished: boolean;
}

/**
 * Layer-cache rules, for the stages the build runs (the target, else the last stage, and the stages it needs).
 * `target` is the compose build target, when one is set.
 */
export function cacheFindings(dockerfile: ParsedDockerfile, target?: string, contextDirs?: readonly SentDir[]): CacheFinding[] {
  return cacheVerdict(dockerfile, target, contextDirs).findings;
}

/** The layer-cache rules, stopped when `budget` runs out; each pass costs a constant per instruction. */
export function cacheVerdict(
  dockerfile: ParsedDockerfile,
  target?: string,
  contextDirs?: readonly SentDir[],
  budget = new WorkBudget(),
): CacheVerdict {
  const out: CacheFinding[] = [];
  const reach = stageReach(dockerfile, target);
  const families = installedFamilies(dockerfile);
  // Where each instruction runs, worked out once and only when a finding needs it.
  let at: ReturnType<typeof workdirs> | undefined;
  const rules: StageRules = { dockerfile, ...families, workdirs: () => (at ??= workdirs(dockerfile)), contextDirs, budget };
  for (const stage of [...reach.built].sort((a, b) => a - b)) {
    if (budget.stopped) break;
    const late = copyBeforeInstall(rules, stage);
    if (late) out.push(late);
    for (const run of stageInstructions(dockerfile, stage)) {
      if (budget.spend()) break;
      if (run.keyword === 'RUN' && APT_UPDATE.test(run.args) && !APT_INSTALL.test(run.args))
        out.push({ cause: 'apt-update-alone', line: run.line, detail: run.args.slice(0, 120), run });
    }
  }
  out.push(...aptListsKept(dockerfile, reach, budget));
  return { findings: out.sort((a, b) => a.line - b.line), finished: !budget.stopped };
}

/**
 * The dependency families each stage installs, itself and through the stages it is built FROM, worked out once per
 * stage (from its parent's): a chain of thousands of stages is not walked again for each of them.
 */
function installedFamilies(dockerfile: ParsedDockerfile) {
  const installs = new Map<DockerfileInstruction, DependencyInstall | undefined>();
  const installOf = (i: DockerfileInstruction) => {
    if (!installs.has(i)) installs.set(i, dependencyInstall(i));
    return installs.get(i);
  };
  const inherited = new Map<number, ReadonlySet<string | undefined>>();
  const inheritedBy = (stage: number): ReadonlySet<string | undefined> => {
    // The chain up to the first stage already known, then filled in from the top down, without recursion.
    const chain: number[] = [];
    for (let s: number | undefined = stage; s !== undefined && !inherited.has(s); s = parentStage(dockerfile, s)) chain.push(s);
    for (const s of chain.reverse()) {
      const parent = parentStage(dockerfile, s);
      if (parent === undefined) inherited.set(s, new Set());
      else
        inherited.set(s, new Set([...inherited.get(parent)!, ...stageInstructions(dockerfile, parent).map((i) => installOf(i)?.family)]));
    }
    return inherited.get(stage)!;
  };
  return { installOf, inheritedBy };
}

/** What the per-stage rules share: the Dockerfile, what is worked out once about it, and the time left. */
interface StageRules extends ReturnType<typeof installedFamilies> {
  dockerfile: ParsedDockerfile;
  workdirs: () => ReturnType<typeof workdirs>;
  contextDirs: readonly SentDir[] | undefined;
  budget: WorkBudget;
}

/** A whole-context copy followed by an install of a family not installed before it, in this stage. */
function copyBeforeInstall(rules: StageRules, stage: number): CacheFinding | undefined {
  const { dockerfile, installOf, inheritedBy, contextDirs, budget } = rules;
  const steps = stageInstructions(dockerfile, stage);
  const wholeCopy = steps.find(copiesWholeContext);
  if (!wholeCopy) return undefined;
  // Installs done before the copy, here or in the stages this one is built FROM, are the cache-friendly order.
  const done = new Set(inheritedBy(stage));
  let late: { run: DockerfileInstruction; install: DependencyInstall } | undefined;
  for (const step of steps) {
    if (budget.spend()) return undefined;
    const install = installOf(step);
    if (step.line < wholeCopy.line) done.add(install?.family);
    else if (step.line > wholeCopy.line && install && !done.has(install.family)) {
      late = { run: step, install };
      break;
    }
  }
  if (!late) return undefined;
  const input = {
    copy: wholeCopy,
    run: late.run,
    command: late.install.command,
    between: steps.filter((s) => s.line > wholeCopy.line && s.line < late.run.line),
    workdirs: rules.workdirs(),
  };
  // An install from a manifest the context does not hold installs nothing the copy brought.
  if (contextDirs && namedManifestMissing(input, contextDirs)) return undefined;
  return {
    cause: 'copy-before-install',
    line: wholeCopy.line,
    detail: `${late.install.command} at line ${late.run.line}`,
    run: late.run,
    reorder: reorderFix(input, contextDirs),
  };
}

const installsFromLists = (later: DockerfileInstruction) =>
  later.keyword === 'RUN' && APT_INSTALL.test(later.args) && !APT_UPDATE.test(later.args);

/**
 * Lists only weigh on the image in the layers it is made of, and only the RUN that fetched them can remove them
 * for free. When a later RUN installs from those lists, removing them earlier would break it: say nothing. That later
 * RUN may be in a stage built FROM this one (a `build` stage's `apt-get install gcc` with no update of its own), in
 * any stage, built for this image or not (`--target build` must keep working). A fix that also added
 * `apt-get update &&` there would touch two places for a few MB: saying nothing is the honest choice.
 */
function aptListsKept(dockerfile: ParsedDockerfile, reach: StageReach, budget: WorkBudget): CacheFinding[] {
  const lastUse = lastListUse(dockerfile, budget);
  const out: CacheFinding[] = [];
  for (const stage of [...reach.layers].sort((a, b) => a - b)) {
    for (const run of stageInstructions(dockerfile, stage)) {
      if (budget.spend()) return out;
      if (run.keyword !== 'RUN' || !APT_UPDATE.test(run.args) || !APT_INSTALL.test(run.args)) continue;
      if (/\/var\/lib\/apt\/lists/.test(run.args) || run.flags.some(mountsAptLists)) continue;
      if ((lastUse[run.stage] ?? 0) <= run.line) out.push({ cause: 'apt-lists-kept', line: run.line, detail: run.args.slice(0, 120), run });
    }
  }
  return out;
}

/**
 * For each stage, the line of the last RUN that installs from apt lists in it or in a stage built FROM it (directly or
 * not): one pass over the instructions, then one over the stages from the last, each handing its figure to its parent.
 */
function lastListUse(dockerfile: ParsedDockerfile, budget: WorkBudget): number[] {
  const last: number[] = [];
  for (const instruction of dockerfile.instructions) {
    if (budget.spend()) break;
    if (installsFromLists(instruction)) last[instruction.stage] = Math.max(last[instruction.stage] ?? 0, instruction.line);
  }
  for (let stage = dockerfile.stages.length - 1; stage > 0; stage--) {
    const parent = parentStage(dockerfile, stage);
    if (parent !== undefined && last[stage] !== undefined) last[parent] = Math.max(last[parent] ?? 0, last[stage]);
  }
  return last;
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
