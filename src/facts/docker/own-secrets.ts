import { envPairs, secretValues, withoutValues } from '../../engine/redact.js';
import type { ContainerInspect } from './types.js';

/*
 * A container's logs and health-check output echo what its own environment holds: `echo "connecting with $DB_PASS"`,
 * a client that prints its password on error. The values of its secret-named variables are replaced here, where the
 * text enters, so that no check can cut one in half (a log line shortened to 200 characters) before redaction sees it.
 */

/** The values of a container's secret-named variables that redaction must find wherever they appear. */
function ownSecrets(inspect: ContainerInspect): string[] {
  return secretValues(envPairs(inspect.Config.Env));
}

/** A container's log text with its own secrets replaced. */
export function logsWithoutOwnSecrets(logs: string, inspect: ContainerInspect): string {
  return withoutValues(logs, ownSecrets(inspect));
}

/** The inspect answer with its health probes' output and its start error cleared of the container's own secrets. */
export function withoutOwnSecrets(inspect: ContainerInspect): ContainerInspect {
  const values = ownSecrets(inspect);
  if (values.length === 0) return inspect;
  const health = inspect.State.Health;
  return {
    ...inspect,
    State: {
      ...inspect.State,
      Error: withoutValues(inspect.State.Error, values),
      ...(health
        ? {
            Health: {
              ...health,
              Log: Array.isArray(health.Log)
                ? health.Log.map((probe) => ({ ...probe, Output: withoutValues(probe.Output, values) }))
                : health.Log,
            },
          }
        : {}),
    },
  };
}
