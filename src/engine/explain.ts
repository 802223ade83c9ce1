import { wrapText, prose } from '../util/text.js';
import { nearestIds } from './select.js';
import type { Check } from './types.js';

export class ExplainNotFound extends Error {}

/** The text `explain` prints, built from the check's own meta so documentation cannot drift from the code. */
export function explain(checks: readonly Check[], target: string): string {
  const [id, cause] = target.split('/', 2) as [string, string | undefined];
  const check = checks.find((c) => c.meta.id === id);
  if (!check) {
    const near = nearestIds(
      id,
      checks.map((c) => c.meta.id),
    );
    throw new ExplainNotFound(
      `no check or finding code "${target}"${near.length ? ` (did you mean ${near.join(' or ')}?)` : ''}. Run \`docker-doctor list\`.`,
    );
  }
  const { meta } = check;
  if (cause !== undefined) {
    const code = meta.codes[cause];
    if (!code) {
      const near = nearestIds(cause, Object.keys(meta.codes)).map((c) => `${id}/${c}`);
      throw new ExplainNotFound(
        prose`
          check ${id} has no finding code "${target}"${near.length ? ` (did you mean ${near.join(' or ')}?)` : ''}. Run \`docker-doctor
          explain ${id}\` for its codes.
        `,
      );
    }
    return (
      [
        `${id}/${cause} (${code.severity})`,
        `${code.summary}`,
        '',
        ...wrapText(code.explanation, 88),
        ...(code.docsUrl ? ['', `Docs: ${code.docsUrl}`] : []),
        '',
        `Part of the ${id} check: ${meta.title}.`,
      ].join('\n') + '\n'
    );
  }
  const lines = [`${meta.id} — ${meta.title} (${meta.category})`, ''];
  for (const paragraph of meta.description.split(/\n\s*\n/)) lines.push(...wrapText(paragraph.trim(), 88), '');
  lines.push('Finding codes:');
  const width = Math.max(...Object.keys(meta.codes).map((c) => c.length + meta.id.length + 1));
  for (const [c, code] of Object.entries(meta.codes))
    lines.push(`  ${`${meta.id}/${c}`.padEnd(width)}  ${code.severity.padEnd(7)}  ${code.summary}`);
  if (meta.platforms) lines.push('', `Platforms: ${meta.platforms.join(', ')}`);
  lines.push('', `Run \`docker-doctor explain ${meta.id}/<cause>\` for one code.`);
  return lines.join('\n') + '\n';
}
