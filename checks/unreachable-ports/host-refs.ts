import type { Fix, FindingInput, Location, Subject } from '../../src/engine/types.js';
import type { ContainerInspect } from '../../src/facts/docker/types.js';
import type { Listener } from '../../src/facts/host/listeners.js';
import type { ComposeService } from '../../src/facts/project/compose.js';
import type { DockerConnection } from '../../src/facts/types.js';
import { BROWSER_FACING, environmentLine, localhostTargets, OWN_ADDRESS, replaceTarget } from '../shared/localhost-refs.js';
import { isLoopback } from './listening.js';
import { prose, shellWord } from '../../src/util/text.js';

/*
 * Settings that reach the host: `localhost:<port>` where a host process listens (inside a container localhost is
 * the container), and host.docker.internal where the engine does not resolve it.
 */

/** Processes that hold ports for containers: their sockets are published ports, not host services. */
const ENGINE_PROCESSES =
  /^(docker-proxy|dockerd|rootlesskit|rootlessport|conmon|podman|slirp4netns|pasta|pasta\.avx2|containerd|gvproxy|vpnkit)$/;
const HOST_DOCKER_INTERNAL = /\bhost\.docker\.internal\b/i;
/**
 * Model servers people run on the host beside their containers: their *_BASE_URL is the server-side client's setting
 * (OLLAMA_BASE_URL), not a public base URL for browsers.
 */
const MODEL_SERVER = /^(OLLAMA|OPENAI|LITELLM|VLLM|LMSTUDIO|LLAMA|LLM|TGI|EMBEDDINGS?)_/i;
const browserFacing = (name: string) => BROWSER_FACING.test(name) && !MODEL_SERVER.test(name);

/** How this engine lets a container reach the host by name. */
export interface HostName {
  /** The name to use: host.docker.internal, or Podman's host.containers.internal. */
  name: string;
  /** The extra_hosts entry it needs (Docker Engine on Linux); none where the engine resolves the name itself. */
  extraHost?: string;
  /** Whether host.docker.internal resolves without extra_hosts (Docker Desktop, Podman 4.7+). */
  builtIn: boolean;
}

export function hostNameFor(connection: DockerConnection): HostName {
  const kind = connection.kind;
  if (kind === 'docker-desktop') return { name: 'host.docker.internal', builtIn: true };
  if (kind === 'podman' || kind === 'podman-rootless') {
    const version = connection.version?.Components?.find((c) => c.Name === 'Podman Engine')?.Version ?? connection.version?.Version ?? '';
    const [major = 0, minor = 0] = version.split('.').map(Number);
    // Podman adds host.docker.internal to /etc/hosts from 4.7; before, only host.containers.internal (and no host-gateway).
    const recent = major > 4 || (major === 4 && minor >= 7);
    return { name: recent ? 'host.docker.internal' : 'host.containers.internal', builtIn: recent };
  }
  return { name: 'host.docker.internal', extraHost: 'host.docker.internal:host-gateway', builtIn: false };
}

/** One environment variable of a compose service or a container, where it is written. */
export interface Variable {
  name: string;
  value: string;
  at?: Location;
  form?: 'mapping' | 'list';
}

/** Who the variables belong to: a compose service (fixes in compose syntax) or a container (fixes as docker run flags). */
export interface Owner {
  subject: Subject;
  /** "Service api", "Container worker". */
  label: string;
  /** The container's or service's name. */
  name: string;
  /** Ports the owner itself listens on (its ports, expose, EXPOSE, or what /proc showed). */
  ownPorts: ReadonlySet<number>;
  /** Host names it is given (extra_hosts, --add-host) as `name:address`. */
  extraHosts: string[];
  service?: ComposeService;
  image?: string;
  cli: string;
}

/** host.docker.internal in settings of an owner whose engine does not resolve it without extra_hosts. */
export function hostGatewayFinding(owner: Owner, variables: readonly Variable[], host: HostName): FindingInput | undefined {
  if (host.builtIn || owner.extraHosts.some((h) => /^host\.docker\.internal[:=]/i.test(h))) return undefined;
  const using = variables.filter((v) => HOST_DOCKER_INTERNAL.test(v.value) && !browserFacing(v.name));
  if (using.length === 0) return undefined;
  const first = using[0]!;
  const names = using.map((v) => v.name).join(', ');
  const where = first.at ? ` (${first.at.file}:${first.at.line})` : '';
  const renamed = (v: Variable) => v.value.replace(new RegExp(HOST_DOCKER_INTERNAL.source, 'gi'), host.name);
  const fixes: Fix[] = !owner.service
    ? [rerunFix(owner, host, host.extraHost ? [] : using.map((v) => `${v.name}=${renamed(v)}`))]
    : host.extraHost
      ? [addHostFix(owner, host.extraHost)]
      : using.map((v) => renameFix(owner, v, renamed(v), host.name));
  const flag = owner.service ? 'extra_hosts' : '--add-host';
  const engine = host.extraHost
    ? `Docker Engine on Linux resolves that name only when given it (${flag} ${host.extraHost})`
    : `this Podman names the host ${host.name}`;
  return {
    cause: 'host-gateway-missing',
    title: prose`
      ${owner.label} reaches the host as host.docker.internal through ${names}${where}, but ${engine}
    `,
    subject: owner.subject,
    ...(first.at ? { location: first.at } : {}),
    fixes,
    evidence: { variables: using.map((v) => v.name) },
  };
}

/** The host process listening on a port, when it is a host service and not a container's published port. */
export function hostService(port: number, listeners: readonly Listener[], publishedHostPorts: ReadonlySet<number>): Listener[] {
  if (publishedHostPorts.has(port)) return [];
  const on = listeners.filter((l) => l.protocol === 'tcp' && l.port === port);
  return on.some((l) => l.process && ENGINE_PROCESSES.test(l.process)) ? [] : on;
}

/** `localhost:<port>` in settings where a host process listens and neither the owner nor the project's services do. */
export function hostLocalhostFindings(
  owner: Owner,
  variables: readonly Variable[],
  host: HostName,
  holders: (port: number) => Listener[],
): FindingInput[] {
  const findings: FindingInput[] = [];
  for (const variable of variables) {
    if (browserFacing(variable.name) || OWN_ADDRESS.test(variable.name)) continue;
    const target = localhostTargets(variable.name, variable.value, () => undefined).find(
      (t) => t.writtenPort !== undefined && !owner.ownPorts.has(t.writtenPort) && holders(t.writtenPort).length > 0,
    );
    if (!target) continue;
    const port = target.writtenPort!;
    const listening = holders(port);
    const process = listening.find((l) => l.process)?.process;
    const holder = process ? `${process}${listening[0]!.pid ? ` (pid ${listening[0]!.pid})` : ''}` : 'a process';
    const loopbackOnly = listening.every((l) => isLoopback(l.address));
    const fixed = replaceTarget(variable.value, target, `${host.name}:${port}`);
    const where = variable.at ? ` (${variable.at.file}:${variable.at.line})` : '';
    const fixes = owner.service
      ? [renameFix(owner, variable, fixed, host.name), ...(needsExtraHost(owner, host) ? [addHostFix(owner, host.extraHost!)] : [])]
      : [rerunFix(owner, host, [`${variable.name}=${fixed}`])];
    if (loopbackOnly)
      fixes.push({
        title: prose`
          ${holder} listens on ${listening.map((l) => l.address).join(' and ')} only, which containers cannot reach: make it listen on
          0.0.0.0 or on the Docker bridge's gateway address too (its --host/--bind option or HOST setting)
        `,
      });
    findings.push({
      cause: 'host-as-localhost',
      title: prose`
        ${owner.label} reaches ${target.host}:${port} through ${variable.name}${where}, but inside a container localhost is the container;
        port ${port} is served by ${holder} on the host
      `,
      subject: owner.subject,
      ...(variable.at ? { location: variable.at } : {}),
      fixes,
      evidence: {
        variable: variable.name,
        port,
        holder: { process: process ?? null, pid: listening[0]!.pid ?? null, addresses: listening.map((l) => l.address) },
      },
    });
  }
  return findings;
}

const needsExtraHost = (owner: Owner, host: HostName) =>
  host.extraHost !== undefined && !owner.extraHosts.some((h) => /^host\.docker\.internal[:=]/i.test(h));

/** The compose environment line rewritten to reach the host by name. */
function renameFix(owner: Owner, variable: Variable, fixed: string, name: string): Fix {
  const at = variable.at ? `${variable.at.file}:${variable.at.line}` : variable.name;
  return {
    title: `Reach the host by the name ${name}: change ${at} to this`,
    command: environmentLine({ name: variable.name, form: variable.form ?? 'mapping' }, fixed),
  };
}

/** compose: the extra_hosts entry under the service. */
function addHostFix(owner: Owner, extraHost: string): Fix {
  const at = owner.service!.at;
  return {
    title: `Give service ${owner.service!.name} the host's name: add under it (${at.file}:${at.line})`,
    command: `extra_hosts: ["${extraHost}"]`,
  };
}

/** A container started by hand: run it again with the host's name and the rewritten variables. */
function rerunFix(owner: Owner, host: HostName, env: string[]): Fix {
  const flags = [...(needsExtraHost(owner, host) ? [`--add-host ${host.extraHost}`] : []), ...env.map((e) => `-e ${shellWord(e)}`)];
  return {
    title: prose`
      Run it again reaching the host by the name ${host.name} (remove this one first: ${owner.cli} rm -f ${owner.name}; keep your other
      options where … stands)
    `,
    command: `${owner.cli} run -d ${flags.join(' ')} … ${owner.image ?? ''}`.trim(),
  };
}

/** A container's environment as variables (values split at the first `=`). */
export function containerVariables(inspect: ContainerInspect): Variable[] {
  return (inspect.Config.Env ?? []).flatMap((entry) => {
    const at = entry.indexOf('=');
    return at > 0 ? [{ name: entry.slice(0, at), value: entry.slice(at + 1) }] : [];
  });
}
