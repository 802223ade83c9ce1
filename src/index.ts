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
export type { CheckResult, CheckStatus, RunOptions } from './engine/types.js';
export type { ComposePort, ComposeProject, ComposeService, ComposeVolume, SourceLocation } from './facts/project/compose.js';
export type { DockerfileInstruction, ParsedDockerfile } from './facts/project/dockerfile.js';
export type { ContainerInspect, ContainerSummary, ImageInspect, MountPoint } from './facts/docker/types.js';
export type { Listener } from './facts/host/listeners.js';
