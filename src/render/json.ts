/** The --json output: one document, nothing else on stdout. */
export function renderJson(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}
