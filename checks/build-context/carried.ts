import { posix } from 'node:path';
import { copySources, type DockerfileInstruction, type ParsedDockerfile } from '../../src/facts/project/dockerfile.js';
import type { NamedSource } from './copies.js';
import { workdirs } from './reorder.js';
import { ancestorStages, stageIndex, stageInstructions, type StageReach } from './stages.js';

/** Context paths a COPY --from carries into the image's own layers, followed back through the source stage's COPYs. */
export interface Carried {
  /** Context paths (files or directories) the image receives through a COPY --from, with that COPY's line. */
  named: NamedSource[];
  /** The line of a COPY --from that carries the whole context (the source stage copied `.` and the image takes it all). */
  whole?: number;
}

/** Where a path written in a COPY lands, against the WORKDIR in force; undefined when a variable makes it unknowable. */
function imagePath(dir: string | undefined, written: string): string | undefined {
  const clean = written.replace(/^(["'])(.*)\1$/, '$2');
  if (/\$/.test(clean)) return undefined;
  if (clean.startsWith('/')) return posix.resolve(clean);
  return dir === undefined ? undefined : posix.resolve(dir, clean);
}

const under = (parent: string, child: string) => child === parent || child.startsWith(parent === '/' ? '/' : `${parent}/`);

/**
 * The context path a COPY from the context put at `wanted` in its stage, or that lies under `wanted` (COPY --from of a
 * parent directory carries it all). A directory source lands as its contents at the destination; a file lands at the
 * destination, or at destination/<name> when the destination ends in / or several sources share it.
 */
function contextPathAt(copy: DockerfileInstruction, dir: string | undefined, wanted: string): string[] {
  const sources = copySources(copy);
  const parts = copy.exec ?? copy.args.split(/\s+/).filter(Boolean);
  const dest = imagePath(dir, parts[parts.length - 1] ?? '');
  if (dest === undefined || sources.length === 0) return [];
  const intoDir = /\/\.?$/.test(parts[parts.length - 1]!) || sources.length > 1;
  const out: string[] = [];
  for (const source of sources) {
    if (/[*?[]/.test(source)) continue;
    const landings = source === '.' || source === '*' ? [dest] : [dest, ...(intoDir ? [posix.join(dest, posix.basename(source))] : [])];
    for (const landing of landings) {
      const base = source === '*' ? '.' : source;
      if (under(landing, wanted)) out.push(posix.join(base, posix.relative(landing, wanted)) || '.');
      else if (under(wanted, landing)) out.push(base);
    }
  }
  return out;
}

/**
 * What the image's own stages take from other stages with COPY --from, traced to the context: `COPY . /src` in a
 * build stage and `COPY --from=build /src/keys/. /svc/keys/` in the final one carry the context's keys/ into the image
 * as surely as `COPY keys /svc/keys` would. Only the source stage's own COPYs (and its parents') are followed, not
 * files a RUN made.
 */
export function carriedSources(dockerfile: ParsedDockerfile, reach: StageReach): Carried {
  const at = workdirs(dockerfile);
  const named: NamedSource[] = [];
  let whole: number | undefined;
  for (const copy of dockerfile.instructions) {
    if (!reach.layers.has(copy.stage) || (copy.keyword !== 'COPY' && copy.keyword !== 'ADD')) continue;
    const from = copy.flags.find((f) => f.name === 'from')?.value;
    const stage = from ? stageIndex(dockerfile, from, copy.stage) : undefined;
    if (stage === undefined || copy.args.includes('<<')) continue;
    const parts = copy.exec ?? copy.args.split(/\s+/).filter(Boolean);
    const wanted = parts.slice(0, -1).map((p) => imagePath(at.get(copy), p));
    const contextCopies = [stage, ...ancestorStages(dockerfile, stage)]
      .sort((a, b) => a - b)
      .flatMap((s) => stageInstructions(dockerfile, s).filter((i) => copySources(i).length > 0));
    for (const path of wanted) {
      if (path === undefined || /[*?[]/.test(path)) continue;
      for (const found of contextCopies.flatMap((c) => contextPathAt(c, at.get(c), path))) {
        if (found === '.') whole ??= copy.line;
        else named.push({ source: found, line: copy.line, keyword: `COPY --from=${from}` });
      }
    }
  }
  return { named, ...(whole !== undefined ? { whole } : {}) };
}
