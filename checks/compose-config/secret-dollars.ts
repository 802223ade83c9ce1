import { isSecretName } from '../../src/engine/redact.js';
import type { ComposeProject, SourceLocation, UnsetVariable } from '../../src/facts/project/compose.js';

/*
 * A `$` inside a password (`POSTGRES_PASSWORD: "Xy7$Sup3rS3cret"`) makes compose read the rest as a variable, which is
 * set nowhere: compose warns about "Sup3rS3cret" and the value becomes "Xy7". The "variable" is the secret itself, so it
 * is never named: such a variable is reported once per value it spoils, by the key that holds it.
 *
 * A use counts as such when it sits in the value of a secret-named key (an environment entry in either form, a build
 * arg, a label, an `x-` key: any key of any file read) and reads the variable as a bare `$NAME` inside other text. A
 * braced `${NAME}`, or a value that is only `$NAME` in the shape of a variable name (`$POSTGRES_PASSWORD`), is a
 * variable the user meant, and is named as any other.
 */

/** A value of a secret-named key that reads variables set nowhere as bare `$name` inside its text. */
export interface SpoiledSecret {
  /** The key whose value it is: POSTGRES_PASSWORD. */
  key: string;
  /** Where the value is written. */
  at: SourceLocation;
  /** The service it belongs to, when it is under services:. */
  service?: string;
  /** How many of the unset variables it reads (never their names). */
  unsetReads: number;
}

interface SecretValue {
  key: string;
  at: SourceLocation;
  service?: string;
  /** The text as written, after `KEY=` for a list entry; undefined when unknown (then every read is hidden). */
  raw?: string;
}

export interface SecretSplit {
  /** Variables to name as today. */
  named: UnsetVariable[];
  /** Values of secret-named keys whose `$` reads a variable that is then never named. */
  spoiled: SpoiledSecret[];
}

export function splitSecretVariables(compose: ComposeProject, variables: UnsetVariable[]): SecretSplit {
  if (variables.length === 0) return { named: variables, spoiled: [] };
  const byLine = new Map<string, SecretValue[]>();
  for (const value of secretValues(compose)) {
    const line = `${value.at.file}:${value.at.line}`;
    byLine.set(line, [...(byLine.get(line) ?? []), value]);
  }
  const named: UnsetVariable[] = [];
  const spoiled = new Map<SecretValue, number>();
  for (const variable of variables) {
    // Every use must be such a read: a name also used elsewhere is a variable the file really has.
    const places = variable.uses.map((use) =>
      (byLine.get(`${use.file}:${use.line}`) ?? []).find((value) => readsAsText(value.raw, variable.name)),
    );
    if (places.some((place) => place === undefined)) {
      named.push(variable);
      continue;
    }
    for (const place of new Set(places as SecretValue[])) spoiled.set(place, (spoiled.get(place) ?? 0) + 1);
  }
  return {
    named,
    spoiled: [...spoiled]
      .map(([value, unsetReads]) => ({ key: value.key, at: value.at, ...(value.service ? { service: value.service } : {}), unsetReads }))
      .sort((a, b) => a.at.file.localeCompare(b.at.file) || a.at.line - b.at.line || a.at.column - b.at.column),
  };
}

/**
 * Whether `raw` reads `name` as a bare `$name` that is part of the text rather than a variable meant as one. Unknown
 * text counts as such: saying less about a secret is the safe side.
 */
function readsAsText(raw: string | undefined, name: string): boolean {
  if (raw === undefined) return true;
  if (raw === `$${name}` && /^[A-Z][A-Z0-9_]*$/.test(name)) return false;
  return bareReads(raw).has(name);
}

/** The names read as bare `$name` at the top level of a value (not `$$name`, not inside `${…}`). */
function bareReads(raw: string): Set<string> {
  const names = new Set<string>();
  let i = 0;
  while (i < raw.length) {
    const at = raw.indexOf('$', i);
    if (at === -1) break;
    const next = raw[at + 1];
    if (next === '$') {
      i = at + 2;
    } else if (next === '{') {
      const end = raw.indexOf('}', at);
      i = end === -1 ? raw.length : end + 1;
    } else {
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(raw.slice(at + 1, at + 1 + 256))?.[0];
      if (name) names.add(name);
      i = at + 1 + (name?.length ?? 0);
    }
  }
  return names;
}

/** Every string value of a secret-named key in the files read, with where it is written and its text. */
function secretValues(compose: ComposeProject): SecretValue[] {
  const found: SecretValue[] = [];
  for (const document of compose.documents) {
    if (document.data === undefined) continue;
    const seen = new Set<object>();
    const add = (key: string, path: string[], listEntry: boolean) => {
      const located = document.locate(path);
      // The data is interpolated: only the text as written shows a `$`.
      if (!located || (located.raw !== undefined && !located.raw.includes('$'))) return;
      const raw = listEntry ? located.raw?.slice(located.raw.indexOf('=') + 1) : located.raw;
      const service = path[0] === 'services' && path.length > 2 ? path[1] : undefined;
      found.push({ key, at: located.at, ...(service ? { service } : {}), ...(raw !== undefined ? { raw } : {}) });
    };
    const walk = (value: unknown, path: string[]): void => {
      if (!value || typeof value !== 'object' || seen.has(value)) return;
      // Aliased nodes are shared: their values are written once, at the place the first path reaches.
      seen.add(value);
      if (Array.isArray(value)) {
        value.forEach((item, i) => {
          // `- POSTGRES_PASSWORD=…` in an environment or args list.
          const key = typeof item === 'string' ? /^([^=\s]+)=/.exec(item)?.[1] : undefined;
          if (key && isSecretName(key)) add(key, [...path, String(i)], true);
          else walk(item, [...path, String(i)]);
        });
        return;
      }
      for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
        if (typeof item === 'string') {
          if (isSecretName(key)) add(key, [...path, key], false);
        } else walk(item, [...path, key]);
      }
    };
    walk(document.data, []);
  }
  // A file too large to walk (its aliases expanded): the environment entries the model has, with no text to judge.
  if (compose.documents.some((d) => d.data === undefined))
    for (const service of compose.services)
      for (const entry of service.environment)
        if (isSecretName(entry.name)) found.push({ key: entry.name, at: entry.at, service: service.name });
  return found;
}
