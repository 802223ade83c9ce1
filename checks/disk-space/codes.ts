import type { FindingCodeMeta } from '../../src/engine/types.js';
import { prose } from '../../src/util/text.js';

const PRUNE_DOCS = 'https://docs.docker.com/engine/manage-resources/pruning/';
const LOG_DOCS = 'https://docs.docker.com/engine/logging/drivers/json-file/';

export const diskCodes = {
  'low-space': {
    severity: 'error',
    summary: 'the file system of the Docker root is (nearly) full',
    explanation: prose`
      Images, containers' writable layers, volumes, the build cache and container logs all live under the engine's root directory
      (\`docker info\` shows it as Docker Root Dir: /var/lib/docker by default). When its file system fills up, pulls fail with "failed to
      register layer: … no space left on device", builds and containers fail to write, and databases stop. The usual causes, in order:
      build cache, unused and dangling images, unrotated json-file logs, unused volumes and stopped containers.
      An error below 2 % free (at least 1 GiB, at most 5 GiB), a warning below 10 % free (at least 5 GiB, at most 20 GiB), as \`df\`
      counts it (blocks reserved for root do not count as free). The breakdown comes from \`docker system df\`; each prune command says
      what it deletes.
    `,
    docsUrl: PRUNE_DOCS,
  },
  'low-inodes': {
    severity: 'error',
    summary: 'the file system of the Docker root is running out of inodes',
    explanation: prose`
      Every file takes an inode, and image layers hold many small files. When the file system runs out of inodes, writes fail with "no
      space left on device" although \`df -h\` still shows free space (\`df -i\` shows the inodes). Deleting images, build cache and stopped
      containers frees inodes as it frees space. An error below 2 % of the inodes free, a warning below 5 %.
    `,
    docsUrl: PRUNE_DOCS,
  },
  'not-measured': {
    severity: 'info',
    summary: "the Docker root's free space cannot be measured from here",
    explanation: prose`
      The free space of the engine's root directory is measured with statfs on this machine. That is not possible when the engine runs
      elsewhere (a remote host, an ssh:// context, Docker Desktop's VM), when the directory does not exist here (docker-doctor runs in a
      container with only the socket mounted), or when this user may not reach it (Podman's /var/lib/containers/storage is below a directory
      only root may enter), or when the path is on a file system that reports no size at all (0 blocks, like /proc). The rest of the check
      still runs on what the Engine API gives.
    `,
  },
  'unbounded-log': {
    severity: 'warning',
    summary: "a container's log grows without a size limit",
    explanation: prose`
      Docker's default log driver, json-file, keeps everything a container writes to stdout and stderr in one file under the Docker root,
      with no size limit unless \`max-size\` is set (per container with --log-opt, per compose service under \`logging:\`, or for every new
      container in daemon.json's \`log-opts\`). A chatty container fills the disk this way. daemon.json settings apply only to containers
      created after the daemon restarts: existing containers keep the log settings they were created with, so they must be recreated.
      Podman's k8s-file logs are the same, limited by \`log_size_max\` in containers.conf.
      The size is that of the log file, read with one stat per container; the logs themselves are never read. The local driver rotates by
      default and other drivers keep no file here, so only json-file (and Podman's k8s-file) logs are judged.
    `,
    docsUrl: LOG_DOCS,
  },
  'no-space-error': {
    severity: 'error',
    summary: 'a container failed with "no space left on device"',
    explanation: prose`
      A container's start error or its log says "no space left on device" (ENOSPC): a write failed because a file system was full or out
      of inodes. Usually that is the Docker root; it can also be a bind-mounted host directory's file system, a tmpfs, or the container's
      /dev/shm (64 MiB by default: PostgreSQL's "could not resize shared memory segment"). When the Docker root has room now, space may have
      been freed since.
    `,
    docsUrl: PRUNE_DOCS,
  },
} satisfies Record<string, FindingCodeMeta>;
