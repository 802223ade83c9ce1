import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/engine/report.js';
import { BIN, cleanEnv, findingsOf, runCli } from '../helpers/cli.js';
import { engines, TEST_LABEL } from '../helpers/engine.js';
import { expectValidReport } from '../helpers/schema.js';
import { tempDir } from '../helpers/sockets.js';

/*
 * A VPN route over a Docker subnet, for real and without touching the host: the doctor runs in a network namespace of
 * its own (unshare --net) where the test adds a tun device and a route over the subnet of a network it created. The
 * engine is reached through its Unix socket, which a namespace does not hide; the doctor reads /proc/net/route there,
 * which is the namespace's table. Nothing is sent anywhere: the tun device has no process behind it.
 */

/** Root with unshare and ip: the namespace and its tun device can be made. */
function namespaceAvailable(): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync('unshare', ['--net', 'sh', '-c', 'ip tuntap add dev tun0 mode tun && ip link set tun0 up'], {
      stdio: 'ignore',
      timeout: 10_000,
    });
    return true;
  } catch {
    return false;
  }
}

const NAMESPACE = namespaceAvailable();

/** The built CLI in a network namespace whose only route is `route` via tun0, as a VPN client would add it. */
async function doctorBehindVpn(route: string, args: string[]): Promise<Report> {
  const script = `ip tuntap add dev tun0 mode tun && ip link set tun0 up && ip route add ${route} dev tun0 && exec "$0" "$@"`;
  const result = await execa('unshare', ['--net', 'sh', '-c', script, process.execPath, BIN, ...args], {
    env: cleanEnv(),
    extendEnv: false,
    cwd: tempDir('dd-pools-'),
    reject: false,
    timeout: 60_000,
    stdin: 'ignore',
  });
  const report = JSON.parse(String(result.stdout)) as Report;
  expectValidReport(report);
  return report;
}

const SUBNETS = {
  docker: ['10.213.7.0/24', '10.213.0.0/16', '10.215.7.0/24'],
  podman: ['10.214.7.0/24', '10.214.0.0/16', '10.216.7.0/24'],
};

describe.each(engines)('network subnets against host routes on a real engine: $name', (engine) => {
  if (!engine.available()) return void it.skip(`${engine.name} does not answer here`, () => {});
  const scope = `pools-${engine.name}-${process.pid}-${Date.now().toString(36)}`;
  const vpnNet = `dd-${scope}-vpn`;
  const okNet = `dd-${scope}-ok`;
  const [overlapped, route, free] = SUBNETS[engine.name];

  beforeAll(async () => {
    await engine.cli('network', 'create', '--label', `${TEST_LABEL}=${scope}`, '--subnet', overlapped!, vpnNet);
    await engine.cli('network', 'create', '--label', `${TEST_LABEL}=${scope}`, '--subnet', free!, okNet);
  });
  afterAll(async () => {
    await engine.removeLabelled(scope);
  });

  it.runIf(NAMESPACE)('a network inside a VPN route on tun0 is reported with the route, and the fixes', async () => {
    const report = await doctorBehindVpn(route!, ['dns', '--json', '-H', engine.host]);
    const findings = findingsOf(report, 'dns').filter((f) => f.code === 'dns/subnet-overlaps-route');
    const mine = findings.filter((f) => f.subject.name === vpnNet);
    expect(mine).toHaveLength(1);
    expect(mine[0]!.severity).toBe('warning');
    expect(mine[0]!.title).toBe(
      `Network ${vpnNet} uses ${overlapped}, which overlaps this host's route to ${route} on tun0: containers on it cannot reach hosts ` +
        `of ${route} in ${overlapped} (their packets stay on the Docker bridge)`,
    );
    const commands = mine[0]!.fixes.map((f) => f.command);
    expect(commands).toContain(`${engine.name} network rm ${vpnNet} && ${engine.name} network create --subnet 10.200.0.0/24 ${vpnNet}`);
    // A subnet set by hand (--subnet) says nothing of the pools: no daemon.json change, only the network recreated.
    expect(commands).toHaveLength(1);
    expect(findings.some((f) => f.subject.name === okNet)).toBe(false);
  });

  it("on this host's own routes, neither network nor Docker's own bridges are reported", async () => {
    const run = await runCli(['dns', '--json', '-H', engine.host]);
    const findings = findingsOf(run.report, 'dns').filter((f) => f.code === 'dns/subnet-overlaps-route');
    const names = findings.map((f) => f.subject.name);
    expect(names).not.toContain(vpnNet);
    expect(names).not.toContain(okNet);
    // docker0's and each br-*'s route are the networks' own: never an overlap. (docker0's route is in the table only
    // while its link is up, so the test's own networks, whose br-* routes are, are what this asserts for certain.)
    // Podman's CNI makes a network's bridge (cni-podman*) only when a container joins it: no route to assert there.
    if (engine.name === 'docker') expect(readFileSync('/proc/net/route', 'utf8')).toMatch(/^br-[0-9a-f]{12}\s/m);
    expect(names).not.toContain('bridge');
  });
});
