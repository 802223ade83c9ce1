/**
 * Parses a .env file the way docker compose reads one: KEY=VALUE, optional `export`, quotes, # comments, and
 * ${VAR} in unquoted and double-quoted values, from the file's earlier keys, else from `env` (single quotes are literal).
 */
export function parseDotEnv(text: string, env: Record<string, string | undefined> = {}): Record<string, string> {
  const out: Record<string, string> = {};
  // One lookup updated as lines are read (the file's earlier keys over the environment): copying both per line made a
  // 20,000-line .env take over a minute.
  const known: Record<string, string | undefined> = { ...env };
  const expand = (value: string): string => {
    try {
      return interpolate(value, known);
    } catch {
      return value;
    }
  };
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(line);
    if (!match) continue;
    let value = match[2]!;
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.lastIndexOf(quote) > 0) {
      value = value.slice(1, value.lastIndexOf(quote));
      if (quote === '"') value = expand(value.replace(/\\n/g, '\n').replace(/\\"/g, '"'));
    } else {
      // An inline comment starts at the first whitespace-then-#; found with a linear search, not a backtracking regex.
      const comment = value.search(/\s#/);
      value = expand((comment === -1 ? value : value.slice(0, comment)).trim());
    }
    out[match[1]!] = value;
    known[match[1]!] = value;
  }
  return out;
}

export class InterpolationError extends Error {
  constructor(
    message: string,
    /** Set when a required variable (`${NAME:?err}`, `${NAME?err}`) has no value: its name. */
    readonly variable?: string,
  ) {
    super(message);
  }
}

/** Called with each variable compose would warn about: used without a default and not set ("Defaulting to a blank string"). */
export type OnUnset = (name: string) => void;

/**
 * Compose variable interpolation: $VAR, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?err}, ${VAR?err},
 * ${VAR:+alt}, ${VAR+alt}, and $$ for a literal dollar. Defaults may themselves hold variables. `onUnset` hears of
 * every plain $VAR or ${VAR} without a value, in the parts compose evaluates (a default only when it is used).
 */
export function interpolate(value: string, vars: Record<string, string | undefined>, onUnset?: OnUnset): string {
  let out = '';
  let i = 0;
  while (i < value.length) {
    const ch = value[i]!;
    if (ch !== '$') {
      out += ch;
      i++;
      continue;
    }
    const next = value[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (next === '{') {
      const end = matchingBrace(value, i + 1);
      // Compose echoes the whole value here. These errors quote none of it: the value may be a password with a $ in it,
      // and the error's file:line:column point at it.
      if (end === -1) throw new InterpolationError(`invalid interpolation format: a "\${" has no closing brace${DOLLAR}`);
      out += expand(value.slice(i + 2, end), vars, onUnset);
      i = end + 1;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(value.slice(i + 1))?.[0];
    if (name) {
      if (vars[name] === undefined) onUnset?.(name);
      out += vars[name] ?? '';
      i += 1 + name.length;
      continue;
    }
    out += ch;
    i++;
  }
  return out;
}

function matchingBrace(value: string, open: number): number {
  let depth = 0;
  for (let j = open; j < value.length; j++) {
    if (value[j] === '{') depth++;
    else if (value[j] === '}' && --depth === 0) return j;
  }
  return -1;
}

function expand(expression: string, vars: Record<string, string | undefined>, onUnset: OnUnset | undefined): string {
  const match = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([\s\S]*))?$/.exec(expression);
  if (!match) throw new InterpolationError(`invalid interpolation format: a "\${…}" that is not a variable reference${DOLLAR}`);
  const [, name, op, arg = ''] = match;
  const value = vars[name!];
  const unset = value === undefined;
  const empty = unset || value === '';
  switch (op) {
    case undefined:
      if (unset) onUnset?.(name!);
      return value ?? '';
    case ':-':
      return empty ? interpolate(arg, vars, onUnset) : value!;
    case '-':
      return unset ? interpolate(arg, vars, onUnset) : value!;
    case ':?':
      if (empty) throw missing(name!, arg);
      return value!;
    case '?':
      if (unset) throw missing(name!, arg);
      return value!;
    case ':+':
      return empty ? '' : interpolate(arg, vars, onUnset);
    case '+':
      return unset ? '' : interpolate(arg, vars, onUnset);
    default:
      return value ?? '';
  }
}

const DOLLAR = ' (write $$ for a literal $)';

/**
 * `${NAME:?message}` without a value. Compose prints the message; so does this when it reads as words ("set it in
 * .env"), and not when it looks like a value, which `${TOKEN:?sk-live-…}` shows it can be.
 */
function missing(name: string, message: string): InterpolationError {
  const prose = /^[A-Za-z ,.;:!?'()-]*$/.test(message) && /\s/.test(message.trim());
  const detail = message === '' ? '' : prose ? `: ${message}` : ' (its message is not shown: it reads like a value, not words)';
  return new InterpolationError(`required variable ${name} is missing a value${detail}`, name);
}
