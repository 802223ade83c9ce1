import type { CheckContext } from '../../src/engine/types.js';
import type { ComposeProject } from '../../src/facts/project/compose.js';

/**
 * A compose file that does not parse, reported by each check that reads it, under that check's own
 * `<id>/compose-invalid` code: each says what it could not check.
 */
export function reportComposeProblems(ctx: CheckContext, compose: ComposeProject): void {
  for (const problem of compose.problems) {
    ctx.report({
      cause: 'compose-invalid',
      title: `${problem.file}:${problem.line}:${problem.column}: ${problem.message}`,
      subject: { kind: 'file', name: problem.file },
      location: { file: problem.file, line: problem.line, column: problem.column },
      fixes: [{ title: 'See how compose reads the file', command: 'docker compose config', runIn: 'project' }],
    });
  }
}
