import { isIPv6 } from 'node:net';
import type { Listener } from '../facts/host/listeners.js';
import type { FakeFiles } from './memory-fs.js';

/** A host socket a test wants listening: port, and optionally address (default every IPv4 address), process and protocol. */
export interface ListenerFields {
  port: number;
  /** Default 0.0.0.0. IPv6 addresses (`::`, `::1`) go to /proc/net/tcp6. */
  address?: string;
  pid?: number;
  /** The process name, as /proc/<pid>/comm gives it. */
  command?: string;
  protocol?: 'tcp' | 'udp';
}

/** @example listener({ port: 8080, pid: 4242, command: 'python3' }) */
export function listener(fields: ListenerFields): Listener {
  return {
    protocol: fields.protocol ?? 'tcp',
    address: fields.address ?? '0.0.0.0',
    port: fields.port,
    inode: 10_000 + fields.port,
    ...(fields.pid !== undefined ? { pid: fields.pid, process: fields.command ?? '' } : {}),
  };
}

const PROC_NET_HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';

const hex = (n: number, width: number) => n.toString(16).toUpperCase().padStart(width, '0');

/** /proc/net writes an address as 32-bit words in host (little-endian) byte order. */
function procAddress(address: string): string {
  if (!isIPv6(address))
    return address
      .split('.')
      .reverse()
      .map((b) => hex(Number(b), 2))
      .join('');
  const [head, tail] = address.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  const bytes = groups.flatMap((g) => [hex(parseInt(g, 16) >> 8, 2), hex(parseInt(g, 16) & 255, 2)]);
  const words = [0, 4, 8, 12].map((i) =>
    bytes
      .slice(i, i + 4)
      .reverse()
      .join(''),
  );
  return words.join('');
}

/**
 * The /proc files a Linux host has for these listeners (/proc/net/{tcp,tcp6,udp,udp6} and /proc/<pid>/{comm,fd}),
 * so the real listener provider reads them from an in-memory fs.
 */
export function procFiles(listeners: readonly Listener[]): FakeFiles {
  const files: FakeFiles = {};
  for (const table of ['tcp', 'tcp6', 'udp', 'udp6']) files[`/proc/net/${table}`] = procNetTable(listeners, table);
  for (const l of listeners) {
    if (l.pid === undefined) continue;
    files[`/proc/${l.pid}/comm`] = `${l.process ?? ''}\n`;
    files[`/proc/${l.pid}/fd/${l.inode}`] = { link: `socket:[${l.inode}]` };
  }
  return files;
}

/**
 * The /proc/<pid>/net/{tcp,tcp6} files of a container's process: what the app inside listens on, read from the host.
 * `namespaceProcFiles(4242, [listener({ port: 8080, address: '127.0.0.1' })])`.
 */
export function namespaceProcFiles(pid: number, listeners: readonly Listener[], namespace = CONTAINER_NAMESPACES + pid): FakeFiles {
  const files: FakeFiles = { [`/proc/${pid}/ns/net`]: { link: `net:[${namespace}]` } };
  for (const [i, table] of ['tcp', 'tcp6'].entries())
    files[`/proc/${pid}/net/${table}`] = { text: procNetTable(listeners, table), stat: { ino: tableInode(namespace, i) } };
  return files;
}

/** The host's network namespace, as /proc numbers it; the fake docker-doctor process lives in it. */
export const HOST_NET_NAMESPACE = 4026531840;
/** A container's own namespace is numbered after its pid, so no two fake containers share one. */
const CONTAINER_NAMESPACES = 4026532000;
/** /proc gives each namespace's tables inode numbers of their own. */
const tableInode = (namespace: number, table: number) => namespace * 10 + table;

/**
 * The /proc files of processes that live in the host's network namespace (the fake docker-doctor's own, and pids a
 * faulty engine gives as a container's State.Pid): their ns/net links and table inodes are the host's.
 */
export function hostNamespaceProcFiles(pids: readonly number[]): FakeFiles {
  const files: FakeFiles = {};
  for (const pid of ['self', ...pids]) {
    files[`/proc/${pid}/ns/net`] = { link: `net:[${HOST_NET_NAMESPACE}]` };
    files[`/proc/${pid}/net/tcp`] = { stat: { ino: tableInode(HOST_NET_NAMESPACE, 0) } };
  }
  return files;
}

function procNetTable(listeners: readonly Listener[], table: string): string {
  const rows = listeners.filter((l) => `${l.protocol}${isIPv6(l.address) ? '6' : ''}` === table);
  // 0A is a listening TCP socket, 07 an unconnected (bound) UDP one.
  const state = table.startsWith('tcp') ? '0A' : '07';
  const lines = rows.map(
    (l, i) =>
      `   ${i}: ${procAddress(l.address)}:${hex(l.port, 4)} 00000000:0000 ${state} 00000000:00000000 00:00000000 00000000` +
      `     0        0 ${l.inode} 1 0000000000000000 100 0 0 10 0\n`,
  );
  return PROC_NET_HEADER + lines.join('');
}
