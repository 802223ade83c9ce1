import type { FindingInput } from '../../src/engine/types.js';
import type { ContainerInspect } from '../../src/facts/docker/types.js';
import type { Listener } from '../../src/facts/host/listeners.js';
import type { ComposeProject, ComposeService } from '../../src/facts/project/compose.js';
import { composeLabels, containerName, containerSubject } from '../shared/containers.js';
import { effectiveEnvironment } from '../shared/localhost-refs.js';
import { locationOf } from '../shared/project-source.js';
import { listeningPorts } from '../shared/service-ports.js';
import type { Reach } from './containers.js';
import {
  containerVariables,
  hostGatewayFinding,
  hostLocalhostFindings,
  hostNameFor,
  hostService,
  type HostName,
  type Owner,
} from './host-refs.js';
import { inspectIfPresent } from '../shared/inspect.js';

/** A value naming localhost (or 127.0.0.1) with a port. */
const LOCAL_PORT = /(localhost|127\.0\.0\.1):\d/i;
/** Networks where localhost is not the container's own: the host's, another's, or none. */
const SHARED_OR_NONE = /^(host|none|service:|container:)/;

interface HostContext {
  reach: Reach;
  host: HostName;
  /** Host processes (not containers' published ports) listening on a port; empty where the host cannot be read. */
  holders: (port: number) => Listener[];
  /** Every port a service of the project listens on or publishes: localhost there is the dns check's business. */
  projectPorts: Set<number>;
}

/**
 * Settings that reach the host: in the compose file's services, then in running containers the compose file does not
 * describe (started by hand, or by another project).
 */
export async function diagnoseHostRefs(reach: Reach, compose: ComposeProject | null, heard: Map<string, Listener[]>): Promise<void> {
  const { facts } = reach.ctx;
  const { connection } = reach;
  const ours = (labels: Record<string, string> | null) => {
    const l = composeLabels(labels);
    return l !== undefined && compose !== null && l.project === compose.name && compose.services.some((s) => s.name === l.service);
  };
  const running = reach.containers.filter(
    (c) => (c.State === 'running' || c.State === 'restarting') && !SHARED_OR_NONE.test(c.HostConfig?.NetworkMode ?? '') && !ours(c.Labels),
  );
  const inspected = (await Promise.all(running.map((c) => inspectIfPresent(facts, c.Id)))).filter(
    (i): i is ContainerInspect => i !== undefined,
  );
  const services = compose?.services.filter((s) => s.active) ?? [];
  // The host's listeners (a walk of /proc) and the images' EXPOSE are read only when some setting names localhost:<port>.
  const mentions = [...services.map((s) => s.environment), ...inspected.map(containerVariables)].some((vars) =>
    vars.some((v) => LOCAL_PORT.test(v.value)),
  );
  const readable = (connection.local && facts.platform() === 'linux') || connection.kind === 'docker-desktop';
  const listeners = mentions && readable ? await facts.listeners().catch(() => []) : [];
  const published = new Set(reach.containers.flatMap((c) => c.Ports.flatMap((p) => (p.PublicPort ? [p.PublicPort] : []))));
  const hc: HostContext = {
    reach,
    host: hostNameFor(connection),
    holders: (port) => hostService(port, listeners, published),
    projectPorts: mentions ? await projectPorts(reach, compose) : new Set(),
  };
  for (const service of services) composeService(hc, service);
  const found = await Promise.all(inspected.map((i) => containerRefs(hc, i, heard.get(i.Id))));
  for (const finding of found.flat()) reach.ctx.report(finding);
}

/** Every port a service of the project listens on (ports:, expose:, its image's EXPOSE, its kind's port) or publishes. */
async function projectPorts(reach: Reach, compose: ComposeProject | null): Promise<Set<number>> {
  const ports = new Set<number>();
  for (const s of compose?.services ?? []) {
    const image = s.image ? await reach.ctx.facts.imageInspect(s.image).catch(() => null) : null;
    for (const port of listeningPorts(s, image)) ports.add(port);
    for (const p of s.ports) if (p.published) ports.add(p.published.from);
  }
  return ports;
}

function composeService(hc: HostContext, service: ComposeService): void {
  const owner: Owner = {
    subject: { kind: 'service', name: service.name },
    label: `Service ${service.name}`,
    name: service.name,
    ownPorts: hc.projectPorts,
    extraHosts: service.extraHosts.map((h) => h.value),
    service,
    cli: hc.reach.cli.cli,
  };
  const variables = effectiveEnvironment(service.environment).map((v) => ({
    name: v.name,
    value: v.value,
    at: locationOf(v.at),
    form: v.form,
  }));
  const gateway = hostGatewayFinding(owner, variables, hc.host);
  if (gateway) hc.reach.report(gateway as FindingInput & { cause: 'host-gateway-missing' });
  // Host networking makes localhost the host (right); service:/container: share another's localhost.
  if (service.networkMode && SHARED_OR_NONE.test(service.networkMode)) return;
  for (const f of hostLocalhostFindings(owner, variables, hc.host, hc.holders))
    hc.reach.report(f as FindingInput & { cause: 'host-as-localhost' });
}

/** One running container's environment: host.docker.internal without the name, localhost where a host process listens. */
async function containerRefs(hc: HostContext, inspect: ContainerInspect, heard: Listener[] | undefined): Promise<FindingInput[]> {
  const { facts } = hc.reach.ctx;
  const variables = containerVariables(inspect);
  if (!variables.some((v) => /localhost|127\.0\.0\.1|host\.docker\.internal/i.test(v.value))) return [];
  const own = new Set([...hc.projectPorts, ...exposedPorts(inspect), ...(heard ?? []).map((l) => l.port)]);
  const owner: Owner = {
    subject: containerSubject(inspect),
    label: `Container ${containerName(inspect)}`,
    name: containerName(inspect),
    ownPorts: own,
    extraHosts: (inspect.HostConfig as { ExtraHosts?: string[] | null }).ExtraHosts ?? [],
    image: inspect.Config.Image,
    cli: hc.reach.cli.cli,
  };
  const findings: FindingInput[] = [];
  const gateway = hostGatewayFinding(owner, variables, hc.host);
  if (gateway) findings.push(gateway);
  const local = hostLocalhostFindings(owner, variables, hc.host, hc.holders);
  // A container not read yet may serve the port itself (several processes in one container): read it before saying so.
  if (local.length > 0 && !heard && inspect.State.Pid > 0) {
    const mine = await facts.namespaceListeners(inspect.State.Pid);
    if (mine) for (const l of mine) own.add(l.port);
    findings.push(...hostLocalhostFindings(owner, variables, hc.host, hc.holders));
  } else findings.push(...local);
  return findings;
}

function exposedPorts(inspect: ContainerInspect): number[] {
  return Object.keys(inspect.Config.ExposedPorts ?? {}).flatMap((k) => (/^\d+/.test(k) ? [Number.parseInt(k, 10)] : []));
}
