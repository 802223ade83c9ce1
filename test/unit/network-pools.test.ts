import { describe, expect, it } from 'vitest';
import dns from '../../checks/dns.js';
import { DEFAULT_POOLS, parseCidr, poolsLeft } from '../../checks/dns/pools.js';
import { parseRoutes } from '../../src/facts/host/routes.js';
import type { NetworkSummary } from '../../src/facts/docker/types.js';
import { CheckTester, fakeFacts, HEALTHY_ENGINE, type FakeWorld } from '../../src/testing/index.js';
import { runCheck } from '../helpers/fakes.js';

/** A route as /proc/net/route prints it on a little-endian host: each address one 32-bit word in host byte order. */
function routeLine(iface: string, cidr: string, gateway = '0.0.0.0'): string {
  const word = (dotted: string) =>
    dotted
      .split('.')
      .map((o) => Number(o).toString(16).padStart(2, '0').toUpperCase())
      .reverse()
      .join('');
  const [address, prefix] = cidr.split('/');
  const mask = Number(prefix) === 0 ? 0 : (0xffffffff << (32 - Number(prefix))) >>> 0;
  const maskDotted = [mask >>> 24, (mask >>> 16) & 0xff, (mask >>> 8) & 0xff, mask & 0xff].join('.');
  return [
    iface,
    word(address!),
    word(gateway),
    gateway === '0.0.0.0' ? '0001' : '0003',
    '0',
    '0',
    '0',
    word(maskDotted),
    '0',
    '0',
    '0',
  ].join('\t');
}

const HEADER = 'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT';
const routeTable = (...lines: string[]) => [HEADER, ...lines, ''].join('\n');

/** This host's table: the default route and the LAN on eth0, Docker's bridges. */
const BASE_ROUTES = [
  routeLine('eth0', '0.0.0.0/0', '192.168.1.1'),
  routeLine('eth0', '192.168.1.0/24'),
  routeLine('docker0', '172.17.0.0/16'),
  routeLine('br-0123456789ab', '172.18.0.0/16'),
];

const network = (name: string, subnet: string, extra: Partial<NetworkSummary> = {}): NetworkSummary => ({
  Name: name,
  Id: `${name}-id`,
  Driver: 'bridge',
  IPAM: { Config: [{ Subnet: subnet }] },
  ...extra,
});

const BRIDGE = network('bridge', '172.17.0.0/16', { Options: { 'com.docker.network.bridge.name': 'docker0' } });
const APP = network('shop_default', '172.18.0.0/16', { Labels: { 'com.docker.compose.project': 'shop' } });

/** A local Docker engine with these networks, this routing table and, when given, this daemon.json. */
function world(networks: NetworkSummary[], routes: string[], daemonJson?: string): FakeWorld {
  return {
    engine: { '/info': { ...(HEALTHY_ENGINE['/info'] as object), IPv4Forwarding: true }, '/networks': networks },
    files: { '/proc/net/route': routeTable(...routes), ...(daemonJson !== undefined ? { '/etc/docker/daemon.json': daemonJson } : {}) },
  };
}

/** Networks carved from the default pools, past the default bridge: 172.18… then 192.168.x.0/20. */
function carved(count: number): NetworkSummary[] {
  const subnets = [
    ...Array.from({ length: 14 }, (_, i) => `172.${18 + i}.0.0/16`),
    // 192.168.0.0/20 holds the LAN's route: dockerd skips it.
    ...Array.from({ length: 15 }, (_, i) => `192.168.${(i + 1) * 16}.0/20`),
  ];
  return subnets.slice(0, count).map((s, i) => network(`p${i}_default`, s));
}

const VPN = routeLine('tun0', '172.16.0.0/12', '10.8.0.1');

const tester = new CheckTester(dns);

tester.run({
  healthy: [
    {
      name: "Docker's own bridges, the LAN and the default route are no overlaps",
      facts: world([BRIDGE, APP], BASE_ROUTES),
    },
    // Review B (session 6): these crashed dns ("Cannot read properties of null", "e.trim is not a function").
    ...[[null], [{ Subnet: 5, Gateway: [] }], 'x', [1, 'x', []]].map((config) => ({
      name: `a network whose IPAM.Config is ${JSON.stringify(config)} says nothing about pools`,
      facts: world(
        [BRIDGE, { Name: 'rv-n', Id: 'x', Driver: 'bridge', IPAM: { Config: config } } as unknown as NetworkSummary],
        BASE_ROUTES,
      ),
    })),
    {
      name: 'a VPN whose range no network uses',
      facts: world([BRIDGE, APP], [...BASE_ROUTES, routeLine('tun0', '10.8.0.0/24')]),
    },
    {
      name: "a bridge named in the network options is Docker's own route",
      facts: world(
        [BRIDGE, network('lan', '10.50.0.0/16', { Options: { 'com.docker.network.bridge.name': 'lanbr0' } })],
        [...BASE_ROUTES, routeLine('lanbr0', '10.50.0.0/16')],
      ),
    },
    {
      name: 'four ranges left in the default pools is no warning yet',
      facts: world([BRIDGE, ...carved(25)], BASE_ROUTES),
    },
    {
      name: 'no routing table to read (not Linux, or /proc not mounted): nothing said',
      facts: { engine: { '/networks': [BRIDGE, APP] } },
    },
  ],
  broken: [
    {
      name: 'a VPN route over 172.16.0.0/12: the default bridge and a compose network sit inside it',
      facts: world([BRIDGE, APP], [...BASE_ROUTES, VPN], '{\n  "log-driver": "local"\n}\n'),
      findings: [
        {
          code: 'subnet-overlaps-route',
          severity: 'warning',
          subject: { kind: 'network', name: 'bridge', id: 'bridge-id' },
          title: prose(
            "Network bridge uses 172.17.0.0/16, which overlaps this host's route to 172.16.0.0/12 via 10.8.0.1 on tun0: containers on it",
            'cannot reach hosts of 172.16.0.0/12 in 172.17.0.0/16 (their packets stay on the Docker bridge)',
          ),
          fixes: [
            JSON.stringify(
              {
                'log-driver': 'local',
                // 172.16.0.0/12 is the VPN's, 192.168.0.0/16 holds the LAN.
                'default-address-pools': [{ base: '10.200.0.0/16', size: 24 }],
                bip: '10.200.0.1/24',
              },
              null,
              2,
            ),
          ],
        },
        {
          code: 'subnet-overlaps-route',
          severity: 'warning',
          subject: { kind: 'network', name: 'shop_default', id: 'shop_default-id' },
          fixes: [
            JSON.stringify(
              {
                'log-driver': 'local',
                // 172.16.0.0/12 is the VPN's, 192.168.0.0/16 holds the LAN.
                'default-address-pools': [{ base: '10.200.0.0/16', size: 24 }],
              },
              null,
              2,
            ),
            undefined,
          ],
        },
      ],
    },
    {
      name: 'a network made by hand on the LAN range: recreate it on a free subnet',
      facts: world([BRIDGE, network('lab', '192.168.1.0/24')], BASE_ROUTES),
      findings: [
        {
          code: 'subnet-overlaps-route',
          severity: 'warning',
          subject: 'lab',
          title: /uses 192.168.1.0\/24, which overlaps this host's route to 192.168.1.0\/24 on eth0/,
          fixes: [
            JSON.stringify(
              {
                'default-address-pools': [
                  { base: '10.200.0.0/16', size: 24 },
                  { base: '172.16.0.0/12', size: 24 },
                ],
              },
              null,
              2,
            ),
            'docker network rm lab && docker network create --subnet 10.200.0.0/24 lab',
          ],
        },
      ],
    },
    {
      name: 'a subnet set by hand outside the pools, inside a VPN route: only the network is recreated, daemon.json is left alone',
      facts: world([BRIDGE, network('lab', '10.213.7.0/24')], [...BASE_ROUTES, routeLine('tun0', '10.213.0.0/16')], '{"debug": true}'),
      findings: [
        {
          code: 'subnet-overlaps-route',
          severity: 'warning',
          subject: 'lab',
          title: /uses 10.213.7.0\/24, which overlaps this host's route to 10.213.0.0\/16 on tun0/,
          fixes: ['docker network rm lab && docker network create --subnet 10.200.0.0/24 lab'],
        },
      ],
    },
    {
      name: 'one range left in the default pools: the next compose project fails soon',
      facts: world([BRIDGE, ...carved(28)], BASE_ROUTES),
      findings: [
        {
          code: 'address-pools-exhausted',
          severity: 'warning',
          subject: { kind: 'daemon', name: 'address pools' },
          title: prose(
            "Only 1 of 31 address ranges are left in Docker's default pools: the next `docker network create` or compose project soon",
            'fails with "could not find an available, non-overlapping IPv4 address pool"',
          ),
          fixes: [
            'docker network prune',
            JSON.stringify(
              {
                'default-address-pools': [
                  { base: '10.200.0.0/16', size: 24 },
                  { base: '172.16.0.0/12', size: 24 },
                ],
              },
              null,
              2,
            ),
          ],
        },
      ],
    },
    {
      name: "none left in daemon.json's own pools: prune, and no pools proposed over the user's",
      facts: world(
        [
          BRIDGE,
          network('a', '10.10.0.0/18'),
          network('b', '10.10.64.0/18'),
          network('c', '10.10.128.0/18'),
          network('d', '10.10.192.0/18'),
        ],
        BASE_ROUTES,
        '{"default-address-pools": [{"base": "10.10.0.0/16", "size": 18}]}',
      ),
      findings: [
        {
          code: 'address-pools-exhausted',
          severity: 'warning',
          title: /^No address range is left in Docker's default-address-pools of \/etc\/docker\/daemon.json: .* fails with/,
          fixes: ['docker network prune'],
        },
      ],
    },
  ],
});

function prose(...parts: string[]): string {
  return parts.join(' ');
}

describe('the routing table and the pools', () => {
  it('reads /proc/net/route in host byte order, leaving out routes that are down', () => {
    const text = routeTable(routeLine('eth0', '0.0.0.0/0', '192.0.2.1'), routeLine('tun0', '172.16.0.0/12', '10.8.0.1')).concat(
      'wg0\t0000000A\t00000000\t0000\t0\t0\t0\t000000FF\t0\t0\t0\n',
    );
    expect(parseRoutes(text, true)).toEqual([
      { iface: 'eth0', destination: '0.0.0.0', prefix: 0, gateway: '192.0.2.1' },
      { iface: 'tun0', destination: '172.16.0.0', prefix: 12, gateway: '10.8.0.1' },
    ]);
  });

  it("counts 31 ranges in Engine 20.10's default pools, less those networks and routes take", () => {
    const used = ['172.17.0.0/16', '192.168.0.0/20', '192.168.1.0/24', '172.20.0.0/14'].map((c) => parseCidr(c)!);
    expect(poolsLeft(DEFAULT_POOLS, [])).toEqual({ total: 31, left: 31 });
    // 192.168.1.0/24 falls in the /20 already taken; the /14 route covers four /16s.
    expect(poolsLeft(DEFAULT_POOLS, used)).toEqual({ total: 31, left: 25 });
  });
});

describe('a pool rule that throws while the containers are still being read', () => {
  it('is the dns check crashing, not an unhandled rejection that ends the process with a stack trace', async () => {
    const facts = fakeFacts({
      ...world([BRIDGE], BASE_ROUTES),
      facts: {
        routes: () => Promise.reject(new Error('routes boom')),
        // The containers' diagnosis outlasts the pool rules by a timer, as a real engine's answers do.
        containers: () => new Promise((resolve) => setTimeout(() => resolve([]), 20)),
      },
    });
    const result = await runCheck(dns, facts);
    expect(result).toMatchObject({ status: 'crashed', error: { message: 'routes boom' } });
  });
});
