import path from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type YAMLMap } from 'yaml';
import type { FsClient } from '../clients.js';
import { findComposeFiles, projectVars, readEnvFile, readProjectFile, type ComposeSources, type Vars } from './compose-files.js';
import { duplicateKeys, hasMoreValues, MAX_COMPOSE_VALUES, resolveAliasesAndMerges } from './compose-yaml.js';
import { interpolate, InterpolationError } from './interpolate.js';
import { readServiceExtras, type ComposeDependency, type ComposeEnvFile, type ComposeHealthcheck } from './compose-service-extras.js';
import { unsetVariables, walkComposeFile, type ComposeDocument, type UnsetVariable } from './compose-walk.js';

export type { ComposeDependency, ComposeEnvFile, ComposeHealthcheck } from './compose-service-extras.js';
export type { ComposeDocument, UnsetVariable } from './compose-walk.js';

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
  /** Whether `docker compose up` starts it: no profiles, or one of them enabled by COMPOSE_PROFILES. */
  active: boolean;
  volumes: ComposeVolume[];
  /** form: how the block is written (`KEY: value` in a mapping, `- KEY=value` in a list), so a fix can use the same syntax. */
  environment: { name: string; value: string; at: SourceLocation; form: 'mapping' | 'list' }[];
  networkMode?: string;
  networks: string[];
  replicas?: number;
  readOnly: boolean;
  dns: string[];
  /** The networks of `networks:` with where each is named (`networks` holds the names alone). */
  networkRefs: { name: string; at: SourceLocation }[];
  healthcheck?: ComposeHealthcheck;
  dependsOn: ComposeDependency[];
  envFiles: ComposeEnvFile[];
  /** `extra_hosts` entries as `name:address` (`host.docker.internal:host-gateway`). */
  extraHosts: { value: string; at: SourceLocation }[];
  /** `build:` is written, even where `build` is left out (a remote context, values that cannot be read). */
  declaresBuild: boolean;
}

/** A top-level `networks:` or `volumes:` entry. */
export interface ComposeResource {
  /** The key in the file. */
  key: string;
  /** The engine's name: `name:` or the external name as written, else `<project>_<key>` (external: the key). */
  name: string;
  external: boolean;
  at: SourceLocation;
}

/** Something in the compose files that makes compose refuse the project (`up`, `build` and `config` stop on it). */
export interface ComposeProblem extends SourceLocation {
  message: string;
  /**
   * 'yaml': the file is not valid YAML (errors after the first in a file usually follow from it); 'variable': a
   * required variable (`${NAME:?err}`, `${NAME?err}`) has no value; absent for any other problem.
   */
  kind?: 'yaml' | 'variable';
  /** For kind 'variable': the variable's name. */
  variable?: string;
}

export interface ComposeProject {
  /** The project name compose would use (COMPOSE_PROJECT_NAME, else name:, else the project directory's name). */
  name: string;
  /** The directory locations are relative to (where the user runs docker-doctor). */
  dir: string;
  /** Compose's project directory: the first file's directory; relative paths and the default name come from it. */
  workingDir: string;
  /** The compose files read, relative to `dir`, in merge order (included and extended files not listed). */
  files: string[];
  /** Profiles enabled by COMPOSE_PROFILES (from the environment or .env). */
  profiles: string[];
  services: ComposeService[];
  /** Top-level `networks:` and `volumes:` of every file read (later files override earlier keys). */
  networks: ComposeResource[];
  volumes: ComposeResource[];
  /** The obsolete top-level `version:`, where a file still has one. */
  version?: { value: string; at: SourceLocation };
  problems: ComposeProblem[];
  /** Variables used without a default and set nowhere (compose: "Defaulting to a blank string"), in any value of any file read. */
  unsetVariables: UnsetVariable[];
  /** Every file read (included and extended ones too), interpolated, as plain data with its locations. */
  documents: ComposeDocument[];
}

export interface LoadOptions {
  /** The files to read (absolute), as the labels of a running project name them; default: what compose discovers in `dir`. */
  files?: string[];
  /** Already discovered sources, so discovery is not repeated. */
  sources?: ComposeSources;
  /** The directory locations are relative to; default `dir`. */
  locationsFrom?: string;
}

/**
 * Reads a project's compose files the way `docker compose` does: COMPOSE_FILE or the default names and override file,
 * .env and the environment for interpolation, YAML anchors and merge keys, `extends`, `include`, profiles, and the
 * project name. Every value keeps the file and line it is written at.
 */
export async function loadCompose(fs: FsClient, dir: string, env: Vars, options: LoadOptions = {}): Promise<ComposeProject | null> {
  const sources =
    options.sources ??
    (options.files ? { files: options.files, vars: await projectVars(fs, dir, env) } : await findComposeFiles(fs, dir, env));
  if (!sources || sources.files.length === 0) return null;
  const locationsFrom = options.locationsFrom ?? dir;
  const { files, vars } = sources;
  const workingDir = path.dirname(files[0]!);
  const loader = new ComposeLoader(fs, locationsFrom, vars.HOME);
  // A .env that exists but cannot be read (a FIFO, a device, no permission) leaves its variables unset: say why.
  if (!/^(1|true)$/i.test(env.COMPOSE_DISABLE_ENV_FILE ?? '')) {
    const dotEnv = await readProjectFile(fs, path.join(dir, '.env'));
    if ('problem' in dotEnv)
      loader.problems.push({
        file: path.relative(locationsFrom, path.join(dir, '.env')),
        line: 1,
        column: 1,
        message: `.env ${dotEnv.problem}, so compose cannot read its variables`,
      });
  }
  const model = await loader.loadModel(files, vars, workingDir, []);
  const profiles = (vars.COMPOSE_PROFILES ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  const services = [...model.services.values()];
  for (const service of services)
    service.active = service.profiles.length === 0 || profiles.includes('*') || service.profiles.some((p) => profiles.includes(p));
  // The environment wins over name:, which wins over the directory (compose-go's withNamePrecedenceLoad).
  const name = normaliseProjectName(vars.COMPOSE_PROJECT_NAME || model.declaredName || path.basename(workingDir));
  const resources = (map: Model['networks']) =>
    [...map.values()].map((r) => ({ ...r, name: r.name ?? (r.external ? r.key : `${name}_${r.key}`) }));
  return {
    name,
    dir: locationsFrom,
    workingDir,
    files: files.map((f) => path.relative(locationsFrom, f)),
    profiles,
    services,
    networks: resources(model.networks),
    volumes: resources(model.volumes),
    ...(model.version ? { version: model.version } : {}),
    problems: dedupe(loader.problems),
    unsetVariables: unsetVariables(loader.unset),
    documents: [...loader.documents.values()],
  };
}

interface ParsedFile {
  abs: string;
  /** Relative to the locations directory. */
  file: string;
  root: YAMLMap;
  at(node: Node | null | undefined): SourceLocation;
}

/** The service an `extends:` names, with the reader of its file. */
interface Base {
  /** `<file>#<service>`, as cycles are told apart. */
  key: string;
  name: string;
  map: YAMLMap;
  reader: Reader;
  parsed: ParsedFile;
}

interface Model {
  services: Map<string, ComposeService>;
  networks: Map<string, Omit<ComposeResource, 'name'> & { name?: string }>;
  volumes: Map<string, Omit<ComposeResource, 'name'> & { name?: string }>;
  version?: { value: string; at: SourceLocation };
  declaredName?: string;
}

class ComposeLoader {
  readonly problems: ComposeProblem[] = [];
  readonly unset = new Map<string, SourceLocation[]>();
  /** Each file walked once (compose-walk.ts), with the variables of the first project that reads it. */
  readonly documents = new Map<string, ComposeDocument>();
  private readonly parsed = new Map<string, Promise<ParsedFile | undefined>>();
  /** Base services already resolved, by the variables they were read with (resolvedBase). */
  private readonly resolvedBases = new Map<Vars, Map<string, ComposeService>>();

  constructor(
    private readonly fs: FsClient,
    private readonly locationsFrom: string,
    private readonly home: string | undefined,
  ) {}

  /** Files merged in order (later ones override), with their includes; relative paths resolve from `projectDir`. */
  async loadModel(files: string[], vars: Vars, projectDir: string, chain: string[]): Promise<Model> {
    const model: Model = { services: new Map(), networks: new Map(), volumes: new Map() };
    for (const abs of files) {
      const parsed = await this.parse(abs);
      if (!parsed) continue;
      const r = this.reader(parsed, vars, projectDir);
      const declared = r.str(parsed.root.get('name', true));
      if (declared) model.declaredName = declared;
      readTopLevel(model, parsed.root, r);
      const services = parsed.root.get('services', true);
      const own = new Set<string>();
      if (isMap(services)) {
        for (const pair of services.items) {
          const name = isScalar(pair.key) ? String(pair.key.value) : undefined;
          if (!name || !isMap(pair.value)) continue;
          own.add(name);
          const fresh = !model.services.has(name);
          const service = model.services.get(name) ?? newService(name, parsed.at(pair.key as Node));
          model.services.set(name, service);
          await this.applyService(service, pair.value, r, parsed, new Set([`${abs}#${name}`]), fresh);
        }
      }
      await this.include(parsed, r, vars, projectDir, model, [...chain, abs]);
    }
    return model;
  }

  /** Top-level `include:`: each entry is its own project (own directory and .env) whose services join this one. */
  private async include(parsed: ParsedFile, r: Reader, vars: Vars, projectDir: string, model: Model, chain: string[]): Promise<void> {
    const list = parsed.root.get('include', true);
    if (!isSeq(list)) return;
    for (const item of list.items as Node[]) {
      const pathNode = isMap(item) ? (item.get('path', true) as Node | undefined) : item;
      const paths = (isSeq(pathNode) ? pathNode.items.map((i) => r.str(i)) : [r.str(pathNode)]).filter((p): p is string => !!p);
      if (paths.length === 0) continue;
      const files = paths.map((p) => path.resolve(projectDir, p));
      if (chain.includes(files[0]!)) {
        this.problems.push({ ...r.at(item), message: `include cycle: ${path.relative(this.locationsFrom, files[0]!)} includes itself` });
        continue;
      }
      const projectDirectory = isMap(item) ? r.str(item.get('project_directory', true)) : undefined;
      const includedDir = projectDirectory ? path.resolve(projectDir, projectDirectory) : path.dirname(files[0]!);
      const envNode = isMap(item) ? (item.get('env_file', true) as Node | undefined) : undefined;
      const envFiles = envNode
        ? (isSeq(envNode) ? envNode.items.map((i) => r.str(i)) : [r.str(envNode)])
            .filter((f): f is string => !!f)
            .map((f) => path.resolve(projectDir, f))
        : [path.join(includedDir, '.env')];
      const fromFiles: Vars = {};
      for (const file of envFiles) Object.assign(fromFiles, await readEnvFile(this.fs, file, vars));
      // The including project's variables win over the included project's env file (compose-go's ApplyInclude).
      const included = await this.loadModel(files, { ...fromFiles, ...vars }, includedDir, chain);
      for (const kind of ['networks', 'volumes'] as const)
        for (const [key, resource] of included[kind]) if (!model[kind].has(key)) model[kind].set(key, resource);
      for (const [name, service] of included.services) {
        if (model.services.has(name)) {
          this.problems.push({
            ...r.at(item),
            message: `services.${name} conflicts with the service of that name in ${path.relative(this.locationsFrom, files[0]!)}`,
          });
          continue;
        }
        model.services.set(name, service);
      }
    }
  }

  /**
   * `extends:` first (the base service, from this file or another, with paths relative to its own file), then the
   * service's own keys. A service met for the first time (`fresh`) takes a copy of its base as resolved once
   * (resolvedBase), so a chain of n services each extending the one before is n reads, not n²/2; one that an earlier
   * file already set reads its base chain onto what it has.
   */
  private async applyService(service: ComposeService, map: YAMLMap, r: Reader, parsed: ParsedFile, seen: Set<string>, fresh: boolean) {
    const ext = map.get('extends', true) as Node | undefined;
    const base = ext ? await this.findBase(ext, r, parsed, seen) : undefined;
    if (base && fresh) {
      Object.assign(service, structuredClone(await this.resolvedBase(base, seen)), { name: service.name, at: service.at });
    } else if (base) {
      seen.add(base.key);
      await this.applyService(service, base.map, base.reader, base.parsed, seen, false);
      seen.delete(base.key);
    }
    readService(service, map, r);
  }

  /** The service an `extends:` names, or undefined with the problem recorded (no name, a cycle, no such service). */
  private async findBase(ext: Node, r: Reader, parsed: ParsedFile, seen: Set<string>): Promise<Base | undefined> {
    const baseName = isMap(ext) ? r.str(ext.get('service', true)) : r.str(ext);
    const fileRaw = isMap(ext) ? r.str(ext.get('file', true)) : undefined;
    const baseAbs = fileRaw ? path.resolve(path.dirname(parsed.abs), fileRaw) : parsed.abs;
    const key = `${baseAbs}#${baseName ?? ''}`;
    const baseParsed = baseAbs === parsed.abs ? parsed : await this.parse(baseAbs);
    const services = baseParsed?.root.get('services', true);
    const baseMap = baseName && isMap(services) ? services.get(baseName, true) : undefined;
    if (!baseName) {
      this.problems.push({ ...r.at(ext), message: 'extends needs the name of a service' });
    } else if (seen.has(key)) {
      this.problems.push({ ...r.at(ext), message: `extends cycle: service ${baseName} extends itself` });
    } else if (baseParsed && !isMap(baseMap)) {
      this.problems.push({ ...r.at(ext), message: `extends: there is no service ${baseName} in ${baseParsed.file}` });
    } else if (baseParsed && isMap(baseMap)) {
      const reader = baseParsed === parsed ? r : this.reader(baseParsed, r.vars, path.dirname(baseAbs));
      return { key, name: baseName, map: baseMap, reader, parsed: baseParsed };
    }
    return undefined;
  }

  /**
   * A base service with its own base applied, once per file, variables and directory: every service that extends it
   * takes a copy. `seen` holds the chain being resolved, so a cycle is reported where it closes.
   */
  private async resolvedBase(base: Base, seen: Set<string>): Promise<ComposeService> {
    let memo = this.resolvedBases.get(base.reader.vars);
    if (!memo) this.resolvedBases.set(base.reader.vars, (memo = new Map()));
    const key = `${base.key}\0${base.reader.dir}`;
    const known = memo.get(key);
    if (known) return known;
    const resolved = newService(base.name, base.parsed.at(base.map));
    seen.add(base.key);
    await this.applyService(resolved, base.map, base.reader, base.parsed, seen, true);
    seen.delete(base.key);
    memo.set(key, resolved);
    return resolved;
  }

  private parse(abs: string): Promise<ParsedFile | undefined> {
    let value = this.parsed.get(abs);
    if (!value) this.parsed.set(abs, (value = this.parseNow(abs)));
    return value;
  }

  private async parseNow(abs: string): Promise<ParsedFile | undefined> {
    const file = path.relative(this.locationsFrom, abs);
    const read = await readProjectFile(this.fs, abs);
    if (!('text' in read)) {
      this.problems.push({ file, line: 1, column: 1, message: 'missing' in read ? 'does not exist' : read.problem });
      return undefined;
    }
    const { text } = read;
    // Counted first only when the file could hold that many: a value takes at least two bytes.
    if (text.length > 2 * MAX_COMPOSE_VALUES && hasMoreValues(text)) {
      this.problems.push({ file, line: 1, column: 1, message: `is too large to read (more than ${MAX_COMPOSE_VALUES} values)` });
      return undefined;
    }
    const lines = new LineCounter();
    // uniqueKeys is off because its check is quadratic; duplicateKeys does it in one pass, before anything is merged.
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false, merge: true });
    const at = (node: Node | null | undefined): SourceLocation => {
      const pos = lines.linePos(node?.range?.[0] ?? 0);
      return { file, line: pos.line, column: pos.col };
    };
    if (doc.errors.length > 0) {
      for (const error of doc.errors) {
        const pos = lines.linePos(error.pos[0]);
        this.problems.push({
          file,
          line: pos.line,
          column: pos.col,
          message: error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, ''),
          kind: 'yaml',
        });
      }
      return undefined;
    }
    // Compose refuses a file that sets a key twice, as it refuses a syntax error.
    const duplicates = duplicateKeys(doc.contents as Node | null, (offset) => lines.linePos(offset).line);
    if (duplicates.length > 0) {
      for (const issue of duplicates) {
        const pos = lines.linePos(issue.offset);
        this.problems.push({ file, line: pos.line, column: pos.col, message: issue.message, kind: 'yaml' });
      }
      return undefined;
    }
    const issues = resolveAliasesAndMerges(doc);
    for (const issue of issues) {
      const pos = lines.linePos(issue.offset);
      this.problems.push({ file, line: pos.line, column: pos.col, message: issue.message });
    }
    // Half-merged maps would lack keys they inherit (an image, a port): nothing of such a file is read.
    if (issues.some((i) => i.fatal)) return undefined;
    const root = doc.contents;
    if (!isMap(root)) {
      this.problems.push({ ...at(root), message: 'the top level must be a mapping with "services:"' });
      return undefined;
    }
    return { abs, file, root, at };
  }

  private reader(parsed: ParsedFile, vars: Vars, dir: string): Reader {
    const { file, at } = parsed;
    if (!this.documents.has(parsed.abs)) this.documents.set(parsed.abs, walkComposeFile(file, parsed.root, vars, at, this.unset));
    const problems = this.problems;
    return {
      dir,
      file,
      vars,
      home: this.home,
      at,
      problems,
      str(node: unknown): string | undefined {
        if (!isScalar(node) || node.value === null || node.value === undefined) return undefined;
        const value = String(node.value);
        try {
          return interpolate(value, vars);
        } catch (error) {
          if (!(error instanceof InterpolationError)) throw error;
          // Compose names the first required variable without a value; every one in the value is named here, so
          // that one edit of .env can give them all.
          const stand: Vars = { ...vars };
          for (let e: unknown = error; e instanceof InterpolationError;) {
            problems.push({
              ...at(node as Node),
              message: e.message,
              ...(e.variable ? { kind: 'variable' as const, variable: e.variable } : {}),
            });
            if (!e.variable || stand[e.variable]) break;
            stand[e.variable] = 'x';
            e = tryInterpolate(value, stand);
          }
          return undefined;
        }
      },
    };
  }
}

function tryInterpolate(value: string, vars: Vars): unknown {
  try {
    interpolate(value, vars);
    return undefined;
  } catch (error) {
    return error;
  }
}

function newService(name: string, at: SourceLocation): ComposeService {
  return {
    name,
    at,
    ports: [],
    expose: [],
    profiles: [],
    active: true,
    volumes: [],
    environment: [],
    networks: [],
    readOnly: false,
    dns: [],
    networkRefs: [],
    dependsOn: [],
    envFiles: [],
    extraHosts: [],
    declaresBuild: false,
  };
}

/** Top-level `version:`, `networks:` and `volumes:` (an entry may be null: `networks: { backend: }`). */
function readTopLevel(model: Model, root: YAMLMap, r: Reader): void {
  const version = root.get('version', true) as Node | undefined;
  if (version !== undefined && r.str(version) !== undefined) model.version = { value: r.str(version)!, at: r.at(version) };
  for (const kind of ['networks', 'volumes'] as const) {
    const map = root.get(kind, true);
    if (!isMap(map)) continue;
    for (const pair of map.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      if (!key) continue;
      const value = pair.value as Node | null;
      const get = (k: string) => (isMap(value) ? (value.get(k, true) as Node | undefined) : undefined);
      const externalNode = get('external');
      // `external: true`, or the legacy `external: { name: x }`.
      const externalName = isMap(externalNode) ? r.str(externalNode.get('name', true)) : undefined;
      const external = externalName !== undefined || (isScalar(externalNode) && String(externalNode.value) === 'true');
      const name = r.str(get('name')) ?? externalName;
      model[kind].set(key, { key, external, at: r.at(pair.key as Node), ...(name ? { name } : {}) });
    }
  }
}

/** Each problem once, in the order of the text: files as they were first met, then by line and column. */
function dedupe(problems: ComposeProblem[]): ComposeProblem[] {
  const seen = new Set<string>();
  const files = [...new Set(problems.map((p) => p.file))];
  return problems
    .filter((p) => {
      const key = `${p.file}:${p.line}:${p.column}:${p.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => files.indexOf(a.file) - files.indexOf(b.file) || a.line - b.line || a.column - b.column);
}

/**
 * Whether `other` runs together with `service`: with `docker compose up`, both are active; a service whose profiles
 * are not enabled runs when one of them is (`--profile p`), with the active services and those sharing that profile.
 */
export function runTogether(service: ComposeService, other: ComposeService): boolean {
  if (service.active) return other.active;
  return other.active || other.profiles.some((p) => service.profiles.includes(p));
}

/** Compose lowercases the name and keeps only [a-z0-9_-]. */
export function normaliseProjectName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9_-]/g, '');
}

const REMOTE_CONTEXT = /^([a-z][a-z0-9+.-]*:\/\/|git@)/i;

interface Reader {
  /** The directory relative paths (build contexts, bind sources) resolve from. */
  dir: string;
  file: string;
  vars: Vars;
  /** For `~` in bind sources: HOME from the injected environment, never this process's. */
  home: string | undefined;
  str(node: unknown): string | undefined;
  at(node: Node | null | undefined): SourceLocation;
  problems: ComposeProblem[];
}

/** What `!reset` (drop the value from earlier files or the base) and `!override` (replace it instead of merging) clear first. */
const RESETTABLE: Record<string, (service: ComposeService) => void> = {
  image: (s) => delete s.image,
  container_name: (s) => delete s.containerName,
  command: (s) => delete s.command,
  entrypoint: (s) => delete s.entrypoint,
  user: (s) => delete s.user,
  build: (s) => delete s.build,
  network_mode: (s) => delete s.networkMode,
  networks: (s) => ((s.networks = []), (s.networkRefs = [])),
  healthcheck: (s) => delete s.healthcheck,
  depends_on: (s) => (s.dependsOn = []),
  env_file: (s) => (s.envFiles = []),
  extra_hosts: (s) => (s.extraHosts = []),
  dns: (s) => (s.dns = []),
  expose: (s) => (s.expose = []),
  profiles: (s) => (s.profiles = []),
  ports: (s) => (s.ports = []),
  volumes: (s) => (s.volumes = []),
  environment: (s) => (s.environment = []),
  scale: (s) => delete s.replicas,
  deploy: (s) => delete s.replicas,
};

type Get = (key: string) => Node | undefined;

/** One service's keys over what earlier files or its base already set. */
function readService(service: ComposeService, map: YAMLMap, r: Reader): void {
  const get: Get = (key) => map.get(key, true) as Node | undefined;
  applyResets(service, map);
  readRunSettings(service, get, r);
  const build = get('build');
  if (build) readBuild(service, build, r);
  readNetworking(service, get, r);
  readReplicas(service, get, r);
  readPorts(service, get('ports'), r);
  readVolumes(service, get('volumes'), r);
  readEnvironment(service, get('environment'), r);
  readServiceExtras(service, map, r);
}

function applyResets(service: ComposeService, map: YAMLMap): void {
  for (const pair of map.items) {
    const tag = (pair.value as Node | null)?.tag;
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    if ((tag === '!reset' || tag === '!override') && RESETTABLE[key]) RESETTABLE[key](service);
  }
}

/** image, container_name, command, entrypoint, user. */
function readRunSettings(service: ComposeService, get: Get, r: Reader): void {
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
}

/** A build whose own values cannot be interpolated is left out: a guessed context would be measured instead of the real one. */
function readBuild(service: ComposeService, build: Node, r: Reader): void {
  const problemsBefore = r.problems.length;
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
        ...(inlineText !== undefined
          ? { inline: { text: inlineText, file: r.file, line: r.at(inlineNode).line + (block ? 1 : 0), block } }
          : {}),
      };
    }
  } else if (r.str(build) && !REMOTE_CONTEXT.test(r.str(build)!)) {
    service.build = { context: path.resolve(r.dir, r.str(build)!), dockerfile: 'Dockerfile', at: r.at(build) };
  }
  if (r.problems.length > problemsBefore) delete service.build;
}

/** network_mode, networks, read_only, dns, expose and profiles. */
function readNetworking(service: ComposeService, get: Get, r: Reader): void {
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
}

/** deploy.replicas, else scale. */
function readReplicas(service: ComposeService, get: Get, r: Reader): void {
  const deploy = get('deploy');
  const replicas = isMap(deploy) ? r.str(deploy.get('replicas', true)) : undefined;
  const scale = r.str(get('scale'));
  const count = Number(replicas ?? scale);
  if (Number.isFinite(count) && (replicas ?? scale) !== undefined) service.replicas = count;
}

function readPorts(service: ComposeService, ports: Node | undefined, r: Reader): void {
  if (!isSeq(ports)) return;
  for (const item of ports.items as Node[]) {
    const port = isMap(item) ? longPort(item, r) : shortPort(r.str(item), r.at(item), r);
    if (port) service.ports.push(port);
  }
}

function readVolumes(service: ComposeService, volumes: Node | undefined, r: Reader): void {
  if (!isSeq(volumes)) return;
  for (const item of volumes.items as Node[]) {
    const volume = isMap(item) ? longVolume(item, r) : shortVolume(r.str(item), r.at(item), r.dir, r.home);
    if (volume) service.volumes.push(volume);
  }
}

/** A later file's (or the service's own over its base's) value of a variable replaces the earlier one, as compose merges them. */
function readEnvironment(service: ComposeService, environment: Node | undefined, r: Reader): void {
  const entries: ComposeService['environment'] = [];
  if (isMap(environment)) {
    for (const pair of environment.items) {
      const name = isScalar(pair.key) ? String(pair.key.value) : '';
      if (name) entries.push({ name, value: r.str(pair.value) ?? '', at: r.at(pair.key as Node), form: 'mapping' });
    }
  } else if (isSeq(environment)) {
    for (const item of environment.items as Node[]) {
      const entry = r.str(item) ?? '';
      const eq = entry.indexOf('=');
      entries.push({
        name: eq === -1 ? entry : entry.slice(0, eq),
        value: eq === -1 ? '' : entry.slice(eq + 1),
        at: r.at(item),
        form: 'list',
      });
    }
  }
  if (entries.length === 0) return;
  const replaced = new Set(entries.map((e) => e.name));
  service.environment = [...service.environment.filter((e) => !replaced.has(e.name)), ...entries];
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
  const nonsense = portRangeProblem(range, target);
  if (nonsense) {
    r?.problems.push({ ...at, message: `${nonsense} in port "${raw}"` });
    return undefined;
  }
  return {
    hostIp,
    published: publishedRange(range),
    target,
    protocol,
    raw,
    at,
  };
}

/** Host port 0 asks the engine for any free port, like leaving it out. */
function publishedRange(range: RegExpExecArray | null): ComposePort['published'] {
  if (!range || Number(range[1]) === 0) return undefined;
  return { from: Number(range[1]), to: Number(range[2] ?? range[1]) };
}

/** What the engine refuses: a port past 65535 (or a 20-digit number), container port 0, a range that runs backwards. */
function portRangeProblem(range: RegExpExecArray | null, target: string): string | undefined {
  const targetRange = PORT_RANGE.exec(target);
  if (!targetRange) return `invalid container port "${target.length > 20 ? `${target.slice(0, 20)}…` : target}"`;
  const ranges: [string, string][] = [[targetRange[1]!, targetRange[2] ?? targetRange[1]!]];
  if (range) ranges.push([range[1]!, range[2] ?? range[1]!]);
  for (const [from, to] of ranges) {
    if (from.length > 5 || to.length > 5 || Number(from) > 65535 || Number(to) > 65535) return 'a port above 65535';
    if (Number(to) < Number(from)) return 'a port range that runs backwards';
  }
  if (Number(targetRange[1]) === 0) return 'container port 0';
  return undefined;
}

function longPort(map: YAMLMap, r: Reader): ComposePort | undefined {
  const target = r.str(map.get('target', true));
  if (!target) return undefined;
  const published = r.str(map.get('published', true));
  const range = published ? PORT_RANGE.exec(published) : null;
  const protocol = (r.str(map.get('protocol', true)) ?? 'tcp').toLowerCase() as ComposePort['protocol'];
  const nonsense = (published && !range ? 'an invalid published port' : undefined) ?? portRangeProblem(range, target);
  if (nonsense) {
    r.problems.push({ ...r.at(map), message: `${nonsense} in port "${published ?? ''}:${target}"` });
    return undefined;
  }
  return {
    hostIp: r.str(map.get('host_ip', true)) ?? '',
    published: publishedRange(range),
    target,
    protocol,
    raw: `${published ?? ''}:${target}/${protocol}`,
    at: r.at(map),
  };
}

function isHostPath(source: string): boolean {
  return source.startsWith('.') || source.startsWith('/') || source.startsWith('~');
}

function resolveHostPath(dir: string, source: string, home: string | undefined): string {
  if (source.startsWith('~')) return path.join(home ?? '~', source.slice(1));
  return path.resolve(dir, source);
}

/** "./data:/data:ro", "/abs:/x:z", "named:/x", "/only-target". */
export function shortVolume(raw: string | undefined, at: SourceLocation, dir: string, home?: string): ComposeVolume | undefined {
  if (!raw) return undefined;
  const parts = raw.split(':');
  if (parts.length === 1) return { type: 'volume', target: parts[0]!, readOnly: false, createHostPath: false, at };
  const [source, target, options = ''] = parts as [string, string, string | undefined];
  const opts = options.split(',');
  const selinux = opts.includes('Z') ? 'Z' : opts.includes('z') ? 'z' : undefined;
  if (!isHostPath(source)) return { type: 'volume', source, target, readOnly: opts.includes('ro'), createHostPath: false, at };
  return {
    type: 'bind',
    source: resolveHostPath(dir, source, home),
    sourceAsWritten: source,
    target,
    readOnly: opts.includes('ro'),
    createHostPath: true,
    ...(selinux ? { selinux } : {}),
    at,
  };
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
    return {
      type: 'bind',
      source: resolveHostPath(r.dir, source, r.home),
      sourceAsWritten: source,
      target,
      readOnly,
      createHostPath,
      ...(selinux ? { selinux } : {}),
      at: r.at(map),
    };
  }
  return { type: type === 'volume' || type === 'tmpfs' ? type : 'other', source, target, readOnly, createHostPath: false, at: r.at(map) };
}
