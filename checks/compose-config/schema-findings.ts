import type { CheckContext, Fix } from '../../src/engine/types.js';
import type { ComposeDocument, ComposeProject } from '../../src/facts/project/compose.js';
import { locationOf } from '../shared/project-source.js';
import type { SchemaError } from './schema.js';

/*
 * Each place a compose file breaks the Compose Specification's schema, as one error at its line. Left out, so that only
 * what compose refuses is said: `version:` (compose drops it before anything else looks at it, whatever its type) and a
 * wrong type in a value written with a variable (compose converts ${PORT} to the number the key needs).
 */

/** Enough to fix at once; more usually follow from the same mistake. */
const MAX_PER_FILE = 10;

export async function reportSchemaErrors(ctx: CheckContext, compose: ComposeProject): Promise<void> {
  const documents = compose.documents.filter((d) => d.data !== undefined);
  if (documents.length === 0) return;
  // ajv and the schema load only for projects that have a compose file.
  const { schemaErrors } = await import('./schema.js');
  for (const document of documents) {
    const located = schemaErrors(document.data)
      .filter((e) => e.path[0] !== 'version')
      .map((error) => ({ error, found: document.locate(error.path, { key: error.unknownKey !== undefined }) }))
      .filter((e): e is { error: SchemaError; found: Located } => e.found !== undefined)
      // Not about a value written with a variable: compose converts ${PORT} to the type the key needs.
      .filter(({ error, found }) => !(error.expected && found.raw?.includes('$')))
      .sort((a, b) => a.found.at.line - b.found.at.line || a.found.at.column - b.found.at.column);
    for (const { error, found } of located.slice(0, MAX_PER_FILE)) report(ctx, document, error, found);
  }
}

/** Where compose names it: services.web.ports[0]. */
function dotted(path: string[]): string {
  return path.map((s, i) => (/^\d+$/.test(s) ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

type Located = NonNullable<ReturnType<ComposeDocument['locate']>>;

function report(ctx: CheckContext, document: ComposeDocument, error: SchemaError, found: Located): void {
  const where = `${found.at.file}:${found.at.line}`;
  const parent = dotted(error.path.slice(0, -1));
  const title = error.unknownKey
    ? `Compose refuses ${document.file}: ${parent || 'the top level'} has an unknown key ${error.unknownKey.key}${
        error.unknownKey.suggestion ? ` (did you mean ${error.unknownKey.suggestion}?)` : ''
      } (${where})`
    : `Compose refuses ${document.file}: ${dotted(error.path) || 'the top level'} ${error.message} (${where})`;
  ctx.report({
    cause: 'schema-invalid',
    title,
    subject: { kind: 'file', name: document.file },
    location: locationOf(found.at),
    fixes: [
      fixFor(error, where),
      {
        title: 'Then check that compose accepts the project (it prints only what it refuses)',
        command: 'docker compose config --quiet',
        runIn: 'project',
      },
    ],
    evidence: { path: dotted(error.path), problem: error.message },
  });
}

function fixFor(error: SchemaError, where: string): Fix {
  const key = error.path.at(-1) ?? '';
  if (error.unknownKey?.suggestion) return { title: `Rename ${error.unknownKey.key} to ${error.unknownKey.suggestion} at ${where}` };
  if (error.unknownKey)
    return { title: `Remove ${error.unknownKey.key} at ${where}, or move it to where it belongs (check its indentation)` };
  if (error.expected?.includes('string') && error.expected.length <= 2)
    return { title: `Quote the value of ${key} at ${where} so that YAML reads it as a string` };
  return { title: `Correct ${key || 'the value'} at ${where}: it ${error.message}` };
}
