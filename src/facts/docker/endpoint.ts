import path from 'node:path';
import { parseJsonWithLocation } from '../../util/json.js';
import { prose } from '../../util/text.js';

export type EndpointSource = 'default' | 'flag' | 'DOCKER_HOST' | 'DOCKER_CONTEXT' | 'context';

export interface TlsMaterial {
  verify: boolean;
  ca?: string;
  cert?: string;
  key?: string;
}

export type EndpointProblem =
  | { kind: 'context-not-found'; context: string; from: 'flag' | 'DOCKER_CONTEXT' | 'config'; metaPath: string; configFile: string }
  | { kind: 'context-invalid'; context: string; metaPath: string; message: string }
  | { kind: 'config-invalid'; file: string; line?: number; column?: number; message: string }
  | { kind: 'invalid-host'; host: string; from: EndpointSource; message: string }
  | { kind: 'context-overridden'; context: string; contextFrom: 'DOCKER_CONTEXT' | 'config'; by: 'DOCKER_HOST'; host: string };

export interface ResolvedEndpoint {
  /** Normalised host URL (unix:///…, tcp://h:p, ssh://…, npipe://…), or null when it could not be resolved. */
  host: string | null;
  source: EndpointSource;
  /** The context whose endpoint is used; "default" when none is. */
  context: string;
  configFile: string;
  tls?: TlsMaterial;
  problems: EndpointProblem[];
}

export interface EndpointInputs {
  hostFlag?: string;
  contextFlag?: string;
  env: Record<string, string | undefined>;
  platform: NodeJS.Platform;
  homedir: string;
  /** Returns the file's text, or undefined when it does not exist. Other errors propagate. */
  readText(file: string): Promise<string | undefined>;
  exists(file: string): Promise<boolean>;
}

export class ConflictingEndpointFlags extends Error {
  constructor() {
    super('conflicting options: either specify --host or --context, not both');
  }
}

export function defaultHost(platform: NodeJS.Platform): string {
  return platform === 'win32' ? 'npipe:////./pipe/docker_engine' : 'unix:///var/run/docker.sock';
}

export function dockerConfigDir(env: Record<string, string | undefined>, homedir: string): string {
  return env.DOCKER_CONFIG || path.join(homedir, '.docker');
}

/** The same order as the docker CLI's resolveContextName: --context > -H > DOCKER_HOST > DOCKER_CONTEXT > currentContext > default. */
export async function resolveEndpoint(inputs: EndpointInputs): Promise<ResolvedEndpoint> {
  const { env } = inputs;
  if (inputs.hostFlag && inputs.contextFlag) throw new ConflictingEndpointFlags();
  const configDir = dockerConfigDir(env, inputs.homedir);
  const configFile = path.join(configDir, 'config.json');
  const problems: EndpointProblem[] = [];
  const config = await readDockerConfig(inputs, configFile, problems);
  const currentContext = typeof config?.currentContext === 'string' && config.currentContext !== '' ? config.currentContext : undefined;

  const fromHost = async (raw: string, source: EndpointSource): Promise<ResolvedEndpoint> => {
    const parsed = parseDockerHost(raw, tlsVerifyFromEnv(env));
    if ('error' in parsed) {
      problems.push({ kind: 'invalid-host', host: raw, from: source, message: parsed.error });
      return { host: null, source, context: 'default', configFile, problems };
    }
    return { host: parsed.host, source, context: 'default', configFile, tls: await envTls(inputs, configDir, parsed.host), problems };
  };

  if (inputs.contextFlag) return fromContext(inputs, configDir, configFile, inputs.contextFlag, 'flag', problems);
  if (inputs.hostFlag) return fromHost(inputs.hostFlag, 'flag');
  if (env.DOCKER_HOST) {
    const selected = env.DOCKER_CONTEXT
      ? { name: env.DOCKER_CONTEXT, from: 'DOCKER_CONTEXT' as const }
      : currentContext
        ? { name: currentContext, from: 'config' as const }
        : undefined;
    if (selected && selected.name !== 'default') {
      problems.push({
        kind: 'context-overridden',
        context: selected.name,
        contextFrom: selected.from,
        by: 'DOCKER_HOST',
        host: env.DOCKER_HOST,
      });
    }
    return fromHost(env.DOCKER_HOST, 'DOCKER_HOST');
  }
  if (env.DOCKER_CONTEXT) return fromContext(inputs, configDir, configFile, env.DOCKER_CONTEXT, 'DOCKER_CONTEXT', problems);
  if (currentContext) return fromContext(inputs, configDir, configFile, currentContext, 'config', problems);
  return { host: defaultHost(inputs.platform), source: 'default', context: 'default', configFile, problems };
}

async function readDockerConfig(
  inputs: EndpointInputs,
  file: string,
  problems: EndpointProblem[],
): Promise<{ currentContext?: unknown } | undefined> {
  let text: string | undefined;
  try {
    text = await inputs.readText(file);
  } catch (error) {
    problems.push({ kind: 'config-invalid', file, message: `cannot be read: ${(error as Error).message}` });
    return undefined;
  }
  if (text === undefined || text.trim() === '') return undefined;
  const parsed = parseJsonWithLocation(text);
  if (!parsed.ok) {
    // The docker CLI also carries on with an empty config here, after printing a warning.
    problems.push({ kind: 'config-invalid', file, line: parsed.line, column: parsed.column, message: parsed.message });
    return undefined;
  }
  return parsed.value && typeof parsed.value === 'object' ? (parsed.value as { currentContext?: unknown }) : undefined;
}

export function contextMetaPath(configDir: string, name: string): string {
  // crypto is loaded only when a context is actually used.
  const digest = process.getBuiltinModule('node:crypto').createHash('sha256').update(name).digest('hex');
  return path.join(configDir, 'contexts', 'meta', digest, 'meta.json');
}

async function fromContext(
  inputs: EndpointInputs,
  configDir: string,
  configFile: string,
  name: string,
  from: 'flag' | 'DOCKER_CONTEXT' | 'config',
  problems: EndpointProblem[],
): Promise<ResolvedEndpoint> {
  const source: EndpointSource = from === 'config' ? 'context' : from;
  if (name === 'default') {
    // The default context is DOCKER_HOST or the platform socket, never a meta file.
    return { host: defaultHost(inputs.platform), source, context: 'default', configFile, problems };
  }
  const metaPath = contextMetaPath(configDir, name);
  let text: string | undefined;
  try {
    text = await inputs.readText(metaPath);
  } catch (error) {
    problems.push({ kind: 'context-invalid', context: name, metaPath, message: (error as Error).message });
    return { host: null, source, context: name, configFile, problems };
  }
  if (text === undefined) {
    problems.push({ kind: 'context-not-found', context: name, from, metaPath, configFile });
    return { host: null, source, context: name, configFile, problems };
  }
  const parsed = parseJsonWithLocation(text);
  const host = parsed.ok ? (parsed.value as { Endpoints?: { docker?: { Host?: unknown } } })?.Endpoints?.docker?.Host : undefined;
  if (!parsed.ok || typeof host !== 'string' || host === '') {
    const message = parsed.ok ? 'it has no Endpoints.docker.Host' : parsed.message;
    problems.push({ kind: 'context-invalid', context: name, metaPath, message });
    return { host: null, source, context: name, configFile, problems };
  }
  const skipVerify =
    parsed.ok && (parsed.value as { Endpoints?: { docker?: { SkipTLSVerify?: unknown } } }).Endpoints?.docker?.SkipTLSVerify === true;
  const normalised = parseDockerHost(host, false);
  if ('error' in normalised) {
    problems.push({ kind: 'invalid-host', host, from: source, message: normalised.error });
    return { host: null, source, context: name, configFile, problems };
  }
  const tlsDir = path.join(configDir, 'contexts', 'tls', path.basename(path.dirname(metaPath)), 'docker');
  const tls = normalised.host.startsWith('tcp://') ? await tlsFiles(inputs, tlsDir, !skipVerify) : undefined;
  return { host: normalised.host, source, context: name, configFile, tls, problems };
}

function tlsVerifyFromEnv(env: Record<string, string | undefined>): boolean {
  return env.DOCKER_TLS_VERIFY !== undefined && env.DOCKER_TLS_VERIFY !== '';
}

async function envTls(inputs: EndpointInputs, configDir: string, host: string): Promise<TlsMaterial | undefined> {
  if (!host.startsWith('tcp://')) return undefined;
  const verify = tlsVerifyFromEnv(inputs.env);
  const certDir = inputs.env.DOCKER_CERT_PATH || configDir;
  if (!verify && !inputs.env.DOCKER_CERT_PATH) return undefined;
  return tlsFiles(inputs, certDir, verify);
}

async function tlsFiles(inputs: EndpointInputs, dir: string, verify: boolean): Promise<TlsMaterial | undefined> {
  const files = { ca: path.join(dir, 'ca.pem'), cert: path.join(dir, 'cert.pem'), key: path.join(dir, 'key.pem') };
  const present = await Promise.all(Object.values(files).map((f) => inputs.exists(f)));
  if (!present.some(Boolean) && !verify) return undefined;
  return {
    verify,
    ca: present[0] ? files.ca : undefined,
    cert: present[1] ? files.cert : undefined,
    key: present[2] ? files.key : undefined,
  };
}

/** The docker CLI's rules for ssh:// (cli/connhelper/ssh): a host name, and no password, query or fragment. */
function parseSshHost(value: string): { host: string } | { error: string } {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { error: 'it is not a valid ssh:// address (ssh://[user@]host[:port])' };
  }
  if (!url.hostname) return { error: 'the ssh:// address has no host name' };
  if (url.password) return { error: 'a plain-text password in an ssh:// address is not supported: use an SSH key or agent' };
  if (url.search || url.hash) return { error: 'an ssh:// address takes no query or fragment' };
  return { host: value };
}

/** Mirrors the docker CLI's ParseHost: a bare "host:port" means tcp, tcp defaults to port 2375 (2376 with TLS). */
export function parseDockerHost(raw: string, tlsVerify: boolean): { host: string } | { error: string } {
  const value = raw.trim();
  const sep = value.indexOf('://');
  const proto = sep === -1 ? 'tcp' : value.slice(0, sep);
  const rest = sep === -1 ? value : value.slice(sep + 3);
  switch (proto) {
    case 'unix':
    case 'npipe':
      if (rest === '') return { error: `${proto}:// needs a path` };
      return { host: `${proto}://${rest}` };
    case 'ssh':
      return parseSshHost(value);
    case 'fd':
      // dockerd -H fd:// listens on the sockets systemd opened for it; a client has no such descriptors to connect to.
      return {
        error: prose`
          fd:// is systemd socket activation, which only dockerd itself can use (\`dockerd -H fd://\` takes the sockets systemd opened for
          it); clients connect to the socket systemd listens on, unix:///var/run/docker.sock
        `,
      };
    case 'tcp':
    case 'http':
    case 'https': {
      const hostPort = rest.replace(/\/+$/, '');
      let url: URL;
      try {
        url = new URL(`tcp://${hostPort}`);
      } catch {
        return { error: `"${raw}" is not a valid tcp address` };
      }
      if (!url.hostname) return { error: `"${raw}" has no host name` };
      const port = url.port || (tlsVerify || proto === 'https' ? '2376' : '2375');
      return { host: `tcp://${url.hostname}:${port}` };
    }
    default:
      return { error: `invalid bind address format: ${raw} (use unix://, tcp://, ssh:// or npipe://)` };
  }
}
