import path from 'node:path';
import type { CheckContext, Fix, FindingInput } from '../../src/engine/types.js';
import type { BuildSpec } from '../../src/facts/project/builds.js';
import type { SentDir } from '../../src/facts/project/context-walk.js';
import type { ParsedDockerfile } from '../../src/facts/project/dockerfile.js';
import { prose } from '../../src/util/text.js';
import { shellWord } from './fix-commands.js';
import {
  sourceProblems,
  writtenSources,
  type EmptyGlob,
  type MissingSource,
  type OutsideSource,
  type SourceProblem,
  type UnknownStage,
} from './source-resolve.js';

/** What the findings about one Dockerfile's sources share. */
interface Place {
  build: BuildSpec;
  project: string;
  /** The context as the user sees it: relative to the project. */
  contextName: string;
  rel: (abs: string) => string;
  evidence: Record<string, unknown>;
}

/**
 * COPY/ADD sources that are not in the build context (missing, outside it, wildcards that match nothing) and
 * `--from` references that name no earlier stage, at the Dockerfile line, for the stages the build runs.
 */
export async function reportSources(
  ctx: CheckContext,
  build: BuildSpec,
  dockerfile: ParsedDockerfile,
  context: { dirs: readonly SentDir[]; rel: (abs: string) => string; evidence: Record<string, unknown>; expired: () => boolean },
): Promise<boolean> {
  const { dirs, rel, evidence, expired } = context;
  const { facts } = ctx;
  // Out of time already (the passes before took it): stop here, before any read hands the event loop to the timeout.
  if (expired()) return false;
  // A context that is no directory fails the build before any COPY ("unable to prepare context"): nothing to resolve against.
  if ((await facts.stat(build.context).catch(() => null))?.type !== 'directory') return true;
  const project = (await facts.projectFiles()).dir;
  const gitignore = (
    await Promise.all([...new Set([build.context, project])].map((dir) => facts.hostFile(path.join(dir, '.gitignore'))))
  ).join('\n');
  const lookup = {
    exists: async (abs: string) =>
      (await facts.stat(abs).catch(() => null)) !== null || (await facts.listDir(path.dirname(abs)))?.includes(path.basename(abs)) === true,
    list: (abs: string) => facts.listDir(abs),
  };
  const target = build.target ? { target: build.target } : {};
  const verdict = await sourceProblems({ dockerfile, context: build.context, project, dirs, gitignore, lookup, expired, ...target });
  const problems = await trustedProblems(project, build, dockerfile, verdict.problems, lookup.exists);
  const place = { build, project, contextName: rel(build.context), rel, evidence };
  for (const problem of problems.slice(0, MAX_FINDINGS)) ctx.report(findingOf(problem, place));
  if (problems.length > MAX_FINDINGS) reportMore(ctx, build, problems.slice(MAX_FINDINGS));
  return verdict.finished;
}

/** Findings about one Dockerfile's sources past which the rest are summed up in one. */
const MAX_FINDINGS = 100;

function reportMore(ctx: CheckContext, build: BuildSpec, rest: readonly SourceProblem[]): void {
  const lines = rest.map((p) => p.instruction.line);
  ctx.report({
    cause: rest.some((p) => p.kind === 'missing')
      ? 'copy-source-missing'
      : rest[0]!.kind === 'outside'
        ? 'copy-source-outside'
        : 'copy-from-unknown',
    title: prose`
      ${build.dockerfile}: ${rest.length.toLocaleString('en-US')} more COPY/ADD sources or --from names cannot be resolved (lines
      ${lines.slice(0, 5).join(', ')}${lines.length > 5 ? ', …' : ''})
    `,
    subject: { kind: 'file', name: build.dockerfile },
    location: { file: build.dockerfile, line: lines[0]! },
    fixes: [{ title: `Correct the sources at those lines of ${build.dockerfile}, or add the files to the context` }],
    evidence: { dockerfile: build.dockerfile, lines: lines.slice(0, 100), count: rest.length },
  });
}

/**
 * A Dockerfile found in the project (not named by compose) is built from a context docker-doctor guesses: when most of
 * its sources are missing from it, or one is found from the Dockerfile's own directory or a directory above, the guess
 * is what is wrong, and nothing is said about those sources.
 */
async function trustedProblems(
  project: string,
  build: BuildSpec,
  dockerfile: ParsedDockerfile,
  problems: SourceProblem[],
  exists: (abs: string) => Promise<boolean>,
): Promise<SourceProblem[]> {
  if (build.service !== undefined) return problems;
  const own = path.dirname(build.dockerfileAbs);
  // A Dockerfile at the project root is built from there (`docker build .`): only the contexts of the others are guesses.
  if (own === build.context && own === project) return problems;
  const missing = problems.filter((p): p is MissingSource => p.kind === 'missing');
  const total = dockerfile.instructions.filter((i) => !i.flags.some((f) => f.name === 'from')).flatMap(writtenSources).length;
  if (missing.length > 1 && missing.length * 2 >= total) return problems.filter((p) => p.kind !== 'missing');
  const kept: SourceProblem[] = [];
  for (const p of problems) {
    if (p.kind === 'missing' && (p.ancestor !== undefined || (await exists(path.join(own, p.path))))) continue;
    kept.push(p);
  }
  return kept;
}

function findingOf(problem: SourceProblem, place: Place): FindingInput {
  const { build } = place;
  const at = `${build.dockerfile}:${problem.instruction.line}`;
  const base = {
    subject: { kind: 'file' as const, name: build.dockerfile },
    location: { file: build.dockerfile, line: problem.instruction.line },
  };
  const evidence = { ...place.evidence, dockerfile: build.dockerfile, line: problem.instruction.line, source: problem.source };
  switch (problem.kind) {
    case 'missing':
      return { ...base, ...missingFinding(problem, place, at), evidence: { ...evidence, path: problem.path } };
    case 'outside':
      return { ...base, ...outsideFinding(problem, place, at), evidence: { ...evidence, target: problem.target } };
    case 'glob-empty':
      return { ...base, ...globFinding(problem, place, at), evidence };
    case 'from-unknown':
      return { ...base, ...stageFinding(problem, at), evidence: { ...evidence, reason: problem.reason } };
  }
}

type FindingBody = Pick<FindingInput, 'cause' | 'title' | 'fixes'> & Partial<Pick<FindingInput, 'severity' | 'explanation'>>;

/** The instruction with one source (or its --from) replaced: a line to paste over the one written. */
function replaced(problem: SourceProblem, by: string, from?: string): string {
  const { instruction } = problem;
  const flags = instruction.flags.map((f) =>
    f.value === null ? `--${f.name}` : `--${f.name}=${f.name === 'from' && from !== undefined ? from : f.value}`,
  );
  const words = instruction.exec ?? instruction.args.split(/\s+/).filter(Boolean);
  const at = words.indexOf(problem.source);
  const next = words.map((w, i) => (i === at ? by : w));
  const args = instruction.exec ? JSON.stringify(next) : next.join(' ');
  return [instruction.keyword, ...flags, args].join(' ');
}

function missingFinding(problem: MissingSource, place: Place, at: string): FindingBody {
  const { contextName } = place;
  const what = `${problem.instruction.keyword} ${problem.source}`;
  const shown = problem.alsoAt.slice(0, 5).join(', ') + (problem.alsoAt.length > 5 ? ` and ${problem.alsoAt.length - 5} more` : '');
  const also = problem.alsoAt.length > 0 ? ` (and at line${problem.alsoAt.length > 1 ? 's' : ''} ${shown})` : '';
  const via = problem.viaArg ? ` (with ARG ${problem.viaArg}'s default: a --build-arg may name another path)` : '';
  const where = problem.absolute
    ? `sources are read from the context, never from the host: ${problem.source} means ${contextName}/${problem.path}, which does not exist`
    : `there is no ${problem.path} in the context ${contextName}${via}`;
  const hint = problem.caseMatch
    ? `; the context has ${problem.caseMatch} (names are case-sensitive)`
    : problem.elsewhere.length > 0
      ? `; the context has ${problem.elsewhere.join(', ')}`
      : problem.ancestor
        ? `; it is in ${place.rel(problem.ancestor)}, above the context`
        : '';
  if (problem.generated && !problem.caseMatch) {
    return {
      cause: 'copy-source-missing',
      severity: 'info',
      title: prose`
        ${at}: ${what}${also} is not in the context ${contextName} now;
        ${problem.generated === 'output' ? 'it looks like build output' : 'the repository keeps it out of git (.gitignore)'}, so a step
        before \`docker build\` may make it (if none does, the build fails with "not found")
      `,
      fixes: [{ title: `Make ${problem.path} before building (the project's build step), or correct the path at ${at}` }],
    };
  }
  return {
    cause: 'copy-source-missing',
    ...(problem.viaArg ? { severity: 'warning' as const } : {}),
    title: `${at}: ${what}${also} will fail with "not found": ${where}${hint}`,
    fixes: missingFixes(problem, place, at),
  };
}

function missingFixes(problem: MissingSource, place: Place, at: string): Fix[] {
  const { build, rel } = place;
  const found = problem.caseMatch ?? (problem.elsewhere.length === 1 ? problem.elsewhere[0] : undefined);
  if (found !== undefined)
    return [
      {
        title: `Name it as it is in the context: change ${at} to`,
        command: replaced(problem, problem.trailingSlash ? `${found}/` : found),
      },
    ];
  const fixes: Fix[] = [];
  if (problem.ancestor !== undefined) fixes.push(...contextUpFixes(place, problem.ancestor, problem.path));
  const dir = path.posix.dirname(problem.path);
  const listed = rel(path.join(build.context, dir));
  fixes.push({
    title: `Create or restore ${problem.path} in ${place.contextName}, or correct the path at ${at}; this lists what is there`,
    command: `ls -la ${shellWord(listed)}`,
    runIn: 'project',
  });
  return fixes;
}

/** Moving a compose build's context up to a directory that holds the file: the compose lines to write, and what follows. */
function contextUpFixes(place: Place, ancestor: string, source: string): Fix[] {
  const { build, rel } = place;
  if (!build.service || !build.at || build.inline) {
    return [
      {
        title: prose`
          Build from ${rel(ancestor)}, which holds ${source}: \`docker build -f ${build.dockerfile} ${rel(ancestor)}\`, and name the other
          sources from there
        `,
      },
    ];
  }
  const composeDir = path.dirname(path.join(place.project, build.at.file));
  const context = path.relative(composeDir, ancestor).split(path.sep).join('/') || '.';
  const dockerfile = path.relative(ancestor, build.dockerfileAbs).split(path.sep).join('/');
  return [
    {
      title: prose`
        Move the context up in ${build.at.file}:${build.at.line} (service ${build.service}) to ${rel(ancestor)}, with the Dockerfile named
        relative to it, and prefix the Dockerfile's other sources with ${path.relative(ancestor, build.context).split(path.sep).join('/')}/
      `,
      command: `context: ${context}\ndockerfile: ${dockerfile}`,
    },
  ];
}

function outsideFinding(problem: OutsideSource, place: Place, at: string): FindingBody {
  const { contextName, rel } = place;
  const target = rel(problem.target);
  const what = `${problem.instruction.keyword} ${problem.source}`;
  const title = problem.insideExists
    ? prose`
        ${at}: ${what} climbs out of the context ${contextName}: the classic builder fails with "forbidden path outside the build context",
        and BuildKit copies ${problem.inside === '.' ? 'the whole context' : `${problem.inside} from the context`} instead
      `
    : prose`
        ${at}: ${what} points outside the context ${contextName} (at ${target}): the builder only sees the context, so the build fails
        ("forbidden path outside the build context", or BuildKit's "/${problem.inside}": not found)
      `;
  const fixes: Fix[] = [];
  if (problem.insideExists)
    fixes.push({ title: `Name the path in the context: change ${at} to`, command: replaced(problem, problem.inside) });
  else if (problem.targetExists) fixes.push(...outsideFixes(problem, place, at));
  else fixes.push({ title: `${target} does not exist either: correct the path at ${at}` });
  return { cause: 'copy-source-outside', ...(problem.insideExists ? { severity: 'warning' as const } : {}), title, fixes };
}

function outsideFixes(problem: OutsideSource, place: Place, at: string): Fix[] {
  const { build, rel } = place;
  const common = commonDir(build.context, problem.target);
  const fixes: Fix[] = [];
  const inProject = !rel(problem.target).startsWith('..');
  if (inProject && !rel(common).startsWith('..')) {
    const sourceFromCommon = path.relative(common, problem.target).split(path.sep).join('/');
    fixes.push(...contextUpFixes(place, common, sourceFromCommon));
  }
  if (inProject) {
    const name = path.basename(problem.target);
    fixes.push({
      title: `Or copy it into the context (never over a file there), then change ${at} to ${replaced(problem, name)}`,
      command: `cp -Rn ${shellWord(rel(problem.target))} ${shellWord(rel(path.join(build.context, name)))}`,
      runIn: 'project',
    });
  }
  return fixes.length > 0
    ? fixes
    : [{ title: `Copy ${problem.target} into ${place.contextName}, or build from a directory that holds both` }];
}

function commonDir(a: string, b: string): string {
  let dir = a;
  while (!(b === dir || b.startsWith(`${dir}${path.sep}`)) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

function globFinding(problem: EmptyGlob, place: Place, at: string): FindingBody {
  return {
    cause: 'copy-glob-empty',
    title: prose`
      ${at}: ${problem.instruction.keyword} ${problem.source} matches nothing in the context ${place.contextName}: the classic builder fails
      with "no source files were specified", and BuildKit copies nothing
    `,
    fixes: [{ title: `Add the files it is meant to copy, or remove ${problem.source} from ${at}` }],
  };
}

function stageFinding(problem: UnknownStage, at: string): FindingBody {
  const ref = problem.source;
  const { stage } = problem;
  switch (problem.reason) {
    case 'self':
      return {
        cause: 'copy-from-unknown',
        title: prose`
          ${at}: --from=${ref} names the stage it is in: the build fails ("circular dependency detected" / "refers to current build stage")
        `,
        fixes: [{ title: `Name an earlier stage in ${at}` }],
      };
    case 'out-of-range':
      return {
        cause: 'copy-from-unknown',
        title: prose`
          ${at}: --from=${ref} names stage ${ref}, and the Dockerfile has no such stage: the build fails ("invalid stage index ${ref}")
        `,
        fixes: [{ title: `Stages are counted from 0 in FROM order: name an earlier one, or better, its AS name, in ${at}` }],
      };
    case 'later':
      return {
        cause: 'copy-from-unknown',
        severity: 'warning',
        title: prose`
          ${at}: --from=${ref} names a stage defined later (line ${stage!.line}): BuildKit builds it first, but the classic builder
          looks for an image called ${ref} and fails
        `,
        fixes: [{ title: `Move the stage at line ${stage!.line} above ${at}` }],
      };
    case 'no-stage':
      return {
        cause: 'copy-from-unknown',
        title: prose`
          ${at}: no stage before it is named ${ref}, so the builder tries to pull an image called ${ref} and fails ("pull access denied for
          ${ref}")${stage ? `; the stage at line ${stage.line} is named ${stage.name}` : ''}
        `,
        fixes: [
          stage
            ? { title: `Name that stage: change ${at} to`, command: replaced(problem, '', stage.name) }
            : { title: `Name the stage that makes those files: add AS ${ref} to its FROM line, above ${at}` },
        ],
      };
  }
}
