import type { FsClient } from '../clients.js';

/** What /proc names a network namespace by: `net:[4026531840]`. */
const NAMESPACE_LINK = /^net:\[\d+\]$/;

/**
 * Whether a process lives in a network namespace of its own or in this process's: 'other' or 'own'; undefined when it
 * cannot be told (the process is gone). A container's /proc/<pid>/net tables are its own only when the answer is
 * 'other': a State.Pid that names a host process (a faulty engine's, or a pid reused since the inspect) reads the
 * host's tables, and they would be taken for the container's.
 */
export async function readNetNamespace(fs: FsClient, pid: number, proc = '/proc'): Promise<'own' | 'other' | undefined> {
  return (await byLinks(fs, pid, proc)) ?? (await byTables(fs, pid, proc));
}

/** The links /proc/<pid>/ns/net and /proc/self/ns/net; reading another user's needs root (ptrace rights). */
async function byLinks(fs: FsClient, pid: number, proc: string): Promise<'own' | 'other' | undefined> {
  const link = (file: string) => fs.readlink(file).catch(() => undefined);
  const [theirs, ours] = await Promise.all([link(`${proc}/${pid}/ns/net`), link(`${proc}/self/ns/net`)]);
  if (!theirs || !ours || !NAMESPACE_LINK.test(theirs) || !NAMESPACE_LINK.test(ours)) return undefined;
  return theirs === ours ? 'own' : 'other';
}

/**
 * The inode numbers of /proc/<pid>/net/tcp and /proc/self/net/tcp: /proc gives each namespace's table its own, and any
 * user may stat them where the tables can be read at all (a docker-group user, for a root container's process).
 */
async function byTables(fs: FsClient, pid: number, proc: string): Promise<'own' | 'other' | undefined> {
  const ino = async (file: string) => (await fs.stat(file).catch(() => null))?.ino;
  const [theirs, ours] = await Promise.all([ino(`${proc}/${pid}/net/tcp`), ino(`${proc}/self/net/tcp`)]);
  if (!theirs || !ours) return undefined;
  return theirs === ours ? 'own' : 'other';
}
