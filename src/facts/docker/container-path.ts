import { EngineError, type EngineClient, type RequestOptions } from './engine-client.js';

/**
 * Whether a path exists in a container's filesystem (works on stopped containers), asked of the archive API. Unlike
 * containerFile it counts symlinks and hard links: Docker answers a symlink such as busybox's /bin/wget with the link
 * itself, which is a tool the container has. Only the answer's status matters, so at most a few KiB are read.
 */
export async function containerPathExists(client: EngineClient, request: RequestOptions, id: string, file: string): Promise<boolean> {
  const path = `/containers/${encodeURIComponent(id)}/archive?path=${encodeURIComponent(file)}`;
  try {
    await client.getBuffer(path, { ...request, maxBytes: 4096, truncate: true });
    return true;
  } catch (error) {
    if (error instanceof EngineError && error.details.statusCode === 404) return false;
    throw error;
  }
}
