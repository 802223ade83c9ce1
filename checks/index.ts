import type { Check } from '../src/engine/types.js';
import daemon from './daemon.js';
import exitedContainers from './exited-containers.js';
import portConflicts from './port-conflicts.js';
import bindMounts from './bind-mounts.js';
import dns from './dns.js';
import buildContext from './build-context.js';
import unhealthyContainers from './unhealthy-containers.js';
import startupOrder from './startup-order.js';
import unreachablePorts from './unreachable-ports.js';
import volumes from './volumes.js';
import composeConfig from './compose-config.js';
import diskSpace from './disk-space.js';

/** The built-in catalogue, in the order checks run and are reported. */
export const builtinChecks: readonly Check[] = [
  daemon,
  exitedContainers,
  portConflicts,
  bindMounts,
  dns,
  buildContext,
  unhealthyContainers,
  startupOrder,
  unreachablePorts,
  volumes,
  composeConfig,
  diskSpace,
];
