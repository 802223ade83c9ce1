import type { EngineClient, RequestOptions } from './engine-client.js';

/** A network as libpod describes it: what the compat /networks answer leaves out (it names Podman's default `bridge`). */
export interface PodmanNetwork {
  name: string;
  driver: string;
  /** Whether aardvark-dns resolves container names on it: false on the default `podman` network and on `--disable-dns` ones. */
  dnsEnabled: boolean;
  internal: boolean;
}

/** libpod's routes take a libpod version, not the Docker API's: 4.0.0 is the oldest with `dns_enabled`. */
const LIBPOD_VERSION = '4.0.0';

/**
 * Podman's networks from libpod's own list (`/libpod/networks/json`), the one place that says which resolve names.
 * Entries without a name are dropped; a field of the wrong type reads as its Podman default.
 */
export async function podmanNetworks(client: EngineClient, request: RequestOptions): Promise<PodmanNetwork[]> {
  const answer = await client.withApiVersion(LIBPOD_VERSION).getJson<unknown>('/libpod/networks/json', request);
  if (!Array.isArray(answer)) return [];
  return answer.flatMap((entry: unknown) => {
    if (!entry || typeof entry !== 'object') return [];
    const n = entry as Record<string, unknown>;
    if (typeof n.name !== 'string') return [];
    return [
      {
        name: n.name,
        driver: typeof n.driver === 'string' ? n.driver : 'bridge',
        dnsEnabled: n.dns_enabled === true,
        internal: n.internal === true,
      },
    ];
  });
}
