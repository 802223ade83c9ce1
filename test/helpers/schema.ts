import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { expect } from 'vitest';

const schema = JSON.parse(readFileSync(path.join(import.meta.dirname, '..', '..', 'schema', 'report.schema.json'), 'utf8'));
const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
(addFormats as unknown as (a: Ajv) => void)(ajv);
const validate = ajv.compile(schema);

/** Every report a test produces goes through here, so the published schema and the output cannot drift apart. */
export function expectValidReport(report: unknown): void {
  const ok = validate(report);
  expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
  expect(ok).toBe(true);
}
