import type { CheckContext, FindingInput } from '../../src/engine/types.js';
import type { ContainerInspect, ContainerSummary, NetworkSummary } from '../../src/facts/docker/types.js';
import type { DockerConnection } from '../../src/facts/types.js';
import {
  composeLabels,
  containerName,
  containerSubject,
  exitedStatus,
  parseTime,
  RECENT_MS,
  USER_STOP_CODES,
} from '../shared/containers.js';
import { logTail } from '../shared/logs.js';
import type { dnsCodes } from './codes.js';
import type { DaemonDns } from './host.js';
import { failedLookup } from './lookups.js';
import { isLoopback, parseResolvConf } from './resolv.js';

type Report = FindingInput & { cause: keyof typeof dnsCodes };

const DEFAULT_BRIDGE = new Set(['bridge', 'default']);

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

const ownResolver = (networkMode: string) => networkMode !== 'host' && networkMode !== 'none' && !networkMode.startsWith('container:');

export async function diagnoseContainers(
  ctx: CheckContext,
  connection: DockerConnection,
  daemon: DaemonDns | undefined,
  report: (r: Report) => void,
): Promise<void> {
  const { facts } = ctx;
  const now = facts.now();
  const containers = await facts.containers();
  const recentlyFailed = (c: ContainerSummary) => {
    if (c.State === 'restarting') return true;
    if (c.State !== 'exited') return false;
    const { code, old } = exitedStatus(c.Status);
    return !old && code !== 0 && !(code !== undefined && USER_STOP_CODES.has(code));
  };
  // The list already says which containers have no resolver of their own (host, none, container:): not worth an inspect.
  const candidates = containers.filter((c) => (c.State === 'running' || recentlyFailed(c)) && ownResolver(c.HostConfig?.NetworkMode ?? ''));
  if (candidates.length === 0) return;
  const networks = await facts.networks().catch(() => [] as NetworkSummary[]);
  const internal = new Set(networks.filter((n) => n.Internal).map((n) => n.Name));

  for (const summary of candidates) {
    const inspect = await facts.inspectContainer(summary.Id).catch(() => undefined);
    if (!inspect) continue;
    // Host networking uses the host's resolver (where loopback works); none and container: modes have no resolver of their own to judge.
    if (!ownResolver(inspect.HostConfig.NetworkMode ?? '')) continue;
    const failing = summary.State !== 'running';
    if (failing) {
      const finished = parseTime(inspect.State.FinishedAt);
      if (!inspect.State.Restarting && (finished === undefined || now - finished > RECENT_MS)) continue;
    }
    const servers = inspect.HostConfig.Dns?.length ? inspect.HostConfig.Dns : (daemon?.dns ?? []);
    const loopback = servers.filter(isLoopback);
    const name = containerName(inspect);
    const subject = containerSubject(inspect);
    const nets = networksOf(inspect);
    const logs = failing ? await facts.containerLogs(inspect.Id).catch(() => '') : '';
    const lookup = logs ? failedLookup(logs, inspect) : undefined;

    if (!lookup) {
      // A DNS server that resolves through itself (Pi-hole, dnsmasq with dns: 127.0.0.1) is the one healthy case.
      const servesDns = Object.keys(inspect.Config.ExposedPorts ?? {}).some((p) => p.startsWith('53/'));
      if (loopback.length > 0 && !servesDns) {
        report({
          cause: 'container-loopback-dns',
          title: `Container ${name} is told to use the DNS server ${loopback.join(', ')}, which inside the container is the container itself`,
          subject,
          fixes: loopbackFixes(name),
          evidence: { dns: servers, networks: nets },
        });
      }
      continue;
    }

    const resolv = connection.local && inspect.ResolvConfPath ? await facts.hostFile(inspect.ResolvConfPath) : undefined;
    const parsedResolv = resolv ? parseResolvConf(resolv) : undefined;
    const evidence = {
      logLine: lookup.line,
      ...(lookup.name ? { name: lookup.name } : {}),
      networks: nets,
      dns: servers,
      ...(parsedResolv ? { resolvConf: { nameservers: parsedResolv.nameservers, footer: parsedResolv.footer } } : {}),
      logTail: logTail(logs, 5),
    };
    const target = lookup.name ? containers.find((c) => c.Id !== inspect.Id && namesOf(c).includes(lookup.name!)) : undefined;
    if (target) {
      const targetNets = networksOf(target);
      const shared = nets.filter((n) => !DEFAULT_BRIDGE.has(n) && targetNets.includes(n));
      if (shared.length === 0) {
        const bothOnBridge = nets.some((n) => DEFAULT_BRIDGE.has(n)) && targetNets.some((n) => DEFAULT_BRIDGE.has(n));
        const targetName = containerName(target);
        if (bothOnBridge) {
          report({
            cause: 'default-bridge-no-names',
            title: `Container ${name} cannot resolve "${lookup.name}" (container ${targetName}): both are on the default bridge, which has no DNS between containers`,
            subject,
            fixes: [
              {
                title: 'Put both containers on a user-defined network, where names resolve',
                command: `docker network create app-net && docker network connect app-net ${name} && docker network connect app-net ${targetName}`,
              },
              { title: 'Or run them with compose, which creates one network per project' },
            ],
            evidence: { ...evidence, target: targetName },
          });
        } else {
          report({
            cause: 'different-network',
            title: `Container ${name} cannot resolve "${lookup.name}": container ${targetName} is on ${targetNets.join(', ') || 'no network'}, and ${name} is on ${nets.join(', ') || 'no network'}`,
            subject,
            fixes: [
              {
                title: `Connect ${name} to a network of ${targetName}`,
                command: `docker network connect ${targetNets.find((n) => !DEFAULT_BRIDGE.has(n)) ?? '<network>'} ${name}`,
              },
            ],
            evidence: { ...evidence, target: targetName, targetNetworks: targetNets },
          });
        }
        continue;
      }
    }
    if (loopback.length > 0) {
      report({
        cause: 'container-loopback-dns',
        severity: 'error',
        title: `Container ${name} failed a lookup${lookup.name ? ` of "${lookup.name}"` : ''} because its DNS server ${loopback.join(', ')} is the container itself: "${lookup.line}"`,
        subject,
        fixes: loopbackFixes(name),
        evidence,
      });
      continue;
    }
    if (nets.length > 0 && nets.every((n) => internal.has(n)) && !target) {
      report({
        cause: 'internal-network',
        title: `Container ${name} failed to resolve${lookup.name ? ` "${lookup.name}"` : ' a name'}: it is only on internal network${nets.length > 1 ? 's' : ''} ${nets.join(', ')}, which have no outside access`,
        subject,
        fixes: [{ title: 'Also attach it to a network with outside access', command: `docker network connect bridge ${name}` }],
        evidence,
      });
      continue;
    }
    if (connection.info?.IPv4Forwarding === false) continue; // Already reported as ip-forward-disabled: the one cause.
    report({
      cause: 'lookup-failed',
      title: `Container ${name} could not resolve${lookup.name ? ` "${lookup.name}"` : ' a name'}: "${lookup.line}"`,
      subject,
      fixes: [
        {
          title: "Try the lookup from a container on the same network, with your network's resolver",
          command: `docker run --rm --network ${nets[0] ?? 'bridge'} --dns <your DNS server> busybox nslookup ${lookup.name ?? '<name>'}`,
        },
        ...(parsedResolv?.footer.usedDefaults
          ? [
              {
                title: 'Docker fell back to Google DNS for this container; set your own in daemon.json',
                command: '"dns": ["<your DNS server IP>"]',
              },
            ]
          : []),
      ],
      evidence,
    });
  }
}

function loopbackFixes(name: string) {
  return [
    {
      title:
        "Drop --dns 127.x (or compose dns: 127.x); on a user-defined network the embedded resolver already forwards to the host's DNS. docker rm -f removes the container and its writable layer; named volumes stay",
      command: `docker rm -f ${name} && docker run --dns <your DNS server> …`,
    },
    {
      title:
        'Or, if a DNS server runs on the host, give containers its address on the Docker bridge (e.g. 172.17.0.1) and make it listen there',
    },
  ];
}
