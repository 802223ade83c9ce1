import type { DockerfileInstruction, ParsedDockerfile } from '../../src/facts/project/dockerfile.js';

/**
 * A variable as the builder would see it at one instruction: its value when the Dockerfile alone decides it, `null`
 * when it is declared without a value (a `--build-arg` may give one), and `fromArg` when an ARG default gave it (a
 * `--build-arg` or compose `build.args` may replace it).
 */
export interface VarValue {
  value: string | null;
  fromArg: boolean;
}

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
        const expanded = expand(value, vars);
        const entry = { value: expanded?.text ?? null, fromArg: expanded?.viaArg !== undefined };
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
  if (value !== undefined) {
    const expanded = expand(value, vars);
    vars.set(name, { value: expanded?.text ?? null, fromArg: true });
  } else if (stage >= 0 && global.has(name)) {
    vars.set(name, global.get(name)!);
  } else vars.set(name, { value: null, fromArg: true });
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
  if (!word.includes('$')) return { text: word };
  if (word.includes('\\')) return undefined;
  let viaArg: string | undefined;
  let unknown = false;
  const text = word.replace(
    /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g,
    (_, braced, op, alt, bare) => {
      const name = (braced ?? bare) as string;
      const entry = vars.get(name);
      const set = entry !== undefined && entry.value !== null;
      const nonEmpty = set && entry.value !== '';
      if (entry?.fromArg && set) viaArg ??= name;
      if (op === ':-' || op === '-') {
        if (op === ':-' ? nonEmpty : set) return entry!.value!;
        // Declared without a value, a --build-arg may still give it one: the default is only a likely value.
        if (entry?.value === null) viaArg ??= name;
        return alt as string;
      }
      if (op === ':+' || op === '+') return (op === ':+' ? nonEmpty : set) ? (alt as string) : '';
      if (!set) unknown = true;
      return entry?.value ?? '';
    },
  );
  if (unknown || text.includes('$')) return undefined;
  return { text, ...(viaArg !== undefined ? { viaArg } : {}) };
}
