import type { FsClient } from '../clients.js';

export interface Listener {
  protocol: 'tcp' | 'udp';
  /** Dotted IPv4 or full IPv6; 0.0.0.0 and :: mean every address. */
  address: string;
  port: number;
  inode: number;
  pid?: number;
  process?: string;
}

/**
 * Listening sockets from /proc/net (LISTEN for TCP, bound for UDP), each mapped to its process through
 * /proc/<pid>/fd. Sockets of processes owned by other users map to no pid unless we are root.
 */
export async function readProcListeners(fs: FsClient, proc = '/proc'): Promise<Listener[]> {
  const tables: [string, 'tcp' | 'udp', 4 | 6][] = [
    ['net/tcp', 'tcp', 4],
    ['net/tcp6', 'tcp', 6],
    ['net/udp', 'udp', 4],
    ['net/udp6', 'udp', 6],
  ];
  const listeners: Listener[] = [];
  for (const [file, protocol, family] of tables) {
    const text = await fs.readText(`${proc}/${file}`).catch(() => undefined);
    if (text) listeners.push(...parseProcNet(text, protocol, family));
  }
  if (listeners.length === 0) return listeners;
  const owners = await socketOwners(fs, proc, new Set(listeners.map((l) => l.inode)));
  for (const listener of listeners) {
    const owner = owners.get(listener.inode);
    if (owner) Object.assign(listener, owner);
  }
  return listeners;
}

/**
 * The TCP sockets listening inside a container's network namespace, read from the host through /proc/<pid>/net (the
 * table of the namespace the process lives in) without running anything in the container. Null when neither table can
 * be read: the process is gone, or it belongs to another user and we are not root.
 */
export async function readNamespaceListeners(fs: FsClient, pid: number, proc = '/proc'): Promise<Listener[] | null> {
  const tables = await Promise.all(
    (
      [
        ['tcp', 4],
        ['tcp6', 6],
      ] as const
    ).map(async ([file, family]) => {
      const text = await fs.readText(`${proc}/${pid}/net/${file}`).catch(() => undefined);
      return text === undefined ? undefined : parseProcNet(text, 'tcp', family);
    }),
  );
  if (tables.every((t) => t === undefined)) return null;
  return tables.flatMap((t) => t ?? []);
}

export function parseProcNet(text: string, protocol: 'tcp' | 'udp', family: 4 | 6): Listener[] {
  const out: Listener[] = [];
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 10) continue;
    const [, local, , state, , , , , , inode] = fields;
    // 0A is TCP_LISTEN; an unconnected UDP socket (07) is the UDP equivalent of listening.
    if ((protocol === 'tcp' && state !== '0A') || (protocol === 'udp' && state !== '07')) continue;
    const [hexAddress, hexPort] = (local ?? '').split(':');
    if (!hexAddress || !hexPort) continue;
    out.push({
      protocol,
      address: family === 4 ? decodeIPv4(hexAddress) : decodeIPv6(hexAddress),
      port: parseInt(hexPort, 16),
      inode: Number(inode),
    });
  }
  return out;
}

export function decodeIPv4(hex: string): string {
  const bytes = hex.match(/../g) ?? [];
  return bytes
    .reverse()
    .map((b) => parseInt(b, 16))
    .join('.');
}

/** /proc prints IPv6 as four 32-bit words, each in host (little-endian) byte order. */
export function decodeIPv6(hex: string): string {
  const words = hex.match(/.{8}/g) ?? [];
  const bytes = words.flatMap((w) => (w.match(/../g) ?? []).reverse());
  const groups: string[] = [];
  for (let i = 0; i < bytes.length; i += 2) groups.push(parseInt(`${bytes[i]}${bytes[i + 1]}`, 16).toString(16));
  const full = groups.join(':');
  if (full === '0:0:0:0:0:0:0:0') return '::';
  if (full === '0:0:0:0:0:ffff:0:0') return '::ffff:0.0.0.0';
  const v4mapped = /^0:0:0:0:0:ffff:([0-9a-f]+):([0-9a-f]+)$/.exec(full);
  if (v4mapped) {
    const n = (parseInt(v4mapped[1]!, 16) << 16) | parseInt(v4mapped[2]!, 16);
    return `::ffff:${[(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.')}`;
  }
  return full === '0:0:0:0:0:0:0:1' ? '::1' : full;
}

async function socketOwners(fs: FsClient, proc: string, wanted: Set<number>): Promise<Map<number, { pid: number; process: string }>> {
  const owners = new Map<number, { pid: number; process: string }>();
  let pids: string[];
  try {
    pids = (await fs.readdir(proc)).filter((name) => /^\d+$/.test(name));
  } catch {
    return owners;
  }
  for (const pid of pids) {
    if (owners.size === wanted.size) break;
    let fds: string[];
    try {
      fds = await fs.readdir(`${proc}/${pid}/fd`);
    } catch {
      continue; // Gone, or another user's process.
    }
    const links = await Promise.all(fds.map((fd) => fs.readlink(`${proc}/${pid}/fd/${fd}`)));
    const inodes = links
      .map((l) => /^socket:\[(\d+)\]$/.exec(l ?? '')?.[1])
      .filter((i): i is string => i !== undefined)
      .map(Number);
    const mine = inodes.filter((i) => wanted.has(i) && !owners.has(i));
    if (mine.length === 0) continue;
    const comm = ((await fs.readText(`${proc}/${pid}/comm`).catch(() => undefined)) ?? '').trim();
    for (const inode of mine) owners.set(inode, { pid: Number(pid), process: comm });
  }
  return owners;
}

/** Whether binding `a` would collide with an existing bind on `b`: a wildcard collides with every address. */
export function addressesOverlap(a: string, b: string): boolean {
  const wildcard = (x: string) => x === '' || x === '0.0.0.0' || x === '::' || x === '::ffff:0.0.0.0';
  if (wildcard(a) || wildcard(b)) return true;
  const norm = (x: string) => x.replace(/^::ffff:/, '').replace(/^\[|\]$/g, '');
  return norm(a) === norm(b);
}
