import type { Check } from '../src/engine/types.js';
import daemon from './daemon.js';

/** The built-in catalogue, in the order checks run and are reported. */
export const builtinChecks: readonly Check[] = [daemon];
