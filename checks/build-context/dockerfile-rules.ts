import type { DockerfileInstruction, ParsedDockerfile } from '../../src/facts/project/dockerfile.js';
import { cleanPath } from '../../src/facts/project/ignore.js';

// A bare `yarn` installs; `yarn build` does not.
const INSTALL = /\b(npm (ci|install|i)\b|yarn install\b|yarn(?=\s*($|&&|;|\||--))|pnpm (install|i)\b|pip3? install|poetry install|pipenv install|bundle install|go mod download|composer install|mvn\b|gradle\b|\.\/gradlew\b|cargo (build|fetch)|dotnet restore)/;

/** Sources of a COPY/ADD from the build context (not --from, not URLs or heredocs), cleaned and relative to the context. */
export function copySources(instruction: DockerfileInstruction): string[] {
  if (instruction.keyword !== 'COPY' && instruction.keyword !== 'ADD') return [];
  if (instruction.flags.some((f) => f.name === 'from')) return [];
  if (instruction.args.includes('<<')) return [];
  const parts = instruction.exec ?? instruction.args.split(/\s+/).filter(Boolean);
  return parts
    .slice(0, -1)
    .filter((s) => !/^[a-z]+:\/\//i.test(s) && !s.startsWith('git@'))
    .map((s) => cleanPath(s.replace(/^\/+/, '')));
}

export function copiesWholeContext(instruction: DockerfileInstruction): boolean {
  return copySources(instruction).includes('.');
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
  [/\bmvn\b/, 'pom.xml', 'mvn dependency:go-offline'],
  [/gradlew?\b/, 'build.gradle* settings.gradle* gradle.properties*', 'gradle dependencies'],
  [/\bcargo /, 'Cargo.toml Cargo.lock', 'cargo fetch'],
  [/\bdotnet /, '*.csproj', 'dotnet restore'],
];

function reorderFix(install: DockerfileInstruction): string {
  const tool = install.args.match(INSTALL)![0].trim();
  const [, manifests, fetch] = MANIFESTS.find(([pattern]) => pattern.test(tool)) ?? [/ /, '<dependency manifests>'];
  const run = fetch ? `RUN ${fetch}` : `RUN ${install.args}`;
  return [`COPY ${manifests} ./`, run, 'COPY . .', ...(fetch ? [`RUN ${install.args}`] : [])].join('\n');
}

/** Layer-cache rules, per build stage. */
export function cacheFindings(dockerfile: ParsedDockerfile): CacheFinding[] {
  const out: CacheFinding[] = [];
  for (let stage = 0; stage < Math.max(1, dockerfile.stages.length); stage++) {
    const steps = dockerfile.instructions.filter((i) => i.stage === stage);
    const wholeCopy = steps.find(copiesWholeContext);
    // The first install decides: one before the copy (manifests first, then `mvn package` after it) is the fix itself.
    const install = steps.find((i) => i.keyword === 'RUN' && INSTALL.test(i.args));
    if (wholeCopy && install && install.line > wholeCopy.line) {
      out.push({ cause: 'copy-before-install', line: wholeCopy.line, detail: `${install.args.match(INSTALL)![0].trim()} at line ${install.line}`, reorder: reorderFix(install) });
    }
    for (const run of steps.filter((i) => i.keyword === 'RUN')) {
      const update = /\bapt(-get)? update\b/.test(run.args);
      const install = /\bapt(-get)? (install|upgrade|dist-upgrade)\b/.test(run.args);
      if (update && !install) out.push({ cause: 'apt-update-alone', line: run.line, detail: run.args.slice(0, 120) });
      if (install && !/\/var\/lib\/apt\/lists/.test(run.args) && !run.flags.some((f) => f.name === 'mount')) out.push({ cause: 'apt-lists-kept', line: run.line, detail: run.args.slice(0, 120) });
    }
  }
  return out;
}
