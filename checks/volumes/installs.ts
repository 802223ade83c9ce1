import path from 'node:path';
import { assignments, type DockerfileInstruction, type ParsedDockerfile } from '../../src/facts/project/dockerfile.js';

/** A directory the image fills with dependencies: a bind mount over it (or over a parent) hides them at run time. */
export interface InstalledDir {
  /** Absolute path in the image. */
  dir: string;
  /** What put it there, as written: `npm ci`, `pip install --target`, `COPY --from=deps`. */
  by: string;
  /** Line of the Dockerfile instruction. */
  line: number;
}

/** What the stage knows while its instructions are read: the working directory and the variables ENV and ARG set. */
interface StageState {
  workdir: string;
  vars: Map<string, string>;
  installs: InstalledDir[];
}

/**
 * The dependency directories the built stage (the compose `build.target`, else the last stage) fills: WORKDIR plus the
 * package managers that install into the working directory (npm/yarn/pnpm/bun → node_modules, pip --target and
 * virtualenvs, bundle --path, composer → vendor) and COPY --from of such a directory. A stage built FROM an earlier
 * stage inherits what that stage installed. Paths with variables that cannot be resolved are left out: say less.
 */
export function installedDirs(dockerfile: ParsedDockerfile, target?: string): InstalledDir[] {
  const { stages } = dockerfile;
  if (stages.length === 0) return [];
  const named = target ? stages.findIndex((s) => s.name?.toLowerCase() === target.toLowerCase()) : -1;
  const index = named >= 0 ? named : stages.length - 1;
  return stageState(dockerfile, index, new Set()).installs;
}

function stageState(dockerfile: ParsedDockerfile, index: number, seen: Set<number>): StageState {
  seen.add(index);
  const from = dockerfile.stages[index]!.image.toLowerCase();
  const parent = dockerfile.stages.findIndex((s, i) => i < index && s.name?.toLowerCase() === from);
  const state: StageState =
    parent >= 0 && !seen.has(parent) ? cloneState(stageState(dockerfile, parent, seen)) : { workdir: '/', vars: new Map(), installs: [] };
  for (const instruction of dockerfile.instructions) {
    if (instruction.stage !== index) continue;
    apply(state, instruction);
  }
  return state;
}

function cloneState(s: StageState): StageState {
  return { workdir: s.workdir, vars: new Map(s.vars), installs: [...s.installs] };
}

function apply(state: StageState, instruction: DockerfileInstruction): void {
  switch (instruction.keyword) {
    case 'WORKDIR': {
      const dir = expand(instruction.args.trim(), state.vars);
      state.workdir = dir === undefined ? '' : path.posix.resolve(state.workdir || '/', dir);
      return;
    }
    case 'ENV':
    case 'ARG':
      for (const [name, value] of assignments(instruction)) state.vars.set(name, value);
      return;
    case 'RUN':
      if (state.workdir) runInstalls(state, instruction);
      return;
    case 'COPY':
      if (state.workdir) copiedDependencies(state, instruction);
      return;
    default:
  }
}

function unquote(value: string): string {
  return value.replace(/^"(.*)"$/s, '$1').replace(/^'(.*)'$/s, '$1');
}

/** The longest path expanded: no path is longer than PATH_MAX, and `$X$X…` over a long X must not build gigabytes. */
const MAX_EXPANDED = 4096;

/**
 * `$NAME` and `${NAME}` from ENV/ARG; undefined when one is unknown, uses a modifier this reader does not follow, or
 * the text grows past MAX_EXPANDED.
 */
export function expand(value: string, vars: Map<string, string>): string | undefined {
  let unknown = false;
  let length = 0;
  const out = unquote(value).replace(/\$\{([A-Za-z_]\w*)\}|\$([A-Za-z_]\w*)|\$\{[^}]*\}/g, (whole, a?: string, b?: string) => {
    const name = a ?? b;
    const v = name ? vars.get(name) : undefined;
    if (v === undefined) unknown = true;
    // Counted as the pieces come, so that past the bound nothing more is built.
    length += (v ?? whole).length;
    return unknown || length > MAX_EXPANDED ? '' : (v ?? whole);
  });
  return unknown || length > MAX_EXPANDED || out.length > MAX_EXPANDED ? undefined : out;
}

/** The shell commands of a RUN, split at `&&`, `||`, `;`, `|` and newlines, each as words. */
function commandsOf(instruction: DockerfileInstruction): string[][] {
  const text = instruction.exec ? instruction.exec.join(' ') : instruction.args;
  return text
    .split(/&&|\|\||[;|\n]/)
    .map((c) => c.trim().split(/\s+/).filter(Boolean).map(unquote))
    .filter((words) => words.length > 0);
}

function runInstalls(state: StageState, instruction: DockerfileInstruction): void {
  let cwd = state.workdir;
  for (const words of commandsOf(instruction)) {
    if (words[0] === 'cd' && words[1]) {
      const to = expand(words[1], state.vars);
      cwd = to === undefined ? '' : path.posix.resolve(cwd || '/', to);
      continue;
    }
    if (!cwd) return;
    const found = installOf(words, cwd, state.vars);
    if (found?.dir) addInstall(state, { dir: found.dir, by: found.by, line: instruction.line });
  }
}

function addInstall(state: StageState, install: InstalledDir): void {
  if (!state.installs.some((i) => i.dir === install.dir)) state.installs.push(install);
}

const NODE_INSTALL: Record<string, Set<string>> = {
  npm: new Set(['ci', 'install', 'i', 'add']),
  pnpm: new Set(['install', 'i', 'add']),
  bun: new Set(['install', 'i', 'add']),
  yarn: new Set(['install', 'add']),
};

/** One shell command: the directory it installs into (relative to `cwd`), or undefined. */
function installOf(words: string[], cwd: string, vars: Map<string, string>): { dir: string; by: string } | undefined {
  // `sudo -u app npm ci`, `env X=1 npm ci`: the tool is the first word that is not a wrapper or an assignment.
  const start = words.findIndex((w) => !/^(sudo|env|exec|time|nice|-\S*|[A-Za-z_]\w*=\S*)$/.test(w));
  const argv = start >= 0 ? words.slice(start) : [];
  const [tool, sub] = argv;
  if (!tool) return undefined;
  const at = (p: string | undefined): string | undefined => {
    if (p === undefined) return undefined;
    const v = expand(p, vars);
    return v === undefined ? undefined : path.posix.resolve(cwd, v);
  };
  const option = (names: string[]) => optionValue(argv, names);
  if (tool in NODE_INSTALL) {
    const global = argv.some((w) => w === '-g' || w === '--global' || w === '--location=global' || w === 'global');
    const bareYarn = tool === 'yarn' && (sub === undefined || sub.startsWith('-'));
    if (global || !(bareYarn || (sub !== undefined && NODE_INSTALL[tool]!.has(sub)))) return undefined;
    const prefix = option(['--prefix', '--cwd', '--dir', '-C']);
    return { dir: path.posix.join(at(prefix ?? '.') ?? cwd, 'node_modules'), by: argv.slice(0, 2).join(' ') };
  }
  return pythonInstall(argv, at, option, vars) ?? rubyPhpInstall(argv, at, option, vars);
}

type At = (p: string | undefined) => string | undefined;
type Option = (names: string[]) => string | undefined;

function pythonInstall(argv: string[], at: At, option: Option, vars: Map<string, string>): { dir: string; by: string } | undefined {
  const pip = /^pip[\d.]*$/.test(argv[0]!) ? 1 : /^python[\d.]*$/.test(argv[0]!) && argv[1] === '-m' && /^pip/.test(argv[2] ?? '') ? 3 : -1;
  if (pip > 0 && argv[pip] === 'install') {
    const target = option(['--target', '-t', '--prefix']);
    return target ? { dir: at(target) ?? '', by: 'pip install --target' } : undefined;
  }
  if (/^python[\d.]*$/.test(argv[0]!) && argv[1] === '-m' && (argv[2] === 'venv' || argv[2] === 'virtualenv')) {
    const dir = argv.slice(3).find((w) => !w.startsWith('-'));
    return dir ? { dir: at(dir) ?? '', by: `python -m ${argv[2]}` } : undefined;
  }
  if (argv[0] === 'virtualenv') {
    const dir = argv.slice(1).find((w) => !w.startsWith('-'));
    return dir ? { dir: at(dir) ?? '', by: 'virtualenv' } : undefined;
  }
  // uv sync and poetry (told to) make the project's virtualenv in the working directory.
  if (argv[0] === 'uv' && argv[1] === 'sync') return { dir: at(vars.get('UV_PROJECT_ENVIRONMENT') ?? '.venv') ?? '', by: 'uv sync' };
  if (argv[0] === 'poetry' && argv[1] === 'install' && /^(1|true)$/i.test(vars.get('POETRY_VIRTUALENVS_IN_PROJECT') ?? ''))
    return { dir: at('.venv') ?? '', by: 'poetry install' };
  if (argv[0] === 'uv' && argv[1] === 'venv') {
    const dir = argv.slice(2).find((w) => !w.startsWith('-')) ?? '.venv';
    return { dir: at(dir) ?? '', by: 'uv venv' };
  }
  return undefined;
}

function rubyPhpInstall(argv: string[], at: At, option: Option, vars: Map<string, string>): { dir: string; by: string } | undefined {
  const [tool, sub] = argv;
  if (tool === 'bundle' && sub === 'config') {
    // `bundle config set --local path vendor/bundle`, `bundle config path vendor/bundle`: remembered for the install.
    const words = argv.slice(2).filter((w) => !w.startsWith('-') && w !== 'set');
    if (words[0] === 'path' && words[1]) vars.set('BUNDLE_PATH', words[1]);
    return undefined;
  }
  if (tool === 'bundle' && (sub === 'install' || sub === undefined)) {
    const dir = option(['--path']) ?? (argv.includes('--deployment') ? 'vendor/bundle' : vars.get('BUNDLE_PATH'));
    return dir ? { dir: at(dir) ?? '', by: 'bundle install' } : undefined;
  }
  if (/^composer(\.phar)?$/.test(tool ?? '') && (sub === 'install' || sub === 'update')) {
    const base = option(['--working-dir', '-d']) ?? '.';
    const dir = at(base);
    return dir ? { dir: path.posix.join(dir, 'vendor'), by: `composer ${sub}` } : undefined;
  }
  return undefined;
}

/** `--target x`, `--target=x`, `-t x`. */
function optionValue(argv: string[], names: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    for (const name of names) {
      if (word === name) return argv[i + 1];
      if (name.startsWith('--') && word.startsWith(`${name}=`)) return word.slice(name.length + 1);
    }
  }
  return undefined;
}

const DEPENDENCY_DIR = /^(node_modules|vendor|\.venv|venv|site-packages)$/;

/** `COPY --from=deps /app/node_modules ./node_modules`: the dependencies come from another stage, installed all the same. */
function copiedDependencies(state: StageState, instruction: DockerfileInstruction): void {
  const from = instruction.flags.find((f) => f.name === 'from')?.value;
  if (!from) return;
  const words = (instruction.exec ?? instruction.args.trim().split(/\s+/)).map(unquote);
  if (words.length < 2) return;
  const dest = expand(words.at(-1)!, state.vars);
  if (dest === undefined) return;
  const sources = words.slice(0, -1);
  const destName = path.posix.basename(dest.replace(/\/+$/, ''));
  const into = path.posix.resolve(state.workdir, dest);
  for (const source of sources) {
    const name = path.posix.basename(source.replace(/\/+$/, ''));
    if (!DEPENDENCY_DIR.test(name)) continue;
    // `COPY --from=deps /app/node_modules ./node_modules` names it; `COPY --from=deps /app/node_modules/ ./` copies its content.
    const dir = DEPENDENCY_DIR.test(destName) ? into : dest.endsWith('/') && sources.length > 1 ? path.posix.join(into, name) : into;
    if (dir !== state.workdir && DEPENDENCY_DIR.test(path.posix.basename(dir)))
      addInstall(state, { dir, by: `COPY --from=${from}`, line: instruction.line });
  }
}
