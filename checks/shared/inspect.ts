import { FactUnavailable } from '../../src/engine/define-check.js';
import type { ContainerInspect } from '../../src/facts/docker/types.js';
import type { Facts } from '../../src/facts/types.js';

/**
 * A container's inspect answer, or undefined when the container was removed since the list. A daemon that fails the
 * inspect (HTTP 500, no answer, a wrong shape) is not a container to pass over: the FactUnavailable goes up, and the
 * runner skips the check with its reason, where a check that went on would pass without having looked.
 */
export async function inspectIfPresent(facts: Pick<Facts, 'inspectContainer'>, id: string): Promise<ContainerInspect | undefined> {
  try {
    return await facts.inspectContainer(id);
  } catch (error) {
    if (error instanceof FactUnavailable) throw error;
    // Gone since the list (ContainerGone), or an error of a plugin's own fake facts: that container is passed over.
    return undefined;
  }
}
