import type { Fix, Location } from '../../src/engine/types.js';
import type { ContainerInspect } from '../../src/facts/docker/types.js';
import type { DockerConnection, Facts } from '../../src/facts/types.js';
import { parseJsonWithLocation } from '../../src/util/json.js';
import { composeLabels, containerName } from '../shared/containers.js';
import type { EngineCli } from '../shared/engine-cli.js';
import { composeServiceOf, locationOf } from '../shared/project-source.js';

/** The limit every fix sets: 10 MiB a file, three files, as Docker's logging documentation suggests. */
export const LOG_OPTS = '"log-driver": "json-file", "log-opts": { "max-size": "10m", "max-file": "3" }';
const RUN_FLAGS = '--log-opt max-size=10m --log-opt max-file=3';
const COMPOSE_LOGGING = 'logging:\n  options:\n    max-size: "10m"\n    max-file: "3"';
/** Podman's containers.conf takes bytes. */
const PODMAN_LOG_SIZE = 'log_size_max = 10485760';

/** What daemon.json says of logs for new containers, when it can be read. */
interface DaemonLogDefaults {
  file: string;
  exists: boolean;
  /** New containers already get a bounded log (max-size in log-opts, or the local driver), or another driver chosen on purpose. */
  settled: boolean;
}

async function daemonLogDefaults(facts: Facts, connection: DockerConnection): Promise<DaemonLogDefaults> {
  const file = facts.daemonConfigFile(connection.kind === 'rootless');
  const [stat, text] = await Promise.all([facts.stat(file).catch(() => null), facts.hostFile(file)]);
  const parsed = text === undefined || text.trim() === '' ? undefined : parseJsonWithLocation(text);
  const config = parsed?.ok && parsed.value && typeof parsed.value === 'object' ? (parsed.value as Record<string, unknown>) : {};
  const driver = typeof config['log-driver'] === 'string' ? config['log-driver'] : 'json-file';
  const opts = config['log-opts'] && typeof config['log-opts'] === 'object' ? (config['log-opts'] as Record<string, unknown>) : {};
  const settled = driver !== 'json-file' || (typeof opts['max-size'] === 'string' && opts['max-size'] !== '-1');
  return { file, exists: stat !== null, settled };
}

/** The default for every new container: daemon.json (Docker) or containers.conf (Podman), and the restart it needs. */
async function engineDefaultFixes(facts: Facts, connection: DockerConnection, cli: EngineCli): Promise<Fix[]> {
  if (cli.podman) {
    const conf = cli.rootless ? '~/.config/containers/containers.conf' : '/etc/containers/containers.conf';
    return [
      {
        title: `Limit the log of every new container: set log_size_max in the [containers] table of ${conf} (existing ones keep theirs)`,
        command: PODMAN_LOG_SIZE,
      },
    ];
  }
  const daemon = await daemonLogDefaults(facts, connection);
  if (daemon.settled) return [];
  const restart = cli.rootless ? 'systemctl --user restart docker' : 'sudo systemctl restart docker';
  return [
    {
      title: daemon.exists
        ? `Limit the log of every new container: merge these keys into ${daemon.file} (keep the others), then restart Docker`
        : `Limit the log of every new container: create ${daemon.file} holding these keys in braces, then restart Docker`,
      command: daemon.exists ? LOG_OPTS : `{ ${LOG_OPTS} }`,
    },
    {
      title: 'Restart Docker so it reads daemon.json: running containers stop unless live-restore is on; only new containers get it',
      command: restart,
    },
  ];
}

/**
 * How to give this container a bounded log: its compose service's `logging:` (at the service's line) and a recreate, or
 * for a plain container the run flags. A container keeps the log settings it was created with, so each path recreates it.
 */
async function containerFixes(facts: Facts, inspect: ContainerInspect): Promise<{ fixes: Fix[]; location?: Location }> {
  const name = containerName(inspect);
  const labels = composeLabels(inspect.Config.Labels);
  if (!labels) {
    return {
      fixes: [
        { title: `Create ${name} again with these options (removing it deletes its log and its writable layer)`, command: RUN_FLAGS },
      ],
    };
  }
  const found = labels.oneoff ? undefined : await composeServiceOf(facts, inspect.Config.Labels);
  if (!found) {
    const title = `Add this under service ${labels.service} in the compose file of project ${labels.project}, then recreate it (up -d)`;
    return { fixes: [{ title, command: COMPOSE_LOGGING }] };
  }
  const { project, service } = found;
  // The project's own files, as discovered here: `up` then reads the same files with no -f. Other files (the container
  // was made with -f) or another directory: the recreate is named, not given as a command that would read other files.
  const here = project === (await facts.compose().catch(() => null));
  const at: Location = locationOf(service.at);
  const compose = await facts.composeCommand();
  // Started with -p (or COMPOSE_PROJECT_NAME) under another name: without it, up would create a second container.
  const named = labels.project !== project.name ? ` -p ${labels.project}` : '';
  const up = `${compose}${named} up -d --force-recreate ${service.name}`;
  const recreate: Fix = here
    ? { title: `Recreate ${service.name} with the limit (this deletes the container's current log)`, command: up, runIn: 'project' }
    : { title: `Recreate it from ${project.dir}: ${up} with the files it was made from (this deletes its current log)` };
  const fixes = [{ title: `Add this under service ${service.name} at ${at.file}:${at.line}`, command: COMPOSE_LOGGING }, recreate];
  return here ? { fixes, location: at } : { fixes };
}

/** Every fix for an unbounded log: the engine-wide default first, then this container's own settings. */
export async function logLimitFixes(
  facts: Facts,
  connection: DockerConnection,
  cli: EngineCli,
  inspect: ContainerInspect,
): Promise<{ fixes: Fix[]; location?: Location }> {
  const [engine, own] = await Promise.all([engineDefaultFixes(facts, connection, cli), containerFixes(facts, inspect)]);
  return { ...own, fixes: [...engine, ...own.fixes] };
}
