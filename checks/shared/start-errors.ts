// A container left in "created" carries the daemon's start error. Each kind of start error belongs to one check
// (one cause, one finding): port-conflicts owns the bind errors, disk-space a full disk, bind-mounts the other mount
// errors, exited-containers the rest.

/** The start error of a container whose host port could not be bound. */
export const PORT_START_ERROR = /port is already allocated|address already in use|cannot expose privileged port|failed to bind host port/i;

/** The start error of a container that could not write to a full file system (its mounts or layers included). */
export const NO_SPACE_START_ERROR = /no space left on device/i;

const MOUNT_WORDS = /mount|bind source path|not a directory|Are you trying to mount/i;

/** The start error of a container whose mount could not be made, for another reason than a full disk (disk-space's). */
export const MOUNT_START_ERROR = { test: (error: string): boolean => MOUNT_WORDS.test(error) && !NO_SPACE_START_ERROR.test(error) };

/** Drops the OCI runtime boilerplate from a start error, keeping the part that names the problem. */
export function shortError(error: string): string {
  const trimmed = error.trim().replace(/: unknown$/, '');
  const exec = /(exec: "[^"]+": .*)$/.exec(trimmed) ?? /unable to start container process: (.*)$/.exec(trimmed);
  return (exec?.[1] ?? trimmed).trim();
}
