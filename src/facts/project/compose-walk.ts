import { isMap, isScalar, isSeq, type Node, type Pair } from 'yaml';
import type { SourceLocation } from './compose.js';
import type { Vars } from './compose-files.js';
import { interpolate, InterpolationError } from './interpolate.js';

/*
 * One pass over every value of a compose file, as compose reads it: each scalar interpolated (keys are not), `!reset`
 * values left out. It yields what the model's key-by-key reader cannot: every variable used without a default and not
 * set, wherever it is written (compose warns "The "TAG" variable is not set. Defaulting to a blank string." for any
 * value, not only the keys docker-doctor models), and the file as plain data for validation against the Compose
 * Specification's schema, with a way back from a path in that data to the line it is written at.
 */

/** A variable compose would replace with an empty string, and every place it is used. */
export interface UnsetVariable {
  name: string;
  uses: SourceLocation[];
}

/** One compose file as plain data (interpolated), for schema validation. */
export interface ComposeDocument {
  file: string;
  /** Undefined when the file, with its aliases expanded, is too large to validate (a YAML bomb). */
  data?: unknown;
  /**
   * Where the value at a path of `data` is written (path segments as in a JSON pointer), and its text before
   * interpolation; the key's line with `key: true`.
   */
  locate(path: readonly string[], options?: { key?: boolean }): { at: SourceLocation; raw?: string } | undefined;
}

/** How many values a file may hold once aliases are expanded before it is not validated: hand-written files hold a few thousand. */
const MAX_EXPANDED_VALUES = 200_000;
const MAX_DEPTH = 500;

/**
 * Walks one file's root mapping (aliases and merge keys already resolved, so shared nodes are visited once), adding
 * each unset variable's use to `unset` and returning the file as data.
 */
export function walkComposeFile(
  file: string,
  root: Node,
  vars: Vars,
  at: (node: Node | null | undefined) => SourceLocation,
  unset: Map<string, SourceLocation[]>,
): ComposeDocument {
  const values = new Map<Node, unknown>();
  const sizes = new Map<Node, number>();
  const use = (node: Node) => (name: string) => {
    const list = unset.get(name) ?? [];
    const where = at(node);
    if (!list.some((l) => l.file === where.file && l.line === where.line)) list.push(where);
    unset.set(name, list);
  };
  // A node inside itself (an anchor aliased within its own value) or nesting past any hand-written depth: not validated.
  const visiting = new Set<Node>();
  let unusable = false;
  const convert = (node: Node | null | undefined): unknown => {
    if (!node) return null;
    if (values.has(node)) return values.get(node);
    if (visiting.has(node) || visiting.size > MAX_DEPTH) {
      unusable = true;
      return null;
    }
    visiting.add(node);
    let value: unknown;
    let size = 1;
    if (isMap(node)) {
      const object: Record<string, unknown> = {};
      for (const pair of kept(node.items)) {
        object[keyOf(pair)] = convert(pair.value as Node | null);
        size += pair.value ? (sizes.get(pair.value as Node) ?? 1) : 1;
      }
      value = object;
    } else if (isSeq(node)) {
      value = (node.items as (Node | null)[]).map((item) => convert(item));
      for (const item of node.items as (Node | null)[]) size += item ? (sizes.get(item) ?? 1) : 1;
    } else if (isScalar(node)) {
      value = typeof node.value === 'string' ? interpolated(node.value, vars, use(node)) : (node.value ?? null);
    }
    visiting.delete(node);
    values.set(node, value);
    sizes.set(node, Math.min(size, Number.MAX_SAFE_INTEGER));
    return value;
  };
  const data = convert(root);
  const tooLarge = unusable || (sizes.get(root) ?? 0) > MAX_EXPANDED_VALUES;
  return {
    file,
    ...(tooLarge ? {} : { data }),
    locate: (path, options) => locate(root, path, at, options?.key ?? false),
  };
}

/** The variables of `unset`, in the order they were first met. */
export function unsetVariables(unset: Map<string, SourceLocation[]>): UnsetVariable[] {
  return [...unset].map(([name, uses]) => ({ name, uses }));
}

function interpolated(value: string, vars: Vars, onUnset: (name: string) => void): string {
  if (!value.includes('$')) return value;
  try {
    return interpolate(value, vars, onUnset);
  } catch (error) {
    // A required variable without a value or a malformed ${…}: compose refuses the file, which the model's problems say.
    if (error instanceof InterpolationError) return value;
    throw error;
  }
}

/** The pairs compose keeps: a `!reset` value removes its key. */
function kept(items: Pair[]): Pair[] {
  return items.filter((pair) => isScalar(pair.key) && (pair.value as Node | null)?.tag !== '!reset');
}

function keyOf(pair: Pair): string {
  return String((pair.key as { value: unknown }).value);
}

function locate(
  root: Node,
  path: readonly string[],
  at: (node: Node | null | undefined) => SourceLocation,
  key: boolean,
): { at: SourceLocation; raw?: string } | undefined {
  let node: Node | null | undefined = root;
  let keyNode: Node | undefined;
  for (const segment of path) {
    if (isMap(node)) {
      const pair: Pair | undefined = kept(node.items).find((p) => keyOf(p) === segment);
      if (!pair) return undefined;
      keyNode = pair.key as Node;
      node = pair.value as Node | null;
    } else if (isSeq(node)) {
      keyNode = undefined;
      node = (node.items as (Node | null)[])[Number(segment)];
    } else return undefined;
  }
  const target = key && keyNode ? keyNode : node;
  if (!target) return keyNode ? { at: at(keyNode) } : undefined;
  return { at: at(target), ...(isScalar(target) && typeof target.value === 'string' ? { raw: target.value } : {}) };
}
