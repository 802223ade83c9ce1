import { EndpointFault } from '../errors.js';
import { EngineError } from './engine-client.js';
import { isObject } from './shape.js';

/** A volume as `GET /volumes` lists it (Docker and Podman's compatible API alike). */
export interface VolumeSummary {
  Name: string;
  Driver?: string;
  Labels?: Record<string, string> | null;
  Scope?: string;
}

/**
 * The engine's volumes from its answer to `GET /volumes` (`{ "Volumes": [...], "Warnings": [...] }`; `Volumes` is null
 * when there are none; Podman's compatible API answers the same). An answer that fails or has another shape is a fault
 * of that endpoint, as for the other lists: the checks that need it are skipped with the reason. Entries without a name
 * are dropped.
 */
export async function volumeList(answer: Promise<unknown>): Promise<VolumeSummary[]> {
  let value: unknown;
  try {
    value = await answer;
  } catch (error) {
    if (error instanceof EngineError) throw new EndpointFault('/volumes', error.message);
    throw error;
  }
  // Only `{"Volumes": null}` means none: a bare null (or a list, a string) is not Docker's answer, and reading it as "no
  // volumes" made compose-config call every external volume missing.
  const list = isObject(value) ? value.Volumes : undefined;
  if (list === null) return [];
  if (!Array.isArray(list)) throw new EndpointFault('/volumes', 'it answered no "Volumes" list');
  return list.filter(
    (entry): entry is VolumeSummary =>
      entry !== null && typeof entry === 'object' && typeof (entry as { Name?: unknown }).Name === 'string',
  );
}
