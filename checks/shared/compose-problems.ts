import path from 'node:path';
import type { CheckContext, CheckMeta, Fix, FindingCodeMeta, FindingInput } from '../../src/engine/types.js';
import type { ComposeProblem, ComposeProject } from '../../src/facts/project/compose.js';
import type { Facts } from '../../src/facts/types.js';
import { locationOf } from './project-source.js';
import { prose } from '../../src/util/text.js';

/*
 * Problems in the project's compose files: invalid YAML, a required variable (`${NAME:?err}`) without a value, an
 * invalid port, an extends or include that cannot be followed. Compose refuses a project with any of them (`up`,
 * `build` and `config` stop on it), so they are one cause each, reported once per run, and the rule is:
 *
 * 1. Who reports them. Of the checks that read the compose file (COMPOSE_READERS, in catalogue order), the first one
 *    this run selected that gets to the compose file here: its platform matches, and the facts it requires and reads
 *    first can be had (a daemon that does not answer, or whose container list cannot be read, skips the three that
 *    need it). So a full run reports them under port-conflicts, or under build-context when the daemon is down;
 *    `docker-doctor dns build-context` under dns; and a check run alone always reports them itself, so whoever runs
 *    one check still sees why. Every check computes the same answer from the same selection and the same memoised
 *    facts, so it does not depend on which check finishes first.
 * 2. What the others do. Nothing about the problems themselves (one cause, one finding), and, like the reporter,
 *    they judge none of the services in a file compose refuses (ports, bind sources, localhost references): those
 *    would be findings about a project that cannot start, and a partly read file (an override that does not parse,
 *    a port whose variable has no value) would make them wrong. build-context keeps judging Dockerfiles and
 *    contexts, which are files whatever compose thinks of the rest (a compose build whose own values cannot be read
 *    is left out by the loader); when it has nothing else to judge it is skipped with a reason naming the reporter.
 * 3. How they read. All required variables without a value are one finding (they have one fix: give them values in
 *    .env), naming each variable and its file:line, never a value; a file that is not valid YAML is one finding at
 *    its first error (later errors usually follow from it); every other problem is one finding at its line.
 */

/**
 * The checks that read the project's compose file, in catalogue order, with what each reads before it gets to the
 * compose file beyond its meta.requires: the three that need the daemon start from its container list, and one that
 * cannot be had skips them too.
 */
const COMPOSE_READERS: { id: string; readsFirst: (facts: Facts) => Promise<unknown> }[] = [
  { id: 'port-conflicts', readsFirst: (facts) => facts.containers() },
  { id: 'bind-mounts', readsFirst: (facts) => facts.containers() },
  { id: 'dns', readsFirst: (facts) => facts.containers() },
  { id: 'build-context', readsFirst: async () => undefined },
  { id: 'unhealthy-containers', readsFirst: async () => undefined },
  { id: 'startup-order', readsFirst: async () => undefined },
  { id: 'unreachable-ports', readsFirst: (facts) => facts.containers() },
  { id: 'volumes', readsFirst: async () => undefined },
  { id: 'compose-config', readsFirst: async () => undefined },
];

/** The finding code each compose reader declares for the problems it may report (spread into its meta.codes). */
export const composeProblemCodes = {
  'compose-invalid': {
    severity: 'error',
    summary: "compose refuses the project's compose file",
    explanation: prose`
      The compose file is not valid YAML, a required variable has no value, or a value in it is invalid, so \`docker compose\` refuses the
      whole project (\`up\`, \`build\` and \`config\` stop on it). Until it is fixed, docker-doctor judges none of its services either. One
      check reports it: the first check that reads compose files (port-conflicts, bind-mounts, dns, build-context, then the newer ones in
      catalogue order) that the run selected and that can run.
    `,
    docsUrl: 'https://docs.docker.com/reference/compose-file/',
  },
} satisfies Record<string, FindingCodeMeta>;

export interface ComposeVerdict {
  /** Compose accepts the file: its services may be judged. */
  usable: boolean;
  /** When it does not: the check that reports why (this one or another of the run). */
  reportedBy?: string;
}

/**
 * Whether compose accepts the project's compose file; when it does not, the problems are reported if this check is
 * the one to report them (the rule above). Checks judge compose's services only when `usable`.
 */
export async function reportComposeProblems(ctx: CheckContext, compose: ComposeProject): Promise<ComposeVerdict> {
  if (compose.problems.length === 0) return { usable: true };
  const reportedBy = await composeProblemsReporter(ctx);
  if (reportedBy === ctx.checkId) for (const finding of await composeFindings(ctx, compose)) ctx.report(finding);
  return { usable: false, reportedBy };
}

/** The first compose reader of this run, in catalogue order, that can run here; this check when none before it can. */
async function composeProblemsReporter(ctx: CheckContext): Promise<string> {
  for (const meta of ctx.selected) {
    const reader = COMPOSE_READERS.find((r) => r.id === meta.id);
    if (!reader) continue;
    // This check got here, so no reader after it can come first; one before it counts only if it gets here too.
    if (meta.id === ctx.checkId || (await getsToCompose(ctx.facts, meta, reader.readsFirst))) return meta.id;
  }
  return ctx.checkId;
}

async function getsToCompose(facts: Facts, meta: CheckMeta, readsFirst: (facts: Facts) => Promise<unknown>): Promise<boolean> {
  if (meta.platforms && !meta.platforms.includes(facts.platform())) return false;
  const available = (fact: Promise<unknown>) =>
    fact.then(
      () => true,
      () => false,
    );
  for (const name of meta.requires) if (!(await available(facts.need(name)))) return false;
  return available(readsFirst(facts));
}

async function composeFindings(ctx: CheckContext, compose: ComposeProject): Promise<FindingInput[]> {
  const problems = compose.problems;
  const variables = problems.filter((p) => p.kind === 'variable');
  const findings: FindingInput[] = [];
  if (variables.length > 0) findings.push(await unsetVariables(ctx, compose, variables));
  const yamlFiles = new Set<string>();
  for (const problem of problems) {
    if (problem.kind === 'variable') continue;
    if (problem.kind === 'yaml') {
      if (yamlFiles.has(problem.file)) continue;
      yamlFiles.add(problem.file);
    }
    const more = problem.kind === 'yaml' ? problems.filter((p) => p.kind === 'yaml' && p.file === problem.file).length - 1 : 0;
    const at = `${problem.file}:${problem.line}`;
    findings.push({
      cause: 'compose-invalid',
      title: `Compose cannot read ${problem.file}: ${problem.message} (${at}:${problem.column})`,
      subject: { kind: 'file', name: problem.file },
      location: locationOf(problem),
      explanation: prose`
        ${problem.kind === 'yaml' ? `${problem.file} is not valid YAML` : `Compose refuses ${problem.file} at line ${problem.line}`}, so
        \`docker compose\` refuses the whole project (\`up\`, \`build\` and \`config\` stop on it). Until it is fixed, docker-doctor judges
        none of its services either${notJudged(ctx)}.
      `,
      fixes: [
        {
          title: `Correct ${at}, then check that compose accepts the project (it prints only what it refuses)`,
          command: 'docker compose config --quiet',
          runIn: 'project',
        },
      ],
      evidence: { message: problem.message, ...(more > 0 ? { laterErrors: more } : {}) },
    });
  }
  return findings;
}

/** One finding for every required variable without a value: one cause (no value in the shell or .env), one fix. */
async function unsetVariables(ctx: CheckContext, compose: ComposeProject, problems: ComposeProblem[]): Promise<FindingInput> {
  const byName = new Map<string, ComposeProblem[]>();
  for (const problem of problems) byName.set(problem.variable ?? '', [...(byName.get(problem.variable ?? '') ?? []), problem]);
  const names = [...byName.keys()];
  const first = problems[0]!;
  const envExists = (await ctx.facts.stat(path.join(compose.dir, '.env')).catch(() => null))?.type === 'file';
  const where = (list: ComposeProblem[]) => list.map((p) => `${p.file}:${p.line}`);
  const listed =
    names.length > 1
      ? `${names.length} required variables have no value: ${names.join(', ')}`
      : `Required variable ${names[0]} has no value`;
  const places = names.length > 1 ? `first at ${first.file}:${first.line}` : `${where(byName.get(names[0]!)!).join(', ')}`;
  const fixes: Fix[] = [
    // No command: what it would write are the values, which only the user knows (and must never appear here).
    {
      title: prose`
        ${envExists ? `Add a line NAME=value to .env in ${compose.dir}` : `Create .env in ${compose.dir} with a line NAME=value`} for
        ${names.length > 1 ? `each of ${names.join(', ')}` : names[0]} (or export ${names.length > 1 ? 'them' : 'it'} in the shell that runs
        compose)
      `,
    },
    {
      title: 'Then check that compose accepts the project (it prints only what it refuses)',
      command: 'docker compose config --quiet',
      runIn: 'project',
    },
  ];
  return {
    cause: 'compose-invalid',
    title: `${listed}, so compose refuses the project (${places})`,
    subject: { kind: 'file', name: first.file },
    location: locationOf(first),
    explanation: prose`
      \${NAME:?message} (and \${NAME?message}) make a variable required: compose takes its value from the shell environment or from .env in
      the project directory, and when ${names.length > 1 ? 'one has' : 'it has'} none (or, with :?, an empty one) it refuses the whole
      project: "required variable ${names[0]} is missing a value" (Compose v1: "Missing mandatory value"), and \`up\`, \`build\` and
      \`config\` stop there. Until ${names.length > 1 ? 'they have values' : 'it has a value'}, docker-doctor judges none of the services
      either${notJudged(ctx)}.
    `,
    fixes,
    evidence: {
      variables: names.map((name) => ({ name, at: where(byName.get(name)!), message: byName.get(name)![0]!.message })),
      envFile: '.env',
      envFileExists: envExists,
    },
  };
}

/** Which parts of the run were not judged, for the one finding that says why. */
function notJudged(ctx: CheckContext): string {
  const parts: Record<string, string> = { 'port-conflicts': 'published ports', 'bind-mounts': 'bind sources', dns: 'localhost references' };
  const skipped = ctx.selected.map((meta) => parts[meta.id]).filter((part): part is string => !!part);
  return skipped.length > 0 ? ` (${skipped.join(', ')})` : '';
}
