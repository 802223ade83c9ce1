import { defineCheck } from './define-check.js';
import type { Check } from './types.js';

/** The oclif hook a plugin implements to contribute checks: it returns Check objects made with defineCheck. */
export const CHECKS_HOOK = 'docker-doctor:checks';

export interface PluginHookResults {
  successes: { plugin: { name: string }; result: unknown }[];
  failures: { plugin: { name: string }; error: Error }[];
}

export interface HookRunner {
  runHook(event: string, options: Record<string, unknown>): Promise<PluginHookResults>;
}

export interface Registry {
  checks: Check[];
  /** Plugin checks that were rejected (bad shape, duplicate id), and hook failures. */
  problems: string[];
}

/**
 * The catalogue: the built-in checks the caller hands in (checks/index.ts; the engine does not import them, since
 * checks import the engine), then the checks plugins contribute through the hook.
 */
export async function loadRegistry(builtinChecks: readonly Check[], hooks?: HookRunner): Promise<Registry> {
  const checks: Check[] = [...builtinChecks];
  const problems: string[] = [];
  if (!hooks) return { checks, problems };
  const results = await hooks.runHook(CHECKS_HOOK, {});
  for (const failure of results.failures) problems.push(`plugin ${failure.plugin.name}: ${failure.error.message}`);
  for (const { plugin, result } of results.successes) {
    const contributed = Array.isArray(result) ? result : result === undefined ? [] : [result];
    for (const candidate of contributed) {
      try {
        const check = defineCheck(candidate as Check);
        if (checks.some((c) => c.meta.id === check.meta.id)) {
          problems.push(`plugin ${plugin.name}: check id "${check.meta.id}" is already taken; ignored`);
          continue;
        }
        checks.push(check);
      } catch (error) {
        problems.push(`plugin ${plugin.name}: ${(error as Error).message}`);
      }
    }
  }
  return { checks, problems };
}
