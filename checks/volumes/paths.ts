import path from 'node:path';

/** A container path without trailing slashes ('/' stays '/'). */
export function clean(p: string): string {
  const normal = path.posix.normalize(p);
  return normal.length > 1 ? normal.replace(/\/+$/, '') : normal;
}

/** `inner` is `outer` or below it. */
export function within(inner: string, outer: string): boolean {
  const i = clean(inner);
  const o = clean(outer);
  return i === o || i.startsWith(o === '/' ? '/' : `${o}/`);
}

/** `inner` is strictly below `outer`. */
export function below(inner: string, outer: string): boolean {
  return within(inner, outer) && clean(inner) !== clean(outer);
}
