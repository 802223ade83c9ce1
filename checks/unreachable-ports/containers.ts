import type { CheckContext, Fix, FindingInput } from '../../src/engine/types.js';
import type { ContainerInspect, ContainerSummary } from '../../src/facts/docker/types.js';
import type { Listener } from '../../src/facts/host/listeners.js';
import type { DockerConnection } from '../../src/facts/types.js';
import type { EngineCli } from '../shared/engine-cli.js';
import { commandLine, composeLabels, containerName, containerSubject, formatDuration, parseTime } from '../shared/containers.js';
import { commandSource, composeServiceOf, locationOf } from '../shared/project-source.js';
import type { reachCodes } from './codes.js';
import { judgePort, publishedPorts, reachablePorts, type PublishedPort } from './listening.js';
import { bindAdvice } from './servers.js';
import { prose } from '../../src/util/text.js';
import { readsOwnNetwork } from '../shared/own-network.js';
import { inspectIfPresent } from '../shared/inspect.js';

type Report = (finding: FindingInput & { cause: keyof typeof reachCodes }) => void;

/** A container started this recently may not listen yet: its ports are not judged. */
export const LISTEN_GRACE_MS = 15_000;
/** Nothing listening at all is judged only after this long: slow servers (a JVM, migrations first) take a while. */
export const SILENT_GRACE_MS = 45_000;

export interface Reach {
  ctx: CheckContext;
  report: Report;
  connection: DockerConnection;
  cli: EngineCli;
  containers: ContainerSummary[];
}

/** Running containers whose ports can be judged: they publish or expose a port and have their own network namespace. */
export function candidates(containers: readonly ContainerSummary[]): ContainerSummary[] {
  return containers.filter(
    (c) => c.State === 'running' && c.Ports.length > 0 && !/^(host|none|container:)/.test(c.HostConfig?.NetworkMode ?? ''),
  );
}

/** Where the host side is 127.0.0.1 or ::1 only: a note per container (from the list; nothing else read). */
export function reportLoopbackPublished(reach: Reach): void {
  const here = reach.connection.local || reach.connection.kind === 'docker-desktop';
  for (const c of reach.containers.filter((x) => x.State === 'running')) {
    const byPort = new Map<number, { ips: string[]; hostPort: number }[]>();
    for (const p of c.Ports.filter((x) => x.Type === 'tcp' && x.PublicPort))
      byPort.set(p.PrivatePort, [...(byPort.get(p.PrivatePort) ?? []), { ips: [p.IP ?? ''], hostPort: p.PublicPort! }]);
    const loopbackOnly = [...byPort.entries()].filter(([, bs]) => bs.every((b) => b.ips.every((ip) => /^(127\.|::1$)/.test(ip))));
    if (loopbackOnly.length === 0) continue;
    const list = loopbackOnly.map(([port, bs]) => `${bs[0]!.ips[0]}:${bs[0]!.hostPort}->${port}`).join(', ');
    const name = containerName(c);
    reach.report({
      cause: 'loopback-published',
      title: here
        ? `Container ${name} publishes ${list} on the loopback address only: reachable from this machine, not from others`
        : `Container ${name} publishes ${list} on the loopback address of the engine's machine: not reachable from this one`,
      subject: containerSubject(c),
      fixes: [{ title: 'Publish on every address instead when other machines must reach it: leave the address out (-p 8080:80)' }],
      evidence: { ports: loopbackOnly.map(([port, bs]) => ({ containerPort: port, host: bs.map((b) => `${b.ips[0]}:${b.hostPort}`) })) },
    });
  }
}

/** One candidate's ports against what it listens on; `listeners` is what /proc gave for its process. */
export async function judgeContainer(reach: Reach, inspect: ContainerInspect, listeners: Listener[]): Promise<void> {
  const published = publishedPorts(inspect);
  if (published.length === 0) return notPublished(reach, inspect, listeners);
  const publishedSet = new Set(published.map((p) => p.containerPort));
  const upMs = reach.ctx.facts.now() - (parseTime(inspect.State.StartedAt) ?? 0);
  const silent: PublishedPort[] = [];
  let elsewhere: number[] = [];
  for (const port of published) {
    const verdict = judgePort(port.containerPort, listeners, publishedSet);
    if (verdict.kind === 'wrong-port') await reportWrongPort(reach, inspect, port, verdict.listening);
    // Rootless Podman's port forwarder may enter through the container's loopback: there loopback is not unreachable.
    else if (verdict.kind === 'loopback-only' && reach.connection.kind !== 'podman-rootless')
      await reportLoopbackOnly(reach, inspect, port, verdict.port, verdict.addresses);
    else if (verdict.kind === 'nothing-listening') {
      silent.push(port);
      elsewhere = verdict.elsewhere;
    }
  }
  if (silent.length > 0 && upMs >= SILENT_GRACE_MS) reportNothingListening(reach, inspect, silent, elsewhere, upMs);
}

const hostSide = (port: PublishedPort) => {
  const b = port.bindings.find((x) => x.hostPort !== undefined) ?? port.bindings[0]!;
  const ip = b.hostIp && b.hostIp !== '0.0.0.0' && b.hostIp !== '::' ? `${b.hostIp}:` : '';
  return { ip, hostPort: b.hostPort };
};
const describePublished = (port: PublishedPort) => {
  const { ip, hostPort } = hostSide(port);
  return hostPort !== undefined ? `${ip}${hostPort}->${port.containerPort}` : `container port ${port.containerPort}`;
};

async function reportWrongPort(reach: Reach, inspect: ContainerInspect, port: PublishedPort, listening: number[]): Promise<void> {
  const name = containerName(inspect);
  const ports = listening.join(', ');
  const remap = listening.length === 1 ? await remapFixes(reach, inspect, port, listening[0]!) : undefined;
  reach.report({
    cause: 'wrong-port',
    title: prose`
      Container ${name} publishes ${describePublished(port)}, but nothing in it listens on port ${port.containerPort}: the app listens on
      ${ports}
    `,
    subject: containerSubject(inspect),
    ...(remap?.location ? { location: remap.location } : {}),
    fixes: [
      ...(remap?.fixes ?? [{ title: `Publish the port the app listens on (${ports}) instead of ${port.containerPort}` }]),
      { title: `Or make the app listen on port ${port.containerPort}` },
    ],
    evidence: { published: describePublished(port), listening },
  });
}

async function reportLoopbackOnly(
  reach: Reach,
  inspect: ContainerInspect,
  port: PublishedPort,
  listensOn: number,
  addresses: string[],
): Promise<void> {
  const name = containerName(inspect);
  const advice = bindAdvice(commandLine(inspect), listensOn);
  const source = await commandSource(reach.ctx.facts, inspect.Config.Labels).catch(() => undefined);
  const where = source
    ? ` (the command is set at ${source.file}:${source.line})`
    : ` (run the container again with this command: ${reach.cli.cli} rm -f ${containerName(inspect)}, then ${reach.cli.cli} run … with it)`;
  const remap = listensOn !== port.containerPort ? await remapFixes(reach, inspect, port, listensOn) : undefined;
  const bound = addresses.map((a) => (a.includes(':') ? `[${a}]:${listensOn}` : `${a}:${listensOn}`)).join(' and ');
  reach.report({
    cause: 'loopback-only',
    title:
      listensOn === port.containerPort
        ? `Container ${name} listens on ${bound} only, which its published port ${describePublished(port)} cannot reach`
        : `Container ${name} publishes ${describePublished(port)}, but the app listens on ${bound} only, which no published port reaches`,
    subject: containerSubject(inspect),
    ...(source ? { location: source } : {}),
    fixes: [{ title: `${advice.title}${where}`, ...(advice.command ? { command: advice.command } : {}) }, ...(remap?.fixes ?? [])],
    evidence: { published: describePublished(port), listening: bound, ...(advice.server ? { server: advice.server } : {}) },
  });
}

function reportNothingListening(reach: Reach, inspect: ContainerInspect, ports: PublishedPort[], elsewhere: number[], upMs: number) {
  const name = containerName(inspect);
  const list = ports.map(describePublished).join(', ');
  const others = elsewhere.length ? ` (it listens on ${elsewhere.join(', ')}, published separately)` : '';
  reach.report({
    cause: 'nothing-listening',
    title: `Container ${name} has been up ${formatDuration(upMs)}, yet nothing in it listens on published ${list}${others}`,
    subject: containerSubject(inspect),
    fixes: [
      { title: 'Read its logs for why the server is not listening', command: `${reach.cli.cli} logs --tail 50 ${name}` },
      { title: 'Or stop publishing a port the app does not serve' },
    ],
    evidence: { published: ports.map(describePublished), listening: elsewhere, upSeconds: Math.round(upMs / 1000) },
  });
}

/**
 * A container that listens but publishes nothing, on the default bridge (where other containers cannot reach it by
 * name) and not made by compose: nothing outside Docker reaches it. Elsewhere other containers may be its clients.
 */
async function notPublished(reach: Reach, inspect: ContainerInspect, listeners: Listener[]): Promise<void> {
  const mode = inspect.HostConfig.NetworkMode ?? 'default';
  if (!['default', 'bridge'].includes(mode) || composeLabels(inspect.Config.Labels)) return;
  const ports = reachablePorts(listeners);
  if (ports.length === 0) return;
  const name = containerName(inspect);
  const taken = await takenHostPorts(reach);
  const first = ports[0]!;
  const hostPort = freeHostPort(first >= 1024 ? first : 8000 + first, taken);
  reach.report({
    cause: 'not-published',
    title: `Container ${name} listens on port ${ports.join(', ')} but publishes no port: nothing outside Docker reaches it`,
    subject: containerSubject(inspect),
    fixes: [
      {
        title: prose`
          If you meant to reach it from the host, run it again with the port published (remove this one first: ${reach.cli.cli} rm -f
          ${name}; keep your other options where … stands)
        `,
        command: `${reach.cli.cli} run -d -p ${hostPort}:${first} … ${inspect.Config.Image ?? ''}`.trim(),
      },
    ],
    evidence: { listening: ports, networkMode: mode },
  });
}

/** The fixes that publish `to` instead of the port published now: the compose `ports:` line, else `docker run -p`. */
async function remapFixes(reach: Reach, inspect: ContainerInspect, port: PublishedPort, to: number) {
  const { ip, hostPort } = hostSide(port);
  const labels = composeLabels(inspect.Config.Labels);
  const found =
    labels && !labels.oneoff ? await composeServiceOf(reach.ctx.facts, inspect.Config.Labels).catch(() => undefined) : undefined;
  const line = found?.service.ports.find((p) => Number(p.target.split('/')[0]) === port.containerPort && p.protocol === 'tcp');
  if (found && line) {
    const host = line.published ? (line.published.from === line.published.to ? `${line.published.from}:` : undefined) : '';
    const written = host !== undefined ? `- "${line.hostIp ? `${line.hostIp}:` : ''}${host}${to}"` : undefined;
    const compose = await reach.ctx.facts.composeCommand();
    const local = found.project.dir === (await reach.ctx.facts.projectFiles()).dir;
    const fixes: Fix[] = [
      {
        title: `Publish the port the app listens on: change ${line.at.file}:${line.at.line} to this`,
        ...(written ? { command: written } : {}),
      },
      ...(local
        ? [{ title: 'Then recreate the container', command: `${compose} up -d ${found.service.name}`, runIn: 'project' as const }]
        : []),
    ];
    return { fixes, location: locationOf(line.at) };
  }
  const name = containerName(inspect);
  const publish = hostPort !== undefined ? `${ip}${hostPort}:${to}` : `${to}`;
  const fixes: Fix[] = [
    {
      title: prose`
        Run it again publishing the port the app listens on (remove this one first: ${reach.cli.cli} rm -f ${name}; keep your other
        options where … stands)
      `,
      command: `${reach.cli.cli} run -d -p ${publish} … ${inspect.Config.Image ?? ''}`.trim(),
    },
  ];
  return { fixes, location: undefined };
}

/** Host ports already in use: published by a container, or held by a host process. */
async function takenHostPorts(reach: Reach): Promise<Set<number>> {
  const listeners = await reach.ctx.facts.listeners().catch(() => []);
  return new Set([
    ...reach.containers.flatMap((c) => c.Ports.flatMap((p) => (p.PublicPort ? [p.PublicPort] : []))),
    ...listeners.filter((l) => l.protocol === 'tcp').map((l) => l.port),
  ]);
}

function freeHostPort(start: number, taken: ReadonlySet<number>): number {
  let port = Math.min(start, 65535);
  while (taken.has(port) && port < 65535) port++;
  return port;
}

/** Why /proc cannot tell what containers listen on here, for every container at once; undefined when it can. */
function cannotRead(reach: Reach): string | undefined {
  const { connection } = reach;
  if (reach.ctx.facts.platform() !== 'linux') return 'this machine is not Linux, so its /proc does not describe the containers';
  if (connection.kind === 'docker-desktop') return 'Docker Desktop runs containers in its own VM, whose /proc this machine cannot read';
  if (!connection.local)
    return `the engine at ${connection.endpoint.host ?? 'its endpoint'} runs on another machine, whose /proc this one cannot read`;
  return undefined;
}

/** Why one process's /proc/<pid>/net could not be read; undefined when the process is gone (nothing to say). */
async function unreadableReason(reach: Reach, pid: number): Promise<string | undefined> {
  const { facts } = reach.ctx;
  const [me, proc] = await Promise.all([facts.identity(), facts.stat(`/proc/${pid}`).catch(() => null)]);
  if (!proc) return undefined;
  if (me.uid !== 0 && proc.uid !== me.uid)
    return `its process belongs to uid ${proc.uid} and docker-doctor runs as uid ${me.uid}, not root: run it with sudo`;
  return `/proc/${pid}/net could not be read`;
}

/** Too early to judge: started seconds ago, or its health check is still starting. */
function stillStarting(inspect: ContainerInspect, now: number): boolean {
  const started = parseTime(inspect.State.StartedAt);
  return started === undefined || now - started < LISTEN_GRACE_MS || inspect.State.Health?.Status === 'starting';
}

/**
 * Reads what each candidate listens on (only running containers that publish or expose ports) and judges its ports,
 * reporting in the order the engine lists containers. Returns what was read, by container id, for the other rules.
 */
export async function judgeCandidates(reach: Reach): Promise<Map<string, Listener[]>> {
  const heard = new Map<string, Listener[]>();
  const list = candidates(reach.containers);
  if (list.length === 0) return heard;
  const why = cannotRead(reach);
  if (why) {
    reportUnreadable(
      reach,
      list.map((c) => ({ name: containerName(c), reason: why })),
      why,
    );
    return heard;
  }
  const now = reach.ctx.facts.now();
  const unreadable: { name: string; reason: string }[] = [];
  const buffers = await Promise.all(
    list.map(async (c) => {
      const found: FindingInput[] = [];
      const inspect = await inspectIfPresent(reach.ctx.facts, c.Id);
      if (!inspect?.State.Running || !(inspect.State.Pid > 0)) return found;
      const listeners = await reach.ctx.facts.namespaceListeners(inspect.State.Pid);
      if (!listeners) {
        const reason = await unreadableReason(reach, inspect.State.Pid);
        if (reason) unreadable.push({ name: containerName(inspect), reason });
        return found;
      }
      if (!(await readsOwnNetwork(reach.ctx.facts, inspect))) return found;
      heard.set(c.Id, listeners);
      if (!stillStarting(inspect, now)) await judgeContainer({ ...reach, report: (f) => found.push(f) }, inspect, listeners);
      return found;
    }),
  );
  for (const finding of buffers.flat()) reach.ctx.report(finding);
  if (unreadable.length > 0) reportUnreadable(reach, unreadable, unreadable[0]!.reason);
  return heard;
}

function reportUnreadable(reach: Reach, containers: { name: string; reason: string }[], reason: string): void {
  const names = containers.map((c) => c.name);
  const shown = names.length > 3 ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more` : names.join(', ');
  reach.report({
    cause: 'listeners-unreadable',
    title: prose`
      What ${names.length === 1 ? `container ${shown} listens` : `containers ${shown} listen`} on cannot be read: ${reason}; their published
      ports are not judged
    `,
    subject: { kind: 'daemon', name: reach.connection.endpoint.host ?? 'the Docker engine' },
    fixes: [],
    evidence: { containers: containers.map((c) => ({ name: c.name, reason: c.reason })) },
  });
}
