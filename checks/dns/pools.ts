import type { CheckContext, Fix, FindingInput } from '../../src/engine/types.js';
import type { NetworkSummary } from '../../src/facts/docker/types.js';
import type { HostRoute } from '../../src/facts/host/routes.js';
import type { DockerConnection } from '../../src/facts/types.js';
import { prose } from '../../src/util/text.js';
import type { dnsCodes } from './codes.js';

type Report = FindingInput & { cause: keyof typeof dnsCodes };

/** An IPv4 range as numbers: its first and last address. */
interface Range {
  first: number;
  last: number;
}

interface Cidr extends Range {
  text: string;
  prefix: number;
}

export interface AddressPool {
  base: string;
  size: number;
}

/**
 * The pools dockerd carves networks from when daemon.json sets none (libnetwork ipamutils, Engine 20.10 to 28):
 * 172.17–172.31 as fifteen /16s, and 192.168.0.0/16 as sixteen /20s; 31 networks, the default bridge included.
 */
export const DEFAULT_POOLS: readonly AddressPool[] = [
  { base: '172.17.0.0/16', size: 16 },
  { base: '172.18.0.0/16', size: 16 },
  { base: '172.19.0.0/16', size: 16 },
  { base: '172.20.0.0/14', size: 16 },
  { base: '172.24.0.0/14', size: 16 },
  { base: '172.28.0.0/14', size: 16 },
  { base: '192.168.0.0/16', size: 20 },
];

/** Fewer free ranges than this left in the pools is a warning: two or three compose projects use them up. */
export const FEW_LEFT = 3;

export function parseCidr(text: string): Cidr | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text.trim());
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const address = octets.reduce((a, o) => a * 256 + o, 0);
  const span = 2 ** (32 - prefix);
  const first = address - (address % span);
  return { text: text.trim(), prefix, first, last: first + span - 1 };
}

const overlaps = (a: Range, b: Range) => a.first <= b.last && b.first <= a.last;

/** The routes that are not Docker's (or Podman's) own bridges, nor the default route, which every address falls under. */
function foreignRoutes(routes: readonly HostRoute[], networks: readonly NetworkSummary[]): (HostRoute & { range: Cidr })[] {
  const bridges = new Set(networks.map((n) => n.Options?.['com.docker.network.bridge.name']).filter((b): b is string => !!b));
  const own = (iface: string) => bridges.has(iface) || /^(docker\d+|br-[0-9a-f]{12}|veth|podman\d*|cni-podman\d*|virbr)/.test(iface);
  return routes
    .filter((r) => r.prefix > 0 && !own(r.iface))
    .map((r) => ({ ...r, range: parseCidr(`${r.destination}/${r.prefix}`)! }))
    .filter((r) => r.range !== undefined);
}

/** The subnets of each network (IPv4 only). */
function subnetsOf(network: NetworkSummary): Cidr[] {
  // The facts shape IPAM.Config (shape.ts); the guard keeps a network from a plugin's or a test's facts as safe.
  return (network.IPAM?.Config ?? [])
    .map((c) => (typeof c?.Subnet === 'string' ? parseCidr(c.Subnet) : undefined))
    .filter((c): c is Cidr => c !== undefined);
}

/**
 * Docker subnets that overlap a route of this host that is not Docker's own (a VPN's 172.16.0.0/12 via tun0, the LAN
 * on eth0), the address pools left in daemon.json's (or the default) pools, read without sending anything.
 */
export async function diagnosePools(ctx: CheckContext, connection: DockerConnection, report: (r: Report) => void): Promise<void> {
  const { facts } = ctx;
  // A remote engine's networks live on another host's routing table; Docker Desktop's in its VM.
  if (!connection.local || connection.kind === 'docker-desktop') return;
  const [routes, networks] = await Promise.all([facts.routes(), facts.networks().catch(() => null)]);
  if (!routes || !networks) return;
  const foreign = foreignRoutes(routes, networks);
  const podman = connection.kind === 'podman' || connection.kind === 'podman-rootless';
  const daemon = podman ? undefined : await daemonConfig(ctx, connection);
  for (const network of networks) {
    for (const subnet of subnetsOf(network)) {
      const route = foreign.find((r) => overlaps(r.range, subnet));
      if (route) report(overlapFinding(network, subnet, route, foreign, networks, daemon, podman));
    }
  }
  if (!podman) reportExhaustion(networks, foreign, daemon, report);
}

interface DaemonConfig {
  file: string;
  config: Record<string, unknown>;
  pools: AddressPool[];
}

/** daemon.json as dockerd reads it; a file that does not parse is reported by the daemon.json rules, and the defaults apply here. */
async function daemonConfig(ctx: CheckContext, connection: DockerConnection): Promise<DaemonConfig> {
  const file = ctx.facts.daemonConfigFile(connection.kind === 'rootless');
  let config: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse((await ctx.facts.hostFile(file)) ?? '{}');
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) config = parsed as Record<string, unknown>;
  } catch {
    // reported by the daemon.json rules
  }
  const configured = Array.isArray(config['default-address-pools'])
    ? (config['default-address-pools'] as { base?: unknown; size?: unknown }[])
        .filter((p) => typeof p?.base === 'string' && parseCidr(p.base) && typeof p.size === 'number')
        .map((p) => ({ base: p.base as string, size: p.size as number }))
    : [];
  return { file, config, pools: configured.length > 0 ? configured : [...DEFAULT_POOLS] };
}

/** Private ranges to propose as pools, first those no route of this host uses. */
const CANDIDATE_POOLS: readonly AddressPool[] = [
  { base: '10.200.0.0/16', size: 24 },
  { base: '172.16.0.0/12', size: 24 },
  { base: '192.168.0.0/16', size: 24 },
];

function freePools(foreign: readonly { range: Cidr }[]): AddressPool[] {
  return CANDIDATE_POOLS.filter((p) => !foreign.some((r) => overlaps(r.range, parseCidr(p.base)!)));
}

/** A subnet in a free pool that no network uses, to name in `docker network create --subnet`. */
function freeSubnet(pools: readonly AddressPool[], networks: readonly NetworkSummary[], prefix: number): string | undefined {
  const used = networks.flatMap(subnetsOf);
  for (const pool of pools) {
    const base = parseCidr(pool.base)!;
    const span = 2 ** (32 - prefix);
    for (let first = base.first; first + span - 1 <= base.last && first < base.first + 256 * span; first += span) {
      const candidate = { first, last: first + span - 1 };
      if (!used.some((u) => overlaps(u, candidate))) return `${dottedOf(first)}/${prefix}`;
    }
  }
  return undefined;
}

const dottedOf = (n: number) => [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff].join('.');

function overlapFinding(
  network: NetworkSummary,
  subnet: Cidr,
  route: HostRoute & { range: Cidr },
  foreign: readonly (HostRoute & { range: Cidr })[],
  networks: readonly NetworkSummary[],
  daemon: DaemonConfig | undefined,
  podman: boolean,
): Report {
  const via = route.gateway === '0.0.0.0' ? `on ${route.iface}` : `via ${route.gateway} on ${route.iface}`;
  const pools = freePools(foreign);
  const subnetFix = freeSubnet(pools, networks, Math.max(subnet.prefix, 24));
  const defaultBridge = network.Name === 'bridge' && !podman;
  // Only a subnet carved from the pools says the pools lead onto the route; one set by hand (--subnet) says nothing of them.
  const fromPools = daemon?.pools.some((p) => overlaps(parseCidr(p.base)!, subnet)) === true;
  return {
    cause: 'subnet-overlaps-route',
    title: prose`
      Network ${network.Name} uses ${subnet.text}, which overlaps this host's route to ${route.range.text} ${via}: containers on it cannot
      reach hosts of ${route.range.text} in ${subnet.text} (their packets stay on the Docker bridge)
    `,
    subject: { kind: 'network', name: network.Name, id: network.Id },
    fixes: [
      ...(daemon && (fromPools || defaultBridge) ? [daemonFix(daemon, fromPools ? pools : [], defaultBridge ? subnetFix : undefined)] : []),
      ...(defaultBridge ? [] : recreateFix(network, subnetFix, podman)),
    ],
    evidence: { network: network.Name, subnet: subnet.text, route: { ...route, range: undefined, destination: route.range.text } },
  };
}

/** daemon.json with the pools (and bip) set, everything else it holds kept: the whole file to write. */
function daemonFix(daemon: DaemonConfig, pools: readonly AddressPool[], bridgeSubnet: string | undefined): Fix {
  const merged: Record<string, unknown> = { ...daemon.config };
  if (pools.length > 0) merged['default-address-pools'] = pools;
  if (bridgeSubnet) merged.bip = bridgeSubnet.replace(/\.0\/(\d+)$/, '.1/$1');
  const what = pools.length > 0 ? 'address ranges' : 'a default bridge subnet';
  return {
    title: prose`
      Give Docker ${what} this host does not route elsewhere: ${daemon.file} becomes this (its other settings kept), then restart Docker
      (sudo systemctl restart docker)${pools.length > 0 ? '; networks made after that come from these ranges' : ''}
    `,
    command: JSON.stringify(merged, null, 2),
  };
}

function recreateFix(network: NetworkSummary, subnet: string | undefined, podman: boolean): Fix[] {
  const cli = podman ? 'podman' : 'docker';
  const project = network.Labels?.['com.docker.compose.project'];
  if (project) {
    return [
      {
        title: prose`
          Recreate the compose project's network once the pools are changed: \`down\` removes ${project}'s containers and network (not its
          volumes), and \`up -d\` makes them again from the new ranges
        `,
      },
    ];
  }
  return [
    {
      title: `Recreate ${network.Name} on a free subnet (disconnect or stop its containers first; its name stays)`,
      command: `${cli} network rm ${network.Name} && ${cli} network create --subnet ${subnet ?? '<free subnet>'} ${network.Name}`,
    },
  ];
}

/** How many of the pools' ranges are still free: not used by a network, nor overlapping a route of the host (dockerd skips those). */
export function poolsLeft(pools: readonly AddressPool[], occupied: readonly Range[]): { total: number; left: number } {
  let total = 0;
  let used = 0;
  for (const pool of pools) {
    const base = parseCidr(pool.base);
    if (!base || pool.size < base.prefix || pool.size > 32) continue;
    const chunk = 2 ** (32 - pool.size);
    const count = (base.last - base.first + 1) / chunk;
    total += count;
    const taken = new Set<number>();
    for (const range of occupied) {
      if (!overlaps(range, base)) continue;
      const from = Math.floor((Math.max(range.first, base.first) - base.first) / chunk);
      const to = Math.floor((Math.min(range.last, base.last) - base.first) / chunk);
      for (let i = from; i <= to && taken.size < count; i++) taken.add(i);
    }
    used += taken.size;
  }
  return { total, left: total - used };
}

function reportExhaustion(
  networks: readonly NetworkSummary[],
  foreign: readonly (HostRoute & { range: Cidr })[],
  daemon: DaemonConfig | undefined,
  report: (r: Report) => void,
): void {
  if (!daemon) return;
  const { total, left } = poolsLeft(daemon.pools, [...networks.flatMap(subnetsOf), ...foreign.map((r) => r.range)]);
  if (total === 0 || left > FEW_LEFT) return;
  const custom = daemon.config['default-address-pools'] !== undefined;
  const pools = custom ? [] : freePools(foreign);
  report({
    cause: 'address-pools-exhausted',
    title: prose`
      ${left === 0 ? 'No address range is left' : `Only ${left} of ${total} address ranges are left`} in Docker's
      ${custom ? `default-address-pools of ${daemon.file}` : 'default pools'}: the next \`docker network create\` or compose project
      ${left === 0 ? 'fails' : 'soon fails'} with "could not find an available, non-overlapping IPv4 address pool"
    `,
    subject: { kind: 'daemon', name: 'address pools' },
    fixes: [
      {
        title: prose`
          Remove the networks no container uses (each compose project that was brought up leaves one; networks you made by hand for later
          go too, volumes and images stay)
        `,
        command: 'docker network prune',
      },
      ...(pools.length > 0 ? [daemonFix(daemon, pools, undefined)] : []),
    ],
    evidence: { total, left, pools: daemon.pools, networks: networks.length },
  });
}
