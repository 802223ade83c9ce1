import { Validator, type OutputUnit } from '@cfworker/json-schema';
import { closest, distance } from 'fastest-levenshtein';
import spec from './compose-spec.json' with { type: 'json' };

/*
 * Validation against the Compose Specification's JSON schema (compose-spec/compose-spec, schema/compose-spec.json at
 * 170098ba, Apache-2.0: compose-spec.LICENSE beside it), the schema docker compose v2 validates every file with before
 * it does anything else. Loaded only for projects with a compose file (a dynamic import). The validator interprets the
 * schema (@cfworker/json-schema): ajv's compiled validators are faster per file, but compiling this schema took ten
 * times longer than validating a large project does here, and every run would pay it.
 *
 * Compose refuses a file on any schema error, but a validator reports many errors for one mistake (every branch of a
 * oneOf that did not match), so each place in the file gets one error, the most specific: a deeper path wins over its
 * parents (the branch that matched the value's shape went further), and at one path an unknown key or a missing one
 * wins over "must be a string" when the value's type fits another branch.
 */

/** One place in a file the schema refuses: the path in the data, what is wrong, and for an unknown key the key. */
export interface SchemaError {
  path: string[];
  /** What is wrong, for a title: "unknown key enviroment", "must be a string". */
  message: string;
  /** An unknown key (the path then ends with it). */
  unknownKey?: { key: string; suggestion?: string };
  /** Only "must be a <type>" errors: the types the value may have. */
  expected?: string[];
}

let validator: Validator | undefined;

/** Every place in one file's data the schema refuses, one error each, in the order of their paths. */
export function schemaErrors(data: unknown): SchemaError[] {
  validator ??= new Validator(spec as object, '7', false);
  const result = validator.validate(data);
  if (result.valid) return [];
  // Errors that only say a part below them failed; the part's own error says what.
  const errors = result.errors.filter((e) => !WRAPPERS.has(e.keyword));
  const paths = [...new Set(errors.map((e) => e.instanceLocation))];
  // A deeper error explains its parents' (the value matched that branch's shape, then failed further in). An unknown
  // key's own error ("false") sits at the key's path, so it is never hidden by another key's.
  const deepest = paths.filter((p) => !paths.some((other) => other !== p && other.startsWith(`${p}/`)));
  return deepest
    .map((p) =>
      oneError(
        result.errors,
        errors.filter((e) => e.instanceLocation === p),
        valueAt(data, segments(p)),
      ),
    )
    .filter((e): e is SchemaError => e !== undefined);
}

const WRAPPERS = new Set([
  'properties',
  'patternProperties',
  'additionalProperties',
  'items',
  'additionalItems',
  '$ref',
  'oneOf',
  'anyOf',
  'allOf',
  'not',
  'if',
  'then',
  'else',
  'dependencies',
  'contains',
  'propertyNames',
]);

/** A JSON pointer ("#/services/web") as its decoded segments. */
function segments(pointer: string): string[] {
  const body = pointer.replace(/^#\/?/, '');
  return body === '' ? [] : body.split('/').map((s) => decodeURIComponent(s).replaceAll('~1', '/').replaceAll('~0', '~'));
}

function valueAt(data: unknown, path: string[]): unknown {
  let value = data;
  for (const segment of path) value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[segment] : undefined;
  return value;
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function oneError(all: OutputUnit[], errors: OutputUnit[], value: unknown): SchemaError | undefined {
  const path = segments(errors[0]!.instanceLocation);
  if (errors.some((e) => e.keyword === 'false')) return unknownKey(all, path);
  const types = errors.filter((e) => e.keyword === 'type');
  const others = errors.filter((e) => e.keyword !== 'type');
  const actual = jsonType(value);
  const fits = types.some((e) => typeList(e).some((t) => t === actual || (t === 'number' && actual === 'integer')));
  if (others.length > 0 && (fits || types.length === 0)) return { path, message: describe(others[0]!) };
  if (types.length === 0) return undefined;
  const expected = [...new Set(types.flatMap(typeList))];
  return { path, message: `must be ${expected.map(article).join(' or ')}, not ${article(actual)}`, expected };
}

/** An unknown key, with the known key it is closest to when that looks like what was meant. */
function unknownKey(all: OutputUnit[], path: string[]): SchemaError {
  const key = path.at(-1)!;
  const parent = `#${path
    .slice(0, -1)
    .map((s) => `/${encodeURIComponent(s.replaceAll('~', '~0').replaceAll('/', '~1'))}`)
    .join('')}`;
  const notice = all.find((e) => e.keyword === 'additionalProperties' && e.instanceLocation === parent && e.error.includes(`"${key}"`));
  const known = notice ? Object.keys(schemaAt(notice.keywordLocation.replace(/\/additionalProperties$/, ''))?.properties ?? {}) : [];
  const suggestion = known.length > 0 ? closest(key, known) : undefined;
  const near =
    suggestion !== undefined && distance(key, suggestion) <= Math.max(1, Math.floor(Math.max(key.length, suggestion.length) / 3));
  return { path, message: `unknown key ${key}`, unknownKey: { key, ...(near ? { suggestion } : {}) } };
}

/** The schema at a keyword location ("#/properties/services/patternProperties/…/$ref"), following each $ref. */
function schemaAt(location: string): { properties?: object } | undefined {
  let node: unknown = spec;
  for (const segment of segments(location)) {
    if (node === null || typeof node !== 'object') return undefined;
    const object = node as Record<string, unknown>;
    node = segment === '$ref' && typeof object.$ref === 'string' ? valueAt(spec, segments(object.$ref)) : object[segment];
  }
  return node !== null && typeof node === 'object' ? (node as { properties?: object }) : undefined;
}

function typeList(error: OutputUnit): string[] {
  const expected = /Expected "(.*)"\.$/.exec(error.error)?.[1];
  return expected ? expected.split('", "') : [];
}

function article(type: string): string {
  const names: Record<string, string> = {
    string: 'a string',
    integer: 'a whole number',
    number: 'a number',
    boolean: 'true or false',
    object: 'a mapping',
    array: 'a list',
    null: 'empty',
  };
  return names[type] ?? type;
}

function describe(error: OutputUnit): string {
  const required = /required property "(.*)"/.exec(error.error);
  if (required) return `needs the key ${required[1]}`;
  const allowed = /does not match any of (.*)\.$/.exec(error.error);
  if (allowed) return `must be one of ${(JSON.parse(allowed[1]!) as unknown[]).map(String).join(', ')}`;
  if (error.keyword === 'uniqueItems') return 'lists the same item twice';
  return error.error.replace(/^Instance /, 'is ').replace(/\.$/, '');
}
