import type { ContainerInspect } from '../../src/facts/docker/types.js';
import { parseGroupFile, parsePasswdFile } from '../../src/facts/host/etc-files.js';
import type { DockerConnection, FileStat, Facts, SubIdRange } from '../../src/facts/types.js';
import { prose } from '../../src/util/text.js';

export interface ContainerUser {
  /** As configured ("" means root). */
  spec: string;
  uid: number;
  gid: number;
  groups: number[];
  /** A name for messages: "app (uid 1000)". */
  label: string;
}

/**
 * The effective user as runc resolves it: names through the image's /etc/passwd and /etc/group, numeric uids without
 * an entry get gid 0.
 */
export async function resolveContainerUser(facts: Facts, inspect: ContainerInspect): Promise<ContainerUser | undefined> {
  const spec = (inspect.Config.User ?? '').trim();
  if (spec === '' || spec === 'root' || spec === '0' || spec === '0:0') return { spec, uid: 0, gid: 0, groups: [], label: 'root' };
  const [userPart, groupPart] = spec.split(':') as [string, string | undefined];
  // Even a numeric uid needs the image's files: its primary and supplementary groups come from there.
  const [passwdRaw, groupRaw] = await Promise.all([
    facts.containerFile(inspect.Id, '/etc/passwd').catch(() => undefined),
    facts.containerFile(inspect.Id, '/etc/group').catch(() => undefined),
  ]);
  const passwd = parsePasswdFile(passwdRaw?.toString('utf8') ?? '');
  const groupDb = parseGroupFile(groupRaw?.toString('utf8') ?? '');
  const entry = /^\d+$/.test(userPart) ? passwd.find((p) => p.uid === Number(userPart)) : passwd.find((p) => p.name === userPart);
  if (!entry && !/^\d+$/.test(userPart)) return undefined; // A name the image does not know: the container could not have started.
  const uid = entry?.uid ?? Number(userPart);
  let gid = entry?.gid ?? 0;
  if (groupPart !== undefined) {
    const g = /^\d+$/.test(groupPart) ? Number(groupPart) : groupDb.find((e) => e.name === groupPart)?.gid;
    if (g === undefined) return undefined;
    gid = g;
  }
  const name = entry?.name;
  // --group-add / compose group_add grant groups the image's /etc/group knows nothing of (the docker socket's gid, say).
  const added = (inspect.HostConfig.GroupAdd ?? [])
    .map((g) => (/^\d+$/.test(g) ? Number(g) : groupDb.find((e) => e.name === g)?.gid))
    .filter((g): g is number => g !== undefined);
  const groups = [...(name ? groupDb.filter((g) => g.members.includes(name)).map((g) => g.gid) : []), ...added];
  return { spec, uid, gid, groups, label: name ? `${name} (uid ${uid})` : `uid ${uid}` };
}

export interface IdMapping {
  /** `rootless` is rootless Docker, `podman-rootless` a user's Podman: both map container uid 0 to the user, N≥1 to subuid start+N-1. */
  kind: 'none' | 'rootless' | 'podman-rootless' | 'userns-remap';
  map(id: number, which: 'uid' | 'gid'): number | undefined;
  /** Rootless: whether a host uid is one the engine's user namespace owns (the user's own, or a subordinate id). */
  inNamespace?(hostUid: number): boolean;
  describe: string;
}

/** How container ids appear on the host for this engine. */
export async function idMapping(facts: Facts, connection: DockerConnection): Promise<IdMapping> {
  const options = connection.info?.SecurityOptions ?? [];
  const identity: IdMapping = { kind: 'none', map: (id) => id, describe: '' };
  if (connection.kind === 'rootless' || connection.kind === 'podman-rootless') {
    const engine = connection.kind === 'rootless' ? 'rootless Docker' : 'rootless Podman';
    const rootDir = connection.info?.DockerRootDir;
    const owner = rootDir ? await facts.stat(rootDir).catch(() => null) : null;
    const hostUid = owner?.uid ?? (await facts.identity()).uid;
    const users = await facts.passwdDb().catch(() => []);
    const name = users.find((u) => u.uid === hostUid)?.name;
    const ids = await facts.subordinateIds().catch(() => ({ uid: [] as SubIdRange[], gid: [] as SubIdRange[] }));
    const range = (which: 'uid' | 'gid') => ids[which].find((r) => r.user === name || r.user === String(hostUid));
    return {
      kind: connection.kind,
      map: (id, which) => {
        if (id === 0) return which === 'uid' ? hostUid : (owner?.gid ?? hostUid);
        const r = range(which);
        return r && id - 1 < r.count ? r.start + id - 1 : undefined;
      },
      inNamespace: (hostId) => {
        const r = range('uid');
        return hostId === hostUid || (r !== undefined && hostId >= r.start && hostId < r.start + r.count);
      },
      describe: prose`
        ${engine} maps container root to uid ${hostUid} and uid N≥1 to
        ${range('uid') ? `${range('uid')!.start}+N-1` : 'your subordinate ids'}
      `,
    };
  }
  if (options.some((o) => o.includes('name=userns'))) {
    const base = /\/(\d+)\.(\d+)$/.exec(connection.info?.DockerRootDir ?? '');
    if (!base) return identity;
    const [uidBase, gidBase] = [Number(base[1]), Number(base[2])];
    return {
      kind: 'userns-remap',
      map: (id, which) => (which === 'uid' ? uidBase : gidBase) + id,
      describe: `userns-remap maps container uid N to host uid ${uidBase}+N`,
    };
  }
  return identity;
}

export type Access = 'read' | 'write';

/** POSIX permission check for a host uid/gids against a stat; host root passes everything. */
export function canAccess(stat: FileStat, uid: number, gids: number[], access: Access): boolean {
  if (uid === 0) return true;
  const dir = stat.type === 'directory';
  const bits = (shift: number) => (stat.mode >> shift) & 0o7;
  const want = access === 'write' ? (dir ? 0o3 : 0o2) : dir ? 0o5 : 0o4;
  const granted = stat.uid === uid ? bits(6) : gids.includes(stat.gid) ? bits(3) : bits(0);
  return (granted & want) === want;
}
