import type { CheckContext, FindingInput } from '../../src/engine/types.js';
import type { ImageInspect } from '../../src/facts/docker/types.js';
import { runTogether, type ComposeProject, type ComposeService } from '../../src/facts/project/compose.js';
import type { dnsCodes } from './codes.js';
import { listeningPorts, schemeDefaultPort, wordNamesService } from '../shared/service-ports.js';
import {
  BROWSER_FACING,
  effectiveEnvironment,
  environmentLine,
  localhostTargets,
  OWN_ADDRESS,
  replaceTarget,
  siblingPort,
  type LocalhostTarget as Target,
} from '../shared/localhost-refs.js';
import { locationOf } from '../shared/project-source.js';
import { prose } from '../../src/util/text.js';

type Report = FindingInput & { cause: keyof typeof dnsCodes };

/**
 * Words of a variable that is clearly a server-side connection (DATABASE_URL, DB_HOST, REDIS_ADDR, KAFKA_BROKERS,
 * SENTRY_DSN…). Only those are reported for localhost on a port another service publishes on the host: a value on the
 * host-side port shows the author thinking of the host's view, as in a public base URL put into e-mailed links.
 */
const SERVER_SIDE_WORD =
  /^(db|database|databases|redis|postgres|postgresql|pg|mysql|mariadb|mongo\w*|amqp|rabbitmq|rabbit|kafka|broker|brokers|cache|memcached|elasticsearch|dsn)$/i;
/** URL schemes of server protocols, never opened by a browser. */
const SERVER_SCHEMES = new Set([
  'postgres',
  'postgresql',
  'mysql',
  'mysql2',
  'mariadb',
  'redis',
  'rediss',
  'amqp',
  'amqps',
  'mongodb',
  'mongodb+srv',
  'memcached',
]);

/** Services whose environment points at localhost where another service of the project listens. */
export async function diagnoseComposeLocalhost(ctx: CheckContext, compose: ComposeProject, report: (r: Report) => void): Promise<void> {
  const images = new Map<ComposeService, ImageInspect | null>();
  for (const service of compose.services) {
    images.set(service, service.image ? await ctx.facts.imageInspect(service.image).catch(() => null) : null);
  }
  const ports = new Map(compose.services.map((s) => [s, listeningPorts(s, images.get(s))]));
  const defaultPort = webDefaultPorts(compose);

  const sidecars = byNamespace(compose.services);
  const onNetwork = byNetwork(compose.services);

  for (const service of compose.services) {
    // Host networking makes localhost the host, where published ports are; service:/container: share another's localhost.
    if (!ownNamespace(service)) continue;
    // What listens on this service's own localhost: itself and sidecars that share its namespace.
    const local = new Set([...ports.get(service)!, ...(sidecars.get(service.name) ?? []).flatMap((s) => [...ports.get(s)!])]);
    // Services it can reach by name: running with it (profiles), not host-networked, not inside another's namespace.
    // Worked out only for a service with a localhost target: 5,000 services must not cost 5,000 × 5,000 tests.
    let reachableNow: ComposeService[] | undefined;
    const reachable = () => (reachableNow ??= reachableFrom(service, onNetwork));

    const environment = effectiveEnvironment(service.environment);
    for (const variable of environment) {
      if (BROWSER_FACING.test(variable.name) || OWN_ADDRESS.test(variable.name)) continue;
      for (const target of targetsIn(variable, environment, defaultPort)) {
        if (target.port !== undefined && local.has(target.port)) continue;
        const match = findService(target, reachable(), ports);
        if (!match) continue;
        // localhost:<published host port> is the host's view: say nothing unless it is clearly a server-side connection.
        if (match.via === 'published' && !serverSide(variable.name, target)) continue;
        report(localhostFinding(service, variable, target, match));
        break;
      }
    }
  }
}

/** The services inside each service's namespace (`network_mode: service:<name>`), by that service's name. */
function byNamespace(services: readonly ComposeService[]): Map<string, ComposeService[]> {
  const index = new Map<string, ComposeService[]>();
  for (const s of services) {
    const owner = /^service:(.+)$/.exec(s.networkMode ?? '')?.[1];
    if (owner === undefined) continue;
    const list = index.get(owner) ?? [];
    if (list.length === 0) index.set(owner, list);
    list.push(s);
  }
  return index;
}

/** The services with their own namespace on each network ("default" when none is listed), in file order. */
function byNetwork(services: readonly ComposeService[]): Map<string, ComposeService[]> {
  const index = new Map<string, ComposeService[]>();
  for (const s of services) {
    if (!ownNamespace(s)) continue;
    for (const network of networksOf(s)) {
      const list = index.get(network) ?? [];
      if (list.length === 0) index.set(network, list);
      list.push(s);
    }
  }
  return index;
}

/** The other services a service reaches by name: on a network it is on, running with it, in their own namespace. */
function reachableFrom(service: ComposeService, onNetwork: Map<string, ComposeService[]>): ComposeService[] {
  const found = new Set<ComposeService>();
  for (const network of networksOf(service))
    for (const s of onNetwork.get(network) ?? []) if (s !== service && runTogether(service, s)) found.add(s);
  return [...found];
}

/** `localhost` in a variable where another service listens: the finding, with the value rewritten to that service's name. */
function localhostFinding(service: ComposeService, variable: ComposeService['environment'][number], target: Target, match: Match): Report {
  const { other, containerPort } = match;
  const replacement = `${other.name}${target.writtenPort !== undefined ? `:${containerPort ?? target.writtenPort}` : ''}`;
  const fixed = replaceTarget(variable.value, target, replacement);
  const written = variable.value.slice(target.index, target.index + target.length);
  const why =
    match.via === 'published'
      ? `port ${target.port} is where service ${other.name} is published on the host (container port ${containerPort})`
      : match.via === 'name'
        ? `${variable.name} names service ${other.name}`
        : `service ${other.name} listens on port ${target.port}`;
  return {
    cause: 'compose-localhost',
    title: prose`
      Service ${service.name} reaches ${written} through ${variable.name} (${variable.at.file}:${variable.at.line}), but ${why}; inside a
      container, localhost is the container itself
    `,
    subject: { kind: 'service', name: service.name },
    location: locationOf(variable.at),
    fixes: [
      {
        title: prose`
          Address service ${other.name} by its name: change ${variable.at.file}:${variable.at.line} to this (compose networks resolve it)
        `,
        command: environmentLine(variable, fixed),
      },
    ],
    evidence: {
      variable: variable.name,
      value: variable.value,
      service: other.name,
      ...(target.port !== undefined ? { port: target.port } : {}),
      ...(other.profiles.length ? { profiles: other.profiles } : {}),
    },
  };
}

/**
 * The localhost references in a variable: a `*_HOST: localhost` takes its port from its `*_PORT` sibling, and a port-less
 * URL the port of its scheme.
 */
function targetsIn(
  variable: { name: string; value: string },
  environment: readonly { name: string; value: string }[],
  defaultPort: (scheme: string) => number | undefined,
): Target[] {
  return localhostTargets(variable.name, variable.value, defaultPort).map((target) => {
    if (!target.hostVariable) return target;
    const port = siblingPort(variable.name, environment);
    return port === undefined ? target : { ...target, port };
  });
}

/**
 * Default ports of URL schemes, with http's 80 and https's 443 only where no service publishes that host port: a
 * port-less http://localhost/… then cannot mean a front proxy reached through the host, and is meant for the service
 * that serves on 80 inside the project.
 */
function webDefaultPorts(compose: ComposeProject): (scheme: string) => number | undefined {
  const published = new Set(compose.services.flatMap((s) => s.ports.flatMap((p) => (p.published ? [p.published.from] : []))));
  const web: Record<string, number> = { http: 80, https: 443 };
  return (scheme) => {
    const port = web[scheme.toLowerCase()];
    return port !== undefined ? (published.has(port) ? undefined : port) : schemeDefaultPort(scheme);
  };
}

/** A database, cache or broker connection by the variable's words or the URL's scheme. */
function serverSide(name: string, target: Target): boolean {
  return name.split(/[_-]+/).some((w) => SERVER_SIDE_WORD.test(w)) || (target.scheme !== undefined && SERVER_SCHEMES.has(target.scheme));
}

interface Match {
  other: ComposeService;
  via: 'listens' | 'published' | 'name';
  /** The port to use with the service name, when it differs from the one written (a published host port). */
  containerPort?: number;
}

/** The one service a target means; none when no service or several fit (say less when unsure). */
function findService(target: Target, services: ComposeService[], ports: Map<ComposeService, Set<number>>): Match | undefined {
  const named = (list: ComposeService[]) => list.filter((s) => namesService(target.words, s));
  const one = (list: ComposeService[]) => (list.length === 1 ? list[0] : named(list).length === 1 ? named(list)[0] : undefined);
  if (target.port !== undefined) {
    const listening = services.filter((s) => ports.get(s)!.has(target.port!));
    const other = one(listening);
    if (other) return { other, via: 'listens' };
    if (listening.length > 0) return undefined;
    if (target.writtenPort !== undefined) return publishedMatch(target.port, services);
  }
  // `DB_HOST: localhost`, `redis://localhost/0`: only a variable or scheme whose words name exactly one service (by name or kind).
  const other = named(services).length === 1 ? named(services)[0] : undefined;
  return other ? { other, via: 'name' } : undefined;
}

/** localhost:<host port>: the port another service publishes; by name it is reached on the container port. */
function publishedMatch(port: number, services: ComposeService[]): Match | undefined {
  const published = services.flatMap((s) =>
    s.ports
      .filter((p) => p.published && p.published.from <= port && port <= p.published.to)
      .map((p) => ({ s, containerPort: Number(p.target.split('-')[0]) + (port - p.published!.from) })),
  );
  if (published.length !== 1 || !Number.isFinite(published[0]!.containerPort)) return undefined;
  return { other: published[0]!.s, via: 'published', containerPort: published[0]!.containerPort };
}

/** A word of the variable names the service (or its kind), or its words together do (`MY_API_HOST` for service my-api). */
function namesService(words: string[], service: ComposeService): boolean {
  if (words.some((w) => wordNamesService(w, service))) return true;
  const name = service.name.toLowerCase();
  if (!/[-_]/.test(name)) return false;
  // Any run of two or more words: MY_API_URL → my-api, and http://… gives the scheme first.
  for (let from = 0; from < words.length; from++)
    for (let to = from + 2; to <= words.length; to++) {
      const run = words.slice(from, to);
      if (run.join('-') === name || run.join('_') === name) return true;
    }
  return false;
}

/** A service with its own network namespace (and so its own localhost), reachable by its name. */
function ownNamespace(service: ComposeService): boolean {
  return !service.networkMode || !/^(host|none|service:|container:)/.test(service.networkMode);
}

/** Compose resolves a service's name only for services on a network they share ("default" when none is listed). */
function networksOf(service: ComposeService): readonly string[] {
  return service.networks.length ? service.networks : ['default'];
}
