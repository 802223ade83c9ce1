// Words a process prints when the kernel refuses it a file, and how a file's mode is shown: one copy for every check
// that ties a log line or a socket to permissions (bind-mounts, exited-containers' log signatures, daemon).

/** A log line saying access was refused: EACCES and EPERM as libc, shells and runtimes print them. */
export const ACCESS_DENIED = /permission denied|EACCES|operation not permitted|EPERM/i;

/** A log line saying a write hit a read-only mount or file system. */
export const READ_ONLY = /read-only file system|EROFS/i;

/** A file mode as `ls -l` users type it to chmod: four octal digits (0755, 2775). */
export function formatMode(mode: number): string {
  return mode.toString(8).padStart(4, '0');
}
