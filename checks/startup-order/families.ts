/*
 * Servers that take a while after their container starts before they accept connections: databases and brokers,
 * recognised by image name, with the port they listen on and a readiness probe made of tools their official (and
 * Bitnami) images ship.
 */

export interface ServerFamily {
  /** What the user would call it: "PostgreSQL". */
  label: string;
  kind: 'database' | 'broker' | 'search engine';
  port: number;
  /** The healthcheck `test:` for an image of this family and tag, exec form; undefined when no probe is safe to name. */
  probe?: (image: ImageName) => string[];
}

export interface ImageName {
  /** The repository path without registry, lower case: `library/postgres` → `postgres`, `bitnami/postgresql`. */
  repo: string;
  /** Its last component: `postgresql`. */
  base: string;
  tag: string;
}

/** An image reference split into repository and tag (`ghcr.io/org/app:1.2@sha256:…` → `org/app`, `1.2`). */
export function imageName(reference: string): ImageName {
  const withoutDigest = reference.split('@')[0]!.toLowerCase();
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  const tag = colon > slash ? withoutDigest.slice(colon + 1) : 'latest';
  let repo = colon > slash ? withoutDigest.slice(0, colon) : withoutDigest;
  const parts = repo.split('/');
  // A first component with a dot or a port, or localhost, is a registry, not part of the repository.
  if (parts.length > 1 && /[.:]|^localhost$/.test(parts[0]!)) parts.shift();
  if (parts[0] === 'library') parts.shift();
  repo = parts.join('/');
  return { repo, base: parts.at(-1) ?? repo, tag };
}

/** The tag's leading major (and minor) version, when it starts with one: `16-alpine` → [16], `10.4` → [10, 4]. */
function tagVersion(tag: string): number[] | undefined {
  const match = /^v?(\d+)(?:\.(\d+))?/.exec(tag);
  return match ? [Number(match[1]), Number(match[2] ?? 0)] : undefined;
}

const POSTGRES: ServerFamily = {
  label: 'PostgreSQL',
  kind: 'database',
  port: 5432,
  // pg_isready only asks whether the server accepts connections; -U keeps a missing "root" role out of the server log.
  // $$ keeps compose from interpolating: the container's own POSTGRES_USER is read when the probe runs.
  probe: () => ['CMD-SHELL', 'pg_isready -U $${POSTGRES_USER:-postgres}'],
};

const MYSQL: ServerFamily = {
  label: 'MySQL',
  kind: 'database',
  port: 3306,
  // Over TCP, not the socket: the entrypoint's first, temporary server listens only on the socket while it initialises.
  // mysqladmin ping exits 0 once the server answers, even when it refuses the (password-less) login.
  probe: () => ['CMD', 'mysqladmin', 'ping', '-h', '127.0.0.1'],
};

const MARIADB: ServerFamily = {
  label: 'MariaDB',
  kind: 'database',
  port: 3306,
  // mariadb-admin exists from 10.5 on (11.x images no longer ship mysqladmin); older tags have mysqladmin.
  probe: ({ tag }) => {
    const v = tagVersion(tag);
    const old = v !== undefined && (v[0]! < 10 || (v[0] === 10 && v[1]! < 5));
    return ['CMD', old ? 'mysqladmin' : 'mariadb-admin', 'ping', '-h', '127.0.0.1'];
  },
};

const MONGO: ServerFamily = {
  label: 'MongoDB',
  kind: 'database',
  port: 27017,
  // mongosh replaced the mongo shell in the 5.0 images (6.0 dropped mongo).
  probe: ({ tag }) => {
    const v = tagVersion(tag);
    return ['CMD', v !== undefined && v[0]! < 5 ? 'mongo' : 'mongosh', '--quiet', '--eval', "db.adminCommand('ping')"];
  },
};

const redisLike = (label: string, cli: string): ServerFamily => ({
  label,
  kind: 'database',
  port: 6379,
  probe: () => ['CMD', cli, 'ping'],
});

const RABBITMQ: ServerFamily = {
  label: 'RabbitMQ',
  kind: 'broker',
  port: 5672,
  probe: () => ['CMD', 'rabbitmq-diagnostics', '-q', 'ping'],
};

const KAFKA_TOOLS: Record<string, string> = {
  'bitnami/kafka': 'kafka-topics.sh',
  'confluentinc/cp-kafka': 'kafka-topics',
  'confluentinc/cp-server': 'kafka-topics',
  'apache/kafka': '/opt/kafka/bin/kafka-topics.sh',
};

const KAFKA: ServerFamily = {
  label: 'Kafka',
  kind: 'broker',
  port: 9092,
  probe: ({ repo }) => {
    const tool = KAFKA_TOOLS[repo];
    return tool ? ['CMD', tool, '--bootstrap-server', 'localhost:9092', '--list'] : [];
  },
};

const searchEngine = (label: string): ServerFamily => ({
  label,
  kind: 'search engine',
  port: 9200,
  // Without -f any HTTP answer counts (401 with security on); 8.x serves https only, so try both.
  probe: () => ['CMD-SHELL', 'curl -s http://localhost:9200 >/dev/null || curl -sk https://localhost:9200 >/dev/null'],
});

const CASSANDRA: ServerFamily = {
  label: 'Cassandra',
  kind: 'database',
  port: 9042,
  probe: () => ['CMD', 'cqlsh', '-e', 'describe keyspaces'],
};

const CLICKHOUSE: ServerFamily = {
  label: 'ClickHouse',
  kind: 'database',
  port: 9000,
  probe: () => ['CMD', 'clickhouse-client', '--query', 'SELECT 1'],
};

/** By the image's last path component (official images and most vendors' own), then by full repository. */
const BY_BASE: Record<string, ServerFamily> = {
  postgres: POSTGRES,
  postgresql: POSTGRES,
  postgis: POSTGRES,
  timescaledb: POSTGRES,
  'timescaledb-ha': POSTGRES,
  pgvector: POSTGRES,
  mysql: MYSQL,
  'mysql-server': MYSQL,
  mariadb: MARIADB,
  mongo: MONGO,
  mongodb: MONGO,
  'mongodb-community-server': MONGO,
  redis: redisLike('Redis', 'redis-cli'),
  'redis-stack': redisLike('Redis', 'redis-cli'),
  'redis-stack-server': redisLike('Redis', 'redis-cli'),
  valkey: redisLike('Valkey', 'valkey-cli'),
  keydb: redisLike('KeyDB', 'keydb-cli'),
  rabbitmq: RABBITMQ,
  kafka: KAFKA,
  'cp-kafka': KAFKA,
  'cp-server': KAFKA,
  elasticsearch: searchEngine('Elasticsearch'),
  opensearch: searchEngine('OpenSearch'),
  cassandra: CASSANDRA,
  'clickhouse-server': CLICKHOUSE,
};

/** The family an image belongs to, if it is a server of one this check knows. */
export function serverFamily(reference: string | undefined): ServerFamily | undefined {
  if (!reference) return undefined;
  const name = imageName(reference);
  return BY_BASE[name.base];
}

/** The probe for an image of a family, or undefined when the family names none for it. */
export function probeFor(reference: string, family: ServerFamily): string[] | undefined {
  const test = family.probe?.(imageName(reference));
  return test && test.length > 0 ? test : undefined;
}
