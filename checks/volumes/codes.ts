import type { FindingCodeMeta } from '../../src/engine/types.js';
import { prose } from '../../src/util/text.js';

const VOLUMES_DOCS = 'https://docs.docker.com/engine/storage/volumes/';

export const volumeCodes = {
  'hidden-dependencies': {
    severity: 'warning',
    summary: 'a bind mount hides the dependencies the image installed',
    explanation: prose`
      The Dockerfile installs dependencies into the image (npm ci, yarn, pnpm install → node_modules; pip install --target or a virtualenv;
      bundle install --path → vendor/bundle; composer install → vendor), and the compose file bind-mounts a host directory over that
      directory or a parent of it (\`.:/app\` over WORKDIR /app). A bind mount replaces everything under its target, so the container sees
      the host's directory, where those dependencies are not: "Error: Cannot find module 'express'", "sh: react-scripts: not found",
      "nodemon: not found", "ModuleNotFoundError". An anonymous volume for the dependency directory, listed under the bind (\`-
      /app/node_modules\`), keeps the image's copy visible: Docker fills an empty volume from the image on first use. When the host
      directory has its own dependencies this is only a note: they are used instead of the image's, which breaks native modules built for
      another system. A named volume at that path keeps old contents after the image changes (first-use copy happens only into an empty
      volume): recreate it with \`docker compose up -V\` (--renew-anon-volumes) for anonymous ones.
    `,
    docsUrl: 'https://docs.docker.com/reference/compose-file/services/#volumes',
  },
  'database-no-volume': {
    severity: 'warning',
    summary: "a database's data directory has no volume",
    explanation: prose`
      Database images keep their data in one directory (postgres /var/lib/postgresql/data, or /var/lib/postgresql from PostgreSQL 18;
      mysql and mariadb /var/lib/mysql; mongo /data/db; redis /data when persistence is on; elasticsearch /usr/share/elasticsearch/data;
      rabbitmq /var/lib/rabbitmq; clickhouse /var/lib/clickhouse). Without a named volume or bind mount there, the data lives in the
      container's writable layer or in an anonymous volume that Docker creates from the image's VOLUME: \`docker compose down -v\`, \`docker
      rm -v\`, \`--rm\` or a fresh checkout on another machine start from an empty database, and init scripts run again. A named volume
      (declared under the file's top-level volumes:) keeps the data across containers.
    `,
    docsUrl: VOLUMES_DOCS,
  },
  'database-wrong-path': {
    severity: 'warning',
    summary: 'a database volume is mounted at a path the image does not use',
    explanation: prose`
      The service mounts a volume where it looks meant for data, but the database writes elsewhere, so the volume stays empty and the data
      goes to the container (or to an anonymous volume). Typical: \`/var/lib/postgres\` instead of \`/var/lib/postgresql/data\`; a mount at
      \`/var/lib/postgresql\` on PostgreSQL 17 or earlier, whose image declares VOLUME /var/lib/postgresql/data, so Docker still puts the
      data in an anonymous volume nested under yours; and on PostgreSQL 18 or later a mount at \`/var/lib/postgresql/data\`: those images
      keep data under /var/lib/postgresql/<major>/docker and refuse to start while /var/lib/postgresql/data is a mount ("unused
      mount/volume"). The image's own VOLUME and PGDATA (read from the image when it is on this engine, else from the tag) say where the
      data goes. A volume that already holds data of an older PostgreSQL major needs pg_upgrade, or the image pinned to that major.
    `,
    docsUrl: 'https://github.com/docker-library/postgres/pull/1259',
  },
  'database-anonymous-volume': {
    severity: 'info',
    summary: 'a database container keeps its data in an anonymous volume',
    explanation: prose`
      The container was run without a volume at its data directory, so Docker created an anonymous volume (a 64-hex name) from the image's
      VOLUME. The data survives a restart, but a new container does not reuse it, \`docker rm -v\` and \`--rm\` delete it, and
      \`docker volume
      prune\` removes it once the container is gone. Run it with a named volume at the data directory instead.
    `,
    docsUrl: VOLUMES_DOCS,
  },
  'directory-for-file': {
    severity: 'warning',
    summary: 'a bind mount meant for a file has a directory as its source',
    explanation: prose`
      The compose file mounts a file (\`./nginx.conf:/etc/nginx/nginx.conf\`) but the host path is a directory. The classic cause: the file
      did not exist on an earlier \`up\`, so Docker created an empty directory in its place, and that directory is still there. Mounting a
      directory where the image has a file fails with "not a directory: unknown: Are you trying to mount a directory onto a file (or
      vice-versa)? Check if the specified host path exists and is the expected type"; where the image has nothing, the application finds
      a directory instead of its configuration. The fix removes the empty directory with rmdir (which refuses to remove a directory that
      is not empty) and puts the intended file there.
    `,
    docsUrl: 'https://docs.docker.com/engine/storage/bind-mounts/',
  },
  'file-for-directory': {
    severity: 'warning',
    summary: 'a file is bind-mounted onto a directory',
    explanation: prose`
      The host path is a regular file, but the target in the container is a directory (the image's VOLUME or WORKDIR, a path ending in /,
      a conf.d or initdb.d directory). The runtime cannot mount a file over a directory: the container fails to start with "not a
      directory … Are you trying to mount a directory onto a file (or vice-versa)?". Mount the file inside the directory instead
      (\`./default.conf:/etc/nginx/conf.d/default.conf\`).
    `,
    docsUrl: 'https://docs.docker.com/engine/storage/bind-mounts/',
  },
} satisfies Record<string, FindingCodeMeta>;
