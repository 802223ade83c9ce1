import path from 'node:path';
import type { FactClients } from '../clients.js';
import type { FactScope } from '../scope.js';
import type { ProjectFacts } from '../types.js';
import { discoverBuilds, type BuildSpec } from './builds.js';
import type { ComposeProject, InlineDockerfile } from './compose.js';
import { findComposeFiles } from './compose-files.js';
import { measureIgnored, scanContext, type ContextScan, type IgnoredSize } from './context-scan.js';
import { discoverProjectFiles } from './discover.js';
import type { ParsedDockerfile } from './dockerfile.js';
import type { IgnoreRules } from './ignore.js';

/** The memo keys of the project facts (what `peek` and the per-fact timings name). */
export const PROJECT_KEYS = {
  files: 'project.files',
  compose: 'project.compose',
  composeAt: (files: string[], workingDir: string) => `project.compose-at:${workingDir}:${files.join(',')}`,
  dockerfiles: 'project.dockerfiles',
  dockerfile: (absPath: string) => `project.dockerfile:${absPath}`,
  inlineDockerfile: (build: BuildSpec) => `project.dockerfile-inline:${build.dockerfileAbs}:${build.service ?? ''}`,
  builds: 'project.builds',
  context: (build: BuildSpec) => `project.context:${build.context}:${build.ignoreFile ?? ''}`,
} as const;

const K = PROJECT_KEYS;

/**
 * The providers of the project domain. The YAML and Dockerfile parsers are loaded (dynamic import) only for projects
 * that have such files: ~25 ms of start-up otherwise.
 */
export function projectFacts({ once, clients, settings }: FactScope): ProjectFacts {
  const dir = settings.projectDir;
  // Keyed by the scan itself: one context can be scanned with two ignore files.
  const ignoredSizes = new WeakMap<ContextScan, Promise<IgnoredSize>>();
  const facts: ProjectFacts = {
    projectFiles: () => once(K.files, () => discoverProjectFiles(clients.fs, dir, clients.proc.env)),
    compose: () => once(K.compose, () => projectCompose(clients, dir)),
    composeAt: (files, workingDir) => once(K.composeAt(files, workingDir), () => composeAt(clients, files, workingDir, dir)),
    dockerfiles: () => once(K.dockerfiles, () => projectDockerfiles(facts, dir)),
    dockerfileAt: (absPath, file) => once(K.dockerfile(absPath), () => readDockerfile(clients, absPath, file)),
    buildDockerfile: (build) => {
      const { inline } = build;
      if (!inline) return facts.dockerfileAt(build.dockerfileAbs, build.dockerfile);
      return once(K.inlineDockerfile(build), () => inlineDockerfile(build.dockerfile, inline));
    },
    builds: () =>
      once(K.builds, async () => {
        const compose = await facts.compose().catch(() => null);
        return discoverBuilds(dir, compose, (await facts.projectFiles()).dockerfiles, clients.fs);
      }),
    contextScan: (build, rules, budgetMs) => once(K.context(build), () => contextScan(clients.tree, build, rules, budgetMs)),
    contextIgnored: (scan, budgetMs) => {
      let value = ignoredSizes.get(scan);
      if (!value) ignoredSizes.set(scan, (value = measureIgnored(scan, { budgetMs, tree: clients.tree })));
      return value;
    },
  };
  return facts;
}

async function projectCompose({ fs, proc }: FactClients, dir: string): Promise<ComposeProject | null> {
  const sources = await findComposeFiles(fs, dir, proc.env);
  if (!sources) return null;
  return (await import('./compose.js')).loadCompose(fs, dir, proc.env, { sources });
}

/** A running project's compose files, with locations relative to the project directory the user pointed at. */
async function composeAt({ fs, proc }: FactClients, files: string[], workingDir: string, dir: string) {
  return (await import('./compose.js')).loadCompose(fs, workingDir, proc.env, { files, locationsFrom: dir });
}

async function projectDockerfiles(facts: Pick<ProjectFacts, 'projectFiles' | 'dockerfileAt'>, dir: string) {
  const { dockerfiles } = await facts.projectFiles();
  const parsed = await Promise.all(dockerfiles.map((name) => facts.dockerfileAt(path.join(dir, name), name)));
  return parsed.filter((d) => d !== undefined);
}

async function readDockerfile({ fs }: FactClients, absPath: string, file: string): Promise<ParsedDockerfile | undefined> {
  const text = await fs.readText(absPath).catch(() => undefined);
  return text === undefined ? undefined : (await import('./dockerfile.js')).parseDockerfile(file, text);
}

/** A compose `dockerfile_inline:`, parsed with the compose file's line numbers, so findings point where the text is. */
async function inlineDockerfile(file: string, inline: InlineDockerfile): Promise<ParsedDockerfile> {
  const parsed = (await import('./dockerfile.js')).parseDockerfile(file, inline.text);
  const toCompose = (line: number) => (inline.block ? inline.line + line - 1 : inline.line);
  return {
    ...parsed,
    instructions: parsed.instructions.map((i) => ({ ...i, line: toCompose(i.line) })),
    stages: parsed.stages.map((stage) => ({ ...stage, line: toCompose(stage.line) })),
  };
}

function contextScan(tree: FactClients['tree'], build: BuildSpec, rules: IgnoreRules | undefined, budgetMs: number): Promise<ContextScan> {
  return scanContext(build.context, {
    rules,
    budgetMs,
    tree,
    // Sent whatever the ignore file says, as the docker CLI does.
    alwaysSent: [
      ...(build.inline ? [] : [path.relative(build.context, build.dockerfileAbs)]),
      ...(build.ignoreFile ? [path.relative(build.context, build.ignoreFile)] : []),
    ],
  });
}
