import type { ContainerSummary } from './types.js';

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

const objects = (value: unknown): Record<string, unknown>[] => (Array.isArray(value) ? value.filter(isObject) : []);
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
    Ports: objects(value.Ports).map((p) => pick(p, { IP: 'string', PrivatePort: 'number', PublicPort: 'number', Type: 'string' })) as unknown as ContainerSummary['Ports'],
    Labels: stringMap(value.Labels),
    Mounts: objects(value.Mounts).map((m) => pick(m, { Type: 'string', Name: 'string', Source: 'string', Destination: 'string', Mode: 'string', RW: 'boolean', Propagation: 'string' })) as unknown as ContainerSummary['Mounts'],
    HostConfig: isObject(value.HostConfig) ? pick(value.HostConfig, { NetworkMode: 'string' }) : undefined,
    NetworkSettings: networks
      ? { Networks: Object.fromEntries(Object.entries(networks).filter((e): e is [string, Record<string, unknown>] => isObject(e[1])).map(([name, n]) => [name, pick(n, { NetworkID: 'string', IPAddress: 'string' })])) }
      : undefined,
  } as ContainerSummary;
}
