import type { EngineKind, Facts } from '../../src/facts/types.js';

/**
 * The command line a fix should name for the engine the user runs. A fix must name a command the user has and the
 * engine accepts: on Podman that is `podman` when the podman CLI is installed (or `docker` when it is podman-docker's
 * shim, which runs podman), and the docker CLI against Podman's socket when that is all there is. Every check builds
 * engine commands through this one helper.
 */
export interface EngineCli {
  /** The command to type: `podman` on Podman when it is installed, else `docker`. */
  cli: 'docker' | 'podman';
  /** The engine is Podman (rootful or rootless). */
  podman: boolean;
  /** The engine runs as the user: rootless Docker or rootless Podman. */
  rootless: boolean;
  /** The typed command is Podman's own CLI (`podman`, or `docker` from podman-docker), not the docker CLI. */
  podmanCli: boolean;
}

/** Docker Engine with the docker CLI: what a fix assumes when nothing else is known. */
export const DOCKER_CLI: EngineCli = { cli: 'docker', podman: false, rootless: false, podmanCli: false };

/** What `podman --version` and `docker --version` printed (undefined: not installed). */
export interface InstalledClis {
  podman?: string | undefined;
  docker?: string | undefined;
}

/** The CLI for an engine kind and the commands installed; pure, so every combination is testable. */
export function cliFor(kind: EngineKind | undefined, installed: InstalledClis): EngineCli {
  const podman = kind === 'podman' || kind === 'podman-rootless';
  const rootless = kind === 'rootless' || kind === 'podman-rootless';
  if (!podman) return { ...DOCKER_CLI, rootless };
  const dockerIsShim = /podman/i.test(installed.docker ?? '');
  // Neither answers: the engine is remote or the CLI is elsewhere; podman is the command Podman's own docs use.
  if (installed.podman !== undefined || installed.docker === undefined) return { cli: 'podman', podman, rootless, podmanCli: true };
  return { cli: 'docker', podman, rootless, podmanCli: dockerIsShim };
}

/** The CLI for the engine this run talks to, asking the host which commands exist only when the engine is Podman. */
export async function engineCli(facts: Pick<Facts, 'dockerConnection' | 'commandVersion'>): Promise<EngineCli> {
  const connection = await facts.dockerConnection().catch(() => undefined);
  const kind = connection?.kind;
  if (kind !== 'podman' && kind !== 'podman-rootless') return cliFor(kind, {});
  const [podman, docker] = await Promise.all([
    facts.commandVersion('podman').catch(() => undefined),
    facts.commandVersion('docker').catch(() => undefined),
  ]);
  return cliFor(kind, { podman, docker });
}

/** Settings `docker update` changes in place; Podman 4.3's `podman update` has only the resource limits. */
export type UpdateSetting = 'memory' | 'cpu' | 'restart';

/**
 * `<cli> update <flags> <container>` when this engine and CLI change the setting in place; undefined when they cannot
 * (Podman's Docker API has no update endpoint, and `podman update` has no --restart), so the fix is to recreate the
 * container with the flag.
 */
export function updateCommand(cli: EngineCli, setting: UpdateSetting, flags: string, container: string): string | undefined {
  if (cli.podman && (!cli.podmanCli || setting === 'restart')) return undefined;
  return `${cli.cli} update ${flags} ${container}`;
}

/** One engine command line: `docker logs web`, or `podman logs web` on Podman. */
export function engineCommand(cli: EngineCli, rest: string): string {
  return `${cli.cli} ${rest}`;
}

/**
 * Stops a restart loop: `docker update --restart=no` first where the engine has it, so the policy does not bring it
 * back; elsewhere (Podman) a stop alone ends the loop, since a container its user stopped is not restarted.
 */
export function stopLoopCommand(cli: EngineCli, container: string): string {
  const update = updateCommand(cli, 'restart', '--restart=no', container);
  return update ? `${update} && ${cli.cli} stop ${container}` : `${cli.cli} stop ${container}`;
}

/** Drops a container's restart policy: in place where the engine can, else by running it again without --restart. */
export function dropRestartFix(cli: EngineCli, container: string): { title: string; command?: string } {
  const update = updateCommand(cli, 'restart', '--restart=no', container);
  if (update) return { title: 'Drop the restart policy for a one-shot job', command: update };
  return {
    title:
      'Drop the restart policy for a one-shot job: this engine cannot change it in place, so run it again without --restart ' +
      '(in compose, restart: "no")',
  };
}

/**
 * The network a container joins when none is named: Docker's `bridge`, Podman's `podman`. Neither resolves container
 * names (Podman's has dns_enabled false), so fixes that attach to it are for outside access only.
 */
export function defaultNetwork(cli: EngineCli): string {
  return cli.podman ? 'podman' : 'bridge';
}

/**
 * An image from Docker Hub as a fix names it: `busybox` for Docker; fully qualified for Podman, whose short-name
 * policy asks which registry (or refuses, without a terminal) for an unqualified name.
 */
export function hubImage(cli: EngineCli, name: string): string {
  if (!cli.podman || name.includes('.') || name.startsWith('localhost/')) return name;
  return `docker.io/${name.includes('/') ? name : `library/${name}`}`;
}
