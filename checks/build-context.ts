import path from 'node:path';
import { defineCheck } from '../src/engine/define-check.js';
import type { CheckContext, Fix } from '../src/engine/types.js';
import type { BuildSpec } from '../src/facts/project/builds.js';
import { largestDirectories, largestFiles, largestParts, type ContextScan, type DirectorySize } from '../src/facts/project/context-scan.js';
import type { ParsedDockerfile } from '../src/facts/project/dockerfile.js';
import type { Facts } from '../src/facts/types.js';
import { isExcluded, parseIgnoreFile, type IgnoreRules } from '../src/facts/project/ignore.js';
import { buildContextCodes } from './build-context/codes.js';
import { copyPlan, protectedPaths, type CopyPlan } from './build-context/copies.js';
import { aptListsFix, cacheVerdict, WorkBudget } from './build-context/dockerfile-rules.js';
import { appendLinesCommand, shellWord } from './build-context/fix-commands.js';
import { heavyPaths, heavyRule, imageCanDoWithout, proposeIgnore, secretFiles, secretRules } from './build-context/paths.js';
import { holdsSecret } from './build-context/secret-content.js';
import { reportSources } from './build-context/sources.js';
import { composeProblemCodes, reportComposeProblems } from './shared/compose-problems.js';
import { formatBytes } from './shared/containers.js';
import { prose } from '../src/util/text.js';

export const DEFAULT_MAX_BYTES = 100 * 1024 * 1024;
export const DEFAULT_MAX_FILES = 10_000;

export default defineCheck({
  meta: {
    id: 'build-context',
    title: 'Build contexts are small and cache-friendly',
    category: 'build',
    description: prose`
      Answers "my build is slow". It finds every build of the project (Dockerfiles up to three levels deep among the first 100 directories,
      breadth-first, including build/ for Go's build/package/Dockerfile, under any Dockerfile name such as Dockerfile.prod.alpine,
      Dockerfile-alpine, prod.Dockerfile or Containerfile; each built from its own directory, or from the project root when that is where
      its COPY sources are or it names its own directory inside the image; and compose \`build:\` entries with their context, dockerfile or
      dockerfile_inline and target, whose findings point at compose lines; git and URL contexts are fetched by the builder and not
      measured), and walks each context once with the ignore file the builder would use (<Dockerfile>.dockerignore first, then .dockerignore
      at the context root) and Docker's own pattern semantics: anchored at the root, ** for any depth, ! exceptions, last match wins,
      case-sensitive, comments only at the first byte. Directories the rules exclude entirely are not walked; links are sent as links, never
      followed. A context of more than a thousand entries is walked by two threads. Dockerfiles that share a context and ignore file share
      one walk and one finding about the context, which names them all, and no exclusion proposed for it touches what any of them copies. A
      walk that outlasts half of what is left of --timeout stops and says its figures are a lower bound, and unreadable directories are
      named (the builder fails on them too).

      It reports a missing ignore file when the context holds heavy paths (at least 1 MiB or 1,000 files: .git, node_modules, virtualenvs,
      caches, build output, logs), with a proposed .dockerignore printed in full and the measured saving (--fix writes it, never over an
      existing file); heavy paths an existing ignore file lets through; a context over --context-max-mb (default 100) or --context-max-files
      (default 10,000), naming what dominates it and, when an ignore file exists, how much it already keeps out (the directories it prunes
      are walked only then); secret-looking files that would be sent, judged by name and then by content (private keys, credential lines in
      .npmrc/.pypirc, secret-named or password-carrying .env values; certificates, public keys, DH parameters, settings and empty files are
      not secrets) (an error when a whole-context copy puts them in the image, a note when the Dockerfile copies them by name, a COPY --from
      carries them into the image from a stage that copied them, nothing copies them, or they are keystores under an example, sample, test
      or fixture directory); COPY/ADD sources the ignore file excludes; COPY/ADD sources that are not in the context at all (at the
      Dockerfile line, with the name the context has when only the letter case differs, a file of that name elsewhere in it, or the
      directory above the context that holds it; with ARG and ENV values expanded, and said less loudly when a --build-arg may change the
      path or the file looks like build output made before the build), \`../\` sources that climb out of the context, wildcards that match
      nothing, and COPY --from or RUN --mount from= names that are no earlier stage; and malformed patterns at file:line. No proposed
      exclusion ever touches a COPY/ADD source or a file one copies; under a whole-context copy, build output and data files are left alone
      (the app may serve them) and dependencies are excluded only when the build installs them itself. It also reports the layer-cache
      mistakes that make builds slow, in the stages the build runs (the target, else the last stage, and the stages it needs): copying the
      whole context before the project's dependency install (global tools such as npm install -g or pip install --upgrade pip are not one;
      pnpm fetch is; the fix copies the manifests from where they are in the context to where the install runs, and gives no command when
      they cannot be found), apt-get update in its own RUN (options before the subcommand, apt-get -y install, count as the install), and
      apt lists left in the image's own layers (not when a later RUN of that stage or of a stage built FROM it installs from them, nor under
      a RUN --mount on /var/lib/apt; not for VS Code dev containers, whose size is nobody's concern; a RUN <<EOF heredoc gets the removal as
      its last line).
    `,
    requires: [],
    codes: { ...buildContextCodes, ...composeProblemCodes },
  },
  async run(ctx) {
    // Every walk shares what is left of the check's time, so several contexts, and the work after each walk, end within it.
    const deadline = ctx.facts.now() + ctx.options.timeoutMs;
    const projectDir = (await ctx.facts.projectFiles()).dir;
    if ((await ctx.facts.listDir(projectDir)) === null) {
      ctx.report({
        cause: 'file-unreadable',
        title: prose`
          Cannot read ${projectDir}: this user may not list it, so its Dockerfiles and compose files cannot be checked (nor built by this
          user)
        `,
        subject: { kind: 'file', name: projectDir },
        fixes: [
          {
            title: 'Run docker-doctor as a user who can read the project, or give yourself read access to it',
            command: `ls -ld ${shellWord(projectDir)}`,
          },
        ],
      });
      return;
    }
    const builds = await ctx.facts.builds();
    const compose = await ctx.facts.compose().catch(() => null);
    // A compose file compose refuses is reported once per run, by the check shared/compose-problems.ts names; its builds
    // that could be read are still judged. Awaited last, since naming that check may wait for the daemon.
    const composeVerdict = compose ? reportComposeProblems(ctx, compose) : Promise.resolve(undefined);
    if (builds.length === 0) {
      const verdict = await composeVerdict;
      if (verdict?.reportedBy === ctx.checkId) return;
      ctx.skip(
        verdict && !verdict.usable
          ? `no Dockerfile in the project, and compose refuses ${compose!.files.join(', ')} (reported by ${verdict.reportedBy})`
          : 'no Dockerfile or compose build in the project',
      );
    }
    const project = (await ctx.facts.projectFiles()).dir;
    // Builds that share a context and its ignore file (Dockerfile.alpine and Dockerfile.debian side by side) send the
    // same files: one walk, and one finding about the context that names every Dockerfile built from it.
    const groups = new Map<string, BuildSpec[]>();
    for (const build of builds) {
      const key = `${build.context}\0${build.ignoreFile ?? ''}`;
      groups.set(key, [...(groups.get(key) ?? []), build]);
    }
    for (const group of groups.values()) await checkContext(ctx, group, project, deadline);
    await composeVerdict;
  },
});

/**
 * A Dockerfile or ignore file that exists but is not a readable regular file (a FIFO would block the docker CLI for
 * ever): one finding each. Returns whether any was found, since the context cannot be judged without them.
 */
async function reportUnreadable(ctx: CheckContext, files: readonly string[], rel: (p: string) => string): Promise<boolean> {
  let found = false;
  for (const file of files) {
    const problem = await ctx.facts.readProblem(file);
    if (!problem) continue;
    found = true;
    ctx.report({
      cause: 'file-unreadable',
      title: prose`
        ${rel(file)} ${problem}: the docker CLI cannot read it either${/FIFO/.test(problem) ? ' (it would wait on it for ever)' : ''}
      `,
      subject: { kind: 'file', name: rel(file) },
      location: { file: rel(file) },
      fixes: [
        {
          title: 'See what it is, then replace it with the regular file it should be',
          command: `ls -l ${shellWord(rel(file))}`,
          runIn: 'project',
        },
      ],
    });
  }
  return found;
}

const SEVERITY_RANK = { info: 0, warning: 1, error: 2 } as const;
/** Secret files whose text is read to judge them; past that many, their names decide. */
const MAX_SECRETS_READ = 200;
const MAX_SECRET_BYTES_READ = 256 * 1024;

/** One build context, walked once, and what its Dockerfiles do with it: everything the findings about it share. */
interface ContextState {
  ctx: CheckContext;
  /** What is left of the check's time: the walk and the weighing of what the ignore file keeps out share it. */
  timeLeft: () => number;
  builds: readonly BuildSpec[];
  /** The first build: context findings are about its Dockerfile, and name the others. */
  build: BuildSpec;
  dockerfiles: (ParsedDockerfile | undefined)[];
  rel: (p: string) => string;
  contextName: string;
  subject: { kind: 'file'; name: string };
  /** " (built by a, b)" when more than one Dockerfile is built from the context. */
  builtBy: string;
  rules: IgnoreRules | undefined;
  /** Where exclusions go: the ignore file the builder uses, or a new .dockerignore at the context root. */
  ignoreTarget: string;
  appendToIgnore: (lines: readonly string[]) => string;
  scan: ContextScan;
  plans: CopyPlan[];
  copiedBy: (file: string) => boolean;
  named: CopyPlan['named'];
  heavy: ReturnType<typeof heavyPaths>;
  heavyRules: string[];
  secrets: string[];
  looseSecrets: string[];
  secretKeep: string[];
  summary: string;
  evidenceBase: Record<string, unknown>;
}

async function checkContext(ctx: CheckContext, builds: readonly BuildSpec[], project: string, deadline: number): Promise<void> {
  const build = builds[0]!;
  const rel = (p: string) => path.relative(project, p) || '.';
  const dockerfiles = await Promise.all(builds.map((b) => ctx.facts.buildDockerfile(b)));
  const unreadable = [
    ...builds.filter((b, i) => !b.inline && !dockerfiles[i]).map((b) => b.dockerfileAbs),
    ...(build.ignoreFile ? [build.ignoreFile] : []),
  ];
  if (await reportUnreadable(ctx, unreadable, rel)) return;
  const timeLeft = () => Math.max(0, deadline - ctx.facts.now());
  const state = await measureContext(ctx, builds, dockerfiles, rel, timeLeft);
  await reportHeavyPaths(state);
  await reportLargeContext(state);
  reportLooseSecrets(state);
  reportCopiedSecrets(state);
  const { rules, scan, evidenceBase, appendToIgnore, ignoreTarget } = state;
  const context = { rules, scan, rel, evidenceBase, appendToIgnore, ignoreTarget, timeLeft };
  for (const [i, b] of builds.entries()) await checkDockerfile(ctx, b, dockerfiles[i], state.plans[i]!, context);
  reportIncompleteScan(state);
}

/** The context's ignore file, parsed, with a finding per line the builder rejects. */
async function readIgnoreFile(ctx: CheckContext, build: BuildSpec, rel: (p: string) => string) {
  const ignoreText = build.ignoreFile ? ((await ctx.facts.hostFile(build.ignoreFile)) ?? '') : '';
  const ignoreTarget = rel(build.ignoreFile ?? path.join(build.context, '.dockerignore'));
  const appendToIgnore = (lines: readonly string[]) => appendLinesCommand(ignoreTarget, lines, ignoreText);
  if (!build.ignoreFile) return { rules: undefined, ignoreTarget, appendToIgnore };
  const rules = parseIgnoreFile(ignoreText);
  for (const problem of rules.problems) {
    ctx.report({
      cause: 'ignore-invalid',
      // Too many patterns is no error of the file: what this check says about the context is only less certain.
      ...(problem.tooMany ? { severity: 'info' as const } : {}),
      title: `${rel(build.ignoreFile)}:${problem.line}: ${problem.message}`,
      subject: { kind: 'file', name: rel(build.ignoreFile) },
      location: { file: rel(build.ignoreFile), line: problem.line },
      fixes: [
        {
          title: problem.tooMany
            ? 'Fold the patterns into fewer (** reaches any depth): the builder matches every file against each one too'
            : 'Fix or remove the line; the builder rejects the whole file otherwise',
        },
      ],
    });
  }
  return { rules, ignoreTarget, appendToIgnore };
}

/** Walks the context once and works out what its Dockerfiles copy, what is heavy and which secrets are sent. */
async function measureContext(
  ctx: CheckContext,
  builds: readonly BuildSpec[],
  dockerfiles: (ParsedDockerfile | undefined)[],
  rel: (p: string) => string,
  timeLeft: () => number,
): Promise<ContextState> {
  const build = builds[0]!;
  const names = builds.map((b) => b.dockerfile);
  const ignore = await readIgnoreFile(ctx, build, rel);
  const scan = await ctx.facts.contextScan(build, ignore.rules, Math.floor(timeLeft() * 0.5));
  const plans = builds.map((b, i) => copyPlan(dockerfiles[i], b.target));
  const copiedBy = (file: string) => plans.some((plan) => plan.copiedBy(file));
  const named = plans.flatMap((plan) => plan.named);
  const keep = keptPaths(plans, scan);
  const { heavy, heavyRules } = excludableHeavyPaths(scan, plans, keep, copiedBy);
  const secrets = await secretsByContent(ctx.facts, build.context, secretFiles(scan.dirs));
  return {
    ctx,
    timeLeft,
    builds,
    build,
    dockerfiles,
    rel,
    contextName: rel(build.context),
    subject: { kind: 'file', name: build.dockerfile },
    builtBy:
      builds.length > 1 ? ` (built by ${names.slice(0, 4).join(', ')}${names.length > 4 ? ` and ${names.length - 4} more` : ''})` : '',
    ...ignore,
    scan,
    plans,
    copiedBy,
    named,
    heavy,
    heavyRules,
    secrets,
    // A secret a Dockerfile copies by name is needed by its build: excluding it breaks the COPY. One a COPY --from carries
    // into the image from a stage that copied it (`COPY . /src`, then `COPY --from=build /src/keys/. …`) is needed by the
    // image: excluding it leaves the service without it. Neither is merely sent, and no exclusion may touch them.
    looseSecrets: secrets.filter((f) => plans.every((plan) => !neededBy(plan, f))),
    secretKeep: [...keep, ...secrets.filter((f) => plans.some((plan) => plan.carriedBy(f)))],
    summary: `${formatBytes(scan.sentBytes)} in ${scan.sentFiles.toLocaleString('en-US')} files`,
    evidenceBase: {
      context: rel(build.context),
      dockerfile: build.dockerfile,
      dockerfiles: names,
      ignoreFile: build.ignoreFile ? rel(build.ignoreFile) : null,
      sentBytes: scan.sentBytes,
      sentFiles: scan.sentFiles,
      scanMs: Math.round(scan.elapsedMs),
    },
  };
}

/**
 * What no proposed exclusion may touch: COPY/ADD sources and the files they copy, for every Dockerfile built from
 * this context (else a build breaks with "not found", or an image silently loses them).
 */
function keptPaths(plans: readonly CopyPlan[], scan: ContextScan): string[] {
  return [...new Set(plans.flatMap((plan) => protectedPaths(plan, scan.dirs)))];
}

/** Heavy paths no Dockerfile copies or needs in its image, and the ignore rules that would exclude them. */
function excludableHeavyPaths(scan: ContextScan, plans: readonly CopyPlan[], keep: string[], copiedBy: (f: string) => boolean) {
  const named = plans.flatMap((plan) => plan.named);
  const heavy = heavyPaths(scan.dirs).filter(
    (h) =>
      !named.some((n) => n.source === h.path || n.source.startsWith(`${h.path}/`) || h.path.startsWith(`${n.source}/`)) &&
      !copiedBy(h.path) &&
      plans.every((plan) => imageCanDoWithout(h, plan)),
  );
  const heavyRules = [...new Set(heavy.map((h) => heavyRule(h, keep, scan.dirs, heavy)).filter((r): r is string => r !== undefined))];
  return { heavy, heavyRules };
}

/** A secret a Dockerfile copies by name, or a COPY --from carries into the image: the build or the image needs it. */
const neededBy = (plan: CopyPlan, file: string) => plan.copiedBy(file) ?? plan.carriedBy(file);

/**
 * What the context would be without its ignore file. Measured only for the findings about size: walking what the
 * ignore file prunes (a whole node_modules) is the cost the ignore file exists to avoid.
 */
async function withoutIgnoreFile({ ctx, build, scan, timeLeft }: ContextState) {
  if (!build.ignoreFile) return null;
  const ignored = await ctx.facts.contextIgnored(scan, Math.floor(timeLeft() * 0.5));
  return { files: scan.sentFiles + ignored.files, bytes: scan.sentBytes + ignored.bytes, complete: !ignored.truncated };
}

/** "a (1 MiB), b (2 MiB)…": the heavy paths as a title names them. */
function heavyList(heavy: ContextState['heavy']): string {
  return heavy
    .map((h) => `${h.path} (${formatBytes(h.bytes)})`)
    .slice(0, 4)
    .join(', ');
}

/** Heavy paths sent to the builder: no ignore file at all (propose one), or one that lets them through. */
async function reportHeavyPaths(state: ContextState): Promise<void> {
  const { ctx, build, rel, heavy, heavyRules, builtBy, evidenceBase } = state;
  if (heavyRules.length === 0) return;
  if (!build.ignoreFile) return reportNoIgnoreFile(state);
  const without = await withoutIgnoreFile(state);
  ctx.report({
    cause: 'heavy-paths-sent',
    title: `${rel(build.ignoreFile)} still lets ${heavyList(heavy)} into the build context${builtBy}`,
    subject: { kind: 'file', name: rel(build.ignoreFile) },
    location: { file: rel(build.ignoreFile) },
    fixes: [
      {
        title: 'Exclude them wherever they are (patterns are anchored at the context root; ** reaches any depth)',
        command: state.appendToIgnore(heavyRules),
        runIn: 'project',
      },
    ],
    evidence: { ...evidenceBase, heavy, withoutIgnoreFile: without },
  });
}

function reportNoIgnoreFile(state: ContextState): void {
  const { ctx, build, rel, scan, heavy, contextName, builtBy } = state;
  const proposal = proposeIgnore(scan.dirs, [...state.heavyRules, ...secretRules(state.looseSecrets, 20, state.secretKeep)]);
  const target = path.join(build.context, '.dockerignore');
  const more = heavy.length > 4 ? ` and ${heavy.length - 4} more` : '';
  ctx.report({
    cause: 'no-dockerignore',
    title: prose`
      ${contextName === '.' ? 'The project' : contextName} has no .dockerignore, so the build${builtBy} sends ${heavyList(heavy)}${more}:
      ${state.summary} in all
    `,
    subject: state.subject,
    fixes: [
      {
        title: prose`
          Add this .dockerignore: the context goes from ${formatBytes(proposal.before.bytes)} in
          ${proposal.before.files.toLocaleString('en-US')} files to ${formatBytes(proposal.after.bytes)} in
          ${proposal.after.files.toLocaleString('en-US')} files (or run docker-doctor build-context --fix)
        `,
        command: `cat > ${shellWord(rel(target))} <<'EOF'\n${proposal.text}EOF`,
        runIn: 'project',
      },
    ],
    evidence: {
      ...state.evidenceBase,
      heavy,
      proposal: proposal.text,
      proposalPath: target,
      before: proposal.before,
      after: proposal.after,
    },
  });
}

/** A context over --context-max-mb or --context-max-files, naming what dominates it. */
async function reportLargeContext(state: ContextState): Promise<void> {
  const { ctx, build, rel, scan, contextName, builtBy } = state;
  const tooManyBytes = scan.sentBytes > (ctx.options.contextMaxBytes ?? DEFAULT_MAX_BYTES);
  if (!tooManyBytes && scan.sentFiles <= (ctx.options.contextMaxFiles ?? DEFAULT_MAX_FILES)) return;
  // What dominates is measured in what is over the threshold: bytes, or else the number of files.
  const by = tooManyBytes ? 'bytes' : 'files';
  const top = largestParts(scan.dirs, by);
  const sizeOf = (d: DirectorySize) =>
    by === 'bytes' ? formatBytes(d.bytes) : `${d.files.toLocaleString('en-US')} file${d.files === 1 ? '' : 's'}`;
  const without = await withoutIgnoreFile(state);
  const kept =
    without && without.files > scan.sentFiles
      ? prose`
        , after ${rel(build.ignoreFile!)} keeps out ${without.complete ? '' : 'at least '}${formatBytes(without.bytes - scan.sentBytes)} in
        ${(without.files - scan.sentFiles).toLocaleString('en-US')} files
      `
      : '';
  ctx.report({
    cause: 'context-large',
    title: prose`
      The build context ${contextName}${builtBy} is ${state.summary}${kept}; the largest parts are
      ${top.map((d) => `${d.path} (${sizeOf(d)})`).join(', ')}
    `,
    subject: state.subject,
    // No command: only the user knows which of the largest parts the image needs.
    fixes: [{ title: `Exclude in ${state.ignoreTarget} whatever of ${top.map((d) => d.path).join(', ')} the image does not need` }],
    evidence: {
      ...state.evidenceBase,
      largestDirectories: largestDirectories(scan.dirs, 2, 5, by),
      largestFiles: largestFiles(scan.dirs),
      withoutIgnoreFile: without,
    },
  });
}

/** Secret-looking files sent to the builder that no Dockerfile needs, as bad as the Dockerfile that does most with them. */
function reportLooseSecrets(state: ContextState): void {
  const { ctx, builds, plans, looseSecrets, ignoreTarget } = state;
  if (looseSecrets.length === 0) return;
  const listed = `${looseSecrets.slice(0, 5).join(', ')}${looseSecrets.length > 5 ? ` and ${looseSecrets.length - 5} more` : ''}`;
  // The Dockerfile that does the most with them decides: an error when one copies the whole context into its image.
  const [reach, where, reachExplanation] = plans
    .map((plan, i) => secretsReach(plan, builds[i]!.dockerfile))
    .reduce((worst, next) => (SEVERITY_RANK[next[0]] > SEVERITY_RANK[worst[0]] ? next : worst));
  // Keystores under example/, test/, fixtures/… are nearly always the published sample a README or a test uses, and a
  // .p12 cannot be judged by its bytes: a note, with the exclusion still offered.
  const examplesOnly = looseSecrets.every(isExampleKeystore);
  const explanation =
    examplesOnly && reach !== 'info' ? `${EXAMPLE_KEYSTORES}${reachExplanation ? ` ${reachExplanation}` : ''}` : reachExplanation;
  ctx.report({
    cause: 'secrets-sent',
    severity: examplesOnly ? 'info' : reach,
    title: prose`
      The build context ${state.contextName}${state.builtBy} sends ${examplesOnly ? 'example keystores' : 'secret-looking files'} to the
      builder (${listed}), ${where}
    `,
    ...(explanation ? { explanation } : {}),
    subject: state.subject,
    fixes: [
      {
        title: examplesOnly
          ? `If one is a real credential and not the sample it looks like, exclude it in ${ignoreTarget}`
          : `Exclude them in ${ignoreTarget}`,
        command: state.appendToIgnore(secretRules(looseSecrets, 20, state.secretKeep)),
        runIn: 'project',
      },
      ...npmSecretFix(state),
    ],
    evidence: { ...state.evidenceBase, files: looseSecrets.slice(0, 100), fileCount: looseSecrets.length },
  });
}

/** Only for the one credential whose build-secret form is standard; any other example would be a guess. */
function npmSecretFix({ looseSecrets, dockerfiles }: ContextState): Fix[] {
  const npm =
    looseSecrets.some((f) => f === '.npmrc') &&
    dockerfiles.some((d) => d?.instructions.some((i) => i.keyword === 'RUN' && /\b(npm|yarn|pnpm)\b/.test(i.args)));
  if (!npm) return [];
  return [
    {
      title: 'Give npm its credentials as a build secret (docker build --secret id=npmrc,src=.npmrc)',
      command: 'RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci',
    },
  ];
}

/**
 * One note per set of secrets copied by name, about the first of them: a subject of its own, apart from the secrets
 * that are merely sent (whose fix removes that finding but never this one), naming each COPY that takes them.
 */
function reportCopiedSecrets(state: ContextState): void {
  for (const { files, copies } of copiedSecretSets(state)) {
    const [first] = copies;
    state.ctx.report({
      cause: 'secrets-sent',
      severity: 'info',
      title: prose`
        ${copies.map((c) => `${c.dockerfile}:${c.line}`).join(' and ')} cop${copies.length === 1 ? 'ies' : 'y'} secret-looking files into
        the image on purpose: ${files.slice(0, 5).join(', ')}${files.length > 5 ? ` and ${files.length - 5} more` : ''}
      `,
      explanation: prose`
        The Dockerfile copies these files by name, or a COPY --from carries them into the image from a stage that copied them, so the build
        needs them: excluding them would make the COPY fail or leave the image without them. Anyone who can pull the image can read them,
        which is fine for test fixtures (a test CA, mTLS keys) and not for real credentials.
      `,
      subject: { kind: 'file', name: state.rel(path.join(state.build.context, files[0]!)) },
      location: { file: first!.dockerfile, line: first!.line },
      fixes: [
        {
          title: prose`
            If they are real credentials and not test fixtures, give them to the container at run time (a mounted file or a secret) instead
            of copying them into the image
          `,
        },
      ],
      evidence: { ...state.evidenceBase, copies, files: files.slice(0, 100), fileCount: files.length },
    });
  }
}

/** The secrets each COPY line needs, grouped by the set of files, with every Dockerfile line that copies that set. */
function copiedSecretSets({ plans, secrets, builds }: ContextState) {
  const notes = new Map<string, { files: string[]; copies: { dockerfile: string; line: number }[] }>();
  for (const [i, plan] of plans.entries()) {
    const byLine = new Map<number, string[]>();
    for (const file of secrets) {
      const line = neededBy(plan, file)?.line;
      if (line !== undefined) byLine.set(line, [...(byLine.get(line) ?? []), file]);
    }
    for (const [line, files] of byLine) {
      const key = files.join('\0');
      const note = notes.get(key) ?? { files, copies: [] };
      note.copies.push({ dockerfile: builds[i]!.dockerfile, line });
      notes.set(key, note);
    }
  }
  return notes.values();
}

/** A walk that ran out of time, or directories it could not read. */
function reportIncompleteScan(state: ContextState): void {
  const { scan, contextName, builtBy } = state;
  if (!scan.truncated && scan.unreadable.length === 0) return;
  state.ctx.report({
    cause: 'scan-incomplete',
    title: scan.truncated
      ? prose`
        The walk of ${contextName}${builtBy} stopped after ${Math.round(scan.elapsedMs / 1000)} s at ${state.summary}; the context is at
        least that large
      `
      : prose`
        ${scan.unreadable.length} director${scan.unreadable.length === 1 ? 'y' : 'ies'} in ${contextName} could not be read
        (${scan.unreadable.slice(0, 3).join(', ')}); the builder will fail on ${scan.unreadable.length === 1 ? 'it' : 'them'} too
      `,
    subject: state.subject,
    fixes:
      scan.unreadable.length > 0
        ? unreadableFixes(state)
        : [{ title: 'Give the check more time', command: 'docker-doctor build-context --timeout 60', runIn: 'project' }],
    evidence: {
      ...state.evidenceBase,
      unreadable: scan.unreadable.slice(0, 100),
      unreadableCount: scan.unreadable.length,
      truncated: scan.truncated,
    },
  });
}

/** A directory a COPY names (or holds a COPY source) must be made readable: excluding it breaks that COPY. */
function unreadableFixes({ scan, copiedBy, named, ignoreTarget, appendToIgnore }: ContextState): Fix[] {
  const excludable = scan.unreadable.filter((dir) => !copiedBy(dir) && !named.some((n) => n.source.startsWith(`${dir}/`)));
  if (excludable.length < scan.unreadable.length)
    return [
      { title: `Give the user who builds read access to ${scan.unreadable.slice(0, 5).join(', ')}: the Dockerfile copies from there` },
    ];
  return [
    {
      title: `Exclude them in ${ignoreTarget}, or fix their permissions`,
      command: appendToIgnore(excludable.slice(0, 5)),
      runIn: 'project',
    },
  ];
}

/** Directories that hold samples and test data, not a deployment's credentials. */
const EXAMPLE_DIR = /^(examples?|samples?|tests?|__tests__|fixtures?|testdata|demos?)$/i;
/** Keystores whose bytes say nothing about whether they are real (PKCS#12, Java keystores). */
const KEYSTORE = /\.(p12|pfx|jks|keystore)$/i;
const isExampleKeystore = (file: string) =>
  KEYSTORE.test(file) &&
  file
    .split('/')
    .slice(0, -1)
    .some((dir) => EXAMPLE_DIR.test(dir));
const EXAMPLE_KEYSTORES = prose`
  Every one of them is a keystore under an example, sample, test or fixture directory: almost always the sample a README or a test uses,
  committed on purpose; if one is a real credential, exclude it and mount it at run time.
`;

/** How far secrets sent with the context get, for one Dockerfile: severity, the words for the title, and why. */
function secretsReach(plan: CopyPlan, dockerfile: string): readonly ['error' | 'warning' | 'info', string, string | undefined] {
  // Sent to the builder, they reach the image only through a whole-context copy; in a stage the image is not built
  // FROM, only if a later COPY --from carries them over.
  if (plan.wholeInImage !== undefined) return ['error', `and ${dockerfile}:${plan.wholeInImage} copies them into the image`, undefined];
  if (plan.wholeCarried !== undefined)
    return ['error', `and ${dockerfile}:${plan.wholeCarried} carries the stage that copied the whole context into the image`, undefined];
  if (plan.wholeBuilt !== undefined) {
    return [
      'warning',
      `and ${dockerfile}:${plan.wholeBuilt} copies them into a build stage, from which a COPY --from can carry them into the image`,
      prose`
        The whole-context copy is in a build stage the image is not built FROM: the files sit in that stage's layers (and the build cache),
        and reach the image if a COPY --from takes the directory that holds them.
      `,
    ];
  }
  if (plan.known)
    return [
      'info',
      'but no COPY puts them in the image',
      prose`
        No COPY or ADD of this Dockerfile takes them, so they never reach the image; they are only sent to the builder (over the network,
        for a remote one). Excluding them costs nothing.
      `,
    ];
  return ['warning', `and ${dockerfile} could not be read to tell whether a COPY puts them in the image`, undefined];
}

/**
 * The files whose names look secret and whose text agrees (a PGP public key, DH parameters, a CA bundle, an .npmrc
 * of settings are not secrets). Read through the bounded file fact; an unreadable or oversized file is judged by its name.
 */
async function secretsByContent(facts: Facts, context: string, files: readonly string[]): Promise<string[]> {
  const verdicts = await Promise.all(
    files.map(async (file, i) => {
      if (i >= MAX_SECRETS_READ) return true;
      const name = file.slice(file.lastIndexOf('/') + 1);
      const abs = path.join(context, file);
      // Real keys, .env and .npmrc files are a few KiB: a larger one is judged by its name, so 200 of them cannot fill memory.
      if (((await facts.stat(abs).catch(() => null))?.size ?? Infinity) > MAX_SECRET_BYTES_READ) return true;
      return holdsSecret(name, await facts.hostFile(abs));
    }),
  );
  return files.filter((_, i) => verdicts[i]);
}

interface ContextFacts {
  rules: IgnoreRules | undefined;
  scan: ContextScan;
  rel: (p: string) => string;
  evidenceBase: Record<string, unknown>;
  appendToIgnore: (lines: readonly string[]) => string;
  ignoreTarget: string;
  timeLeft: () => number;
}

/** What one Dockerfile does with its context: sources the ignore file excludes, layer-cache mistakes. */
async function checkDockerfile(
  ctx: CheckContext,
  build: BuildSpec,
  dockerfile: ParsedDockerfile | undefined,
  plan: CopyPlan,
  context: ContextFacts,
): Promise<void> {
  if (!dockerfile) return;
  const sourcesDone = context.rules ? await reportIgnoredSources(ctx, build, plan, context) : true;
  const expired = () => context.timeLeft() < RULES_RESERVE_MS;
  const { scan, rel, evidenceBase: evidence } = context;
  const resolved = await reportSources(ctx, build, dockerfile, { dirs: scan.dirs, rel, evidence, expired });
  const rulesDone = reportCacheMistakes(ctx, build, dockerfile, context);
  if (!sourcesDone || !resolved || !rulesDone) reportRulesStopped(ctx, build, dockerfile, context);
}

/** COPY/ADD sources the ignore file excludes: the build fails with "not found". */
async function reportIgnoredSources(ctx: CheckContext, build: BuildSpec, plan: CopyPlan, context: ContextFacts): Promise<boolean> {
  const { rules, rel, evidenceBase, appendToIgnore } = context;
  const subject = { kind: 'file' as const, name: build.dockerfile };
  // Each source is matched against every pattern: tens of thousands of COPY lines stop before --timeout, like the rules.
  const budget = new WorkBudget(() => context.timeLeft() < RULES_RESERVE_MS);
  for (const { source, line, keyword } of plan.named) {
    if (budget.spend()) break;
    if (/[*?[]/.test(source)) continue;
    if (!isExcluded(rules!, source)) continue;
    const exists = await ctx.facts.stat(path.join(build.context, source)).catch(() => null);
    if (!exists) continue;
    const decisive = [...rules!.patterns].reverse().find((p) => !p.exclusion && isExcluded({ patterns: [p], problems: [] }, source));
    ctx.report({
      cause: 'copy-source-ignored',
      title: prose`
        ${build.dockerfile}:${line}: ${keyword} ${source} will fail with "not found":
        ${rel(build.ignoreFile!)}${decisive ? `:${decisive.line} (${decisive.raw})` : ''} excludes it
      `,
      subject,
      location: { file: build.dockerfile, line },
      fixes: [{ title: `Re-include it at the end of ${context.ignoreTarget}`, command: appendToIgnore([`!${source}`]), runIn: 'project' }],
      evidence: { ...evidenceBase, dockerfile: build.dockerfile, source, pattern: decisive?.raw },
    });
  }
  return !budget.stopped;
}

/** What is kept of --timeout to report the findings of the layer-cache rules when they stop early. */
const RULES_RESERVE_MS = 500;

/** The passes over a Dockerfile's instructions ran out of time (tens of thousands of them): their findings are partial. */
function reportRulesStopped(ctx: CheckContext, build: BuildSpec, dockerfile: ParsedDockerfile, context: ContextFacts): void {
  ctx.report({
    cause: 'scan-incomplete',
    title: prose`
      The checks of what ${build.dockerfile} copies and caches stopped at the time limit
      (${dockerfile.instructions.length.toLocaleString('en-US')} instructions): its findings about ignored COPY sources and the layer
      cache are those of the part they went through
    `,
    explanation: prose`
      Each pass over the instructions reads the clock every few hundred of them and stops before --timeout, so that the check reports
      what it found instead of being cut off with nothing; a longer --timeout lets them finish.
    `,
    subject: { kind: 'file', name: build.dockerfile },
    location: { file: build.dockerfile },
    fixes: [{ title: 'Give the check more time', command: 'docker-doctor build-context --timeout 60', runIn: 'project' }],
    evidence: { ...context.evidenceBase, dockerfile: build.dockerfile, instructions: dockerfile.instructions.length },
  });
}

/** The layer-cache mistakes of the stages the build runs. */
function reportCacheMistakes(ctx: CheckContext, build: BuildSpec, dockerfile: ParsedDockerfile, context: ContextFacts): boolean {
  const subject = { kind: 'file' as const, name: build.dockerfile };
  // A VS Code dev container is a workstation, not an image anyone ships: its size is nobody's concern.
  const devContainer = build.dockerfile.split('/').includes('.devcontainer');
  // The passes over the instructions stop with a little of --timeout left, so that what they found is still reported.
  const budget = new WorkBudget(() => context.timeLeft() < RULES_RESERVE_MS);
  const { findings, finished } = cacheVerdict(dockerfile, build.target, context.scan.dirs, budget);
  for (const finding of findings) {
    const location = { file: build.dockerfile, line: finding.line };
    if (finding.cause === 'copy-before-install') {
      ctx.report({
        cause: 'copy-before-install',
        title: prose`
          ${build.dockerfile}:${finding.line} copies the whole context before ${finding.detail}, so every source change reruns the install
        `,
        subject,
        location,
        fixes: [finding.reorder ?? { title: 'Copy the dependency manifests first, install, then copy the rest' }],
      });
    } else if (finding.cause === 'apt-update-alone') {
      ctx.report({
        cause: 'apt-update-alone',
        title: `${build.dockerfile}:${finding.line} runs apt-get update in its own RUN, so later installs use a stale cached index`,
        subject,
        location,
        fixes: [
          {
            title: 'Update and install in one RUN',
            command: 'RUN apt-get update && apt-get install -y --no-install-recommends <packages> && rm -rf /var/lib/apt/lists/*',
          },
        ],
      });
    } else if (!devContainer) {
      ctx.report({
        cause: 'apt-lists-kept',
        title: `${build.dockerfile}:${finding.line} installs with apt-get but keeps /var/lib/apt/lists in the layer`,
        subject,
        location,
        fixes: [aptListsFix(finding.run)],
      });
    }
  }
  return finished;
}
