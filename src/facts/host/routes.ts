import os from 'node:os';
import type { FsClient } from '../clients.js';

/** One IPv4 route of this host's routing table, as /proc/net/route lists it. */
export interface HostRoute {
  /** The interface the route leaves by (eth0, tun0, wg0, docker0, br-…). */
  iface: string;
  /** The destination network, dotted (10.8.0.0). */
  destination: string;
  prefix: number;
  /** The next hop, dotted; 0.0.0.0 for a network on the link itself. */
  gateway: string;
}

/**
 * The host's IPv4 routes that are up, from /proc/net/route (read through the injected file client; nothing is sent
 * anywhere). Null where there is no such file (not Linux, or /proc not mounted).
 */
export async function readRoutes(fs: FsClient, file = '/proc/net/route'): Promise<HostRoute[] | null> {
  const text = await fs.readText(file).catch(() => undefined);
  return text === undefined ? null : parseRoutes(text);
}

const RTF_UP = 0x1;

/** The table's lines after its header: Iface, Destination, Gateway, Flags, RefCnt, Use, Metric, Mask, … in host byte order. */
export function parseRoutes(text: string, littleEndian = os.endianness() === 'LE'): HostRoute[] {
  const routes: HostRoute[] = [];
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 8) continue;
    const [iface, destination, gateway, flags, , , , mask] = fields as [string, string, string, string, ...string[]];
    if (![destination, gateway, flags, mask].every((f) => /^[0-9A-Fa-f]{1,8}$/.test(f!))) continue;
    if ((parseInt(flags, 16) & RTF_UP) === 0) continue;
    const maskValue = hostOrder(mask!, littleEndian);
    routes.push({
      iface,
      destination: dotted(hostOrder(destination, littleEndian)),
      prefix: prefixOf(maskValue),
      gateway: dotted(hostOrder(gateway, littleEndian)),
    });
  }
  return routes;
}

/** The kernel prints each address as one 32-bit word in its own byte order: on little-endian hosts the first octet is last. */
function hostOrder(hex: string, littleEndian: boolean): number {
  const value = parseInt(hex, 16) >>> 0;
  if (!littleEndian) return value;
  return (((value & 0xff) << 24) | ((value & 0xff00) << 8) | ((value >>> 8) & 0xff00) | (value >>> 24)) >>> 0;
}

function dotted(value: number): string {
  return [value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff].join('.');
}

/** Leading one bits of a netmask; a mask that is not contiguous counts up to its first zero. */
function prefixOf(mask: number): number {
  let prefix = 0;
  while (prefix < 32 && (mask & (0x80000000 >>> prefix)) !== 0) prefix++;
  return prefix;
}
