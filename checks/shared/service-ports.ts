import type { ImageInspect } from '../../src/facts/docker/types.js';
import type { ComposeService } from '../../src/facts/project/compose.js';

/** Well-known server images, the port they listen on and the words a variable or URL scheme uses for them. */
const KINDS: { kind: string; image: RegExp; port: number; words: string[]; schemes: string[] }[] = [
  {
    kind: 'postgres',
    image: /^(postgres|postgis|timescaledb|pgvector|supabase\/postgres)/,
    port: 5432,
    words: ['postgres', 'postgresql', 'pg', 'psql'],
    schemes: ['postgres', 'postgresql'],
  },
  { kind: 'mysql', image: /^(mysql|mariadb|percona)/, port: 3306, words: ['mysql', 'mariadb'], schemes: ['mysql', 'mariadb', 'mysql2'] },
  { kind: 'mongo', image: /^mongo/, port: 27017, words: ['mongo', 'mongodb'], schemes: ['mongodb'] },
  { kind: 'redis', image: /^(redis|valkey|keydb|eqalpha\/keydb)/, port: 6379, words: ['redis', 'valkey', 'cache'], schemes: ['redis'] },
  { kind: 'rabbitmq', image: /^rabbitmq/, port: 5672, words: ['rabbitmq', 'rabbit', 'amqp', 'broker'], schemes: ['amqp'] },
  { kind: 'memcached', image: /^memcached/, port: 11211, words: ['memcached', 'memcache'], schemes: ['memcached'] },
  {
    kind: 'elasticsearch',
    image: /^(elasticsearch|opensearch|elastic\/elasticsearch|opensearchproject\/opensearch)/,
    port: 9200,
    words: ['elasticsearch', 'elastic', 'es', 'opensearch'],
    schemes: [],
  },
];

/** Generic words for "the database" that name any database kind. */
const DATABASE_WORDS = new Set(['db', 'database']);
const DATABASE_KINDS = new Set(['postgres', 'mysql', 'mongo']);

/** The repository's last path parts without registry or tag: "docker.io/library/postgres:16" → "postgres". */
function imageRepo(image: string | undefined): string {
  if (!image) return '';
  const noDigest = image.split('@')[0]!;
  const noTag = noDigest.replace(/:[^/]+$/, '');
  return noTag
    .replace(/^[^/]+\.[^/]+\//, '')
    .replace(/^library\//, '')
    .toLowerCase();
}

/** The well-known kind of a service, from its image, else from its name (a built `db` service tells nothing). */
export function serviceKind(service: ComposeService): string | undefined {
  const repo = imageRepo(service.image);
  return KINDS.find((k) => k.image.test(repo) || k.image.test(repo.split('/').pop()!))?.kind;
}

/** Default port of a URL scheme, for the schemes whose servers the project may run. */
export function schemeDefaultPort(scheme: string): number | undefined {
  const lower = scheme.toLowerCase();
  // Not http's 80: a port-less http://localhost/… is most often meant for the front proxy the host publishes on 80,
  // and matching it to whichever service listens on 80 in the project would be a guess. Those are matched by name.
  return KINDS.find((k) => k.schemes.includes(lower))?.port;
}

/** Does a word from a variable name ("DB" in DB_HOST, "REDIS" in REDIS_HOST) name this service or its kind? */
export function wordNamesService(word: string, service: ComposeService): boolean {
  const lower = word.toLowerCase();
  if (lower === service.name.toLowerCase()) return true;
  const kind = serviceKind(service);
  if (!kind) return false;
  if (DATABASE_WORDS.has(lower)) return DATABASE_KINDS.has(kind);
  return KINDS.find((k) => k.kind === kind)!.words.includes(lower);
}

type ImageWithPorts = ImageInspect & { Config?: { ExposedPorts?: Record<string, object> | null } | null };

/** Container ports a service listens on as far as the project tells: `ports:` targets, `expose:`, its image's EXPOSE, its kind's port. */
export function listeningPorts(service: ComposeService, image: ImageInspect | null | undefined): Set<number> {
  const ports = new Set<number>();
  const addSpec = (spec: string) => {
    const m = /^(\d+)(?:-(\d+))?(?:\/\w+)?$/.exec(spec.trim());
    if (!m) return;
    const from = Number(m[1]);
    const to = Number(m[2] ?? m[1]);
    // A huge range says nothing about one port.
    for (let p = from; p <= to && p - from < 100; p++) ports.add(p);
  };
  for (const port of service.ports) addSpec(port.target);
  for (const spec of service.expose) addSpec(spec);
  for (const spec of Object.keys((image as ImageWithPorts | null | undefined)?.Config?.ExposedPorts ?? {})) addSpec(spec);
  const kind = serviceKind(service);
  if (kind) ports.add(KINDS.find((k) => k.kind === kind)!.port);
  return ports;
}
