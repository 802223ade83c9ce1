import path from 'node:path';
import { below, clean, within } from './paths.js';

/** A database image and where it keeps its data, from its name and tag, the environment and (when local) the image itself. */
export interface DatabaseImage {
  /** `postgres 16`, `mysql`: for titles. */
  label: string;
  /** Where the data is written. */
  dataDir: string;
  /** Where a volume should be mounted to keep it (PostgreSQL 18+: /var/lib/postgresql, above the versioned data directory). */
  mountAt: string;
  /** The image's VOLUME paths. */
  volumes: string[];
  /** False when the version, and so the path, is a guess (postgres:latest not on this engine). */
  certain: boolean;
  /** PostgreSQL 18 or later with the default PGDATA: a mount at /var/lib/postgresql/data makes it refuse to start. */
  postgres18?: boolean;
}

/** What is known besides the name: the service's or container's environment and command, and the local image's config. */
export interface DatabaseContext {
  env: Record<string, string>;
  command?: string;
  image?: { Env?: string[] | null; Volumes?: Record<string, object> | null } | null;
}

interface Known {
  repos: string[];
  label: string;
  dataDir: string;
  volumes: string[];
  /** Redis keeps data only when told to. */
  persists?: (command: string) => boolean;
}

const KNOWN: Known[] = [
  { repos: ['mysql', 'mysql/mysql-server'], label: 'mysql', dataDir: '/var/lib/mysql', volumes: ['/var/lib/mysql'] },
  { repos: ['mariadb'], label: 'mariadb', dataDir: '/var/lib/mysql', volumes: ['/var/lib/mysql'] },
  { repos: ['mongo', 'mongodb/mongodb-community-server'], label: 'mongo', dataDir: '/data/db', volumes: ['/data/db', '/data/configdb'] },
  {
    repos: ['redis'],
    label: 'redis',
    dataDir: '/data',
    volumes: ['/data'],
    persists: (command) => /--appendonly\s+["']?yes\b/.test(command) || /--save\s+(?!["']{2}|\s|$)["']?\d/.test(command),
  },
  {
    repos: ['elasticsearch', 'elasticsearch/elasticsearch'],
    label: 'elasticsearch',
    dataDir: '/usr/share/elasticsearch/data',
    volumes: [],
  },
  { repos: ['rabbitmq'], label: 'rabbitmq', dataDir: '/var/lib/rabbitmq', volumes: ['/var/lib/rabbitmq'] },
  {
    repos: ['clickhouse', 'clickhouse/clickhouse-server', 'yandex/clickhouse-server'],
    label: 'clickhouse',
    dataDir: '/var/lib/clickhouse',
    volumes: ['/var/lib/clickhouse'],
  },
  { repos: ['cassandra'], label: 'cassandra', dataDir: '/var/lib/cassandra', volumes: ['/var/lib/cassandra'] },
  { repos: ['couchdb'], label: 'couchdb', dataDir: '/opt/couchdb/data', volumes: ['/opt/couchdb/data'] },
];

/** PostgreSQL images built on the official one, and how their tags name the major version. */
const POSTGRES: Record<string, RegExp> = {
  postgres: /^(\d+)/,
  'postgis/postgis': /^(\d+)/,
  'pgvector/pgvector': /pg(\d+)/,
  'timescale/timescaledb': /pg(\d+)/,
};

/** `docker.io/library/postgres:16-alpine@sha256:…` → repository `postgres`, tag `16-alpine`. */
export function imageName(ref: string): { repo: string; tag: string } {
  const noDigest = ref.split('@')[0]!;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  const [name, tag] = colon > slash ? [noDigest.slice(0, colon), noDigest.slice(colon + 1)] : [noDigest, 'latest'];
  const parts = name.toLowerCase().split('/');
  // A registry host (has a dot or a port, or is localhost) and the official images' library/ prefix say nothing of the image.
  if (parts.length > 1 && /[.:]|^localhost$/.test(parts[0]!)) parts.shift();
  const libraryAt = parts.lastIndexOf('library');
  const rest = libraryAt >= 0 && libraryAt === parts.length - 2 ? parts.slice(-1) : parts;
  // Mirrors such as public.ecr.aws/docker/library/postgres keep the path before library/.
  return { repo: rest.join('/'), tag };
}

export function databaseImage(ref: string, context: DatabaseContext): DatabaseImage | undefined {
  const { repo, tag } = imageName(ref);
  // `postgres:${TAG}` with TAG unset: which image runs is unknown (the unset variable is compose-config's to report).
  if (tag === '' || repo === '') return undefined;
  // `-c fsync=off` and the like: a throwaway database for tests, by choice.
  if (/\bfsync\s*=\s*off\b/i.test(context.command ?? '')) return undefined;
  const imageVolumes = context.image?.Volumes ? Object.keys(context.image.Volumes).map(clean) : undefined;
  if (repo in POSTGRES) return postgresImage(repo, tag, context, imageVolumes);
  const known = KNOWN.find((k) => k.repos.includes(repo));
  if (!known) return undefined;
  if (known.persists && !known.persists(context.command ?? '')) return undefined;
  return {
    label: known.label,
    dataDir: known.dataDir,
    mountAt: known.dataDir,
    volumes: imageVolumes ?? known.volumes,
    certain: true,
  };
}

function postgresImage(repo: string, tag: string, context: DatabaseContext, imageVolumes: string[] | undefined): DatabaseImage {
  const imageEnv = Object.fromEntries((context.image?.Env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
  const fromTag = POSTGRES[repo]!.exec(tag)?.[1];
  // The tag says the major version; the image's own PGDATA says which layout it has when the tag does not (`latest`, `alpine`);
  // without either, `latest` is PostgreSQL 18 or later by now.
  const imagePgdata = imageEnv.PGDATA as string | undefined;
  const versioned = imagePgdata ? /\/(\d+)\/docker$/.exec(imagePgdata)?.[1] : undefined;
  const major = fromTag ?? versioned;
  const modern = major !== undefined ? Number(major) >= 18 : imagePgdata === undefined;
  const certain = major !== undefined || imagePgdata !== undefined;
  const defaultData = modern ? `/var/lib/postgresql/${major ?? 18}/docker` : '/var/lib/postgresql/data';
  const pgdata = context.env.PGDATA ?? imagePgdata ?? defaultData;
  const overridden = context.env.PGDATA !== undefined && context.env.PGDATA !== imagePgdata;
  return {
    label:
      major !== undefined ? `${repo} ${major}` : certain ? `${repo}:${tag}` : `${repo}:${tag} (PostgreSQL 18 or later when pulled now)`,
    dataDir: clean(pgdata),
    mountAt: overridden ? clean(pgdata) : modern ? '/var/lib/postgresql' : '/var/lib/postgresql/data',
    volumes: imageVolumes ?? [modern ? '/var/lib/postgresql' : '/var/lib/postgresql/data'],
    certain,
    ...(modern && !overridden ? { postgres18: true } : {}),
  };
}

/** A mount as the rules need it: compose volume entries and the engine's Mounts alike. */
export interface DataMount {
  target: string;
  type: string;
}

export type DataVerdict<M extends DataMount> = { kind: 'kept'; mount: M } | { kind: 'nested'; mount: M; volume: string } | { kind: 'none' };

/**
 * Where the data goes given these mounts: into the deepest mount at or above the data directory, unless the image
 * declares a VOLUME between that mount and the data directory, where Docker then puts an anonymous volume.
 */
export function whereDataGoes<M extends DataMount>(db: DatabaseImage, mounts: M[]): DataVerdict<M> {
  const covering = mounts
    .filter((m) => m.type !== 'tmpfs' && within(db.dataDir, m.target))
    .sort((a, b) => clean(b.target).length - clean(a.target).length)[0];
  if (!covering) return { kind: 'none' };
  const nested = db.volumes.find(
    (v) => below(v, covering.target) && within(db.dataDir, v) && !mounts.some((m) => clean(m.target) === clean(v)),
  );
  return nested ? { kind: 'nested', mount: covering, volume: nested } : { kind: 'kept', mount: covering };
}

/** A tmpfs at the data directory: the user chose data that goes away. */
export function ephemeralByChoice(db: DatabaseImage, mounts: DataMount[]): boolean {
  return mounts.some((m) => m.type === 'tmpfs' && within(db.dataDir, m.target));
}

const NOT_DATA = /^\/(etc|run|tmp|docker-entrypoint-initdb\.d|usr\/local\/bin|backups?)(\/|$)/;
/** Directories beside the data that hold something else: plugins, configuration, logs, certificates, scripts. */
const OTHER_DIRS = /^(plugins|config|conf|conf\.d|logs?|certs?|ssl|tls|scripts|init\w*|backups?|secrets|tmp|run|mysql-files|snapshots)$/i;

/** A mount that looks meant for the data (beside the data directory, or named data/db) but is not where the data goes. */
export function meantForData(db: DatabaseImage, target: string): boolean {
  const t = clean(target);
  const name = path.posix.basename(t);
  if (NOT_DATA.test(t) || OTHER_DIRS.test(name) || /\.\w{1,5}$/.test(name) || within(db.dataDir, t)) return false;
  return within(t, path.posix.dirname(db.dataDir)) || /(^|\/)(data|db|pgdata|mysql|postgres\w*|mongo\w*|redis)(\/|$)/.test(t);
}
