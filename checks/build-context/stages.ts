import type { ParsedDockerfile } from '../../src/facts/project/dockerfile.js';

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

/** Stage names are case-insensitive; COPY --from also takes a stage's index. */
export function stageIndex(dockerfile: ParsedDockerfile, ref: string, before: number): number | undefined {
  if (/^\d+$/.test(ref)) return Number(ref) < before ? Number(ref) : undefined;
  const name = ref.toLowerCase();
  for (let i = before - 1; i >= 0; i--) if (dockerfile.stages[i]!.name?.toLowerCase() === name) return i;
  return undefined;
}

/** The earlier stage a stage is built FROM, if it is one. */
export function parentStage(dockerfile: ParsedDockerfile, stage: number): number | undefined {
  const from = dockerfile.stages[stage];
  return from ? stageIndex(dockerfile, from.image, stage) : undefined;
}

/** The stages a stage is built FROM, nearest first. */
export function ancestorStages(dockerfile: ParsedDockerfile, stage: number): number[] {
  const chain: number[] = [];
  for (let s = parentStage(dockerfile, stage); s !== undefined && !chain.includes(s); s = parentStage(dockerfile, s)) chain.push(s);
  return chain;
}

export function stageReach(dockerfile: ParsedDockerfile, target?: string): StageReach {
  const count = Math.max(1, dockerfile.stages.length);
  const targeted = target === undefined ? undefined : dockerfile.stages.findIndex((s) => s.name?.toLowerCase() === target.toLowerCase());
  // An unknown target fails the build; then the last stage is the best guess of what was meant.
  const final = targeted !== undefined && targeted >= 0 ? targeted : count - 1;
  const needs = (i: number): number[] => {
    const refs = dockerfile.instructions
      .filter((instruction) => instruction.stage === i)
      .flatMap((instruction) =>
        instruction.flags.flatMap((f) => {
          if (f.name === 'from' && f.value) return [f.value];
          if (f.name === 'mount' && f.value) return [...f.value.matchAll(/(?:^|,)from=([^,]+)/g)].map((m) => m[1]!);
          return [];
        }),
      );
    return [parentStage(dockerfile, i), ...refs.map((ref) => stageIndex(dockerfile, ref, i))].filter((s): s is number => s !== undefined);
  };
  const built = new Set<number>();
  const pending = [final];
  while (pending.length > 0) {
    const stage = pending.pop()!;
    if (built.has(stage)) continue;
    built.add(stage);
    pending.push(...needs(stage));
  }
  const layers = new Set([final, ...ancestorStages(dockerfile, final)]);
  return { final, built, layers };
}
