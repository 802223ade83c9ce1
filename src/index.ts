// The public API for plugin authors: build checks with defineCheck and return them from the docker-doctor:checks hook.
export { defineCheck, FactUnavailable } from './engine/define-check.js';
export { CHECKS_HOOK } from './engine/registry.js';
export type {
  Check,
  CheckContext,
  CheckMeta,
  Finding,
  FindingInput,
  FindingCodeMeta,
  Fix,
  Location,
  Severity,
  Subject,
} from './engine/types.js';
export type { Facts, FactName } from './facts/types.js';
