import { copySources, type DockerfileInstruction, type ParsedDockerfile } from '../../src/facts/project/dockerfile.js';
import { ancestorStages, stageReach } from './stages.js';

export { copySources };

/** `COPY . .`, `COPY ./ /app`, `COPY .. /app`, `COPY * ./`: every file of the context lands in the layer. */
export function copiesWholeContext(instruction: DockerfileInstruction): boolean {
  return copySources(instruction).some((s) => s === '.' || s === '*');
}

/** A command of a RUN that installs the project's dependencies from its manifests. */
export interface DependencyInstall {
  /** The command as written, e.g. `pip install -r requirements.txt`. */
  command: string;
  /** Tools that share manifests count as one: npm ci before the copy makes a later yarn install cache-friendly too. */
  family: string;
}

/** Words after the subcommand that are neither flags nor flag values: packages named on the command line. */
const namesPackages = (rest: string) => rest.split(/\s+/).some((word) => word !== '' && !word.startsWith('-'));

/**
 * Each rule: the command, and whether this use of it reads the project's manifests. `pip install --upgrade pip`,
 * `npm install -g x` or `cargo install cargo-chef` install a tool, not the project's dependencies.
 */
const INSTALLS: [RegExp, string, (m: RegExpExecArray) => boolean][] = [
  [/\bnpm\s+ci\b/, 'node', () => true],
  [/\b(npm|pnpm)\s+(install|i)\b(.*)/, 'node', (m) => !/(^|\s)(-g|--global)\b/.test(m[3]!) && !namesPackages(m[3]!.replace(/--?[\w-]+=\S+/g, ''))],
  [/\byarn(\s+install\b|\s*$|\s+--)/, 'node', () => true],
  [/\bpip3?\s+(install|wheel|download)\b(.*)/, 'python', (m) => /(^|\s)(-r|--requirement)(\s|=)/.test(m[2]!)],
  [/\bpoetry\s+install\b/, 'python', () => true],
  [/\bpipenv\s+(install|sync)\b(.*)/, 'python', (m) => !namesPackages(m[2]!)],
  [/\bbundle\s+install\b/, 'ruby', () => true],
  [/\bgo\s+mod\s+download\b/, 'go', () => true],
  [/\bcomposer\s+install\b/, 'php', () => true],
  [/\bmvnw?\b/, 'maven', () => true],
  [/(\bgradle|\.\/gradlew)\b/, 'gradle', () => true],
  // cargo-chef's `cook` builds the dependencies from a recipe: it is the install a later `cargo build` relies on.
  [/\bcargo\s+(build|fetch|chef\s+cook)\b/, 'cargo', () => true],
  [/\bdotnet\s+restore\b/, 'dotnet', () => true],
];

/** The first command of a RUN that installs the project's dependencies, if any. */
export function dependencyInstall(run: DockerfileInstruction): DependencyInstall | undefined {
  if (run.keyword !== 'RUN') return undefined;
  for (const command of run.args.split(/&&|\|\||[;|\n]/).map((c) => c.replace(/\\\s*$/, '').trim())) {
    for (const [pattern, family, readsManifests] of INSTALLS) {
      const match = pattern.exec(command);
      if (match && readsManifests(match)) return { command: command.replace(/\s+/g, ' '), family };
    }
  }
  return undefined;
}

export interface CacheFinding {
  cause: 'copy-before-install' | 'apt-update-alone' | 'apt-lists-kept';
  line: number;
  detail: string;
  /** For copy-before-install: the Dockerfile lines that fetch dependencies from the manifests alone. */
  reorder?: string;
}

/**
 * Per tool: the manifests that decide the dependencies, and (for tools whose install is also the build) the
 * command that fetches dependencies only. Tools without one are installed with the user's own command.
 */
const MANIFESTS: [RegExp, string, string?][] = [
  [/\bnpm /, 'package*.json'],
  [/\byarn\b/, 'package.json yarn.lock'],
  [/\bpnpm /, 'package.json pnpm-lock.yaml'],
  [/\bpoetry /, 'pyproject.toml poetry.lock', 'poetry install --no-root'],
  [/\bpipenv /, 'Pipfile Pipfile.lock'],
  [/\bpip3? /, 'requirements*.txt'],
  [/\bbundle /, 'Gemfile Gemfile.lock'],
  [/\bgo mod /, 'go.mod go.sum'],
  [/\bcomposer /, 'composer.json composer.lock', 'composer install --no-scripts --no-autoloader'],
  [/\bmvnw?\b/, 'pom.xml', 'mvn dependency:go-offline'],
  [/gradlew?\b/, 'build.gradle* settings.gradle* gradle.properties*', 'gradle dependencies'],
  [/\bcargo /, 'Cargo.toml Cargo.lock', 'cargo fetch'],
  [/\bdotnet /, '*.csproj', 'dotnet restore'],
];

function reorderFix(run: DockerfileInstruction, install: DependencyInstall): string {
  const [, manifests, fetch] = MANIFESTS.find(([pattern]) => pattern.test(install.command)) ?? [/ /, '<dependency manifests>'];
  const first = fetch ? `RUN ${fetch}` : `RUN ${run.args}`;
  return [`COPY ${manifests} ./`, first, 'COPY . .', ...(fetch ? [`RUN ${run.args}`] : [])].join('\n');
}

const APT_UPDATE = /\bapt(-get)? update\b/;
const APT_INSTALL = /\bapt(-get)? (install|upgrade|dist-upgrade)\b/;

/**
 * Layer-cache rules, for the stages the build runs (the target, else the last stage, and the stages it needs).
 * `target` is the compose build target, when one is set.
 */
export function cacheFindings(dockerfile: ParsedDockerfile, target?: string): CacheFinding[] {
  const out: CacheFinding[] = [];
  const reach = stageReach(dockerfile, target);
  const stepsOf = (stage: number) => dockerfile.instructions.filter((i) => i.stage === stage);
  for (const stage of [...reach.built].sort((a, b) => a - b)) {
    const steps = stepsOf(stage);
    const wholeCopy = steps.find(copiesWholeContext);
    if (wholeCopy) {
      // Installs done before the copy, here or in the stages this one is built FROM, are the cache-friendly order.
      const earlier = [...ancestorStages(dockerfile, stage).flatMap(stepsOf), ...steps.filter((s) => s.line < wholeCopy.line)];
      const done = new Set(earlier.map(dependencyInstall).map((i) => i?.family));
      const late = steps.filter((s) => s.line > wholeCopy.line).map((run) => ({ run, install: dependencyInstall(run) })).find(({ install }) => install && !done.has(install.family));
      if (late) out.push({ cause: 'copy-before-install', line: wholeCopy.line, detail: `${late.install!.command} at line ${late.run.line}`, reorder: reorderFix(late.run, late.install!) });
    }
    for (const run of steps.filter((i) => i.keyword === 'RUN')) {
      if (APT_UPDATE.test(run.args) && !APT_INSTALL.test(run.args)) out.push({ cause: 'apt-update-alone', line: run.line, detail: run.args.slice(0, 120) });
    }
  }
  // Lists only weigh on the image in the layers it is made of, and only the RUN that fetched them can remove them
  // for free. When a later RUN installs from those lists, removing them earlier would break it: say nothing.
  const layerRuns = [...reach.layers].sort((a, b) => a - b).flatMap(stepsOf).filter((i) => i.keyword === 'RUN');
  layerRuns.forEach((run, i) => {
    if (!APT_UPDATE.test(run.args) || !APT_INSTALL.test(run.args)) return;
    if (/\/var\/lib\/apt\/lists/.test(run.args) || run.flags.some((f) => f.name === 'mount')) return;
    const laterUse = layerRuns.slice(i + 1).some((later) => APT_INSTALL.test(later.args) && !APT_UPDATE.test(later.args));
    if (!laterUse) out.push({ cause: 'apt-lists-kept', line: run.line, detail: run.args.slice(0, 120) });
  });
  return out.sort((a, b) => a.line - b.line);
}
