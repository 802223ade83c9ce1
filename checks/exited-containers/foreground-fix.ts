import type { Fix, Location } from '../../src/engine/types.js';
import type { ContainerInspect } from '../../src/facts/docker/types.js';
import { shellWord } from '../../src/util/text.js';
import { shellLine, type Daemoniser } from './daemonising.js';
import { DOCKER_CLI, engineCommand, type EngineCli } from '../shared/engine-cli.js';

/**
 * The fix for a daemonising command: the same command in its foreground form, written where the user sets it (the
 * compose `command:`/`entrypoint:` or the Dockerfile CMD/ENTRYPOINT at the finding's location), else as a `docker run`.
 */
export function foregroundFixes(
  inspect: ContainerInspect,
  daemoniser: Daemoniser,
  location: Location | undefined,
  cli: EngineCli = DOCKER_CLI,
): Fix[] {
  const fg = daemoniser.foreground;
  if (!fg) return [{ title: `Run ${daemoniser.foregroundPart} as the container's command instead of \`${daemoniser.program}\`` }];
  const entrypoint = inspect.Config.Entrypoint ?? [];
  const keepsEntrypoint = rewrittenPart(inspect, daemoniser) === 'command';
  const words = keepsEntrypoint ? fg.slice(entrypoint.length) : fg;
  const title = `Keep ${daemoniser.foregroundPart.length <= 60 ? `\`${daemoniser.foregroundPart}\`` : 'it'} in the foreground`;

  if (location) {
    const compose = /\.ya?ml$/i.test(location.file);
    const key = compose ? (keepsEntrypoint ? 'command:' : 'entrypoint:') : keepsEntrypoint ? 'CMD' : 'ENTRYPOINT';
    // JSON arrays are valid YAML flow sequences and Dockerfile exec form alike.
    const line = `${key} ${JSON.stringify(words)}${!keepsEntrypoint && !compose ? '\nCMD []' : ''}`;
    return [{ title: `${title}: in ${location.file} (line ${location.line}), set`, command: line }];
  }

  const image = inspect.Config.Image ?? inspect.Image;
  const flags = [...publishFlags(inspect), ...restartFlags(inspect)];
  const argv = keepsEntrypoint ? words : ['--entrypoint', shellWord(words[0]!), shellWord(image), ...words.slice(1).map(shellWord)];
  const runD = engineCommand(cli, 'run -d');
  const run = keepsEntrypoint ? [runD, ...flags, shellWord(image), shellLine(argv)] : [runD, ...flags, ...argv];
  return [
    {
      title: `${title}: run it again with the foreground command (plus any volumes or environment it had)`,
      command: run.filter(Boolean).join(' '),
    },
  ];
}

/** Which part of the command the fix rewrites: the command after an entrypoint it keeps, or the entrypoint itself. */
export function rewrittenPart(inspect: ContainerInspect, daemoniser: Daemoniser): 'command' | 'entrypoint' {
  const entrypoint = inspect.Config.Entrypoint ?? [];
  const fg = daemoniser.foreground ?? [];
  return entrypoint.every((w, i) => fg[i] === w) ? 'command' : 'entrypoint';
}

function publishFlags(inspect: ContainerInspect): string[] {
  const flags: string[] = [];
  for (const [port, bindings] of Object.entries(inspect.HostConfig.PortBindings ?? {})) {
    const target = port.replace(/\/tcp$/, '');
    for (const b of bindings ?? []) flags.push(`-p ${b.HostIp ? `${b.HostIp}:` : ''}${b.HostPort ? `${b.HostPort}:` : ''}${target}`);
  }
  return flags;
}

function restartFlags(inspect: ContainerInspect): string[] {
  const policy = inspect.HostConfig.RestartPolicy?.Name;
  return policy && policy !== 'no' ? [`--restart ${policy}`] : [];
}
