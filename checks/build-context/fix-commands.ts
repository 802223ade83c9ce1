import { shellWord } from '../../src/util/text.js';

export { shellWord };

/**
 * The command that appends lines to an ignore file. When the file's last line has no newline, an empty first line
 * keeps the new pattern from being glued onto it (a blank line means nothing to the builder).
 */
export function appendLinesCommand(file: string, lines: readonly string[], existing = ''): string {
  const words = [...(existing.length > 0 && !existing.endsWith('\n') ? ["''"] : []), ...lines.map(shellWord)];
  return `printf '%s\\n' ${words.join(' ')} >> ${shellWord(file)}`;
}
