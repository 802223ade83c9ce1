import type { DockerfileInstruction, ParsedDockerfile } from '../../src/facts/project/dockerfile.js';

/** Which stages of a Dockerfile matter for the image that is built. */
export interface StageReach {
  /** The stage the build produces: the build target, else the last stage. */
  final: number;
  /** Stages the builder runs for that image: the final stage and every stage it needs (FROM, COPY --from, RUN --mount from=). */
  built: ReadonlySet<number>;
  /**
   * Stages whose layers are the final image's layers: the final stage and the stages it is built FROM. A stage the
   * image only copies files from passes on those files, not its layers (its apt lists stay behind).
   */
  layers: ReadonlySet<number>;
}

/**
 * The stage graph of a Dockerfile, worked out once: every rule asks "which instructions are in stage s" and "which
 * stage is s built FROM" many times, and answering each by a scan of all instructions or stages made a Dockerfile of
 * 20,000 stages or instructions take a minute.
 */
interface StageGraph {
  /** The instructions of each stage, in order. */
  byStage: Map<number, DockerfileInstruction[]>;
  /** The indexes of the stages of each (lower-cased) name, ascending. */
  byName: Map<string, number[]>;
  /** The earlier stage each stage is built FROM, if it is one. */
  parent: (number | undefined)[];
}

const graphs = new WeakMap<ParsedDockerfile, StageGraph>();

function stageGraph(dockerfile: ParsedDockerfile): StageGraph {
  const known = graphs.get(dockerfile);
  if (known) return known;
  const byStage = new Map<number, DockerfileInstruction[]>();
  for (const instruction of dockerfile.instructions) {
    const list = byStage.get(instruction.stage);
    if (list) list.push(instruction);
    else byStage.set(instruction.stage, [instruction]);
  }
  const byName = new Map<string, number[]>();
  dockerfile.stages.forEach((stage, i) => {
    const name = stage.name?.toLowerCase();
    if (name !== undefined) byName.set(name, [...(byName.get(name) ?? []), i]);
  });
  const graph: StageGraph = { byStage, byName, parent: [] };
  graph.parent = dockerfile.stages.map((stage, i) => lookup(dockerfile, graph, stage.image, i));
  graphs.set(dockerfile, graph);
  return graph;
}

/** The last stage before `before` that `ref` names (a name, case-insensitive, or an index). */
function lookup(dockerfile: ParsedDockerfile, graph: StageGraph, ref: string, before: number): number | undefined {
  if (/^\d+$/.test(ref)) return Number(ref) < before ? Number(ref) : undefined;
  const indexes = graph.byName.get(ref.toLowerCase());
  if (!indexes || indexes[0]! >= before) return undefined;
  // Binary search for the last index below `before`: a name reused by thousands of stages stays cheap.
  let low = 0;
  let high = indexes.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (indexes[mid]! < before) low = mid;
    else high = mid - 1;
  }
  return indexes[low];
}

/** Stage names are case-insensitive; COPY --from also takes a stage's index. */
export function stageIndex(dockerfile: ParsedDockerfile, ref: string, before: number): number | undefined {
  return lookup(dockerfile, stageGraph(dockerfile), ref, before);
}

/** The earlier stage a stage is built FROM, if it is one. */
export function parentStage(dockerfile: ParsedDockerfile, stage: number): number | undefined {
  return stageGraph(dockerfile).parent[stage];
}

/** The stages a stage is built FROM, nearest first. A parent is always an earlier stage, so the chain ends. */
export function ancestorStages(dockerfile: ParsedDockerfile, stage: number): number[] {
  const { parent } = stageGraph(dockerfile);
  const chain: number[] = [];
  for (let s = parent[stage]; s !== undefined; s = parent[s]) chain.push(s);
  return chain;
}

/** The instructions of one stage, in order. */
export function stageInstructions(dockerfile: ParsedDockerfile, stage: number): readonly DockerfileInstruction[] {
  return stageGraph(dockerfile).byStage.get(stage) ?? [];
}

/** The stages a stage needs: its parent, and those its COPY --from and RUN --mount from= name. */
function needs(dockerfile: ParsedDockerfile, stage: number): number[] {
  const refs = stageInstructions(dockerfile, stage).flatMap((instruction) =>
    instruction.flags.flatMap((f) => {
      if (f.name === 'from' && f.value) return [f.value];
      if (f.name === 'mount' && f.value) return [...f.value.matchAll(/(?:^|,)from=([^,]+)/g)].map((m) => m[1]!);
      return [];
    }),
  );
  return [parentStage(dockerfile, stage), ...refs.map((ref) => stageIndex(dockerfile, ref, stage))].filter(
    (s): s is number => s !== undefined,
  );
}

export function stageReach(dockerfile: ParsedDockerfile, target?: string): StageReach {
  const count = Math.max(1, dockerfile.stages.length);
  const targeted = target === undefined ? undefined : dockerfile.stages.findIndex((s) => s.name?.toLowerCase() === target.toLowerCase());
  // An unknown target fails the build; then the last stage is the best guess of what was meant.
  const final = targeted !== undefined && targeted >= 0 ? targeted : count - 1;
  const built = new Set<number>();
  const pending = [final];
  while (pending.length > 0) {
    const stage = pending.pop()!;
    if (built.has(stage)) continue;
    built.add(stage);
    pending.push(...needs(dockerfile, stage));
  }
  const layers = new Set([final, ...ancestorStages(dockerfile, final)]);
  return { final, built, layers };
}
