import { stringify } from 'yaml';
import type { CheckContext, FindingInput } from '../../src/engine/types.js';
import type { ImageInspect } from '../../src/facts/docker/types.js';
import { runTogether, type ComposeProject, type ComposeService } from '../../src/facts/project/compose.js';
import type { dnsCodes } from './codes.js';
import { listeningPorts, schemeDefaultPort, wordNamesService } from './service-ports.js';
import { locationOf } from '../shared/project-source.js';
import { prose } from '../../src/util/text.js';

type Report = FindingInput & { cause: keyof typeof dnsCodes };

/**
 * Variables a browser on the host uses (links, redirects, CORS, client bundles): there localhost:<published port> is
 * right, and the service name would break every link.
 */
const BROWSER_FACING = new RegExp(
  [
    // A word of the name: BASE_URL, APP_URL, CORS_ORIGINS…
    '(^|_)(BASE_?URL|PUBLIC|NEXTAUTH_URL|ORIGINS?|CALLBACK|REDIRECT|SITE_?URL|FRONTEND_?URL|EXTERNAL_?URL|ROOT_?URL|APP_?URL' +
      '|WEB_?URL|HOMEPAGE|ALLOWED_HOSTS|CSRF|CORS)(_|$)',
    // The prefixes client bundlers expose to the browser.
    '^(VITE|REACT_APP|NEXT_PUBLIC|GATSBY|EXPO)_',
    '(CALLBACK|REDIRECT)',
  ].join('|'),
  'i',
);

/** Where the service itself listens (LISTEN_ADDR, BIND_ADDRESS): localhost there is its own, and right. */
const OWN_ADDRESS = /(^|_)(LISTEN|BIND)(_|$)/i;

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

/** scheme://[user[:pass]@]localhost[:port], the host ending where a path, query, list or the value ends. */
const URL_TARGET = /\b([a-z][a-z0-9+.-]*):\/\/(?:[^@/\s]*@)?(localhost|127\.0\.0\.1)(?::(\d+))?(?=[/?#,;\s]|$)/gi;
/** A bare localhost:port (REDIS_ADDR=localhost:6379). */
const HOST_PORT_TARGET = /(?:^|[\s=,;])(localhost|127\.0\.0\.1):(\d+)\b/gi;
/** DB_HOST, REDIS_HOSTNAME, SMTP_SERVER: the words before the suffix may name a service. */
const HOST_VARIABLE = /^(.+?)_(HOST|HOSTNAME|SERVER|ADDR|ADDRESS)$/i;
const LOCAL_HOST = /^(localhost|127\.0\.0\.1)$/i;

interface Target {
  /** Where in the value the host (and port) sits, and what replaces it. */
  index: number;
  length: number;
  host: string;
  port?: number;
  /** The port written in the value; undefined when the scheme's default applies. */
  writtenPort?: number;
  /** Words that may name the service meant: the URL scheme, the variable's words. */
  words: string[];
  /** The URL scheme, lower case, when the value is a URL. */
  scheme?: string;
}

/** Services whose environment points at localhost where another service of the project listens. */
export async function diagnoseComposeLocalhost(ctx: CheckContext, compose: ComposeProject, report: (r: Report) => void): Promise<void> {
  const images = new Map<ComposeService, ImageInspect | null>();
  for (const service of compose.services) {
    images.set(service, service.image ? await ctx.facts.imageInspect(service.image).catch(() => null) : null);
  }
  const ports = new Map(compose.services.map((s) => [s, listeningPorts(s, images.get(s))]));

  for (const service of compose.services) {
    // Host networking makes localhost the host, where published ports are; service:/container: share another's localhost.
    if (!ownNamespace(service)) continue;
    // What listens on this service's own localhost: itself and sidecars that share its namespace.
    const local = new Set([
      ...ports.get(service)!,
      ...compose.services.filter((s) => s.networkMode === `service:${service.name}`).flatMap((s) => [...ports.get(s)!]),
    ]);
    // Services it can reach by name: running with it (profiles), not host-networked, not inside another's namespace.
    const reachable = compose.services.filter(
      (s) => s !== service && runTogether(service, s) && ownNamespace(s) && shareNetwork(service, s),
    );

    for (const variable of service.environment) {
      if (BROWSER_FACING.test(variable.name) || OWN_ADDRESS.test(variable.name)) continue;
      for (const target of targetsIn(variable.name, variable.value)) {
        if (target.port !== undefined && local.has(target.port)) continue;
        const match = findService(target, reachable, ports);
        if (!match) continue;
        // localhost:<published host port> is the host's view: say nothing unless it is clearly a server-side connection.
        if (match.via === 'published' && !serverSide(variable.name, target)) continue;
        report(localhostFinding(service, variable, target, match));
        break;
      }
    }
  }
}

/** `localhost` in a variable where another service listens: the finding, with the value rewritten to that service's name. */
function localhostFinding(service: ComposeService, variable: ComposeService['environment'][number], target: Target, match: Match): Report {
  const { other, containerPort } = match;
  const replacement = `${other.name}${target.writtenPort !== undefined ? `:${containerPort ?? target.writtenPort}` : ''}`;
  const fixed = variable.value.slice(0, target.index) + replacement + variable.value.slice(target.index + target.length);
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

/** Every localhost reference in a value that can be tied to a port or a service. */
function targetsIn(name: string, value: string): Target[] {
  const nameWords = name.toLowerCase().split(/[_-]+/).filter(Boolean);
  const targets: Target[] = [];
  for (const m of value.matchAll(URL_TARGET)) {
    const host = m[2]!;
    const hostAt = m.index! + m[0].indexOf(host, m[0].indexOf('://') + 3);
    const written = m[3] !== undefined ? Number(m[3]) : undefined;
    const port = written ?? schemeDefaultPort(m[1]!);
    targets.push({
      index: hostAt,
      length: host.length + (m[3] !== undefined ? m[3].length + 1 : 0),
      host,
      ...(port !== undefined ? { port } : {}),
      ...(written !== undefined ? { writtenPort: written } : {}),
      words: [m[1]!.toLowerCase(), ...nameWords],
      scheme: m[1]!.toLowerCase(),
    });
  }
  if (targets.length === 0) {
    for (const m of value.matchAll(HOST_PORT_TARGET)) {
      const host = m[1]!;
      const port = Number(m[2]);
      targets.push({
        index: m.index! + m[0].indexOf(host),
        length: host.length + m[2]!.length + 1,
        host,
        port,
        writtenPort: port,
        words: nameWords,
      });
    }
  }
  const hostVariable = HOST_VARIABLE.exec(name);
  if (targets.length === 0 && hostVariable && LOCAL_HOST.test(value.trim())) {
    targets.push({
      index: value.indexOf(value.trim()),
      length: value.trim().length,
      host: value.trim(),
      words: hostVariable[1]!.toLowerCase().split(/[_-]+/).filter(Boolean),
    });
  }
  return targets;
}

/** A database, cache or broker connection by the variable's words or the URL's scheme. */
function serverSide(name: string, target: Target): boolean {
  return name.split(/[_-]+/).some((w) => SERVER_SIDE_WORD.test(w)) || (target.scheme !== undefined && SERVER_SCHEMES.has(target.scheme));
}

/** The environment entry in its block's own syntax: `KEY: value` in a mapping, `- KEY=value` in a list (YAML quoting where needed). */
function environmentLine(variable: { name: string; form: 'mapping' | 'list' }, value: string): string {
  const entry = variable.form === 'mapping' ? { [variable.name]: value } : [`${variable.name}=${value}`];
  return stringify(entry, { lineWidth: 0 }).trimEnd();
}

interface Match {
  other: ComposeService;
  via: 'listens' | 'published' | 'name';
  /** The port to use with the service name, when it differs from the one written (a published host port). */
  containerPort?: number;
}

/** The one service a target means; none when no service or several fit (say less when unsure). */
function findService(target: Target, services: ComposeService[], ports: Map<ComposeService, Set<number>>): Match | undefined {
  const named = (list: ComposeService[]) => list.filter((s) => target.words.some((w) => wordNamesService(w, s)));
  const one = (list: ComposeService[]) => (list.length === 1 ? list[0] : named(list).length === 1 ? named(list)[0] : undefined);
  if (target.port === undefined) {
    // `DB_HOST: localhost`: only a variable whose words name exactly one service (by name or kind).
    const other = named(services).length === 1 ? named(services)[0] : undefined;
    return other ? { other, via: 'name' } : undefined;
  }
  const listening = services.filter((s) => ports.get(s)!.has(target.port!));
  const other = one(listening);
  if (other) return { other, via: 'listens' };
  if (listening.length > 0 || target.writtenPort === undefined) return undefined;
  // localhost:<host port>: the port another service publishes; by name it is reached on the container port.
  const published = services.flatMap((s) =>
    s.ports
      .filter((p) => p.published && p.published.from <= target.port! && target.port! <= p.published.to)
      .map((p) => ({ s, containerPort: Number(p.target.split('-')[0]) + (target.port! - p.published!.from) })),
  );
  if (published.length !== 1 || !Number.isFinite(published[0]!.containerPort)) return undefined;
  return { other: published[0]!.s, via: 'published', containerPort: published[0]!.containerPort };
}

/** A service with its own network namespace (and so its own localhost), reachable by its name. */
function ownNamespace(service: ComposeService): boolean {
  return !service.networkMode || !/^(host|none|service:|container:)/.test(service.networkMode);
}

/** Compose resolves a service's name only for services on a network they share ("default" when none is listed). */
function shareNetwork(a: ComposeService, b: ComposeService): boolean {
  const nets = (s: ComposeService) => (s.networks.length ? s.networks : ['default']);
  return nets(a).some((n) => nets(b).includes(n));
}
