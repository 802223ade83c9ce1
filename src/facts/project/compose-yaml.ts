import {
  CST,
  isAlias,
  isMap,
  isNode,
  isPair,
  isScalar,
  isSeq,
  Lexer,
  type Alias,
  type Document,
  type Node,
  type Pair,
  type YAMLMap,
} from 'yaml';

/** A YAML problem found while resolving aliases, at the node's offset. */
export interface YamlIssue {
  offset: number;
  message: string;
  /** The file cannot be read at all (its merge keys copy too much): nothing of it may be judged. */
  fatal?: boolean;
}

/**
 * How many pairs merge keys may copy in one file. Each `<<` copies its sources' pairs into the map, so a chain of n
 * maps each merging the one before copies n²/2 (6,000 levels: 18 million pairs, 1.25 GB); hand-written files copy a
 * few hundred. Past this the file is reported as too large to read, as the alias expansion is bounded in compose-walk.
 */
export const MAX_MERGED_PAIRS = 200_000;

/**
 * How many values (keys and scalars) a compose file may hold to be read. The yaml package holds about 1.2 KB per value
 * while it parses (a 770 KB file of 160,000 depends_on names: 225 MB), so the 4 MiB size limit alone does not bound
 * memory; hand-written files hold a few thousand.
 */
export const MAX_COMPOSE_VALUES = 100_000;

/** Whether the text holds more than `max` scalars, counted by the lexer alone (it keeps nothing but the current token). */
export function hasMoreValues(text: string, max = MAX_COMPOSE_VALUES): boolean {
  let count = 0;
  for (const lexeme of new Lexer().lex(text)) {
    const type = CST.tokenType(lexeme);
    if ((type === 'scalar' || type === 'single-quoted-scalar' || type === 'double-quoted-scalar') && ++count > max) return true;
  }
  return false;
}

/**
 * Resolves aliases (`*name`) and merge keys (`<<: *base`, `<<: [*a, *b]`) in place, the way compose's YAML
 * reader does, so the model can be read with plain `map.get`. Aliased nodes are shared, not copied: their
 * ranges still point where the text is written (the anchor), and a file of many aliases stays small.
 */
export function resolveAliasesAndMerges(doc: Document.Parsed): YamlIssue[] {
  const issues: YamlIssue[] = [];
  const done = new Set<Node>();
  const budget: Budget = { left: MAX_MERGED_PAIRS, at: 0 };
  const targets = aliasTargets(doc.contents as Node | null);
  const deref = (node: unknown): Node | null => {
    if (!isAlias(node)) return (node as Node | null) ?? null;
    const target = targets.get(node);
    if (!target) issues.push({ offset: node.range?.[0] ?? 0, message: `unknown anchor: *${node.source}` });
    return target ?? null;
  };
  const visit = (node: Node | null): void => {
    if (!node || done.has(node)) return;
    done.add(node);
    if (isSeq(node)) {
      node.items = node.items.map((item) => deref(item));
      for (const item of node.items) visit(item as Node | null);
    } else if (isMap(node)) {
      for (const pair of node.items) {
        pair.value = deref(pair.value);
        visit(pair.value as Node | null);
      }
      mergeInto(node, deref, visit, issues, budget);
    }
  };
  visit(doc.contents as Node | null);
  if (budget.left < 0) {
    const message = `is too large to read once its merge keys (<<) are expanded: they copy more than ${MAX_MERGED_PAIRS} values`;
    return [{ offset: budget.at, fatal: true, message }];
  }
  return issues;
}

/**
 * Keys set twice in one mapping, which compose refuses ("mapping key "x" already defined"). One pass with a set per
 * mapping: the yaml package's own uniqueKeys check compares every pair with every other, minutes for 40,000 keys.
 */
export function duplicateKeys(root: Node | null, lineOf: (offset: number) => number): YamlIssue[] {
  const issues: YamlIssue[] = [];
  const walk = (node: unknown): void => {
    if (!isNode(node)) return;
    if (isSeq(node)) for (const item of node.items) walk(item);
    else if (isMap(node)) {
      const seen = new Map<string, number>();
      for (const pair of node.items) {
        if (!isMergeKey(pair) && isScalar(pair.key)) {
          const key = keyOf(pair);
          const offset = pair.key.range?.[0] ?? 0;
          const first = seen.get(key);
          if (first === undefined) seen.set(key, offset);
          else
            issues.push({
              offset,
              message: `mapping key "${key.length > 80 ? `${key.slice(0, 80)}…` : key}" already defined at line ${lineOf(first)}`,
            });
        }
        walk(pair.value);
      }
    }
  };
  walk(root);
  return issues;
}

/**
 * Each alias's node, found in one pass in document order before anything is rewired (an alias names the latest anchor
 * before it). The yaml package's own Alias.resolve walks the whole document per alias, and would loop once an
 * anchor that contains its own alias has been rewired.
 */
function aliasTargets(root: Node | null): Map<Alias, Node> {
  const anchors = new Map<string, Node>();
  const targets = new Map<Alias, Node>();
  const walk = (node: unknown): void => {
    if (isAlias(node)) {
      const target = anchors.get(node.source);
      if (target) targets.set(node, target);
      return;
    }
    if (!isNode(node)) return;
    if (node.anchor) anchors.set(node.anchor, node);
    if (isSeq(node)) for (const item of node.items) walk(item);
    else if (isMap(node)) {
      for (const pair of node.items) {
        walk(pair.key);
        walk(pair.value);
      }
    }
  };
  walk(root);
  return targets;
}

function isMergeKey(pair: Pair): boolean {
  return isScalar(pair.key) && (typeof pair.key.value === 'symbol' || pair.key.value === '<<') && pair.key.source === '<<';
}

function keyOf(pair: Pair): string {
  return isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
}

/** What merge keys may still copy, and where the first one past it is. */
interface Budget {
  left: number;
  at: number;
}

/**
 * `<<` entries add the keys the map does not set itself; in a list of sources, the earlier source wins. Each copied
 * pair is taken from `budget`; once it is spent nothing more is merged (the caller refuses the file).
 */
function mergeInto(
  map: YAMLMap,
  deref: (n: unknown) => Node | null,
  visit: (n: Node | null) => void,
  issues: YamlIssue[],
  budget: Budget,
): void {
  if (budget.left < 0 || !map.items.some(isMergeKey)) return;
  const own = map.items.filter((p) => !isMergeKey(p));
  const keys = new Set(own.map(keyOf));
  for (const merge of map.items.filter(isMergeKey)) {
    const value = merge.value as Node | null;
    const sources = isSeq(value) ? value.items.map((i) => deref(i)) : [value];
    for (const source of sources) {
      if (!isMap(source)) {
        issues.push({ offset: (source ?? value)?.range?.[0] ?? 0, message: 'a merge key (<<) must refer to a mapping' });
        continue;
      }
      visit(source);
      if ((budget.left -= source.items.length) < 0) {
        budget.at = (merge.key as Node).range?.[0] ?? 0;
        return;
      }
      for (const pair of source.items) {
        if (!isPair(pair) || keys.has(keyOf(pair))) continue;
        keys.add(keyOf(pair));
        own.push(pair);
      }
    }
  }
  map.items = own;
}
