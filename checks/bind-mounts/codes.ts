import type { FindingCodeMeta } from '../../src/engine/types.js';
import { prose } from '../../src/util/text.js';

const BIND_DOCS = 'https://docs.docker.com/engine/storage/bind-mounts/';

export const bindCodes = {
  'not-writable': {
    severity: 'error',
    summary: 'the container user cannot write the bind-mounted path',
    explanation: prose`
      A bind mount shows the host directory as it is: same owner, group and mode. The container's process runs as a uid that is not the
      owner, not in the group, and has no write bit through "other", so writes fail with EACCES ("Permission denied"). Typical: a non-root
      image user (node 1000, postgres 999, nginx 101) and a directory owned by root or by your own user.
    `,
    docsUrl: BIND_DOCS,
  },
  'not-readable': {
    severity: 'error',
    summary: 'the container user cannot read the bind-mounted path',
    explanation: prose`
      The container's uid has no read (or, for a directory, no search) permission on the host path, so the application cannot load what is
      mounted there.
    `,
    docsUrl: BIND_DOCS,
  },
  'auto-created-root': {
    severity: 'warning',
    summary: 'Docker created the missing source as root, and a non-root user cannot write it',
    explanation: prose`
      With -v or compose short syntax, a bind source that does not exist is created by the daemon as an empty root:root 0755 directory. A
      container running as a non-root user then cannot write into it, and if the source was meant to be a file, the mount fails with "Are
      you trying to mount a directory onto a file (or vice-versa)?".
    `,
    docsUrl: BIND_DOCS,
  },
  'id-shifted': {
    severity: 'error',
    summary: "user-namespace remapping shifts the container's uid on the host",
    explanation: prose`
      With rootless Docker, rootless Podman or userns-remap, container uids are mapped to other host uids (rootless: container root is your
      uid and uid N≥1 is subuid_start+N-1; userns-remap: N is subuid_start+N). Host files owned by your uid look owned by "nobody" inside,
      and files the container writes show up with ids like 100999 on the host. \`sudo chown\` to the container's uid gives the path to a
      host user the container never runs as; under rootless Podman, \`podman unshare chown\` sets it as the container sees it (for a path
      your user owns), \`--userns=keep-id\` runs the container as your own uid, and the \`:U\` volume option has Podman chown the source.
    `,
    docsUrl: 'https://docs.docker.com/engine/security/userns-remap/',
  },
  'read-only': {
    severity: 'error',
    summary: 'the application writes to a read-only mount',
    explanation: prose`
      The mount is read-only (":ro", read_only: true in long syntax, or --read-only for the root filesystem) and the application writes to
      it, getting EROFS ("Read-only file system").
    `,
    docsUrl: BIND_DOCS,
  },
  'selinux-label': {
    severity: 'error',
    summary: 'SELinux is enforcing and the mount has no :z/:Z label',
    explanation: prose`
      With SELinux enforcing, a container may only touch files labelled for containers. A bind mount without :z (shared) or :Z (private)
      keeps the host label, so even container root gets "Permission denied"; the denial shows in the host's audit log as avc: denied …
      container_t. Never relabel system paths such as /home or /usr.
    `,
    docsUrl: 'https://docs.docker.com/engine/storage/bind-mounts/#configure-the-selinux-label',
  },
  'mount-failed': {
    severity: 'error',
    summary: 'the bind mount itself failed, so the container never started',
    explanation: prose`
      The daemon or runtime refused the mount: the source does not exist (--mount and long syntax do not create it), or a directory was
      mounted onto a file or the other way round ("not a directory … Are you trying to mount a directory onto a file (or vice-versa)?").
    `,
    docsUrl: BIND_DOCS,
  },
  'compose-source-missing': {
    severity: 'warning',
    summary: 'a compose bind source does not exist yet',
    explanation: prose`
      The compose file bind-mounts a host path that does not exist. With long syntax (type: bind) and no create_host_path, \`docker compose
      up\` (and docker-compose 1.x, which rejects create_host_path) fails with "invalid mount config for type "bind": bind source path does
      not exist". With short syntax the daemon creates the path as an empty root:root 0755 directory: fine for a directory the container's
      root uses, unwritable for a non-root user, and wrong where a file was meant (a file at that path in the image makes the start fail
      with "Are you trying to mount a directory onto a file"; otherwise the application finds a directory). Whether a source is meant as a
      file is read from its name (an extension such as .conf, .sql, .json, or a name such as Caddyfile); a trailing slash, a .d name
      (conf.d, initdb.d), the image's VOLUME or no extension mean a directory. The fix makes a directory (with sudo where the nearest
      existing parent is not yours, and given to the service's uid when it is known), touches only files a service fills itself (logs,
      databases, acme.json), and for a certificate, key or configuration file says to put yours there: an empty one is no fix, and a
      directory in its place breaks the mount. Paths stay as written: relative ones run in the project directory, \`~/…\` stays \`~/…\`,
      absolute ones stay absolute. What the host itself provides (kernel modules, /dev and /proc entries, sockets) is only noted: creating
      it would hide that this host lacks it. A path several services mount is one finding, naming each service and line, with one fix.
    `,
    docsUrl: 'https://docs.docker.com/reference/compose-file/services/#volumes',
  },
  'compose-source-placeholder': {
    severity: 'warning',
    summary: 'a compose bind source is still a placeholder from a sample',
    explanation: prose`
      The bind source is a path no real machine has, written for the user to replace: \`/<directory-path>/app\`, \`/path/to/data\`,
      \`/media/your/media/path\`, \`changeme\`, usually from a variable set in a sample .env (DATA_FOLDER=/<directory-path>/app). Short
      syntax would create that tree as empty root-owned directories and the service would start on empty data; long syntax fails with "bind
      source path does not exist". The fix is to set the variable (or the path) to where the data really is; docker-doctor never creates a
      placeholder path. The finding names the .env line when the value comes from .env.
    `,
    docsUrl: 'https://docs.docker.com/compose/how-tos/environment-variables/variable-interpolation/',
  },
} satisfies Record<string, FindingCodeMeta>;
