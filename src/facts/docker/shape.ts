import type { EngineInfo, EngineVersion } from '../types.js';
import type { ContainerInspect, ContainerSummary, NetworkSummary } from './types.js';

/** A JSON object (not null, not a list). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

type Kind = 'string' | 'number' | 'boolean';

/** The fields of `value` whose type is the one named: a faulty daemon's wrong-typed field reads as absent. */
function pick(value: Record<string, unknown>, fields: Record<string, Kind>): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const [name, kind] of Object.entries(fields)) if (typeof value[name] === kind) kept[name] = value[name];
  return kept;
}

/** `value` itself, less those of the named fields whose type is not the one named: unnamed fields pass as they are. */
function dropMistyped(value: Record<string, unknown>, fields: Record<string, Kind>): Record<string, unknown> {
  const kept = { ...value };
  for (const [name, kind] of Object.entries(fields)) if (name in kept && typeof kept[name] !== kind) delete kept[name];
  return kept;
}

const objects = (value: unknown): Record<string, unknown>[] => (Array.isArray(value) ? value.filter(isObject) : []);
/** Mounts as both the list and inspect answers give them. */
const mounts = (value: unknown) =>
  objects(value).map((m) =>
    pick(m, {
      Type: 'string',
      Name: 'string',
      Source: 'string',
      Destination: 'string',
      Mode: 'string',
      RW: 'boolean',
      Propagation: 'string',
    }),
  );
const stringMap = (value: unknown): Record<string, string> =>
  isObject(value) ? Object.fromEntries(Object.entries(value).filter((e): e is [string, string] => typeof e[1] === 'string')) : {};

/**
 * One entry of GET /containers/json with every field the checks read in its documented type, or undefined without an
 * Id. The checks read these without guards, so a daemon answering `Mounts: 5` or `Names: [null]` must not reach them.
 */
export function containerSummaryShape(value: Record<string, unknown>): ContainerSummary | undefined {
  if (typeof value.Id !== 'string' || value.Id === '') return undefined;
  const networks = isObject(value.NetworkSettings) && isObject(value.NetworkSettings.Networks) ? value.NetworkSettings.Networks : undefined;
  return {
    ...value,
    Names: Array.isArray(value.Names) ? value.Names.filter((n): n is string => typeof n === 'string') : [],
    Image: typeof value.Image === 'string' ? value.Image : '',
    State: (typeof value.State === 'string' ? value.State : '') as ContainerSummary['State'],
    Status: typeof value.Status === 'string' ? value.Status : '',
    Ports: objects(value.Ports).map((p) =>
      pick(p, { IP: 'string', PrivatePort: 'number', PublicPort: 'number', Type: 'string' }),
    ) as unknown as ContainerSummary['Ports'],
    Labels: stringMap(value.Labels),
    Mounts: mounts(value.Mounts) as unknown as ContainerSummary['Mounts'],
    HostConfig: isObject(value.HostConfig) ? pick(value.HostConfig, { NetworkMode: 'string' }) : undefined,
    NetworkSettings: networks
      ? {
          Networks: Object.fromEntries(
            Object.entries(networks)
              .filter((e): e is [string, Record<string, unknown>] => isObject(e[1]))
              .map(([name, n]) => [name, pick(n, { NetworkID: 'string', IPAddress: 'string' })]),
          ),
        }
      : undefined,
  } as ContainerSummary;
}

const strings = (value: unknown): string[] | undefined =>
  Array.isArray(value) ? value.filter((s): s is string => typeof s === 'string') : undefined;
const bindings = (value: unknown) =>
  isObject(value)
    ? Object.fromEntries(
        Object.entries(value).map(([port, list]) => [port, objects(list).map((b) => pick(b, { HostIp: 'string', HostPort: 'string' }))]),
      )
    : undefined;

/** The scalar fields the checks read, by part of the inspect answer, with their documented types. */
const INSPECT_FIELDS: Record<'top' | 'state' | 'host' | 'config', Record<string, Kind>> = {
  top: {
    Id: 'string',
    Name: 'string',
    Created: 'string',
    Path: 'string',
    Image: 'string',
    RestartCount: 'number',
    ResolvConfPath: 'string',
    LogPath: 'string',
  },
  state: {
    Status: 'string',
    Running: 'boolean',
    Restarting: 'boolean',
    OOMKilled: 'boolean',
    Dead: 'boolean',
    Pid: 'number',
    ExitCode: 'number',
    Error: 'string',
    StartedAt: 'string',
    FinishedAt: 'string',
  },
  host: { NetworkMode: 'string', Memory: 'number', ReadonlyRootfs: 'boolean', UsernsMode: 'string' },
  config: {
    Hostname: 'string',
    User: 'string',
    Image: 'string',
    Tty: 'boolean',
    OpenStdin: 'boolean',
    WorkingDir: 'string',
    StopTimeout: 'number',
  },
};

/**
 * GET /containers/{id}/json with every field the checks read in its documented type (a wrong-typed one reads as
 * absent), or undefined when Id, State, Config or HostConfig is missing: then the answer is no container at all.
 */
export function containerInspectShape(value: unknown): ContainerInspect | undefined {
  if (!isObject(value) || typeof value.Id !== 'string' || !isObject(value.State) || !isObject(value.Config) || !isObject(value.HostConfig))
    return undefined;
  return {
    ...dropMistyped(value, INSPECT_FIELDS.top),
    Args: strings(value.Args) ?? [],
    State: stateShape(value.State),
    HostConfig: hostConfigShape(value.HostConfig),
    Config: configShape(value.Config),
    Mounts: mounts(value.Mounts),
    NetworkSettings: isObject(value.NetworkSettings) ? networkSettingsShape(value.NetworkSettings) : undefined,
  } as unknown as ContainerInspect;
}

function stateShape(state: Record<string, unknown>) {
  const health = isObject(state.Health)
    ? {
        ...pick(state.Health, { Status: 'string', FailingStreak: 'number' }),
        Log: objects(state.Health.Log).map((l) => pick(l, { Start: 'string', End: 'string', ExitCode: 'number', Output: 'string' })),
      }
    : undefined;
  return { ...dropMistyped(state, INSPECT_FIELDS.state), Health: health };
}

function hostConfigShape(host: Record<string, unknown>) {
  return {
    ...dropMistyped(host, INSPECT_FIELDS.host),
    Binds: strings(host.Binds),
    GroupAdd: strings(host.GroupAdd),
    Dns: strings(host.Dns),
    DnsOptions: strings(host.DnsOptions),
    DnsSearch: strings(host.DnsSearch),
    PortBindings: bindings(host.PortBindings),
    RestartPolicy:
      isObject(host.RestartPolicy) && typeof host.RestartPolicy.Name === 'string'
        ? pick(host.RestartPolicy, { Name: 'string', MaximumRetryCount: 'number' })
        : undefined,
    LogConfig:
      isObject(host.LogConfig) && typeof host.LogConfig.Type === 'string'
        ? { Type: host.LogConfig.Type, Config: stringMap(host.LogConfig.Config) }
        : undefined,
  };
}

function configShape(config: Record<string, unknown>) {
  return {
    ...dropMistyped(config, INSPECT_FIELDS.config),
    Env: strings(config.Env),
    Cmd: strings(config.Cmd),
    Entrypoint: strings(config.Entrypoint),
    Labels: stringMap(config.Labels),
    ExposedPorts: isObject(config.ExposedPorts)
      ? Object.fromEntries(Object.entries(config.ExposedPorts).filter((e): e is [string, Record<string, unknown>] => isObject(e[1])))
      : undefined,
  };
}

function networkSettingsShape(settings: Record<string, unknown>) {
  const networks = isObject(settings.Networks) ? settings.Networks : undefined;
  return {
    Ports: bindings(settings.Ports),
    Networks: networks
      ? Object.fromEntries(
          Object.entries(networks)
            .filter((e): e is [string, Record<string, unknown>] => isObject(e[1]))
            .map(([name, n]) => [
              name,
              { ...pick(n, { NetworkID: 'string', IPAddress: 'string' }), Aliases: strings(n.Aliases), DNSNames: strings(n.DNSNames) },
            ]),
        )
      : undefined,
  };
}

/**
 * One entry of GET /networks with the fields the checks read in their documented types, or undefined without a Name
 * (the checks name networks in titles and fixes). IPAM.Config entries that are not objects are dropped and a
 * wrong-typed Subnet or Gateway reads as absent: `Config: [null]` or `{Subnet: 5}` says nothing about a pool.
 */
export function networkSummaryShape(value: Record<string, unknown>): NetworkSummary | undefined {
  if (typeof value.Name !== 'string' || value.Name === '') return undefined;
  const ipam = isObject(value.IPAM) ? value.IPAM : undefined;
  return {
    ...pick(value, { Name: 'string', Id: 'string', Internal: 'boolean' }),
    Driver: typeof value.Driver === 'string' ? value.Driver : '',
    Options: stringMap(value.Options),
    Labels: stringMap(value.Labels),
    IPAM: ipam ? { Config: objects(ipam.Config).map((c) => pick(c, { Subnet: 'string', Gateway: 'string' })) } : undefined,
  } as NetworkSummary;
}

/**
 * GET /version with its fields in their documented types (a wrong-typed one reads as absent: `ApiVersion: 1.41` is no
 * version to negotiate from), or undefined when the answer is not an object at all.
 */
export function engineVersionShape(value: unknown): EngineVersion | undefined {
  if (!isObject(value)) return undefined;
  const fields: Record<string, Kind> = {
    Version: 'string',
    ApiVersion: 'string',
    MinAPIVersion: 'string',
    Os: 'string',
    Arch: 'string',
    KernelVersion: 'string',
  };
  // Podman names itself by a component's Name; a Version is not always given.
  const components = Array.isArray(value.Components)
    ? objects(value.Components)
        .filter((c) => typeof c.Name === 'string')
        .map((c) => pick(c, { Name: 'string', Version: 'string' }))
    : undefined;
  return { ...dropMistyped(value, fields), Components: components } as EngineVersion;
}

/** The scalar fields of GET /info the checks read, with their documented types. */
const INFO_FIELDS: Record<string, Kind> = {
  ID: 'string',
  Name: 'string',
  ServerVersion: 'string',
  OperatingSystem: 'string',
  OSType: 'string',
  Architecture: 'string',
  KernelVersion: 'string',
  DockerRootDir: 'string',
  Driver: 'string',
  IPv4Forwarding: 'boolean',
  LoggingDriver: 'string',
  CgroupVersion: 'string',
  Containers: 'number',
  ContainersRunning: 'number',
  ContainersStopped: 'number',
  Images: 'number',
  HttpProxy: 'string',
  HttpsProxy: 'string',
  NoProxy: 'string',
};

/**
 * GET /info with every field the checks read in its documented type (`DockerRootDir: 5` reads as absent, `Warnings:
 * [5]` as no warning), or undefined when the answer is not an object at all.
 */
export function engineInfoShape(value: unknown): EngineInfo | undefined {
  if (!isObject(value)) return undefined;
  return {
    ...dropMistyped(value, INFO_FIELDS),
    SecurityOptions: strings(value.SecurityOptions),
    Warnings: strings(value.Warnings),
  } as EngineInfo;
}
