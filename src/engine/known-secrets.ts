import { DOCKER_KEYS } from '../facts/docker/facts.js';
import type { ContainerInspect } from '../facts/docker/types.js';
import type { ComposeProject } from '../facts/project/compose.js';
import { assignments, type ParsedDockerfile } from '../facts/project/dockerfile.js';
import { PROJECT_KEYS } from '../facts/project/facts.js';
import type { Facts } from '../facts/types.js';
import type { CheckResult, Finding } from './types.js';
import { envPairs, secretValues, withoutValues } from './redact.js';

/*
 * Redaction by shape misses a secret that reaches a finding as a bare word: an ARG TOKEN's default expanded into a
 * COPY source, a container's password in a command it runs. The values of the secret-named variables the run already
 * read (containers' environments, compose environments and build args, Dockerfile ARG and ENV lines) are removed from
 * every finding as a last pass. Nothing is fetched for it: only facts some check asked for.
 */

/** The keys of every Dockerfile read: the project's (`project.dockerfiles`), one at a path, one inline in compose. */
const DOCKERFILE_KEYS = PROJECT_KEYS.dockerfiles.slice(0, -1);

/** The secret values among what the run's checks read. */
export async function knownSecrets(facts: Facts): Promise<string[]> {
  const pairs: (readonly [string, string])[] = [];
  for (const inspect of await settled(facts.peekAll<ContainerInspect>(DOCKER_KEYS.inspect(''))))
    pairs.push(...envPairs(inspect.Config.Env));
  for (const compose of await settled(facts.peekAll<ComposeProject | null>(PROJECT_KEYS.compose))) {
    for (const service of compose.services) for (const e of service.environment) pairs.push([e.name, e.value]);
  }
  for (const found of await settled(facts.peekAll<ParsedDockerfile | ParsedDockerfile[] | undefined>(DOCKERFILE_KEYS))) {
    for (const dockerfile of [found].flat()) for (const i of dockerfile.instructions) pairs.push(...assignments(i));
  }
  return secretValues(pairs);
}

/** The values of the promises that have settled by now: a fact still pending (a daemon that hangs) is not waited for. */
async function settled<T>(promises: Promise<T | null | undefined>[]): Promise<T[]> {
  const now = new Promise<undefined>((resolve) => setImmediate(() => resolve(undefined)));
  const values: (T | null | undefined)[] = await Promise.all(promises.map((p) => Promise.race([p.catch(() => undefined), now])));
  return values.filter((v): v is T => v !== undefined && v !== null);
}

/** The results with every known secret value replaced, wherever in a finding it is. */
export function withoutKnownSecrets(results: CheckResult[], known: readonly string[]): CheckResult[] {
  if (known.length === 0) return results;
  return results.map((result) => ({ ...result, findings: result.findings.map((f) => scrub(f, known) as Finding) }));
}

function scrub(value: unknown, known: readonly string[]): unknown {
  if (typeof value === 'string') return withoutValues(value, known);
  if (Array.isArray(value)) return value.map((v) => scrub(v, known));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrub(v, known)]));
  return value;
}
