import type { CheckContext, FindingInput } from '../../src/engine/types.js';
import type { DockerConnection } from '../../src/facts/types.js';
import { parseJsonWithLocation } from '../../src/util/json.js';
import type { dnsCodes } from './codes.js';
import { isCidr, isIp, isLoopback, parseResolvConf } from './resolv.js';
import { prose } from '../../src/util/text.js';
import { engineCli, engineCommand, type EngineCli } from '../shared/engine-cli.js';

type Report = FindingInput & { cause: keyof typeof dnsCodes };

export interface DaemonDns {
  file: string;
  dns: string[];
  mtu?: number;
}

/** Findings about the engine host's resolvers, daemon.json and forwarding. Returns daemon.json's DNS for the container part. */
export async function diagnoseHost(
  ctx: CheckContext,
  connection: DockerConnection,
  report: (r: Report) => void,
): Promise<DaemonDns | undefined> {
  if (connection.info?.IPv4Forwarding === false) reportForwardingOff(connection.info.Name, report);
  if (!connection.local || connection.kind === 'docker-desktop') return undefined;
  // daemon.json is dockerd's: Podman reads containers.conf, so on Podman only the host's resolvers are judged.
  const podman = connection.kind?.startsWith('podman') === true;
  const daemon = podman ? undefined : await readDaemonJson(ctx, connection, report);
  // With DNS servers in daemon.json, the host's resolv.conf does not decide what containers get.
  if (!(daemon && daemon.dns.length > 0)) await checkHostResolvConf(ctx, report, podman ? await engineCli(ctx.facts) : undefined);
  if (daemon?.mtu) await checkMtu(ctx, daemon, daemon.mtu, report);
  return daemon;
}

function reportForwardingOff(hostName: string | undefined, report: (r: Report) => void): void {
  report({
    cause: 'ip-forward-disabled',
    title: `IPv4 forwarding is disabled on the engine host, so no container on a bridge network can reach anything outside it`,
    subject: { kind: 'host', name: hostName ?? 'engine host' },
    fixes: [
      { title: 'Turn it back on', command: 'sudo sysctl -w net.ipv4.ip_forward=1' },
      {
        title: 'Keep it on across reboots and sysctl reloads',
        command: "echo 'net.ipv4.ip_forward = 1' | sudo tee -a /etc/sysctl.d/99-docker.conf",
      },
    ],
    evidence: { IPv4Forwarding: false },
  });
}

/** Loopback-only nameservers on the host make Docker give default-bridge containers Google's DNS. */
async function checkHostResolvConf(ctx: CheckContext, report: (r: Report) => void, podman: EngineCli | undefined): Promise<void> {
  const { facts } = ctx;
  const resolv = await facts.hostFile('/etc/resolv.conf');
  if (resolv === undefined) return;
  const host = parseResolvConf(resolv);
  const onlyLoopback = host.nameservers.length > 0 && host.nameservers.every(isLoopback);
  // With systemd-resolved, Docker reads the real upstreams from here instead.
  const resolvedUpstreams = host.nameservers.every((n) => n === '127.0.0.53')
    ? parseResolvConf((await facts.hostFile('/run/systemd/resolve/resolv.conf')) ?? '').nameservers.filter((n) => !isLoopback(n))
    : [];
  if (onlyLoopback && resolvedUpstreams.length === 0) {
    report({
      cause: 'host-loopback-resolver',
      title: prose`
        /etc/resolv.conf lists only loopback nameservers (${host.nameservers.join(', ')}), so containers on the default bridge get Google's
        8.8.8.8 and 8.8.4.4 instead
      `,
      subject: { kind: 'file', name: '/etc/resolv.conf' },
      location: { file: '/etc/resolv.conf' },
      fixes: podman ? podmanResolverFixes(podman) : dockerResolverFixes(),
      evidence: { nameservers: host.nameservers },
    });
  }
}

function dockerResolverFixes() {
  return [
    // An edit, not a write: daemon.json may hold other settings that a `tee` would wipe.
    {
      title: 'Add "dns": ["<your DNS server IP>"] to /etc/docker/daemon.json, keeping its other settings, then restart Docker',
      command: 'sudoedit /etc/docker/daemon.json && sudo systemctl restart docker',
    },
    { title: 'Find the real upstream servers your host uses', command: 'resolvectl status | grep "DNS Servers"' },
    {
      title: 'Or use a user-defined network (compose does), whose embedded resolver forwards through the host',
      command: 'docker network create app-net && docker run --network app-net …',
    },
  ];
}

/** Podman reads its DNS servers from containers.conf (the user's own when rootless); new containers get them, no restart. */
function podmanResolverFixes(cli: EngineCli) {
  const file = cli.rootless ? '~/.config/containers/containers.conf' : '/etc/containers/containers.conf';
  return [
    {
      title: `Add dns_servers = ["<your DNS server IP>"] under [containers] in ${file}, keeping its other settings`,
      command: cli.rootless ? `mkdir -p ~/.config/containers && \${EDITOR:-vi} ${file}` : `sudoedit ${file}`,
    },
    { title: 'Find the real upstream servers your host uses', command: 'resolvectl status | grep "DNS Servers"' },
    {
      title: "Or use a network of your own, whose resolver (aardvark-dns) forwards through the host's",
      command: `${engineCommand(cli, 'network create app-net')} && ${engineCommand(cli, 'run --network app-net …')}`,
    },
  ];
}

/** A container MTU larger than the uplink's drops large packets. */
async function checkMtu(ctx: CheckContext, daemon: DaemonDns, mtu: number, report: (r: Report) => void): Promise<void> {
  const uplink = await uplinkMtu(ctx);
  if (uplink && mtu > uplink.mtu) {
    report({
      cause: 'mtu-mismatch',
      title: prose`
        daemon.json sets "mtu": ${mtu}, larger than ${uplink.iface}'s MTU of ${uplink.mtu}, so large packets from containers are dropped
      `,
      subject: { kind: 'file', name: daemon.file },
      location: { file: daemon.file },
      fixes: [{ title: `Set the container MTU at or below ${uplink.mtu} and restart Docker`, command: `"mtu": ${uplink.mtu}` }],
      evidence: { daemonMtu: mtu, uplink },
    });
  }
}

async function readDaemonJson(
  ctx: CheckContext,
  connection: DockerConnection,
  report: (r: Report) => void,
): Promise<DaemonDns | undefined> {
  const file = ctx.facts.daemonConfigFile(connection.kind === 'rootless');
  const text = await ctx.facts.hostFile(file);
  if (text === undefined || text.trim() === '') return undefined;
  const parsed = parseJsonWithLocation(text);
  const subject = { kind: 'file' as const, name: file };
  if (!parsed.ok) {
    report({
      cause: 'daemon-json-invalid',
      title: `${file}${parsed.line ? `:${parsed.line}` : ''} is not valid JSON (${parsed.message})`,
      subject,
      location: { file, ...(parsed.line ? { line: parsed.line } : {}), ...(parsed.column ? { column: parsed.column } : {}) },
      fixes: [
        { title: 'Check the file', command: `sudo python3 -m json.tool ${file}` },
        { title: 'Validate the whole configuration the way dockerd will', command: `sudo dockerd --validate --config-file ${file}` },
      ],
    });
    return undefined;
  }
  const config = (parsed.value ?? {}) as Record<string, unknown>;
  const dns = Array.isArray(config.dns) ? config.dns.filter((d): d is string => typeof d === 'string') : [];
  checkDaemonNetwork(file, text, config, dns, report);
  return { file, dns, ...(typeof config.mtu === 'number' ? { mtu: config.mtu } : {}) };
}

/** daemon.json's DNS servers and address settings: loopback servers, and values dockerd refuses. */
function checkDaemonNetwork(file: string, text: string, config: Record<string, unknown>, dns: string[], report: (r: Report) => void): void {
  const lineOf = (key: string) => {
    const index = text.split('\n').findIndex((l) => l.includes(`"${key}"`));
    return index === -1 ? {} : { line: index + 1 };
  };
  // 0.0.0.0 and :: are addresses nothing can be asked at.
  const badDns = dns.filter((d) => !isIp(d) || d === '0.0.0.0' || d === '::');
  const loopback = dns.filter((d) => isIp(d) && isLoopback(d));
  if (loopback.length > 0) {
    report({
      cause: 'daemon-dns-loopback',
      title: `${file} gives every container the DNS server ${loopback.join(', ')}, which inside a container is the container itself`,
      subject: { kind: 'file', name: file },
      location: { file, ...lineOf('dns') },
      fixes: [
        {
          title: "Use a DNS server reachable from containers (your network's resolver, not 127.x), then restart Docker",
          command: 'sudo systemctl restart docker',
        },
      ],
      evidence: { dns },
    });
  }
  const badCidrs = [
    ...(typeof config.bip === 'string' && !isCidr(config.bip) ? [`bip "${config.bip}"`] : []),
    ...(Array.isArray(config['default-address-pools'])
      ? (config['default-address-pools'] as { base?: unknown }[])
          .filter((p) => typeof p?.base !== 'string' || !isCidr(p.base))
          .map((p) => `default-address-pools base "${String(p?.base)}"`)
      : []),
  ];
  const problems = [
    ...badDns.map((d) => (isIp(d) ? `dns "${d}" is not a routable address` : `dns "${d}" is not an IP address`)),
    ...badCidrs.map((c) => `${c} is not a CIDR`),
  ];
  if (problems.length > 0) {
    report({
      cause: 'daemon-network-invalid',
      title: `${file} has malformed network settings: ${problems.join('; ')}`,
      subject: { kind: 'file', name: file },
      location: { file, ...lineOf(badDns.length ? 'dns' : badCidrs[0]!.startsWith('bip') ? 'bip' : 'default-address-pools') },
      fixes: [{ title: 'Fix the values, then validate the configuration', command: `sudo dockerd --validate --config-file ${file}` }],
    });
  }
}

/** The MTU of the interface that carries the default route (/proc/net/route, /sys/class/net). */
async function uplinkMtu(ctx: CheckContext): Promise<{ iface: string; mtu: number } | undefined> {
  const routes = (await ctx.facts.hostFile('/proc/net/route')) ?? '';
  const iface = routes
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .find((f) => f[1] === '00000000')?.[0];
  if (!iface) return undefined;
  const mtu = Number(((await ctx.facts.hostFile(`/sys/class/net/${iface}/mtu`)) ?? '').trim());
  return Number.isFinite(mtu) && mtu > 0 ? { iface, mtu } : undefined;
}
