import type { FsClient } from '../clients.js';

/** What /proc names a network namespace by: `net:[4026531840]`. */
const NAMESPACE_LINK = /^net:\[\d+\]$/;

/**
 * Whether a process lives in a network namespace of its own or in this process's: 'other' or 'own', from the links
 * /proc/<pid>/ns/net and /proc/self/ns/net; undefined when either cannot be read (the process is gone, or belongs to
 * another user and this one is not root). A container's /proc/<pid>/net tables are its own only when the answer is
 * 'other': a State.Pid that names a host process (a faulty engine's, or a pid reused since the inspect) reads the
 * host's tables, and they would be taken for the container's.
 */
export async function readNetNamespace(fs: FsClient, pid: number, proc = '/proc'): Promise<'own' | 'other' | undefined> {
  const link = (file: string) => fs.readlink(file).catch(() => undefined);
  const [theirs, ours] = await Promise.all([link(`${proc}/${pid}/ns/net`), link(`${proc}/self/ns/net`)]);
  if (!theirs || !ours || !NAMESPACE_LINK.test(theirs) || !NAMESPACE_LINK.test(ours)) return undefined;
  return theirs === ours ? 'own' : 'other';
}
