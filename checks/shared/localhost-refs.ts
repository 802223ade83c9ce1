import { stringify } from 'yaml';

/*
 * Where a setting points a container at localhost: the URLs and host:port values in environment variables, and the
 * variables left alone because localhost is right there (a browser on the host, the service's own listen address).
 * The dns check (services reaching each other as localhost) and unreachable-ports (a container reaching the host as
 * localhost) read values the same way.
 */

/**
 * Variables a browser on the host uses (links, redirects, CORS, client bundles): there localhost:<published port> is
 * right, and the service name would break every link.
 */
export const BROWSER_FACING = new RegExp(
  [
    // A word of the name: BASE_URL, APP_URL, CORS_ORIGINS…
    '(^|_)(BASE_?URL|PUBLIC|NEXTAUTH_URL|ORIGINS?|CALLBACK|REDIRECT|SITE_?URL|FRONTEND_?URL|EXTERNAL_?URL|ROOT_?URL|APP_?URL' +
      '|WEB_?URL|HOMEPAGE|ALLOWED_HOSTS|CSRF|CORS)(_|$)',
    // The prefixes client bundlers expose to the browser.
    '^(VITE|REACT_APP|NEXT_PUBLIC|GATSBY|EXPO|VUE_APP)_',
    '(CALLBACK|REDIRECT)',
  ].join('|'),
  'i',
);

/** Where the service itself listens (LISTEN_ADDR, BIND_ADDRESS): localhost there is its own, and right. */
export const OWN_ADDRESS = /(^|_)(LISTEN|BIND)(_|$)/i;

/** scheme://[user[:pass]@]localhost[:port], the host ending where a path, query, list or the value ends. */
const URL_TARGET = /\b([a-z][a-z0-9+.-]*):\/\/(?:[^@/\s]*@)?(localhost|127\.0\.0\.1)(?::(\d+))?(?=[/?#,;\s]|$)/gi;
/** A bare localhost:port (REDIS_ADDR=localhost:6379). */
const HOST_PORT_TARGET = /(?:^|[\s=,;])(localhost|127\.0\.0\.1):(\d+)\b/gi;
/** DB_HOST, REDIS_HOSTNAME, SMTP_SERVER, libpq's PGHOST: the words before the suffix may name a service. */
const HOST_VARIABLE = /^(.+?)(?:_(?:HOST|HOSTNAME|SERVER|ADDR|ADDRESS)|(?<=^PG)HOST)$/i;
const LOCAL_HOST = /^(localhost|127\.0\.0\.1)$/i;

export interface LocalhostTarget {
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
  /** A `*_HOST` variable holding only localhost: its port, if any, is in a sibling variable. */
  hostVariable?: boolean;
}

/** The words of a variable's name: DB_HOST → db, host. */
export const nameWords = (name: string) => name.toLowerCase().split(/[_-]+/).filter(Boolean);

/**
 * Every localhost reference in a value: URLs (with the scheme's default port when `defaultPort` knows it), bare
 * host:port pairs, and a `*_HOST` variable whose whole value is localhost.
 */
export function localhostTargets(name: string, value: string, defaultPort: (scheme: string) => number | undefined): LocalhostTarget[] {
  const words = nameWords(name);
  const targets: LocalhostTarget[] = [];
  for (const m of value.matchAll(URL_TARGET)) {
    const host = m[2]!;
    const hostAt = m.index + m[0].indexOf(host, m[0].indexOf('://') + 3);
    const written = m[3] !== undefined ? Number(m[3]) : undefined;
    const port = written ?? defaultPort(m[1]!);
    targets.push({
      index: hostAt,
      length: host.length + (m[3] !== undefined ? m[3].length + 1 : 0),
      host,
      ...(port !== undefined ? { port } : {}),
      ...(written !== undefined ? { writtenPort: written } : {}),
      words: [m[1]!.toLowerCase(), ...words],
      scheme: m[1]!.toLowerCase(),
    });
  }
  if (targets.length === 0) {
    for (const m of value.matchAll(HOST_PORT_TARGET)) {
      const host = m[1]!;
      const port = Number(m[2]);
      targets.push({ index: m.index + m[0].indexOf(host), length: host.length + m[2]!.length + 1, host, port, writtenPort: port, words });
    }
  }
  const hostVariable = HOST_VARIABLE.exec(name);
  if (targets.length === 0 && hostVariable && LOCAL_HOST.test(value.trim())) {
    targets.push({
      index: value.indexOf(value.trim()),
      length: value.trim().length,
      host: value.trim(),
      words: nameWords(hostVariable[1]!),
      hostVariable: true,
    });
  }
  return targets;
}

/**
 * The port a `*_HOST` variable's sibling sets: DB_HOST with DB_PORT, PGHOST with PGPORT, REDIS_HOSTNAME with REDIS_PORT.
 * Undefined when there is none or it is not a port number.
 */
export function siblingPort(name: string, variables: readonly { name: string; value: string }[]): number | undefined {
  const prefix = /^(.*?)(?:_(?:HOST|HOSTNAME|SERVER|ADDR|ADDRESS)|HOST)$/i.exec(name)?.[1];
  if (prefix === undefined) return undefined;
  const wanted = new Set([`${prefix}_PORT`, `${prefix}PORT`].map((n) => n.toUpperCase()));
  const value = variables.find((v) => wanted.has(v.name.toUpperCase()))?.value.trim();
  const port = value !== undefined && /^\d{1,5}$/.test(value) ? Number(value) : undefined;
  return port !== undefined && port > 0 && port < 65536 ? port : undefined;
}

/** The value with one target's host (and written port) replaced. */
export function replaceTarget(value: string, target: LocalhostTarget, replacement: string): string {
  return value.slice(0, target.index) + replacement + value.slice(target.index + target.length);
}

/** The environment entry in its block's own syntax: `KEY: value` in a mapping, `- KEY=value` in a list (YAML quoting where needed). */
export function environmentLine(variable: { name: string; form: 'mapping' | 'list' }, value: string): string {
  const entry = variable.form === 'mapping' ? { [variable.name]: value } : [`${variable.name}=${value}`];
  return stringify(entry, { lineWidth: 0 }).trimEnd();
}

/**
 * The environment a container gets: one entry per name, the last written winning (an override file's value replaces
 * the base file's; the compose model lists both).
 */
export function effectiveEnvironment<T extends { name: string }>(environment: readonly T[]): T[] {
  const byName = new Map<string, T>();
  for (const variable of environment) byName.set(variable.name, variable);
  return [...byName.values()];
}
