import path from 'node:path';
import { isMap, isScalar, isSeq, type Node, type YAMLMap } from 'yaml';
import type { ComposeService, SourceLocation } from './compose.js';

/*
 * The service keys the health, readiness, volume and configuration checks read: healthcheck, depends_on, env_file,
 * extra_hosts and where each network is named. Values are interpolated as compose does; durations and counts stay
 * as written, so a check can say what is wrong with them ("30" without a unit).
 */

/** The reads compose.ts's Reader offers: interpolated scalars, locations, the service's directory. */
export interface ExtrasReader {
  dir: string;
  str(node: unknown): string | undefined;
  at(node: Node | null | undefined): SourceLocation;
}

export interface ComposeHealthcheck {
  /** `test:` as written: a list (`["CMD", "curl", …]`, `["CMD-SHELL", "…"]`, `["NONE"]`) or a bare string (run by a shell). */
  test?: { value: string[] | string; at: SourceLocation };
  interval?: { value: string; at: SourceLocation };
  timeout?: { value: string; at: SourceLocation };
  startPeriod?: { value: string; at: SourceLocation };
  startInterval?: { value: string; at: SourceLocation };
  retries?: { value: string; at: SourceLocation };
  disable: boolean;
  at: SourceLocation;
}

export interface ComposeDependency {
  service: string;
  /** `service_started` for the short form (a list of names), else as written. */
  condition: string;
  /** `restart: true` (compose 2.17+): restart this service when the dependency is restarted. */
  restart?: boolean;
  /** `required: false` (compose 2.20+): a missing or disabled dependency is only a warning. */
  required: boolean;
  form: 'short' | 'long';
  at: SourceLocation;
}

export interface ComposeEnvFile {
  /** Absolute path. */
  path: string;
  asWritten: string;
  /** `required: false` (compose 2.24+) makes a missing file no error. */
  required: boolean;
  at: SourceLocation;
}

type Get = (key: string) => Node | undefined;

/** Reads the extra keys of one service map over what earlier files or its base set (later files replace them). */
export function readServiceExtras(service: ComposeService, map: YAMLMap, r: ExtrasReader): void {
  // A `!reset` value clears what came before (compose.ts's applyResets) and sets nothing.
  const get: Get = (key) => {
    const node = map.get(key, true) as Node | undefined;
    return node?.tag === '!reset' ? undefined : node;
  };
  const healthcheck = get('healthcheck');
  if (isMap(healthcheck)) service.healthcheck = readHealthcheck(healthcheck, r, service.healthcheck);
  const dependsOn = get('depends_on');
  if (dependsOn) service.dependsOn = mergeByName(service.dependsOn, readDependsOn(dependsOn, r), (d) => d.service);
  const envFile = get('env_file');
  if (envFile) service.envFiles = [...service.envFiles, ...readEnvFiles(envFile, r)];
  const extraHosts = get('extra_hosts');
  if (extraHosts) service.extraHosts = [...service.extraHosts, ...readExtraHosts(extraHosts, r)];
  const networks = get('networks');
  if (isSeq(networks)) service.networkRefs = (networks.items as Node[]).flatMap((i) => named(r.str(i), r.at(i)));
  else if (isMap(networks))
    service.networkRefs = networks.items.flatMap((p) => named(isScalar(p.key) ? String(p.key.value) : undefined, r.at(p.key as Node)));
  if (get('build') !== undefined) service.declaresBuild = true;
}

function named(name: string | undefined, at: SourceLocation): { name: string; at: SourceLocation }[] {
  return name ? [{ name, at }] : [];
}

function mergeByName<T>(earlier: T[], later: T[], key: (t: T) => string): T[] {
  const replaced = new Set(later.map(key));
  return [...earlier.filter((t) => !replaced.has(key(t))), ...later];
}

const HEALTH_KEYS = [
  ['interval', 'interval'],
  ['timeout', 'timeout'],
  ['start_period', 'startPeriod'],
  ['start_interval', 'startInterval'],
  ['retries', 'retries'],
] as const;

function readHealthcheck(map: YAMLMap, r: ExtrasReader, earlier: ComposeHealthcheck | undefined): ComposeHealthcheck {
  const check: ComposeHealthcheck = { ...earlier, disable: earlier?.disable ?? false, at: r.at(map) };
  const test = map.get('test', true) as Node | undefined;
  if (isSeq(test)) check.test = { value: (test.items as Node[]).map((i) => r.str(i) ?? ''), at: r.at(test) };
  else if (r.str(test) !== undefined) check.test = { value: r.str(test)!, at: r.at(test) };
  for (const [key, field] of HEALTH_KEYS) {
    const node = map.get(key, true) as Node | undefined;
    const value = r.str(node);
    if (value !== undefined) check[field] = { value, at: r.at(node) };
  }
  const disable = map.get('disable', true) as Node | undefined;
  if (isScalar(disable)) check.disable = disable.value === true || r.str(disable) === 'true';
  return check;
}

function readDependsOn(node: Node, r: ExtrasReader): ComposeDependency[] {
  if (isSeq(node))
    return (node.items as Node[]).flatMap((item) => {
      const service = r.str(item);
      return service ? [{ service, condition: 'service_started', required: true, form: 'short' as const, at: r.at(item) }] : [];
    });
  if (!isMap(node)) return [];
  return node.items.flatMap((pair) => {
    const service = isScalar(pair.key) ? String(pair.key.value) : '';
    if (!service) return [];
    const value = pair.value as Node | null;
    const get = (key: string) => (isMap(value) ? r.str(value.get(key, true)) : undefined);
    const restart = get('restart');
    return [
      {
        service,
        condition: get('condition') ?? 'service_started',
        ...(restart !== undefined ? { restart: restart === 'true' } : {}),
        required: get('required') !== 'false',
        form: 'long' as const,
        at: r.at(pair.key as Node),
      },
    ];
  });
}

function readEnvFiles(node: Node, r: ExtrasReader): ComposeEnvFile[] {
  const items = isSeq(node) ? (node.items as Node[]) : [node];
  return items.flatMap((item) => {
    const asWritten = isMap(item) ? r.str(item.get('path', true)) : r.str(item);
    if (!asWritten) return [];
    const required = isMap(item) ? r.str(item.get('required', true)) !== 'false' : true;
    return [{ path: path.resolve(r.dir, asWritten), asWritten, required, at: r.at(item) }];
  });
}

function readExtraHosts(node: Node, r: ExtrasReader): { value: string; at: SourceLocation }[] {
  if (isSeq(node)) return (node.items as Node[]).flatMap((i) => (r.str(i) ? [{ value: r.str(i)!, at: r.at(i) }] : []));
  if (!isMap(node)) return [];
  // The mapping form (`host.docker.internal: host-gateway`) reads as `name:value`, as the list form writes it.
  return node.items.flatMap((p) => {
    const name = isScalar(p.key) ? String(p.key.value) : '';
    const value = r.str(p.value);
    return name && value !== undefined ? [{ value: `${name}:${value}`, at: r.at(p.key as Node) }] : [];
  });
}
