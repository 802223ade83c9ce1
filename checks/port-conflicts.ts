import { defineCheck } from '../src/engine/define-check.js';
import { composeProblemCodes, reportComposeProblems } from './shared/compose-problems.js';
import type { CheckContext, Fix, Location, Subject } from '../src/engine/types.js';
import type { ContainerInspect, ContainerSummary } from '../src/facts/docker/types.js';
import type { Listener } from '../src/facts/host/listeners.js';
import type { ComposePort, ComposeProject, ComposeService } from '../src/facts/project/compose.js';
import { PORT_START_ERROR, shortError } from './shared/start-errors.js';
import { portCodes } from './port-conflicts/codes.js';
import {
  describeHolder,
  findHolder,
  nextFreePort,
  portInError,
  unprivilegedAlternative,
  type Holder,
  type HostPort,
} from './port-conflicts/holders.js';
import { composeLabels, containerName, containerSubject, silentlyNeverStarted } from './shared/containers.js';
import { composeServiceOf, locationOf } from './shared/project-source.js';
import { engineCli, engineCommand, type EngineCli } from './shared/engine-cli.js';
import { addressesOverlap } from '../src/facts/host/listeners.js';
import { prose } from '../src/util/text.js';
import { inspectIfPresent } from './shared/inspect.js';

export default defineCheck({
  meta: {
    id: 'port-conflicts',
    title: 'Published ports are free',
    category: 'network',
    description: prose`
      Answers "port is already allocated" and "address already in use". For every container whose start failed on a port (left in Created
      with the bind error; on Podman, which records no error, left in Created for a few seconds without ever starting while a port it wants
      is held), it finds who holds the host port: another container of this daemon (named, with its compose project), a process
      on the host (name and pid, from /proc), or another container engine. Before \`docker compose up\`, it reads the project's compose
      files as compose does (COMPOSE_FILE, the override file, .env, anchors and merge keys, extends, include; short and long port syntax,
      ranges, host IPs, protocols, \${VAR:-default}) and reports published ports that are already held, two services publishing the same
      host port, fixed host ports on replicated services, and privileged ports on a rootless engine, each at its file:line.

      A running container that owns its own port is not a conflict, and neither is a compose service whose port is held by that same
      service's running container (found under the project name compose uses: COMPOSE_PROJECT_NAME from the environment or .env, else name:,
      else the directory). A container made by \`docker compose run --service-ports\` is not the service's own: \`up\` fails on the port it
      holds. Services whose profiles are not enabled (COMPOSE_PROFILES) do not start, so they neither conflict nor hold anything.
    `,
    requires: ['docker'],
    codes: { ...portCodes, ...composeProblemCodes },
  },
  async run(ctx) {
    const { facts } = ctx;
    const [containers, connection, project] = await Promise.all([
      facts.containers(),
      facts.dockerConnection(),
      facts.compose().catch(() => null),
    ]);
    // A compose file compose refuses is reported once per run (by the check shared/compose-problems.ts names) and judged by none.
    const compose = project && (await reportComposeProblems(ctx, project)).usable ? project : null;
    const { failed, silent } = await createdContainers(ctx, containers);
    const composePorts = compose?.services.some((s) => s.ports.some((p) => p.published)) ?? false;
    if (failed.length === 0 && silent.length === 0 && !compose) return;

    // Published ports live on this machine for a local engine and for Docker Desktop; a remote engine's host is elsewhere.
    const hostIsHere = connection.local || connection.kind === 'docker-desktop';
    const needListeners = failed.length > 0 || silent.length > 0 || composePorts;
    const listeners = hostIsHere && needListeners ? await facts.listeners().catch(() => undefined) : undefined;
    const rootless = connection.kind === 'rootless' || connection.kind === 'podman-rootless';
    const unprivilegedStart = rootless ? ((await facts.unprivilegedPortStart()) ?? 1024) : undefined;
    // Fixes name the commands this host has: `podman` on Podman, and the compose command that is installed.
    const [cli, composeCommand, daemonPid] = await Promise.all([engineCli(facts), facts.composeCommand(), ownDaemonPid(ctx, listeners)]);
    const world: PortWorld = { ctx, containers, listeners, cli, composeCommand, daemonPid };

    for (const inspect of failed) await diagnoseFailedStart(world, inspect);
    // A start that failed without a word (Podman): a finding only where a port it wants is held by someone else now.
    for (const inspect of silent) {
      const held = wantedPorts(inspect).filter((port) => findHolder(port, containers, listeners, inspect.Id, daemonPid));
      if (held.length > 0) await diagnoseFailedStart(world, inspect, held);
    }
    if (compose) checkCompose(world, compose, unprivilegedStart);
  },
});

/**
 * Containers left in Created: those whose start failed on a port bind (State.Error names it; Docker), and those that never
 * started, recorded no error and publish ports (Podman records none), whose ports the caller weighs against the holders.
 */
async function createdContainers(ctx: CheckContext, containers: ContainerSummary[]) {
  const { facts } = ctx;
  const now = facts.now();
  const created = containers.filter((c) => c.State === 'created');
  const inspected = await Promise.all(created.map((c) => inspectIfPresent(facts, c.Id)));
  const present = inspected.filter((i): i is ContainerInspect => i !== undefined);
  return {
    failed: present.filter((i) => PORT_START_ERROR.test(i.State.Error ?? '')),
    silent: present.filter((i) => silentlyNeverStarted(i, now) && wantedPorts(i).length > 0),
  };
}

/** What every finding of a run shares: the containers, the host's listeners and the commands this host has. */
interface PortWorld {
  ctx: CheckContext;
  containers: ContainerSummary[];
  listeners: Listener[] | undefined;
  cli: EngineCli;
  composeCommand: string;
  /** This Docker daemon's pid (its pid file), when a dockerd listener needs telling apart from another engine's. */
  daemonPid: number | undefined;
}

/** A container whose start failed on a port bind, and what every finding about it shares. */
interface FailedStart extends PortWorld {
  inspect: ContainerInspect;
  name: string;
  subject: Subject;
  error: string;
  labels: ReturnType<typeof composeLabels>;
  /** The compose service the container was made from, when this project's compose file declares it. */
  service: ComposeService | undefined;
  removeFix: Fix;
  evidence: Record<string, unknown>;
}

async function diagnoseFailedStart(world: PortWorld, inspect: ContainerInspect, held?: HostPort[]): Promise<void> {
  const { ctx } = world;
  const name = containerName(inspect);
  const error = inspect.State.Error ?? '';
  const named = portInError(error);
  const wanted: HostPort[] = held ?? (named ? [named] : wantedPorts(inspect));
  // A compose service's container is fixed in its compose file (the one its labels name), not with `docker run -p`.
  const labels = composeLabels(inspect.Config.Labels);
  const service = labels && !labels.oneoff ? (await composeServiceOf(ctx.facts, inspect.Config.Labels))?.service : undefined;
  const failed: FailedStart = {
    ...world,
    inspect,
    name,
    subject: containerSubject(inspect),
    error,
    labels,
    service,
    removeFix: {
      title: `Remove the container the failed start left behind (it stays in Created)`,
      command: engineCommand(world.cli, `rm ${name}`),
    },
    evidence: {
      // Podman records no start error: the port's holder is the evidence.
      error: error || 'none recorded (the engine left the container in Created without a start error)',
      wanted: wanted.map((w) => `${w.ip || '0.0.0.0'}:${w.port}/${w.protocol}`),
      status: inspect.State.Status,
      exitCode: inspect.State.ExitCode,
    },
  };
  if (/cannot expose privileged port/i.test(error)) return reportPrivilegedStart(failed, named ?? { ip: '', port: 0, protocol: 'tcp' });
  for (const port of wanted) reportPortHolder(failed, port);
}

/** The fix that publishes another host port: the compose line that declares it, else a `docker run -p`. */
function remapFor({ inspect, service, cli }: FailedStart, port: HostPort, free: number, title: string): { fix: Fix; location?: Location } {
  const declared = service?.ports.find(
    (p) => p.published && p.published.from <= port.port && port.port <= p.published.to && p.protocol === port.protocol,
  );
  if (declared) {
    const at = `${declared.at.file}:${declared.at.line}`;
    return {
      fix: { title: `${title} at ${at}`, command: `- "${declared.hostIp ? `${declared.hostIp}:` : ''}${free}:${declared.target}"` },
      location: locationOf(declared.at),
    };
  }
  const ip = port.ip && port.ip !== '0.0.0.0' && port.ip !== '::' ? `${port.ip}:` : '';
  return {
    fix: {
      title,
      command: engineCommand(
        cli,
        `run -p ${ip}${free}:${containerPortFor(inspect, port) ?? port.port} … ${inspect.Config.Image ?? ''}`,
      ).trim(),
    },
  };
}

function reportPrivilegedStart(failed: FailedStart, port: HostPort): void {
  const { error, containers, listeners } = failed;
  // The daemon's message names the current floor: "(currently 1024)".
  const floor = Number(/\(currently (\d+)\)/.exec(error)?.[1] ?? 1024);
  const { fix, location } = remapFor(
    failed,
    port,
    unprivilegedAlternative(port.port, floor, port.protocol, containers, listeners),
    `Or publish a port of ${Math.max(floor, 1024)} or above`,
  );
  failed.ctx.report({
    cause: 'rootless-privileged-port',
    title: `Rootless ${engineName(failed.cli)} cannot publish privileged port ${port.port}, so container ${failed.name} cannot start`,
    subject: failed.subject,
    ...(location ? { location } : {}),
    fixes: rootlessFixes(failed.cli, port.port, [fix, failed.removeFix]),
    evidence: failed.evidence,
  });
}

/** Who holds one port the container wanted: a container, a process, another engine, or (by now) nobody. */
function reportPortHolder(failed: FailedStart, port: HostPort): void {
  const { ctx, inspect, name, subject, containers, listeners, removeFix, evidence, cli } = failed;
  const holder = findHolder(port, containers, listeners, inspect.Id, failed.daemonPid);
  const free = nextFreePort(port.port, port.protocol, containers, listeners);
  const { fix: remap, location } = remapFor(failed, port, free, 'Or publish another host port');
  const at = location ? { location } : {};
  if (!holder && listeners) {
    ctx.report({
      cause: 'leftover-created',
      title: `Container ${name} never started because port ${port.port}/${port.protocol} was taken; nothing holds it now`,
      subject,
      ...at,
      fixes: [{ title: 'Start it now', command: engineCommand(cli, `start ${name}`) }, removeFix],
      evidence,
    });
  } else if (!holder) {
    ctx.report({
      cause: 'bind-failed',
      title: `Container ${name} could not bind host port ${port.port}/${port.protocol}: ${shortError(failed.error)}`,
      subject,
      ...at,
      fixes: [remap, removeFix],
      evidence,
    });
  } else if (holder.kind === 'container') {
    ctx.report({
      cause: 'held-by-container',
      title: `Port ${port.port}/${port.protocol} is already published by ${describeHolder(holder)}, so container ${name} cannot start`,
      subject,
      ...at,
      fixes: [
        // Never `down` the project this container belongs to: that is the project the user is starting.
        holder.composeProject && holder.composeProject !== failed.labels?.project
          ? { title: `Stop the compose project that holds it`, command: `${failed.composeCommand} -p ${holder.composeProject} down` }
          : { title: `Stop the container that holds it`, command: engineCommand(cli, `stop ${holder.name}`) },
        remap,
        removeFix,
      ],
      evidence: { ...evidence, holder },
    });
  } else {
    ctx.report({
      cause: holder.kind === 'engine' ? 'held-by-other-engine' : 'held-by-process',
      title: `Port ${port.port}/${port.protocol} is held by ${describeHolder(holder)}, so container ${name} cannot start`,
      subject,
      ...at,
      fixes: [...processFixes(port, holder), remap, removeFix],
      evidence: { ...evidence, holder },
    });
  }
}

/** The project's compose file against itself, the rootless floor and the ports already held. */
interface ComposeCheck extends PortWorld {
  compose: ComposeProject;
  unprivilegedStart: number | undefined;
  /** Every host port a service publishes, so a proposed free port never collides with another service's. */
  taken: Set<number>;
  /** The host ports of active services met so far, to find two services publishing the same one. */
  seen: { service: ComposeService; port: ComposePort; number: number }[];
}

function checkCompose(world: PortWorld, compose: ComposeProject, unprivilegedStart: number | undefined): void {
  const taken = new Set<number>(
    compose.services.flatMap((s) => s.ports.flatMap((p) => (p.published ? range(p.published.from, p.published.to) : []))),
  );
  const check: ComposeCheck = { ...world, compose, unprivilegedStart, taken, seen: [] };
  for (const service of compose.services) {
    if (service.networkMode === 'host') continue;
    for (const port of service.ports) if (port.published) checkComposePort(check, service, port, port.published);
  }
}

function checkComposePort(check: ComposeCheck, service: ComposeService, port: ComposePort, published: { from: number; to: number }) {
  // Every replica binds the same host port, whatever profile the service is in.
  if (published.from === published.to && (service.replicas ?? 1) > 1) {
    check.ctx.report({
      cause: 'compose-fixed-port-replicas',
      title: prose`
        Service ${service.name} has ${service.replicas} replicas but publishes the fixed host port ${published.from}
        (${port.at.file}:${port.at.line})
      `,
      subject: { kind: 'service', name: service.name },
      location: locationOf(port.at),
      fixes: [
        { title: 'Publish only the container port and let Docker pick host ports, or a range', command: `ports: ["${port.target}"]` },
      ],
    });
  }
  // A service whose profiles are all disabled does not start with `docker compose up`: it holds nothing and meets nothing.
  if (!service.active) return;
  for (const number of range(published.from, published.to)) checkPublishedPort(check, service, port, number);
}

/** One host port for one container port; a published range gets words only (`8011:8000-8010` is not valid). */
function remapLine(port: ComposePort, free: number): string | undefined {
  return port.published!.from === port.published!.to ? `- "${port.hostIp ? `${port.hostIp}:` : ''}${free}:${port.target}"` : undefined;
}

/** One published host port: another service's too, below the rootless floor, or held by something else. */
function checkPublishedPort(check: ComposeCheck, service: ComposeService, port: ComposePort, number: number): void {
  const { ctx, compose, containers, listeners, taken } = check;
  const subject = { kind: 'service' as const, name: service.name };
  const location = locationOf(port.at);
  const duplicate = check.seen.find(
    (s) =>
      s.service !== service && s.number === number && s.port.protocol === port.protocol && addressesOverlap(s.port.hostIp, port.hostIp),
  );
  check.seen.push({ service, port, number });
  if (duplicate) {
    ctx.report({
      cause: 'compose-duplicate-port',
      title: prose`
        Services ${duplicate.service.name} and ${service.name} both publish host port ${number}/${port.protocol}
        (${duplicate.port.at.file}:${duplicate.port.at.line} and ${port.at.file}:${port.at.line})
      `,
      subject,
      location,
      fixes: [
        duplicateFix(service, port, duplicate.port, remapLine(port, nextFreePort(number, port.protocol, containers, listeners, taken))),
      ],
    });
    return;
  }
  if (check.unprivilegedStart !== undefined && number < check.unprivilegedStart) {
    return reportPrivilegedPublish(check, service, port, number, check.unprivilegedStart);
  }
  const wanted: HostPort = { ip: port.hostIp, port: number, protocol: port.protocol };
  const holder = findHolder(wanted, containers, listeners, undefined, check.daemonPid);
  if (!holder || ownHolder(holder, compose, service, containers, wanted)) return;
  const free = nextFreePort(number, port.protocol, containers, listeners, taken);
  ctx.report({
    cause: 'compose-port-taken',
    title: prose`
      Service ${service.name} publishes host port ${number}/${port.protocol} (${port.at.file}:${port.at.line}), but it is held by
      ${describeHolder(holder)}
    `,
    subject,
    location,
    fixes: [
      ...holderFixes(check, holder, wanted),
      { title: `Or change the published port at ${port.at.file}:${port.at.line}`, ...withCommand(remapLine(port, free)) },
    ],
    evidence: { port: number, protocol: port.protocol, hostIp: port.hostIp || '0.0.0.0', holder },
  });
}

function reportPrivilegedPublish(check: ComposeCheck, service: ComposeService, port: ComposePort, number: number, floor: number): void {
  const free = unprivilegedAlternative(number, floor, port.protocol, check.containers, check.listeners, check.taken);
  check.ctx.report({
    cause: 'rootless-privileged-port',
    title: prose`
      Service ${service.name} publishes port ${number}, below ${floor}, which rootless ${engineName(check.cli)} cannot bind
      (${port.at.file}:${port.at.line})
    `,
    subject: { kind: 'service', name: service.name },
    location: locationOf(port.at),
    fixes: rootlessFixes(check.cli, number, [
      {
        title: `Or publish a port of ${Math.max(floor, 1024)} or above at ${port.at.file}:${port.at.line}`,
        ...withCommand(remapLine(port, free)),
      },
    ]),
  });
}

/**
 * Editing the port's line fixes one service only when the line is its own. Two services that take it from one anchor
 * (`<<: *base`) or one `extends` base would both change: the port has to move out of the shared part.
 */
function withCommand(command: string | undefined): { command?: string } {
  return command !== undefined ? { command } : {};
}

function duplicateFix(service: ComposeService, port: ComposePort, other: ComposePort, line: string | undefined): Fix {
  const at = `${port.at.file}:${port.at.line}`;
  const command = line !== undefined ? { command: line } : {};
  if (port.at.file !== other.at.file || port.at.line !== other.at.line)
    return { title: `Give ${service.name} another host port at ${at}`, ...command };
  return {
    title: prose`
      Both services take this port from the shared definition at ${at}: move the port out of it and give ${service.name} its own
      (${service.at.file}:${service.at.line})${line !== undefined ? ', e.g.' : ''}
    `,
    ...command,
  };
}

/**
 * The healthy state seen from outside: the service's own container (already up) holding its port, or docker-proxy
 * doing so for it. A `docker compose run` container is not the service's own: `up` will fail on the port it holds.
 */
function ownHolder(
  holder: Holder,
  compose: ComposeProject,
  service: ComposeService,
  containers: ContainerSummary[],
  wanted: HostPort,
): boolean {
  if (holder.kind === 'container')
    return holder.composeProject === compose.name && holder.composeService === service.name && !holder.oneoff;
  return holder.kind === 'engine' && holder.process === 'docker-proxy' && ownContainerPublishes(containers, compose.name, wanted);
}

function holderFixes({ compose, cli, composeCommand }: ComposeCheck, holder: Holder, wanted: HostPort): Fix[] {
  if (holder.kind !== 'container') return processFixes(wanted, holder);
  // `docker compose -p <this project> down` would stop the project the user is about to start: stop just that container.
  if (holder.composeProject && holder.composeProject !== compose.name)
    return [{ title: 'Stop the other compose project', command: `${composeCommand} -p ${holder.composeProject} down` }];
  return [{ title: 'Stop the container that holds it', command: engineCommand(cli, `stop ${holder.name}`) }];
}

function ownContainerPublishes(containers: ContainerSummary[], project: string, wanted: HostPort): boolean {
  return containers.some((c) => {
    const labels = composeLabels(c.Labels);
    return (
      labels?.project === project &&
      !labels.oneoff &&
      (c.Ports ?? []).some((p) => p.PublicPort === wanted.port && p.Type === wanted.protocol)
    );
  });
}

function wantedPorts(inspect: ContainerInspect): HostPort[] {
  const out: HostPort[] = [];
  for (const [key, bindings] of Object.entries(inspect.HostConfig.PortBindings ?? {})) {
    const protocol = key.split('/')[1] ?? 'tcp';
    for (const b of bindings ?? []) {
      if (b.HostPort) out.push({ ip: b.HostIp ?? '', port: Number(b.HostPort), protocol });
    }
  }
  return out;
}

function containerPortFor(inspect: ContainerInspect, wanted: HostPort): string | undefined {
  for (const [key, bindings] of Object.entries(inspect.HostConfig.PortBindings ?? {})) {
    if ((bindings ?? []).some((b) => Number(b.HostPort) === wanted.port)) return key.split('/')[0];
  }
  return undefined;
}

function processFixes(port: HostPort, holder: Exclude<Holder, { kind: 'container' }>): Fix[] {
  // A dockerd that is not known to be another engine's may be the user's own daemon: stopping it is never the fix.
  const killable = holder.pid && !(holder.kind === 'process' && holder.process === 'dockerd');
  return [
    { title: 'See what listens on the port', command: `sudo ss -${port.protocol === 'udp' ? 'u' : 't'}lnp 'sport = :${port.port}'` },
    ...(killable ? [{ title: `Stop that process if you do not need it`, command: `kill ${holder.pid}` }] : []),
  ];
}

/**
 * This Docker daemon's pid, read from its pid file, only when a dockerd listens on a port (Engine 28 binds published
 * ports in dockerd itself). Rootful dockerd's default pid file; elsewhere unknown, and a dockerd holder is then named as it is.
 */
async function ownDaemonPid(ctx: CheckContext, listeners: Listener[] | undefined): Promise<number | undefined> {
  if (!listeners?.some((l) => l.process === 'dockerd')) return undefined;
  const connection = await ctx.facts.dockerConnection();
  if (!connection.local || connection.kind !== 'docker') return undefined;
  const pid = Number((await ctx.facts.hostFile('/var/run/docker.pid').catch(() => undefined))?.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function rootlessFixes(cli: EngineCli, port: number, extra: Fix[]): Fix[] {
  const sysctl = {
    title: `Allow unprivileged ports from ${port} (persist it in /etc/sysctl.d/)`,
    command: `sudo sysctl net.ipv4.ip_unprivileged_port_start=${port}`,
  };
  // Rootless Podman binds through rootlessport, which runs as the user: the sysctl is its one way.
  if (cli.podman) return [sysctl, ...extra];
  return [
    sysctl,
    {
      title: 'Or let rootlesskit bind privileged ports',
      command: 'sudo setcap cap_net_bind_service=ep $(which rootlesskit) && systemctl --user restart docker',
    },
    ...extra,
  ];
}

/** "Docker" or "Podman", for titles that name the engine. */
function engineName(cli: EngineCli): string {
  return cli.podman ? 'Podman' : 'Docker';
}

function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let p = from; p <= to && out.length < 1000; p++) out.push(p);
  return out;
}
