import path from 'node:path';
import type { CheckContext, Fix } from '../../src/engine/types.js';
import type { ComposeEnvFile, ComposeProject, ComposeService, SourceLocation } from '../../src/facts/project/compose.js';
import type { FileStat } from '../../src/facts/types.js';
import { closest } from 'fastest-levenshtein';
import { prose, shellWord } from '../../src/util/text.js';
import { locationOf } from '../shared/project-source.js';

/*
 * What compose checks when it loads a project, beyond the schema: env_file paths that exist, depends_on, networks and
 * volumes that name something declared, an image or a build for every service. Only services `up` starts are judged
 * (compose drops the others, profiles not enabled, before it checks them); the obsolete `version:` is a note.
 */

const CHECK = {
  title: 'Then check that compose accepts the project (it prints only what it refuses)',
  command: 'docker compose config --quiet',
};

function checkAgain(): Fix {
  return { ...CHECK, runIn: 'project' };
}

function at(location: SourceLocation): string {
  return `${location.file}:${location.line}`;
}

export async function reportReferences(ctx: CheckContext, compose: ComposeProject): Promise<void> {
  const active = compose.services.filter((s) => s.active);
  // Compose v2 reads the env files of the services it starts; docker-compose v1 those of every service, profiles or not.
  const inactiveWithEnv = compose.services.filter((s) => !s.active && s.envFiles.length > 0);
  const v1 = inactiveWithEnv.length > 0 && (await ctx.facts.composeCommand()) === 'docker-compose';
  // One finding per missing file, however many services name it (one cause, one fix).
  const uses = new Map<string, { envFile: ComposeEnvFile; service: string }[]>();
  for (const service of compose.services)
    if (service.active || v1)
      for (const envFile of service.envFiles.filter((e) => e.required))
        uses.set(envFile.path, [...(uses.get(envFile.path) ?? []), { envFile, service: service.name }]);
  for (const list of uses.values()) await reportEnvFile(ctx, compose, list);
  for (const service of active) {
    reportDependencies(ctx, compose, service);
    reportNetworks(ctx, compose, service);
    reportVolumes(ctx, compose, service);
    if (!service.image && !service.declaresBuild) reportNoImage(ctx, service);
  }
  if (compose.version) reportVersion(ctx, compose, compose.version, (await ctx.facts.composeCommand()) === 'docker-compose');
}

/** Sample files a missing env file is usually made from: `<name>.example` and the like, and `.env.example` for `.env`. */
function sampleNames(file: string): string[] {
  const base = path.basename(file);
  const suffixes = ['.example', '.sample', '.dist', '.template', '.tpl', '.default'];
  const names = suffixes.map((s) => `${base}${s}`);
  if (base.startsWith('.')) names.push(`${base.slice(1)}.example`, `example${base}`);
  return names.map((n) => path.join(path.dirname(file), n));
}

async function reportEnvFile(
  ctx: CheckContext,
  compose: ComposeProject,
  uses: { envFile: ComposeEnvFile; service: string }[],
): Promise<void> {
  const { envFile } = uses[0]!;
  const services = [...new Set(uses.map((u) => u.service))];
  const places = [...new Set(uses.map((u) => at(u.envFile.at)))].join(', ');
  const stat = await ctx.facts.stat(envFile.path).catch(() => null);
  if (stat?.type === 'file') return;
  const shown = shownPath(compose.dir, envFile.path);
  const fixes: Fix[] = [];
  if (stat === null) {
    let sample: string | undefined;
    for (const candidate of sampleNames(envFile.path))
      if ((await ctx.facts.stat(candidate).catch(() => null))?.type === 'file') {
        sample = candidate;
        break;
      }
    const parent = path.dirname(envFile.path);
    const mkdir =
      (await ctx.facts.stat(parent).catch(() => null)) === null ? `mkdir -p ${shellWord(shownPath(compose.dir, parent))} && ` : '';
    fixes.push(
      sample
        ? {
            title: `Create ${shown} from the sample ${shownPath(compose.dir, sample)}, then put your own values in it`,
            command: `cp -n ${shellWord(shownPath(compose.dir, sample))} ${shellWord(shown)}`,
            runIn: 'project',
          }
        : {
            title: `Create ${shown} (empty: then add the variables ${services.join(' and ')} need), or point env_file at the right file`,
            command: `${mkdir}touch ${shellWord(shown)}`,
            runIn: 'project',
          },
    );
  } else fixes.push({ title: `${shown} is ${kindOf(stat.type)}, not a file: point env_file at the file you meant (${at(envFile.at)})` });
  fixes.push(checkAgain());
  ctx.report({
    cause: 'env-file-missing',
    title: prose`
      env_file ${envFile.asWritten} of ${services.length === 1 ? `service ${services[0]}` : `services ${services.join(', ')}`}
      ${stat === null ? 'does not exist' : `is ${kindOf(stat.type)}`}, so compose refuses the project (${places})
    `,
    subject: { kind: 'file', name: shown },
    location: locationOf(envFile.at),
    fixes,
    evidence: { envFile: envFile.path, asWritten: envFile.asWritten, services },
  });
}

function shownPath(dir: string, file: string): string {
  const relative = path.relative(dir, file);
  return relative === '' || relative.startsWith('..') ? file : relative;
}

function suggestion(name: string, known: string[]): string | undefined {
  if (known.length === 0) return undefined;
  const near = closest(name, known);
  return near.toLowerCase() === name.toLowerCase() || levenshteinClose(name, near) ? near : undefined;
}

function levenshteinClose(a: string, b: string): boolean {
  // Shares a prefix or is one character off: a rename or a typo, not an unrelated service.
  return a.startsWith(b) || b.startsWith(a) || Math.abs(a.length - b.length) <= 1;
}

function reportDependencies(ctx: CheckContext, compose: ComposeProject, service: ComposeService): void {
  const names = compose.services.map((s) => s.name);
  for (const dependency of service.dependsOn) {
    if (names.includes(dependency.service)) continue;
    // required: false (compose 2.20+): compose warns and goes on.
    if (!dependency.required) continue;
    const near = suggestion(
      dependency.service,
      names.filter((n) => n !== service.name),
    );
    ctx.report({
      cause: 'undefined-service',
      title: `Service ${service.name} depends on ${dependency.service}, which the compose file does not define (${at(dependency.at)})`,
      subject: { kind: 'service', name: service.name },
      location: locationOf(dependency.at),
      fixes: [
        {
          title: near
            ? `Name the service as it is defined: ${near} (${at(dependency.at)})`
            : `Define service ${dependency.service}, or remove it from depends_on at ${at(dependency.at)}`,
        },
        checkAgain(),
      ],
      evidence: { dependsOn: dependency.service, services: names },
    });
  }
}

function reportNetworks(ctx: CheckContext, compose: ComposeProject, service: ComposeService): void {
  const declared = compose.networks.map((n) => n.key);
  for (const ref of service.networkRefs) {
    if (ref.name === 'default' || declared.includes(ref.name)) continue;
    const near = suggestion(ref.name, declared);
    ctx.report({
      cause: 'undefined-network',
      title: `Service ${service.name} joins network ${ref.name}, which the compose file does not declare (${at(ref.at)})`,
      subject: { kind: 'service', name: service.name },
      location: locationOf(ref.at),
      fixes: [
        near
          ? { title: `Name the network as it is declared: ${near} (${at(ref.at)})` }
          : {
              title: prose`
                Declare it: add \`${ref.name}:\` under the top-level networks: section (with external: true when another project
                creates it)
              `,
            },
        checkAgain(),
      ],
      evidence: { network: ref.name, declared },
    });
  }
}

function reportVolumes(ctx: CheckContext, compose: ComposeProject, service: ComposeService): void {
  const declared = compose.volumes.map((v) => v.key);
  for (const volume of service.volumes) {
    if (volume.type !== 'volume' || !volume.source || declared.includes(volume.source)) continue;
    const near = suggestion(volume.source, declared);
    ctx.report({
      cause: 'undefined-volume',
      title: `Service ${service.name} mounts volume ${volume.source}, which the compose file does not declare (${at(volume.at)})`,
      subject: { kind: 'service', name: service.name },
      location: locationOf(volume.at),
      fixes: [
        near
          ? { title: `Name the volume as it is declared: ${near} (${at(volume.at)})` }
          : {
              title: prose`
                Declare it: add \`${volume.source}:\` under the top-level volumes: section; or write ./${volume.source} to mount the
                directory ${volume.source} instead
              `,
            },
        checkAgain(),
      ],
      evidence: { volume: volume.source, declared },
    });
  }
}

function reportNoImage(ctx: CheckContext, service: ComposeService): void {
  ctx.report({
    cause: 'no-image',
    title: `Service ${service.name} has neither image: nor build:, so compose refuses the project (${at(service.at)})`,
    subject: { kind: 'service', name: service.name },
    location: locationOf(service.at),
    fixes: [
      { title: `Give service ${service.name} an image: to run or a build: to make one (check the indentation of its keys)` },
      checkAgain(),
    ],
    evidence: { service: service.name },
  });
}

function reportVersion(ctx: CheckContext, compose: ComposeProject, version: { value: string; at: SourceLocation }, v1: boolean): void {
  const ignored = v1
    ? 'which Compose v2 ignores with a warning (docker-compose v1, which this host has, does not need it either)'
    : 'which compose ignores with a warning';
  ctx.report({
    cause: 'obsolete-version',
    title: `${version.at.file} sets the obsolete version: "${version.value}", ${ignored} (${at(version.at)})`,
    subject: { kind: 'file', name: version.at.file },
    location: locationOf(version.at),
    fixes: [{ title: `Delete the line version: at ${at(version.at)}` }],
    evidence: { version: version.value, files: compose.files },
  });
}

/** "a directory", "a socket", or "a special file" (a FIFO or a device), for a path that is not a regular file. */
function kindOf(type: FileStat['type']): string {
  return type === 'other' ? 'a special file (a FIFO or a device)' : `a ${type}`;
}
