import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { closest, distance } from 'fastest-levenshtein';
import spec from './compose-spec.json' with { type: 'json' };

/*
 * Validation against the Compose Specification's JSON schema (compose-spec/compose-spec, schema/compose-spec.json at
 * 170098ba, Apache-2.0: compose-spec.LICENSE beside it), the schema docker compose v2 validates every file with before
 * it does anything else. Loaded only for projects with a compose file (a dynamic import: ajv and the schema are ~200 kB).
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

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (compiled) return compiled;
  // $schema names draft-07 by an https URL ajv does not know; the dialect is ajv's default. Formats (durations) are not
  // checked: compose v2 checks durations its own way, and a wrong guess would be a false error.
  const { $schema: _dialect, ...schema } = spec as Record<string, unknown>;
  const ajv = new Ajv({
    allErrors: true,
    strict: false,
    validateFormats: false,
    allowUnionTypes: true,
    verbose: true,
    code: { optimize: false },
  });
  compiled = ajv.compile(schema);
  return compiled;
}

/** Every place in one file's data the schema refuses, one error each, in the order of their paths. */
export function schemaErrors(data: unknown): SchemaError[] {
  const validate = validator();
  if (validate(data)) return [];
  const errors = (validate.errors ?? []).filter((e) => !COMBINATORS.has(e.keyword));
  // An unknown key is an error about that key, not its parent: place it there, so another key's error does not hide it.
  const pathOf = (e: ErrorObject) =>
    e.keyword === 'additionalProperties'
      ? `${e.instancePath}/${String((e.params as { additionalProperty: string }).additionalProperty)
          .replaceAll('~', '~0')
          .replaceAll('/', '~1')}`
      : e.instancePath;
  const paths = [...new Set(errors.map(pathOf))];
  // A deeper error explains its parents' (the value matched that branch's shape, then failed further in).
  const deepest = paths.filter((p) => !paths.some((other) => other !== p && other.startsWith(`${p}/`)));
  return deepest.map((p) => oneError(errors.filter((e) => pathOf(e) === p))).filter((e): e is SchemaError => e !== undefined);
}

const COMBINATORS = new Set(['oneOf', 'anyOf', 'allOf', 'not', 'if', 'then', 'else', '$ref']);

function segments(pointer: string): string[] {
  return pointer === ''
    ? []
    : pointer
        .slice(1)
        .split('/')
        .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function oneError(errors: ErrorObject[]): SchemaError | undefined {
  const path = segments(errors[0]!.instancePath);
  const unknown = errors.find((e) => e.keyword === 'additionalProperties');
  if (unknown) return unknownKey(path, unknown);
  const types = errors.filter((e) => e.keyword === 'type');
  const others = errors.filter((e) => e.keyword !== 'type');
  const actual = jsonType(errors[0]!.data);
  const fits = types.some((e) => typeList(e).some((t) => t === actual || (t === 'number' && actual === 'integer')));
  if (others.length > 0 && (fits || types.length === 0)) return { path, message: describe(others[0]!) };
  if (types.length === 0) return undefined;
  const expected = [...new Set(types.flatMap(typeList))];
  return { path, message: `must be ${expected.map(article).join(' or ')}, not ${article(actual)}`, expected };
}

function unknownKey(path: string[], error: ErrorObject): SchemaError {
  const key = String((error.params as { additionalProperty: string }).additionalProperty);
  const known = Object.keys((error.parentSchema as { properties?: object } | undefined)?.properties ?? {});
  const suggestion = known.length > 0 ? closest(key, known) : undefined;
  const near = suggestion !== undefined && editDistanceSmall(key, suggestion);
  return { path: [...path, key], message: `unknown key ${key}`, unknownKey: { key, ...(near ? { suggestion } : {}) } };
}

function typeList(error: ErrorObject): string[] {
  const type = (error.params as { type: string | string[] }).type;
  return Array.isArray(type) ? type : String(type).split(',');
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

function describe(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return `needs the key ${String(params.missingProperty)}`;
    case 'enum':
      return `must be one of ${(params.allowedValues as unknown[]).map(String).join(', ')}`;
    case 'const':
      return `must be ${String(params.allowedValue)}`;
    case 'uniqueItems':
      return 'lists the same item twice';
    default:
      return error.message ?? `is not valid (${error.keyword})`;
  }
}

/** Close enough to be the key meant: a typo, not another word. */
function editDistanceSmall(a: string, b: string): boolean {
  return distance(a, b) <= Math.max(1, Math.floor(Math.max(a.length, b.length) / 3));
}
