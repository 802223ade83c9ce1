import path from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type YAMLMap } from 'yaml';
import type { FsClient } from '../clients.js';
import { COMPOSE_FILE_NAMES } from './discover.js';
import { interpolate, InterpolationError, parseDotEnv } from './interpolate.js';

export interface SourceLocation {
  /** Path relative to the project directory, as users see it. */
  file: string;
  line: number;
  column: number;
}

export interface ComposePort {
  hostIp: string;
  /** First and last host port; undefined when compose picks an ephemeral port. */
  published?: { from: number; to: number };
  target: string;
  protocol: 'tcp' | 'udp' | 'sctp';
  raw: string;
  at: SourceLocation;
}

export interface ComposeVolume {
  type: 'bind' | 'volume' | 'tmpfs' | 'other';
  /** Absolute host path for binds; the volume name otherwise. */
  source?: string;
  /** The source as written, for messages. */
  sourceAsWritten?: string;
  target: string;
  readOnly: boolean;
  /** Short syntax creates a missing bind source; long syntax only with bind.create_host_path. */
  createHostPath: boolean;
  selinux?: 'z' | 'Z';
  at: SourceLocation;
}

/** A `dockerfile_inline:` build: the Dockerfile text, and the compose line its first line sits on. */
export interface InlineDockerfile {
  text: string;
  file: string;
  /** Line of the text's first line; a one-line (quoted) value puts every instruction on this line. */
  line: number;
  /** True for a block scalar (`|`), where the text's line n is `line + n - 1`. */
  block: boolean;
}

export interface ComposeService {
  name: string;
  at: SourceLocation;
  image?: string;
  build?: { context: string; dockerfile: string; at: SourceLocation; inline?: InlineDockerfile; target?: string };
  command?: { value: string; at: SourceLocation };
  entrypoint?: { value: string; at: SourceLocation };
  user?: { value: string; at: SourceLocation };
  containerName?: string;
  ports: ComposePort[];
  /** Container ports listed under `expose:` (reachable from other services, never published). */
  expose: string[];
  /** The service's `profiles:`; empty means it always starts. */
  profiles: string[];
  volumes: ComposeVolume[];
  environment: { name: string; value: string; at: SourceLocation }[];
  networkMode?: string;
  networks: string[];
  replicas?: number;
  readOnly: boolean;
  dns: string[];
}

export interface ComposeProblem extends SourceLocation {
  message: string;
}

export interface ComposeProject {
  /** The project name compose would use (name:, COMPOSE_PROJECT_NAME, or the directory). */
  name: string;
  dir: string;
  files: string[];
  services: ComposeService[];
  problems: ComposeProblem[];
}

/** Reads the project's compose file (and its override file) with line numbers, interpolated from .env and the environment. */
export async function loadCompose(fs: FsClient, dir: string, env: Record<string, string | undefined>): Promise<ComposeProject | null> {
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  const main = COMPOSE_FILE_NAMES.find((n) => names.includes(n));
  if (!main) return null;
  const override = [main.replace(/\.(ya?ml)$/, '.override.$1'), main.replace(/\.yaml$/, '.override.yml'), main.replace(/\.yml$/, '.override.yaml')].find((n) => n !== main && names.includes(n));
  const files = override ? [main, override] : [main];
  const dotEnv = parseDotEnv((await fs.readText(path.join(dir, '.env')).catch(() => undefined)) ?? '');
  // Shell variables win over .env, as in compose.
  const vars: Record<string, string | undefined> = { ...dotEnv, ...env };
  const project: ComposeProject = { name: '', dir, files, services: [], problems: [] };
  const byName = new Map<string, ComposeService>();
  let declaredName: string | undefined;

  for (const file of files) {
    const text = await fs.readText(path.join(dir, file)).catch((error: Error) => {
      project.problems.push({ file, line: 1, column: 1, message: `cannot be read: ${error.message}` });
      return undefined;
    });
    if (text === undefined) continue;
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    const at = (node: Node | null | undefined): SourceLocation => {
      const pos = lines.linePos(node?.range?.[0] ?? 0);
      return { file, line: pos.line, column: pos.col };
    };
    if (doc.errors.length > 0) {
      for (const error of doc.errors) {
        const pos = lines.linePos(error.pos[0]);
        project.problems.push({ file, line: pos.line, column: pos.col, message: error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '') });
      }
      continue;
    }
    const root = doc.contents;
    if (!isMap(root)) {
      project.problems.push({ file, ...lineCol(at(root)), message: 'the top level must be a mapping with "services:"' });
      continue;
    }
    const str = (node: unknown): string | undefined => {
      if (!isScalar(node) || node.value === null || node.value === undefined) return undefined;
      try {
        return interpolate(String(node.value), vars);
      } catch (error) {
        if (error instanceof InterpolationError) {
          project.problems.push({ file, ...lineCol(at(node as Node)), message: error.message });
          return undefined;
        }
        throw error;
      }
    };
    const nameNode = root.get('name', true);
    if (str(nameNode)) declaredName = str(nameNode);
    const services = root.get('services', true);
    if (!isMap(services)) continue;
    for (const pair of services.items) {
      const name = isScalar(pair.key) ? String(pair.key.value) : undefined;
      if (!name || !isMap(pair.value)) continue;
      const service = byName.get(name) ?? { name, at: at(pair.key as Node), ports: [], expose: [], profiles: [], volumes: [], environment: [], networks: [], readOnly: false, dns: [] };
      byName.set(name, service);
      readService(service, pair.value, { dir, str, at, problems: project.problems, file });
    }
  }
  project.services = [...byName.values()];
  project.name = normaliseProjectName(declaredName ?? env.COMPOSE_PROJECT_NAME ?? path.basename(dir));
  return project;
}

function lineCol(loc: SourceLocation): { line: number; column: number } {
  return { line: loc.line, column: loc.column };
}

/** Compose lowercases the name and keeps only [a-z0-9_-]. */
export function normaliseProjectName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9_-]/g, '');
}

const REMOTE_CONTEXT = /^([a-z][a-z0-9+.-]*:\/\/|git@)/i;

interface Reader {
  dir: string;
  file: string;
  str(node: unknown): string | undefined;
  at(node: Node | null | undefined): SourceLocation;
  problems: ComposeProblem[];
}

function readService(service: ComposeService, map: YAMLMap, r: Reader): void {
  const get = (key: string) => map.get(key, true) as Node | undefined;
  const image = r.str(get('image'));
  if (image) service.image = image;
  const containerName = r.str(get('container_name'));
  if (containerName) service.containerName = containerName;
  for (const key of ['command', 'entrypoint'] as const) {
    const node = get(key);
    if (!node) continue;
    const value = isSeq(node) ? node.items.map((i) => r.str(i) ?? '').join(' ') : r.str(node);
    if (value !== undefined) service[key] = { value, at: r.at(node) };
  }
  const user = get('user');
  if (user && r.str(user) !== undefined) service.user = { value: r.str(user)!, at: r.at(user) };
  const build = get('build');
  if (build) {
    if (isMap(build)) {
      const context = r.str(build.get('context', true)) ?? '.';
      const inlineNode = build.get('dockerfile_inline', true) as Node | undefined;
      const inlineText = r.str(inlineNode);
      const block = isScalar(inlineNode) && (inlineNode.type === 'BLOCK_LITERAL' || inlineNode.type === 'BLOCK_FOLDED');
      // A git or URL context is fetched by the builder: there is nothing on this host to measure.
      if (!REMOTE_CONTEXT.test(context)) {
        service.build = {
          context: path.resolve(r.dir, context),
          dockerfile: r.str(build.get('dockerfile', true)) ?? 'Dockerfile',
          at: r.at(build),
          ...(r.str(build.get('target', true)) ? { target: r.str(build.get('target', true))! } : {}),
          ...(inlineText !== undefined ? { inline: { text: inlineText, file: r.file, line: r.at(inlineNode).line + (block ? 1 : 0), block } } : {}),
        };
      }
    } else if (r.str(build) && !REMOTE_CONTEXT.test(r.str(build)!)) {
      service.build = { context: path.resolve(r.dir, r.str(build)!), dockerfile: 'Dockerfile', at: r.at(build) };
    }
  }
  const networkMode = r.str(get('network_mode'));
  if (networkMode) service.networkMode = networkMode;
  const networks = get('networks');
  if (isSeq(networks)) service.networks = networks.items.map((i) => r.str(i)).filter((n): n is string => !!n);
  else if (isMap(networks)) service.networks = networks.items.map((p) => (isScalar(p.key) ? String(p.key.value) : '')).filter(Boolean);
  const readOnly = get('read_only');
  if (isScalar(readOnly)) service.readOnly = readOnly.value === true || r.str(readOnly) === 'true';
  const dns = get('dns');
  if (isSeq(dns)) service.dns = dns.items.map((i) => r.str(i)).filter((n): n is string => !!n);
  else if (r.str(dns)) service.dns = [r.str(dns)!];

  for (const key of ['expose', 'profiles'] as const) {
    const list = get(key);
    if (isSeq(list)) service[key] = list.items.map((i) => r.str(i)).filter((v): v is string => !!v);
  }

  const deploy = get('deploy');
  const replicas = isMap(deploy) ? r.str(deploy.get('replicas', true)) : undefined;
  const scale = r.str(get('scale'));
  const count = Number(replicas ?? scale);
  if (Number.isFinite(count) && (replicas ?? scale) !== undefined) service.replicas = count;

  const ports = get('ports');
  if (isSeq(ports)) {
    for (const item of ports.items as Node[]) {
      const port = isMap(item) ? longPort(item, r) : shortPort(r.str(item), r.at(item), r);
      if (port) service.ports.push(port);
    }
  }
  const volumes = get('volumes');
  if (isSeq(volumes)) {
    for (const item of volumes.items as Node[]) {
      const volume = isMap(item) ? longVolume(item, r) : shortVolume(r.str(item), r.at(item), r.dir);
      if (volume) service.volumes.push(volume);
    }
  }
  const environment = get('environment');
  if (isMap(environment)) {
    for (const pair of environment.items) {
      const name = isScalar(pair.key) ? String(pair.key.value) : '';
      if (name) service.environment.push({ name, value: r.str(pair.value) ?? '', at: r.at(pair.key as Node) });
    }
  } else if (isSeq(environment)) {
    for (const item of environment.items as Node[]) {
      const entry = r.str(item) ?? '';
      const eq = entry.indexOf('=');
      service.environment.push({ name: eq === -1 ? entry : entry.slice(0, eq), value: eq === -1 ? '' : entry.slice(eq + 1), at: r.at(item) });
    }
  }
}

const PORT_RANGE = /^(\d+)(?:-(\d+))?$/;

/** "8080:80", "127.0.0.1:8080:80/udp", "[::1]:8080:80", "8000-8010:80-90", "80" (ephemeral host port). */
export function shortPort(raw: string | undefined, at: SourceLocation, r?: Pick<Reader, 'problems'>): ComposePort | undefined {
  if (raw === undefined || raw === '') return undefined;
  const [spec, protocolPart] = raw.split('/') as [string, string | undefined];
  const protocol = (protocolPart ?? 'tcp').toLowerCase();
  let hostIp = '';
  let rest = spec;
  const v6 = /^\[([^\]]+)\]:(.*)$/.exec(spec);
  if (v6) {
    hostIp = v6[1]!;
    rest = v6[2]!;
  }
  const parts = rest.split(':');
  let published: string | undefined;
  let target: string;
  if (parts.length === 1) target = parts[0]!;
  else if (parts.length === 2) [published, target] = parts as [string, string];
  else if (parts.length === 3 && !v6) [hostIp, published, target] = parts as [string, string, string];
  else {
    r?.problems.push({ ...at, message: `invalid port "${raw}"` });
    return undefined;
  }
  if (protocol !== 'tcp' && protocol !== 'udp' && protocol !== 'sctp') {
    r?.problems.push({ ...at, message: `invalid protocol in port "${raw}"` });
    return undefined;
  }
  const range = published ? PORT_RANGE.exec(published) : null;
  if (published && !range) {
    r?.problems.push({ ...at, message: `invalid published port in "${raw}"` });
    return undefined;
  }
  return {
    hostIp,
    published: range ? { from: Number(range[1]), to: Number(range[2] ?? range[1]) } : undefined,
    target,
    protocol,
    raw,
    at,
  };
}

function longPort(map: YAMLMap, r: Reader): ComposePort | undefined {
  const target = r.str(map.get('target', true));
  if (!target) return undefined;
  const published = r.str(map.get('published', true));
  const range = published ? PORT_RANGE.exec(published) : null;
  const protocol = (r.str(map.get('protocol', true)) ?? 'tcp').toLowerCase() as ComposePort['protocol'];
  return {
    hostIp: r.str(map.get('host_ip', true)) ?? '',
    published: range ? { from: Number(range[1]), to: Number(range[2] ?? range[1]) } : undefined,
    target,
    protocol,
    raw: `${published ?? ''}:${target}/${protocol}`,
    at: r.at(map),
  };
}

function isHostPath(source: string): boolean {
  return source.startsWith('.') || source.startsWith('/') || source.startsWith('~');
}

function resolveHostPath(dir: string, source: string): string {
  if (source.startsWith('~')) return path.join(process.env.HOME ?? '~', source.slice(1));
  return path.resolve(dir, source);
}

/** "./data:/data:ro", "/abs:/x:z", "named:/x", "/only-target". */
export function shortVolume(raw: string | undefined, at: SourceLocation, dir: string): ComposeVolume | undefined {
  if (!raw) return undefined;
  const parts = raw.split(':');
  if (parts.length === 1) return { type: 'volume', target: parts[0]!, readOnly: false, createHostPath: false, at };
  const [source, target, options = ''] = parts as [string, string, string | undefined];
  const opts = options.split(',');
  const selinux = opts.includes('Z') ? 'Z' : opts.includes('z') ? 'z' : undefined;
  if (!isHostPath(source)) return { type: 'volume', source, target, readOnly: opts.includes('ro'), createHostPath: false, at };
  return { type: 'bind', source: resolveHostPath(dir, source), sourceAsWritten: source, target, readOnly: opts.includes('ro'), createHostPath: true, ...(selinux ? { selinux } : {}), at };
}

function longVolume(map: YAMLMap, r: Reader): ComposeVolume | undefined {
  const type = r.str(map.get('type', true)) ?? 'volume';
  const target = r.str(map.get('target', true));
  if (!target) return undefined;
  const source = r.str(map.get('source', true));
  const readOnlyNode = map.get('read_only', true);
  const readOnly = isScalar(readOnlyNode) && (readOnlyNode.value === true || String(readOnlyNode.value) === 'true');
  const bind = map.get('bind', true);
  const createNode = isMap(bind) ? bind.get('create_host_path', true) : undefined;
  const createHostPath = isScalar(createNode) && (createNode.value === true || String(createNode.value) === 'true');
  const selinuxRaw = isMap(bind) ? r.str(bind.get('selinux', true)) : undefined;
  const selinux = selinuxRaw === 'z' || selinuxRaw === 'Z' ? selinuxRaw : undefined;
  if (type === 'bind' && source) {
    return { type: 'bind', source: resolveHostPath(r.dir, source), sourceAsWritten: source, target, readOnly, createHostPath, ...(selinux ? { selinux } : {}), at: r.at(map) };
  }
  return { type: type === 'volume' || type === 'tmpfs' ? type : 'other', source, target, readOnly, createHostPath: false, at: r.at(map) };
}
