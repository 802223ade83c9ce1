import type { Check } from '../src/engine/types.js';
import daemon from './daemon.js';
import exitedContainers from './exited-containers.js';
import portConflicts from './port-conflicts.js';
import bindMounts from './bind-mounts.js';
import dns from './dns.js';
import buildContext from './build-context.js';
import unreachablePorts from './unreachable-ports.js';

/** The built-in catalogue, in the order checks run and are reported. */
export const builtinChecks: readonly Check[] = [daemon, exitedContainers, portConflicts, bindMounts, dns, buildContext, unreachablePorts];
