import type { CheckContext, FindingInput, Subject } from '../../src/engine/types.js';
import type { ContainerInspect, ContainerSummary, NetworkSummary } from '../../src/facts/docker/types.js';
import type { DockerConnection } from '../../src/facts/types.js';
import {
  composeLabels,
  containerName,
  containerSubject,
  exitedLatelyOnItsOwn,
  exitedStatus,
  finishedRecently,
} from '../shared/containers.js';
import { logTail } from '../shared/logs.js';
import { defaultNetwork, engineCli, engineCommand, hubImage, type EngineCli } from '../shared/engine-cli.js';
import type { dnsCodes } from './codes.js';
import type { DaemonDns } from './host.js';
import { failedLookup, type FailedLookup } from './lookups.js';
import { isLoopback, parseResolvConf } from './resolv.js';
import { prose } from '../../src/util/text.js';
import { inspectIfPresent } from '../shared/inspect.js';

type Report = FindingInput & { cause: keyof typeof dnsCodes };

/** Docker's default bridge, by its network name and its network mode: no DNS between containers. */
const DEFAULT_BRIDGE = new Set(['bridge', 'default']);
/** Podman's default network when libpod does not answer: like Docker's default bridge, it resolves no container names. */
const PODMAN_DEFAULT = 'podman';

function networksOf(c: ContainerSummary | ContainerInspect): string[] {
  const nets = Object.keys(c.NetworkSettings?.Networks ?? {});
  if (nets.length > 0) return nets;
  const mode = 'HostConfig' in c ? (c.HostConfig?.NetworkMode ?? '') : '';
  return mode ? [mode] : [];
}

/** Every name the embedded resolver could answer for a container: its name, its compose service, its aliases. */
function namesOf(c: ContainerSummary): string[] {
  const names = (c.Names ?? []).map((n) => n.replace(/^\//, '').toLowerCase());
  const compose = composeLabels(c.Labels);
  if (compose) names.push(compose.service.toLowerCase());
  return names;
}

/** What every container's diagnosis shares: the run's context, the containers and which networks are internal. */
interface DnsWorld {
  ctx: CheckContext;
  connection: DockerConnection;
  daemon: DaemonDns | undefined;
  containers: ContainerSummary[];
  internal: Set<string>;
  /** Networks that resolve no container names: Docker's default bridge, or Podman's networks with dns_enabled false. */
  noNames: Set<string>;
  cli: EngineCli;
  now: number;
  report: (r: Report) => void;
}

/** One container whose lookups are judged: its DNS servers and networks, and the failed lookup in its logs. */
interface Resolving {
  inspect: ContainerInspect;
  name: string;
  subject: Subject;
  nets: string[];
  servers: string[];
  loopback: string[];
}

/** Host networking uses the host's resolver (where loopback works); none and container: modes have none of their own to judge. */
const ownResolver = (networkMode: string) => networkMode !== 'host' && networkMode !== 'none' && !networkMode.startsWith('container:');

/**
 * A running container, or one that failed on its own lately, with a resolver of its own: only those can have a resolution
 * problem worth naming. The list already shows the network mode, so the others are not worth an inspect.
 */
function worthJudging(c: ContainerSummary): boolean {
  if (!ownResolver(c.HostConfig?.NetworkMode ?? '')) return false;
  if (c.State === 'running' || c.State === 'restarting') return true;
  return c.State === 'exited' && exitedLatelyOnItsOwn(c.Status) && exitedStatus(c.Status).code !== 0;
}

export async function diagnoseContainers(
  ctx: CheckContext,
  connection: DockerConnection,
  daemon: DaemonDns | undefined,
  report: (r: Report) => void,
): Promise<void> {
  const containers = await ctx.facts.containers();
  const candidates = containers.filter(worthJudging);
  if (candidates.length === 0) return;
  const [networks, noNames, cli] = await Promise.all([
    ctx.facts.networks().catch(() => [] as NetworkSummary[]),
    networksWithoutNames(ctx, connection),
    engineCli(ctx.facts),
  ]);
  const internal = new Set(networks.filter((n) => n.Internal).map((n) => n.Name));
  const world: DnsWorld = { ctx, connection, daemon, containers, internal, noNames, cli, now: ctx.facts.now(), report };
  // Concurrently, as the other checks inspect: one after the other, each container whose inspect hangs would add the
  // request timeout, and two of them outlast --timeout. Each container's findings are held and reported in list order.
  const found = await Promise.all(
    candidates.map(async (summary) => {
      const held: Report[] = [];
      await diagnoseContainer({ ...world, report: (r) => held.push(r) }, summary);
      return held;
    }),
  );
  for (const r of found.flat()) report(r);
}

/**
 * Docker's default bridge; on Podman, the networks libpod says have DNS off (its default `podman` network, and any made
 * with --disable-dns), and `podman` itself when libpod does not answer.
 */
async function networksWithoutNames(ctx: CheckContext, connection: DockerConnection): Promise<Set<string>> {
  if (!connection.kind?.startsWith('podman')) return DEFAULT_BRIDGE;
  const podman = await ctx.facts.podmanNetworks().catch(() => undefined);
  if (!podman) return new Set([PODMAN_DEFAULT]);
  return new Set(podman.filter((n) => !n.dnsEnabled).map((n) => n.name));
}

async function diagnoseContainer(world: DnsWorld, summary: ContainerSummary): Promise<void> {
  const { facts } = world.ctx;
  const inspect = await inspectIfPresent(facts, summary.Id);
  if (!inspect) return;
  if (!ownResolver(inspect.HostConfig.NetworkMode ?? '')) return;
  const failing = summary.State !== 'running';
  if (failing && !inspect.State.Restarting && !finishedRecently(inspect, world.now)) return;
  const servers = inspect.HostConfig.Dns?.length ? inspect.HostConfig.Dns : (world.daemon?.dns ?? []);
  const container: Resolving = {
    inspect,
    name: containerName(inspect),
    subject: containerSubject(inspect),
    nets: networksOf(inspect),
    servers,
    loopback: servers.filter(isLoopback),
  };
  const logs = failing ? await facts.containerLogs(inspect.Id).catch(() => '') : '';
  const lookup = logs ? failedLookup(logs, inspect) : undefined;
  if (!lookup) return reportIdleLoopback(world, container);
  const evidence = await lookupEvidence(world, container, lookup, logs);
  const target = lookup.name ? world.containers.find((c) => c.Id !== inspect.Id && namesOf(c).includes(lookup.name!)) : undefined;
  if (target && reportUnreachableTarget(world, container, lookup, target, evidence)) return;
  if (container.loopback.length > 0) return reportLoopbackLookup(world, container, lookup, evidence);
  if (container.nets.length > 0 && container.nets.every((n) => world.internal.has(n)) && !target) {
    return reportInternalOnly(world, container, lookup, evidence);
  }
  if (world.connection.info?.IPv4Forwarding === false) return; // Already reported as ip-forward-disabled: the one cause.
  reportLookupFailed(world, container, lookup, evidence);
}

/** No failed lookup: a loopback DNS server is still a problem waiting to happen, unless the container is a DNS server. */
function reportIdleLoopback(world: DnsWorld, { inspect, name, subject, nets, servers, loopback }: Resolving): void {
  // A DNS server that resolves through itself (Pi-hole, dnsmasq with dns: 127.0.0.1) is the one healthy case.
  const servesDns = Object.keys(inspect.Config.ExposedPorts ?? {}).some((p) => p.startsWith('53/'));
  if (loopback.length === 0 || servesDns) return;
  world.report({
    cause: 'container-loopback-dns',
    title: prose`
      Container ${name} is told to use the DNS server ${loopback.join(', ')}, which inside the container is the container itself
    `,
    subject,
    fixes: loopbackFixes(world.cli, name),
    evidence: { dns: servers, networks: nets },
  });
}

/** The failed lookup's line, the container's networks and DNS servers, and its resolv.conf when the engine is local. */
async function lookupEvidence(world: DnsWorld, { inspect, nets, servers }: Resolving, lookup: FailedLookup, logs: string) {
  const local = world.connection.local && inspect.ResolvConfPath;
  const resolv = local ? await world.ctx.facts.hostFile(inspect.ResolvConfPath!) : undefined;
  const parsedResolv = resolv ? parseResolvConf(resolv) : undefined;
  return {
    logLine: lookup.line,
    ...(lookup.name ? { name: lookup.name } : {}),
    networks: nets,
    dns: servers,
    ...(parsedResolv ? { resolvConf: { nameservers: parsedResolv.nameservers, footer: parsedResolv.footer } } : {}),
    logTail: logTail(logs, 5),
  };
}
type LookupEvidence = Awaited<ReturnType<typeof lookupEvidence>>;

/** The name is another container's that shares no user-defined network with this one; returns whether it reported. */
function reportUnreachableTarget(
  world: DnsWorld,
  { name, subject, nets }: Resolving,
  lookup: FailedLookup,
  target: ContainerSummary,
  evidence: LookupEvidence,
): boolean {
  const { noNames, cli } = world;
  const targetNets = networksOf(target);
  if (nets.some((n) => !noNames.has(n) && targetNets.includes(n))) return false;
  const shared = nets.find((n) => noNames.has(n) && targetNets.includes(n));
  const bothOnBridge = cli.podman ? shared : nets.some((n) => DEFAULT_BRIDGE.has(n)) && targetNets.some((n) => DEFAULT_BRIDGE.has(n));
  const targetName = containerName(target);
  if (bothOnBridge) {
    const net = (c: string) => engineCommand(cli, `network ${c}`);
    world.report({
      cause: 'default-bridge-no-names',
      title: prose`
        Container ${name} cannot resolve "${lookup.name}" (container ${targetName}): both are on ${noNamesNetwork(cli, shared)}, which has
        no DNS between containers
      `,
      subject,
      fixes: [
        {
          title: 'Put both containers on a user-defined network, where names resolve',
          command: `${net('create app-net')} && ${net(`connect app-net ${name}`)} && ${net(`connect app-net ${targetName}`)}`,
        },
        { title: 'Or run them with compose, which creates one network per project' },
      ],
      evidence: { ...evidence, target: targetName, ...(cli.podman && shared ? { network: shared } : {}) },
    });
    return true;
  }
  world.report({
    cause: 'different-network',
    title: prose`
      Container ${name} cannot resolve "${lookup.name}": container ${targetName} is on ${targetNets.join(', ') || 'no network'}, and ${name}
      is on ${nets.join(', ') || 'no network'}
    `,
    subject,
    fixes: [
      {
        title: `Connect ${name} to a network of ${targetName}`,
        command: engineCommand(cli, `network connect ${targetNets.find((n) => !noNames.has(n)) ?? '<network>'} ${name}`),
      },
    ],
    evidence: { ...evidence, target: targetName, targetNetworks: targetNets },
  });
  return true;
}

function reportLoopbackLookup(world: DnsWorld, { name, subject, loopback }: Resolving, lookup: FailedLookup, evidence: LookupEvidence) {
  world.report({
    cause: 'container-loopback-dns',
    severity: 'error',
    title: prose`
      Container ${name} failed a lookup${lookup.name ? ` of "${lookup.name}"` : ''} because its DNS server ${loopback.join(', ')} is the
      container itself: "${lookup.line}"
    `,
    subject,
    fixes: loopbackFixes(world.cli, name),
    evidence,
  });
}

function reportInternalOnly(world: DnsWorld, { name, subject, nets }: Resolving, lookup: FailedLookup, evidence: LookupEvidence) {
  world.report({
    cause: 'internal-network',
    title: prose`
      Container ${name} failed to resolve${lookup.name ? ` "${lookup.name}"` : ' a name'}: it is only on internal
      network${nets.length > 1 ? 's' : ''} ${nets.join(', ')}, which have no outside access
    `,
    subject,
    fixes: [
      {
        title: 'Also attach it to a network with outside access',
        command: engineCommand(world.cli, `network connect ${defaultNetwork(world.cli)} ${name}`),
      },
    ],
    evidence,
  });
}

function reportLookupFailed(world: DnsWorld, { name, subject, nets }: Resolving, lookup: FailedLookup, evidence: LookupEvidence) {
  world.report({
    cause: 'lookup-failed',
    title: `Container ${name} could not resolve${lookup.name ? ` "${lookup.name}"` : ' a name'}: "${lookup.line}"`,
    subject,
    fixes: [
      {
        title: "Try the lookup from a container on the same network, with your network's resolver",
        command: engineCommand(
          world.cli,
          `run --rm --network ${nets[0] ?? defaultNetwork(world.cli)} --dns <your DNS server> ${hubImage(world.cli, 'busybox')} nslookup ` +
            (lookup.name ?? '<name>'),
        ),
      },
      ...(evidence.resolvConf?.footer.usedDefaults
        ? [
            {
              title: world.cli.podman
                ? 'Podman fell back to Google DNS for this container; set your own in containers.conf, under [containers]'
                : 'Docker fell back to Google DNS for this container; set your own in daemon.json',
              command: world.cli.podman ? 'dns_servers = ["<your DNS server IP>"]' : '"dns": ["<your DNS server IP>"]',
            },
          ]
        : []),
    ],
    evidence,
  });
}

function loopbackFixes(cli: EngineCli, name: string) {
  return [
    {
      title: prose`
        Drop --dns 127.x (or compose dns: 127.x); on a user-defined network the embedded resolver already forwards to the host's DNS.
        ${cli.cli} rm -f removes the container and its writable layer; named volumes stay
      `,
      command: `${engineCommand(cli, `rm -f ${name}`)} && ${engineCommand(cli, 'run --dns <your DNS server> …')}`,
    },
    {
      title: `Or, if a DNS server runs on the host, give containers its address on ${
        cli.podman ? "Podman's network (e.g. 10.88.0.1)" : 'the Docker bridge (e.g. 172.17.0.1)'
      } and make it listen there`,
    },
  ];
}

/** The network two containers share that resolves no names, as a title says it. */
function noNamesNetwork(cli: EngineCli, shared: string | undefined): string {
  if (!cli.podman) return 'the default bridge';
  return shared === PODMAN_DEFAULT ? "Podman's default network podman" : `network ${shared ?? PODMAN_DEFAULT} (DNS disabled)`;
}
