import { defineCheck } from '../src/engine/define-check.js';
import { composeProblemCodes, reportComposeProblems } from './shared/compose-problems.js';
import type { CheckContext, Fix, FindingInput, Subject } from '../src/engine/types.js';
import type { ContainerInspect, MountPoint } from '../src/facts/docker/types.js';
import type { FileStat } from '../src/facts/types.js';
import { bindCodes } from './bind-mounts/codes.js';
import { checkComposeSources } from './bind-mounts/compose-sources.js';
import { canAccess, idMapping, resolveContainerUser, type ContainerUser, type IdMapping } from './bind-mounts/users.js';
import { ACCESS_DENIED, formatMode, READ_ONLY } from './shared/permissions.js';
import { MOUNT_START_ERROR, shortError } from './shared/start-errors.js';
import { bindMountForLine, containerName, containerSubject, finishedRecently, parseTime, USER_STOP_CODES } from './shared/containers.js';
import { logLines } from './shared/logs.js';
import { shellWord, prose } from '../src/util/text.js';
import { composeServiceOf, locationOf } from './shared/project-source.js';
import { engineCli, engineCommand, type EngineCli } from './shared/engine-cli.js';
import { podmanRootlessFixes } from './bind-mounts/rootless-fixes.js';
import { inspectIfPresent } from './shared/inspect.js';

type Cause = keyof typeof bindCodes;

export default defineCheck({
  meta: {
    id: 'bind-mounts',
    title: 'Bind mounts are usable by their containers',
    category: 'storage',
    description: prose`
      Answers "permission denied" on a bind-mounted path. For every container with bind mounts it compares the host path's owner, group and
      mode with the container's effective user (Config.User, else the image's USER, else root; names resolved through the image's
      /etc/passwd), mapped through rootless or userns-remap id shifting, and ties EACCES, EPERM and EROFS lines in the logs of failing
      containers to the mount they name. It reports paths the user cannot write or read, sources Docker auto-created as root:root 0755
      because they did not exist, writes to read-only mounts, SELinux enforcing without :z/:Z, and mounts that made a container fail to
      start. In the project's compose file it reports bind sources that do not exist yet by what compose will do with them: long syntax
      fails ("bind source path does not exist"); short syntax creates an empty root-owned directory, a warning when the source is meant as a
      file (an extension such as .conf or .sql) or a non-root user (the service's user:, else the image's USER when the image is here) must
      write there, a note when what it is meant to be is unknown, and nothing for a directory (a trailing slash, conf.d, initdb.d, no
      extension, the image's VOLUME) that root uses. A source that is still a sample's placeholder (/<directory-path>/…, /path/to/…,
      /media/your/…, usually from .env) is reported once per variable at its .env line, with a fix that edits it; fixes never create a
      placeholder, never make a directory where a file is meant, and never touch a certificate, key or configuration file (the user's own
      goes there).

      Running containers are only judged on what can be seen without their logs: a mount they cannot read, or an auto-created root-owned
      directory under a non-root user. Host ownership is read only for an engine on this machine.
    `,
    requires: ['docker'],
    codes: { ...bindCodes, ...composeProblemCodes },
  },
  async run(ctx) {
    const { facts } = ctx;
    const [containers, connection, project] = await Promise.all([
      facts.containers(),
      facts.dockerConnection(),
      facts.compose().catch(() => null),
    ]);
    // A compose file compose refuses is reported once per run (by the check shared/compose-problems.ts names) and judged by none.
    const compose = project && (await reportComposeProblems(ctx, project)).usable ? project : null;
    // Bind sources are paths on the engine's host: only a local engine's can be read here (Desktop shares files but fakes ownership).
    const hostReadable = connection.local && connection.kind !== 'docker-desktop';
    const [mapping, cli] = await Promise.all([idMapping(facts, connection), engineCli(facts)]);
    const selinux = (connection.info?.SecurityOptions ?? []).some((o) => o.includes('name=selinux')) && (await facts.selinuxEnforcing());
    const now = facts.now();

    const candidates = containers.filter((c) => c.State === 'created' || (c.Mounts ?? []).some((m) => m.Type === 'bind'));
    const inspected = await Promise.all(candidates.map((c) => inspectIfPresent(facts, c.Id)));
    for (const inspect of inspected) {
      if (!inspect) continue;
      const state = inspect.State;
      if (state.Status === 'created') {
        if (state.Error && MOUNT_START_ERROR.test(state.Error)) reportMountFailure(ctx, inspect, cli);
        continue;
      }
      const binds = (inspect.Mounts ?? []).filter((m) => m.Type === 'bind');
      if (binds.length === 0) continue;
      if (!state.Running && !finishedRecently(inspect, now)) continue;
      const failing = state.Restarting || (!state.Running && state.ExitCode !== 0 && !USER_STOP_CODES.has(state.ExitCode));
      const logs = failing ? await facts.containerLogs(inspect.Id).catch(() => '') : '';
      // Reading the image's /etc/passwd goes through the archive API (it mounts the container's filesystem): only when a mount needs it.
      let userPromise: Promise<ContainerUser | undefined> | undefined;
      const user = () => (userPromise ??= hostReadable ? resolveContainerUser(facts, inspect) : Promise.resolve(undefined));
      const location = (await composeServiceOf(facts, inspect.Config.Labels))?.service.user?.at;
      for (const mount of binds) {
        const finding = await diagnoseMount({ inspect, mount, logs, user, mapping, cli, selinux, hostReadable, ctx });
        if (finding)
          ctx.report({
            ...finding,
            ...(location && (finding.cause === 'not-writable' || finding.cause === 'not-readable')
              ? { location: locationOf(location) }
              : {}),
          });
      }
    }

    if (compose && hostReadable) {
      const podman = connection.kind === 'podman' || connection.kind === 'podman-rootless';
      await checkComposeSources(ctx, compose, {
        podmanRootless: mapping.kind === 'podman-rootless' && cli.podmanCli,
        createsLongSyntax: podman,
        up: `${await facts.composeCommand()} up`,
      });
    }
  },
});

interface MountContext {
  ctx: CheckContext;
  inspect: ContainerInspect;
  mount: MountPoint;
  logs: string;
  user: () => Promise<ContainerUser | undefined>;
  mapping: IdMapping;
  /** The command fixes name for this engine (podman, docker). */
  cli: EngineCli;
  selinux: boolean;
  hostReadable: boolean;
}

type MountFinding = FindingInput & { cause: Cause };

/** What is known of one bind mount: the log lines about it, the source's owner and mode, the container's user as the host sees it. */
interface MountFacts {
  name: string;
  subject: Subject;
  denied: string | undefined;
  readOnly: string | undefined;
  stat: FileStat | null;
  user: ContainerUser | undefined;
  hostUid: number | undefined;
  /** "node (uid 1000), uid 101000 on the host", for titles. */
  who: string;
  /** "owned by 0:0, mode 0755", for titles. */
  owner: string;
  mayWrite: boolean | undefined;
  mayRead: boolean | undefined;
  evidence: Record<string, unknown>;
}

async function diagnoseMount(m: MountContext): Promise<MountFinding | undefined> {
  const f = await mountFacts(m);
  if (f.readOnly && !m.mount.RW) return readOnlyFinding(m, f, f.readOnly);
  if (f.denied) return deniedFinding(m, f, f.denied);
  return quietProblem(m, f);
}

async function mountFacts(m: MountContext): Promise<MountFacts> {
  const { inspect, mount, logs, mapping } = m;
  const lines = logLines(logs).filter((l) => bindMountForLine(inspect.Mounts ?? [], l) === mount);
  const denied = lines.filter((l) => ACCESS_DENIED.test(l)).at(-1);
  const readOnly = lines.filter((l) => READ_ONLY.test(l)).at(-1);
  const stat = m.hostReadable ? await m.ctx.facts.stat(mount.Source).catch(() => null) : null;
  // Without log evidence, only a mount that "other" cannot fully use can be a problem; skip the user lookup otherwise.
  const openToAll =
    stat !== null && (stat.mode & (stat.type === 'directory' ? 0o007 : 0o006)) === (stat.type === 'directory' ? 0o007 : 0o006);
  const user = denied || (stat && !openToAll) ? await m.user() : undefined;
  const hostUid = user ? mapping.map(user.uid, 'uid') : undefined;
  const hostGids = user ? [user.gid, ...user.groups].map((g) => mapping.map(g, 'gid')).filter((g): g is number => g !== undefined) : [];
  return {
    name: containerName(inspect),
    subject: containerSubject(inspect),
    denied,
    readOnly,
    stat,
    user,
    hostUid,
    who: user ? `${user.label}${hostUid !== undefined && hostUid !== user.uid ? `, uid ${hostUid} on the host` : ''}` : 'its user',
    owner: stat ? `owned by ${stat.uid}:${stat.gid}, mode ${formatMode(stat.mode)}` : '',
    mayWrite: stat && hostUid !== undefined ? canAccess(stat, hostUid, hostGids, 'write') : undefined,
    mayRead: stat && hostUid !== undefined ? canAccess(stat, hostUid, hostGids, 'read') : undefined,
    evidence: {
      source: mount.Source,
      destination: mount.Destination,
      mode: mount.Mode ?? '',
      rw: mount.RW,
      ...(user ? { containerUser: user.spec || 'root', uid: user.uid, gid: user.gid } : {}),
      ...(stat ? { owner: stat.uid, group: stat.gid, permissions: formatMode(stat.mode), type: stat.type } : {}),
      ...(denied ? { logLine: denied } : readOnly ? { logLine: readOnly } : {}),
    },
  };
}

function readOnlyFinding({ mount }: MountContext, { name, subject, evidence }: MountFacts, readOnly: string): MountFinding {
  return {
    cause: 'read-only',
    title: `Container ${name} writes to ${mount.Destination}, but the bind mount of ${mount.Source} is read-only: "${readOnly}"`,
    subject,
    fixes: [
      {
        title: 'Mount it read-write if the application must write there (drop :ro / read_only: true)',
        command: `-v ${shellWord(`${mount.Source}:${mount.Destination}`)}`,
      },
      {
        title: 'Or give the application a scratch directory for its writes',
        command: `--tmpfs ${shellWord(`${mount.Destination}/tmp`)}`,
      },
    ],
    evidence,
  };
}

/** The logs say access was denied under the mount: SELinux, an id mapping, or plain ownership and mode. */
function deniedFinding(m: MountContext, f: MountFacts, denied: string): MountFinding {
  const { mount, mapping } = m;
  const { name, subject, stat, user, hostUid, mayRead, mayWrite, evidence } = f;
  const noLabel = !/(^|,)[zZ](,|$)/.test(mount.Mode ?? '');
  if (m.selinux && noLabel && mayRead !== false && mayWrite !== false) {
    return {
      cause: 'selinux-label',
      severity: 'error',
      title: `SELinux denies container ${name} access to ${mount.Source} (mounted at ${mount.Destination} without :z or :Z): "${denied}"`,
      subject,
      fixes: selinuxFixes(mount),
      evidence,
    };
  }
  if (mapping.kind !== 'none' && user && hostUid !== user.uid && mayWrite === false) return idShiftedFinding(m, f, user);
  const cause: Cause = mayRead === false ? 'not-readable' : 'not-writable';
  const explained = mayWrite === false || mayRead === false;
  return {
    cause,
    title: prose`
      Container ${name} runs as ${f.who} and cannot ${cause === 'not-readable' ? 'read' : 'write'}
      ${mount.Source}${stat ? ` (${f.owner})` : ''}, mounted at ${mount.Destination}: "${denied}"
    `,
    subject,
    ...(explained ? {} : { explanation: unexplainedDenial(stat) }),
    fixes: ownershipFixes(m, user, stat, name),
    evidence,
  };
}

/** Why "Permission denied" when the owner and mode allow it, or cannot be read. */
function unexplainedDenial(stat: FileStat | null): string {
  const because = stat
    ? prose`
      Something other than the file mode blocks it: SELinux or AppArmor, an NFS export with root_squash, a noexec mount, or a file inside
      the directory with stricter permissions.
    `
    : 'Its ownership could not be read from here (the engine is not on this machine).';
  return prose`
    The application got "Permission denied" under this bind mount${stat ? ', although the owner and mode allow it for this user' : ''}.
    ${because}
  `;
}

function idShiftedFinding(m: MountContext, f: MountFacts, user: ContainerUser): MountFinding {
  const { inspect, mount, mapping, cli } = m;
  return {
    cause: 'id-shifted',
    title: prose`
      Container ${f.name} runs as ${user.label}, which is uid ${f.hostUid ?? '?'} on the host (${mapping.describe}), and cannot write
      ${mount.Source} (${f.owner})
    `,
    subject: f.subject,
    fixes:
      mapping.kind === 'podman-rootless' && cli.podmanCli
        ? podmanRootlessFixes(cli, mount, user, f.stat, mapping)
        : [
            {
              title: 'Change ownership from inside a container, so the mapping applies',
              command: prose`
                ${cli.cli} run --rm -v ${shellWord(`${mount.Source}:/fix`)} ${shellWord(inspect.Config.Image ?? inspect.Image)} chown -R
                ${user.uid}:${user.gid} /fix
              `,
            },
            { title: 'Or use a named volume instead of a bind mount', command: engineCommand(cli, `volume create ${f.name}-data`) },
          ],
    evidence: { ...f.evidence, hostUid: f.hostUid },
  };
}

/** No log evidence: a directory Docker auto-created as root, or a source the container's user cannot read. */
async function quietProblem(m: MountContext, f: MountFacts): Promise<MountFinding | undefined> {
  const { mount } = m;
  const { name, subject, stat, user, evidence } = f;
  if (!stat || !user || f.hostUid === undefined) return undefined;
  const rootDirectory = stat.type === 'directory' && stat.uid === 0 && stat.gid === 0;
  if (user.uid !== 0 && mount.RW && rootDirectory && f.mayWrite === false && (await looksAutoCreated(m, stat))) {
    return {
      cause: 'auto-created-root',
      title: prose`
        ${mount.Source} was created by Docker as root:root ${formatMode(stat.mode)} because it did not exist, so container ${name}
        (${f.who}) cannot write to ${mount.Destination}
      `,
      subject,
      fixes: ownershipFixes(m, user, stat, name),
      evidence,
    };
  }
  if (f.mayRead !== false) return undefined;
  return {
    cause: 'not-readable',
    severity: 'warning',
    title: `Container ${name} runs as ${f.who} and cannot read ${mount.Source} (${f.owner}), mounted at ${mount.Destination}`,
    subject,
    fixes: ownershipFixes(m, user, stat, name),
    evidence,
  };
}

async function looksAutoCreated(m: MountContext, stat: FileStat): Promise<boolean> {
  if ((stat.mode & 0o777) !== 0o755) return false;
  const entries = await m.ctx.facts.listDir(m.mount.Source);
  if (entries === null || entries.length > 0) return false;
  const created = parseTime(m.inspect.Created);
  return created === undefined || stat.ctimeMs >= created - 5000;
}

function ownershipFixes(m: MountContext, user: ContainerUser | undefined, stat: FileStat | null, name: string): Fix[] {
  const { mount, cli } = m;
  const source = shellWord(mount.Source);
  const recreate: Fix = {
    title: prose`
      Recreate the container after changing it: this removes the container and its writable layer (files written outside volumes); named
      volumes and bind-mounted data stay
    `,
    command: engineCommand(cli, `rm -f ${name}`),
  };
  // Under rootless Podman the host owner of container uid N is a subordinate id: chown through Podman's namespace instead.
  if (m.mapping.kind === 'podman-rootless' && cli.podmanCli && user)
    return [...podmanRootlessFixes(cli, mount, user, stat, m.mapping), recreate];
  return [
    // Without the container's uid there is nothing exact to type: a `<uid>` in a command would be a shell redirection.
    user
      ? { title: `Give the container's user the directory`, command: `sudo chown -R ${user.uid}:${user.gid} ${source}` }
      : {
          title: prose`
            Give the container's user the directory: sudo chown -R with the uid:gid the container runs as (${cli.cli} exec ${name} id)
          `,
        },
    {
      title: 'Or run the container as your own user',
      command: engineCommand(cli, `run --user "$(id -u):$(id -g)" -v ${shellWord(`${mount.Source}:${mount.Destination}`)} …`),
    },
    {
      title: "In compose, set the service's user to match the owner",
      command: stat ? `user: "${stat.uid}:${stat.gid}"` : 'user: "1000:1000"',
    },
    recreate,
  ];
}

function selinuxFixes(mount: MountPoint): Fix[] {
  return [
    {
      title: 'Relabel the source for containers (:z shared, :Z private to this container); never for /home or /usr themselves',
      command: `-v ${shellWord(`${mount.Source}:${mount.Destination}:z`)}`,
    },
    { title: 'Confirm the denial in the audit log', command: 'sudo ausearch -m avc -ts recent' },
  ];
}

function reportMountFailure(ctx: CheckContext, inspect: ContainerInspect, cli: EngineCli): void {
  const name = containerName(inspect);
  const error = inspect.State.Error;
  const ontoFile = /not a directory|Are you trying to mount/i.test(error);
  const missing = /bind source path does not exist/i.exec(error);
  const source = /bind source path does not exist: (\S+)/.exec(error)?.[1];
  // runc names both sides: error mounting "<source>" to rootfs at "<target>".
  const mounted = /error mounting "([^"]+)" to rootfs at "([^"]+)"/.exec(error);
  const ontoFileFix = mounted
    ? {
        title: prose`
          If ${mounted[1]} should be a file: remove the empty directory Docker created in its place (rmdir removes only an empty one), then
          put your file there (an empty file is rarely what ${mounted[2]} needs)
        `,
        command: `rmdir ${shellWord(mounted[1]!)}`,
      }
    : { title: 'If the source should be a file: remove the empty directory Docker created in its place (rmdir), then put your file there' };
  ctx.report({
    cause: 'mount-failed',
    title: ontoFile
      ? prose`
        Container ${name} never started: a directory was mounted onto a file, or a file onto a directory
        (${shortError(error).slice(0, 200)})
      `
      : `Container ${name} never started: ${missing ? `the bind source ${source ?? ''} does not exist` : shortError(error)}`,
    subject: containerSubject(inspect),
    fixes: [
      ...(ontoFile
        ? [ontoFileFix]
        : [
            source
              ? { title: 'Create the source before starting', command: `mkdir -p ${shellWord(source)}` }
              : { title: 'Create the bind source before starting (mkdir -p for a directory, or put your file there)' },
          ]),
      {
        title:
          'Remove the container that was left behind, then run it again: it never started, so removing it loses nothing but its settings',
        command: engineCommand(cli, `rm ${name}`),
      },
    ],
    evidence: { error },
  });
}
