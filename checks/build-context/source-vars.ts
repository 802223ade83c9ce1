import type { DockerfileInstruction, ParsedDockerfile } from '../../src/facts/project/dockerfile.js';

/**
 * A variable as the builder would see it at one instruction: its value when the Dockerfile alone decides it, `null`
 * when it is declared without a value (a `--build-arg` may give one), and `fromArg` when an ARG default gave it (a
 * `--build-arg` or compose `build.args` may replace it).
 */
export interface VarValue {
  value: string | null;
  fromArg: boolean;
  /** Its value was too long to follow (see MAX_EXPANDED): every word that uses it is unknown, whatever its form. */
  tooLong?: true;
}

/**
 * The longest text an expansion builds. No path is longer than PATH_MAX (4 KiB), so a longer value cannot name a COPY
 * source; and `ENV X1=${X0}${X0}` doubled 63 times would otherwise build 2^64 characters and crash the check.
 */
export const MAX_EXPANDED = 4096;

export type Vars = ReadonlyMap<string, VarValue>;

/** The result of expanding a word: the text, and whether an ARG default went into it; undefined when a value is unknown. */
export interface Expanded {
  text: string;
  viaArg?: string;
}

/**
 * The variables in effect at each COPY/ADD/RUN instruction of the Dockerfile, worked out in one pass: global ARGs
 * (before the first FROM) reach a stage only when the stage declares them again; ARG and ENV inside a stage add to
 * what its FROM stage had (ENV is inherited by a stage built FROM another; ARG is not).
 */
export function varsAt(dockerfile: ParsedDockerfile): Map<DockerfileInstruction, Vars> {
  let global = new Map<string, VarValue>();
  const envOf: Map<string, VarValue>[] = [];
  const at = new Map<DockerfileInstruction, Vars>();
  const named = new Map<string, number>();
  let vars = global;
  let stage = -1;
  // Copy on write: instructions between two ARG or ENV lines share one map, so 100,000 COPY lines hold one, not 100,000.
  const change = () => {
    vars = new Map(vars);
    if (stage < 0) global = vars;
  };
  for (const instruction of dockerfile.instructions) {
    if (instruction.keyword === 'FROM') {
      stage++;
      // ENV is inherited from the last earlier stage of the name FROM gives (stages are looked up by name as they come).
      const parent = named.get(dockerfile.stages[stage]?.image.toLowerCase() ?? '');
      vars = new Map(parent !== undefined ? envOf[parent] : []);
      envOf[stage] = new Map(vars);
      const name = dockerfile.stages[stage]?.name?.toLowerCase();
      if (name !== undefined) named.set(name, stage);
      continue;
    }
    if (instruction.keyword === 'ARG') {
      change();
      for (const [name, value] of argPairs(instruction.args)) declareArg(vars, global, stage, name, value);
    }
    if (instruction.keyword === 'ENV') {
      change();
      for (const [name, value] of envPairs(instruction.args)) {
        const entry = valueOf(expandOrWhy(value, vars), false);
        vars.set(name, entry);
        if (stage >= 0) envOf[stage]!.set(name, entry);
      }
    }
    if (['COPY', 'ADD', 'RUN'].includes(instruction.keyword)) at.set(instruction, vars);
  }
  return at;
}

function declareArg(vars: Map<string, VarValue>, global: Map<string, VarValue>, stage: number, name: string, value: string | undefined) {
  // An ENV of the same name wins over an ARG in the instructions after it.
  if (vars.has(name) && !vars.get(name)!.fromArg && stage >= 0) return;
  if (value !== undefined) vars.set(name, valueOf(expandOrWhy(value, vars), true));
  else if (stage >= 0 && global.has(name)) {
    vars.set(name, global.get(name)!);
  } else vars.set(name, { value: null, fromArg: true });
}

/** A variable's entry from its expanded value; a value past MAX_EXPANDED is kept as unknown, not as "no value". */
function valueOf(expanded: Expanded | Unknown, arg: boolean): VarValue {
  if (expanded === 'too-long') return { value: null, fromArg: arg, tooLong: true };
  if (expanded === 'unknown') return { value: null, fromArg: arg };
  return { value: expanded.text, fromArg: arg || expanded.viaArg !== undefined };
}

/** `ARG A=1 B` → [A, '1'], [B, undefined]; quotes around a value are removed. */
function argPairs(args: string): [string, string | undefined][] {
  return args
    .split(/\s+/)
    .filter(Boolean)
    .map((word) => {
      const equals = word.indexOf('=');
      return equals === -1 ? [word, undefined] : [word.slice(0, equals), unquote(word.slice(equals + 1))];
    });
}

/** `ENV A=1 B=2`, or the old `ENV A some value` form. */
function envPairs(args: string): [string, string][] {
  const first = /^(\S+)/.exec(args)?.[1] ?? '';
  if (!first.includes('=')) {
    const rest = args.slice(first.length).trim();
    return first ? [[first, unquote(rest)]] : [];
  }
  return [...args.matchAll(/([^\s=]+)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/g)].map((m) => [m[1]!, unquote(m[2]!)]);
}

function unquote(value: string): string {
  if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0]!)) return value.slice(1, -1);
  return value;
}

/**
 * Expands `$X`, `${X}`, `${X:-word}`, `${X-word}`, `${X:+word}` and `${X+word}` as the builder does; undefined when a
 * variable the word needs has no known value (or the word uses a form this does not follow), so that the caller says
 * nothing rather than guess.
 */
export function expand(word: string, vars: Vars): Expanded | undefined {
  const expanded = expandOrWhy(word, vars);
  return typeof expanded === 'string' ? undefined : expanded;
}

/** Why a word has no known value: a variable without one (or a form not followed), or a text past MAX_EXPANDED. */
type Unknown = 'unknown' | 'too-long';

function expandOrWhy(word: string, vars: Vars): Expanded | Unknown {
  if (word.length > MAX_EXPANDED) return 'too-long';
  if (!word.includes('$')) return { text: word };
  if (word.includes('\\')) return 'unknown';
  let viaArg: string | undefined;
  let unknown = false;
  let tooLong = false;
  // Counted as the pieces come: past the bound the rest are left out, so no step builds more than MAX_EXPANDED.
  let length = word.length;
  const text = word.replace(
    /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g,
    (whole: string, braced?: string, op?: string, alt?: string, bare?: string) => {
      if (tooLong) return '';
      const entry = vars.get((braced ?? bare)!);
      if (entry?.tooLong) tooLong = true;
      const piece = substitute(entry, op, alt, (name) => (viaArg ??= name), (braced ?? bare)!);
      if (piece === undefined) unknown = true;
      length += (piece ?? '').length - whole.length;
      if (length > MAX_EXPANDED) tooLong = true;
      return tooLong ? '' : (piece ?? '');
    },
  );
  if (tooLong) return 'too-long';
  if (unknown || text.includes('$')) return 'unknown';
  return { text, ...(viaArg !== undefined ? { viaArg } : {}) };
}

/** One `$X` or `${X<op>word}`: its text, or undefined when X has no known value. `arg` notes an ARG default that went in. */
function substitute(
  entry: VarValue | undefined,
  op: string | undefined,
  alt: string | undefined,
  arg: (name: string) => void,
  name: string,
) {
  const set = entry !== undefined && entry.value !== null;
  const nonEmpty = set && entry.value !== '';
  if (entry?.fromArg && set) arg(name);
  if (op === ':-' || op === '-') {
    if (op === ':-' ? nonEmpty : set) return entry!.value!;
    // Declared without a value, a --build-arg may still give it one: the default is only a likely value.
    if (entry?.value === null) arg(name);
    return alt!;
  }
  if (op === ':+' || op === '+') return (op === ':+' ? nonEmpty : set) ? alt! : '';
  return set ? entry.value! : undefined;
}
