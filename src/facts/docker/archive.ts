/** The first entry of a tar archive (GET /containers/{id}/archive of one path): what it is, its mode, and a file's content. */
export interface ArchiveEntry {
  /** A regular file, a directory, or anything else (a link the engine did not follow, a device…). */
  type: 'file' | 'dir' | 'other';
  /** Permission bits (0o7777) from the tar header. */
  mode: number;
  /** A regular file's content; empty for the others. */
  content: Buffer;
}

const octal = (field: Buffer) => parseInt(field.toString('ascii').replace(/\0.*$/, '').trim() || '0', 8);

/**
 * The entry the archive was asked for: the first header. Podman follows a symlink and answers its target as a regular
 * file; Docker answers the link itself ('other'). Undefined when the archive is empty or not a tar.
 */
export function firstEntryInTar(tar: Buffer): ArchiveEntry | undefined {
  if (tar.length < 512) return undefined;
  const header = tar.subarray(0, 512);
  if (header.every((b) => b === 0)) return undefined;
  const flag = String.fromCharCode(header[156] ?? 0);
  const type = flag === '0' || flag === '\0' ? 'file' : flag === '5' ? 'dir' : 'other';
  const size = type === 'file' ? octal(header.subarray(124, 136)) : 0;
  return { type, mode: octal(header.subarray(100, 108)) & 0o7777, content: tar.subarray(512, 512 + size) };
}
