import type { Check, CheckMeta } from './types.js';

// Re-exported so checks and plugins keep importing them from here; they live in the facts, which throw them.
export { ContainerGone, EndpointFault, FactUnavailable } from '../facts/errors.js';

const KEBAB = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

export class InvalidCheckError extends Error {}

/** Validates a check's meta at registration, so a malformed plugin check fails loudly once rather than at report time. */
export function defineCheck(check: Check): Check {
  validateMeta(check.meta);
  if (typeof check.run !== 'function') throw new InvalidCheckError(`check ${check.meta.id}: run must be a function`);
  return Object.freeze(check);
}

export function validateMeta(meta: CheckMeta): void {
  if (!meta || typeof meta !== 'object') throw new InvalidCheckError('check meta is missing');
  if (!KEBAB.test(meta.id ?? '')) throw new InvalidCheckError(`check id "${meta.id}" must be kebab-case`);
  for (const field of ['title', 'category', 'description'] as const) {
    if (typeof meta[field] !== 'string' || meta[field].length === 0) {
      throw new InvalidCheckError(`check ${meta.id}: meta.${field} is required`);
    }
  }
  if (!Array.isArray(meta.requires)) throw new InvalidCheckError(`check ${meta.id}: meta.requires must be an array`);
  const causes = Object.keys(meta.codes ?? {});
  if (causes.length === 0) throw new InvalidCheckError(`check ${meta.id}: declare at least one finding code`);
  for (const cause of causes) {
    if (!KEBAB.test(cause)) throw new InvalidCheckError(`check ${meta.id}: finding cause "${cause}" must be kebab-case`);
  }
}

/** Thrown by ctx.skip(); the runner turns it into a skipped result. */
export class SkipSignal extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}
