/**
 * Engine API version negotiation, as the docker CLI does it: every request after the ping carries `/v<version>`, so a
 * newer daemon answers in the format this code was written against instead of its own newest one.
 */

/**
 * The highest API version whose answers the code reads correctly. Every change in the Engine API history from 1.42 to
 * 1.52 was checked against the fields src/facts/docker/types.ts reads: 1.44/1.45 add `DNSNames` and drop the short id
 * from `Aliases` (neither is read to decide anything), 1.44 omits `VirtualSize` (not read), 1.52 drops the top-level
 * `NetworkSettings.IPAddress`-style fields (only `Networks` and `Ports` are read), omits unset image `Config.Cmd`,
 * `Entrypoint`, `User`, `WorkingDir` (read as absent either way) and answers /events as JSON lines (read line by line).
 * 1.53 and later are not audited yet: a newer daemon serves them as 1.52.
 */
export const MAX_API_VERSION = '1.52';

/**
 * The oldest API the checks need: /info `Warnings` arrived in 1.39 and the rootless marker in `SecurityOptions` in 1.40
 * (Docker 19.03). It is also the oldest API today's docker CLI still talks to (its client minimum is 1.40).
 */
export const MIN_CHECKS_API_VERSION = '1.40';

/** What the docker CLI assumes of a daemon whose ping carries no API-Version header. */
const NO_HEADER_VERSION = '1.24';

const VERSION = /^v?(\d+)\.(\d+)$/;

/**
 * "1.41" from "1.41" or "v1.41"; undefined for anything else (a header, variable or answer is input, never trusted: a
 * faulty daemon's `ApiVersion: 1.41` is a number, not a version).
 */
export function parseApiVersion(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const match = VERSION.exec(raw.trim());
  return match ? `${Number(match[1])}.${Number(match[2])}` : undefined;
}

/** Compares two parsed versions numerically ("1.9" < "1.10"). */
export function compareApiVersions(a: string, b: string): number {
  const [aMajor = 0, aMinor = 0] = a.split('.').map(Number);
  const [bMajor = 0, bMinor = 0] = b.split('.').map(Number);
  return aMajor - bMajor || aMinor - bMinor;
}

export interface DaemonApiRange {
  /** The daemon's own (highest) API version: the ping's API-Version header or /version's ApiVersion. */
  max?: string;
  /** /version's MinAPIVersion. */
  min?: string;
}

export type ApiVersionChoice =
  | { ok: true; version: string; from: 'negotiated' | 'DOCKER_API_VERSION' }
  | { ok: false; override: string; reason: 'invalid' | 'too-old' | 'too-new'; range: DaemonApiRange };

/**
 * min(daemon's version, MAX_API_VERSION), never below the daemon's minimum; DOCKER_API_VERSION, when set, is used as
 * is (as the docker CLI does), unless it is malformed or outside what the daemon serves, which the daemon would refuse.
 */
export function chooseApiVersion(range: DaemonApiRange, overrideRaw: string | undefined): ApiVersionChoice {
  const max = parseApiVersion(range.max);
  const min = parseApiVersion(range.min);
  if (overrideRaw !== undefined && overrideRaw.trim() !== '') {
    const override = parseApiVersion(overrideRaw);
    if (!override) return { ok: false, override: overrideRaw.trim(), reason: 'invalid', range };
    if (min && compareApiVersions(override, min) < 0) return { ok: false, override, reason: 'too-old', range };
    if (max && compareApiVersions(override, max) > 0) return { ok: false, override, reason: 'too-new', range };
    return { ok: true, version: override, from: 'DOCKER_API_VERSION' };
  }
  const daemon = max ?? NO_HEADER_VERSION;
  let version = compareApiVersions(daemon, MAX_API_VERSION) < 0 ? daemon : MAX_API_VERSION;
  if (min && compareApiVersions(version, min) < 0) version = min;
  return { ok: true, version, from: 'negotiated' };
}

/**
 * The version negotiation will end at, when the ping alone settles it: the daemon's own version when it is not newer
 * than MAX_API_VERSION (a daemon serves its own version, so its minimum cannot be above it). Undefined when /version's
 * range must be read first: a newer daemon (its minimum may be above MAX_API_VERSION), or a DOCKER_API_VERSION, which is
 * checked against the range before anything is sent in it.
 */
export function versionFromPing(daemonVersion: string | undefined, overrideRaw: string | undefined): string | undefined {
  if (overrideRaw !== undefined && overrideRaw.trim() !== '') return undefined;
  if (daemonVersion && compareApiVersions(daemonVersion, MAX_API_VERSION) <= 0) return daemonVersion;
  return undefined;
}

/** Whether the daemon's API is older than what the checks need. */
export function olderThanChecksNeed(daemonVersion: unknown): boolean {
  const parsed = parseApiVersion(daemonVersion);
  return parsed !== undefined && compareApiVersions(parsed, MIN_CHECKS_API_VERSION) < 0;
}
