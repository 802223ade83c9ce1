import type { FactClients } from '../clients.js';

/**
 * The version of the compose the user has (`2.24.5`, `1.29.2`), from `<compose> version --short`; undefined when it
 * does not answer. Asked only by a check that must know what the user's compose accepts (depends_on `restart: true`
 * needs Compose 2.17, conditions in a 3.x file need 1.27): running Compose v1, a Python program, takes a second or more.
 */
export async function composeVersion({ exec }: FactClients, command: 'docker compose' | 'docker-compose'): Promise<string | undefined> {
  const [file, ...sub] = command.split(' ');
  const result = await exec.run(file!, [...sub, 'version', '--short'], { timeoutMs: 8000 }).catch(() => undefined);
  if (!result || result.exitCode !== 0) return undefined;
  // v2 prints "2.24.5" (older v2 "v2.0.1"); v1 prints "1.29.2".
  return /^v?(\d+\.\d+(?:\.\d+)?)/.exec(result.stdout.trim())?.[1];
}
