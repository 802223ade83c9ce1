import { createHash } from 'node:crypto';
import type {
  ContainerInspect,
  ContainerSummary,
  HealthConfig,
  HealthProbe,
  MountPoint,
  PortBinding,
  PortSummary,
} from '../facts/docker/types.js';
import { HEALTHY_ENGINE, type EngineRoutes } from './engine.js';

/** The fake clock every fake client reads (`ctx.facts.now()`): 2026-11-22 12:00 UTC. */
export const FAKE_NOW = Date.parse('2026-11-22T12:00:00Z');

/** An ISO time this long before {@link FAKE_NOW}, for StartedAt/FinishedAt. */
export const minutesBefore = (minutes: number, seconds = 0) => new Date(FAKE_NOW - minutes * 60_000 - seconds * 1000).toISOString();

/**
 * A container from the fields a test cares about; everything else gets a plausible default (image busybox, state
 * exited, exit code 0, started two minutes ago, no ports, no mounts). `ports` takes `docker run -p` specs
 * (`'8080:80'`, `'127.0.0.1:53:53/udp'`), which set both the wanted bindings and, when running, the published ports;
 * or the Engine API's port objects as they are.
 */
export interface ContainerFields {
  name: string;
  /** Default: a stable 64-hex id made from the name. */
  id?: string;
  image?: string;
  state?: ContainerSummary['State'];
  status?: string;
  exitCode?: number;
  oomKilled?: boolean;
  error?: string;
  startedAt?: string;
  finishedAt?: string;
  created?: string;
  restartCount?: number;
  restartPolicy?: string;
  restarting?: boolean;
  path?: string;
  args?: string[];
  cmd?: string[];
  entrypoint?: string[];
  user?: string;
  tty?: boolean;
  memory?: number;
  labels?: Record<string, string>;
  ports?: (string | PortSummary)[];
  portBindings?: ContainerInspect['HostConfig']['PortBindings'];
  mounts?: MountPoint[];
  /** What GET /containers/{id}/logs answers. */
  logs?: string;
  /** Files GET /containers/{id}/archive serves: path in the container → text (mode 0644), or text with its mode. */
  files?: Record<string, string | { content: string; mode: number }>;
  /** `State.Pid` (0 when not running); pair with `FakeWorld.namespaces` for what it listens on. */
  pid?: number;
  /** `State.Health`: `{ status: 'unhealthy', failingStreak: 3, log: [{ ExitCode: 127, Output: 'sh: curl: not found' }] }`. */
  health?: { status: string; failingStreak?: number; log?: HealthProbe[] };
  /** `Config.Healthcheck`, e.g. `{ Test: ['CMD-SHELL', 'curl -f http://localhost/'] }`. */
  healthcheck?: HealthConfig;
  /** `Config.Env` as `KEY=value` strings. */
  env?: string[];
  /** `Config.ExposedPorts` keys: `['80/tcp']`. */
  exposed?: string[];
  workingDir?: string;
  networkMode?: string;
  /** The container's own DNS servers (`--dns`), HostConfig.Dns. */
  dns?: string[];
  /** The networks it is attached to (NetworkSettings.Networks in the list and in inspect): `['bridge']`, `['podman']`. */
  networks?: string[];
  logPath?: string;
  logConfig?: { Type: string; Config?: Record<string, string> };
  /** `HostConfig.AutoRemove`: run with `--rm`. */
  autoRemove?: boolean;
  /** The networks it is attached to, each with its address: `{ app_default: '172.18.0.2' }` (list and inspect alike). */
  networkAddresses?: Record<string, string>;
  /**
   * The size of its log file on the host (fakeFacts puts the file there); without `logPath` the file is where Docker
   * keeps json-file logs, {@link jsonLogPath}.
   */
  logSize?: number;
}

/** Where Docker keeps a container's json-file log under the default root. */
export const jsonLogPath = (id: string, root = '/var/lib/docker') => `${root}/containers/${id}/${id}-json.log`;

/** The host path of a container's log file, when it has one. */
export function logPathOf(c: ContainerFields): string | undefined {
  return c.logPath ?? (c.logSize !== undefined ? jsonLogPath(containerId(c)) : undefined);
}

/** A container as both Engine API answers describe it: the list entry and the inspect document. */
export interface FakeContainer extends ContainerFields {
  id: string;
  summary: ContainerSummary;
  inspect: ContainerInspect;
}

/** @example container({ name: 'web', state: 'exited', exitCode: 1, ports: ['8080:80'], logs: 'Error: boom\n' }) */
export function container(fields: ContainerFields): FakeContainer {
  const id = containerId(fields);
  return { ...fields, id, summary: containerSummary(fields), inspect: containerInspect(fields) };
}

const containerId = (c: ContainerFields) => c.id ?? createHash('sha256').update(c.name).digest('hex');

const PORT_SPEC = /^(?:(\[[^\]]+\]|[^:]*):)?(\d+):(\d+)(?:\/(tcp|udp|sctp))?$/;

interface ParsedPort {
  ip: string;
  host: string;
  container: number;
  type: PortSummary['Type'];
}

function parsePortSpec(spec: string): ParsedPort {
  const match = PORT_SPEC.exec(spec);
  if (!match) throw new Error(`port "${spec}": write it as docker run -p does, e.g. 8080:80 or 127.0.0.1:53:53/udp`);
  const type = (match[4] ?? 'tcp') as PortSummary['Type'];
  return { ip: (match[1] ?? '').replace(/^\[|\]$/g, ''), host: match[2]!, container: Number(match[3]), type };
}

function summaryPorts(c: ContainerFields): PortSummary[] {
  const running = (c.state ?? 'exited') === 'running';
  return (c.ports ?? []).map((p) => {
    if (typeof p !== 'string') return p;
    const port = parsePortSpec(p);
    // Docker lists only the private port of a container that is not running: nothing is published.
    if (!running) return { PrivatePort: port.container, Type: port.type };
    return { IP: port.ip || '0.0.0.0', PrivatePort: port.container, PublicPort: Number(port.host), Type: port.type };
  });
}

function portBindings(c: ContainerFields): ContainerInspect['HostConfig']['PortBindings'] {
  const bindings: Record<string, PortBinding[] | null> = { ...c.portBindings };
  for (const spec of c.ports ?? []) {
    if (typeof spec !== 'string') continue;
    const port = parsePortSpec(spec);
    (bindings[`${port.container}/${port.type}`] ??= []).push({ HostIp: port.ip, HostPort: port.host });
  }
  return bindings;
}

function defaultStatus(c: ContainerFields): string {
  switch (c.state ?? 'exited') {
    case 'exited':
      return `Exited (${c.exitCode ?? 0}) 2 minutes ago`;
    case 'running':
      return 'Up 2 hours';
    case 'created':
      return 'Created';
    default:
      return 'Restarting (1) 1 second ago';
  }
}

function networkEntries(names: string[]): Record<string, { IPAddress?: string }> {
  return Object.fromEntries(names.map((n) => [n, {}]));
}

/** The GET /containers/json entry of a container. */
export function containerSummary(c: ContainerFields): ContainerSummary {
  return {
    Id: containerId(c),
    Names: [`/${c.name}`],
    Image: c.image ?? 'busybox',
    ImageID: 'sha256:1',
    Command: [...(c.entrypoint ?? []), ...(c.cmd ?? [])].join(' '),
    Created: 0,
    State: c.state ?? 'exited',
    Status: c.status ?? defaultStatus(c),
    Ports: summaryPorts(c),
    Labels: c.labels ?? {},
    Mounts: c.mounts ?? [],
    ...networkSettings(c),
    ...(c.networkMode ? { HostConfig: { NetworkMode: c.networkMode } } : {}),
  };
}

/** NetworkSettings.Networks from `networks` (names) and `networkAddresses` (name → address), in the list and in inspect. */
function networkSettings(c: ContainerFields): { NetworkSettings?: { Networks: Record<string, { IPAddress?: string }> } } {
  if (!c.networks && !c.networkAddresses) return {};
  const networks: Record<string, { IPAddress?: string }> = networkEntries(c.networks ?? []);
  for (const [name, ip] of Object.entries(c.networkAddresses ?? {})) networks[name] = { IPAddress: ip };
  return { NetworkSettings: { Networks: networks } };
}

function containerState(c: ContainerFields): ContainerInspect['State'] {
  const state = c.state ?? 'exited';
  return {
    Status: state,
    Running: state === 'running',
    Restarting: c.restarting ?? state === 'restarting',
    OOMKilled: c.oomKilled ?? false,
    Pid: c.pid ?? 0,
    ExitCode: c.exitCode ?? 0,
    Error: c.error ?? '',
    StartedAt: c.startedAt ?? (state === 'created' ? '0001-01-01T00:00:00Z' : minutesBefore(2, 1)),
    FinishedAt: c.finishedAt ?? (state === 'exited' ? minutesBefore(2) : '0001-01-01T00:00:00Z'),
    ...(c.health ? { Health: { Status: c.health.status, FailingStreak: c.health.failingStreak ?? 0, Log: c.health.log ?? [] } } : {}),
  };
}

/** The GET /containers/{id}/json document of a container. */
export function containerInspect(c: ContainerFields): ContainerInspect {
  return {
    Id: containerId(c),
    Name: `/${c.name}`,
    Created: c.created ?? minutesBefore(10),
    Path: c.path ?? c.entrypoint?.[0] ?? c.cmd?.[0] ?? 'sh',
    Args: c.args ?? [...(c.entrypoint ?? []), ...(c.cmd ?? [])].slice(1),
    Image: 'sha256:1',
    RestartCount: c.restartCount ?? 0,
    State: containerState(c),
    HostConfig: {
      RestartPolicy: { Name: c.restartPolicy ?? 'no' },
      Memory: c.memory ?? 0,
      PortBindings: portBindings(c),
      ...(c.networkMode ? { NetworkMode: c.networkMode } : {}),
      ...(c.dns ? { Dns: c.dns } : {}),
      ...(c.logConfig ? { LogConfig: c.logConfig } : {}),
      ...(c.autoRemove ? { AutoRemove: true } : {}),
    },
    Config: {
      User: c.user ?? '',
      Cmd: c.cmd ?? ['sh'],
      Entrypoint: c.entrypoint ?? null,
      Image: c.image ?? 'busybox',
      Tty: c.tty ?? false,
      OpenStdin: false,
      Labels: c.labels ?? {},
      Env: c.env ?? [],
      ...(c.workingDir ? { WorkingDir: c.workingDir } : {}),
      ...(c.exposed ? { ExposedPorts: Object.fromEntries(c.exposed.map((p) => [p, {}])) } : {}),
      ...(c.healthcheck ? { Healthcheck: c.healthcheck } : {}),
    },
    Mounts: c.mounts ?? [],
    ...networkSettings(c),
    ...(logPathOf(c) ? { LogPath: logPathOf(c) } : {}),
  };
}

/** A tar archive holding one file, as GET /containers/{id}/archive returns it. */
export function tarOf(name: string, content: string, mode = 0o644): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 'utf8');
  header.write(`${mode.toString(8).padStart(7, '0')}\0`, 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(content.length.toString(8).padStart(11, '0') + '\0', 124);
  header.write('00000000000\0', 136);
  header.write('0', 156);
  const body = Buffer.alloc(Math.ceil(content.length / 512) * 512);
  body.write(content);
  return Buffer.concat([header, body, Buffer.alloc(1024)]);
}

/** Text as the daemon streams a container's output without a TTY: one stdout frame (stream 1, big-endian size). */
export function stdoutFrame(text: string): Buffer {
  const body = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = 1;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

/** Engine routes serving these containers (list, inspect, logs, files) on top of a healthy daemon; `extra` wins. */
export function engineWith(containers: readonly ContainerFields[], extra: EngineRoutes = {}): EngineRoutes {
  const routes: EngineRoutes = { ...HEALTHY_ENGINE, '/containers/json': containers.map(containerSummary), ...extra };
  for (const c of containers) {
    const id = containerId(c);
    routes[`/containers/${id}/json`] = containerInspect(c);
    routes[`/containers/${id}/logs`] = c.tty ? (c.logs ?? '') : stdoutFrame(c.logs ?? '');
    for (const [file, entry] of Object.entries(c.files ?? {})) {
      const { content, mode } = typeof entry === 'string' ? { content: entry, mode: 0o644 } : entry;
      routes[`/containers/${id}/archive?path=${encodeURIComponent(file)}`] = tarOf(file.split('/').pop()!, content, mode);
    }
  }
  return routes;
}
