/**
 * Long text (a check's description, a code's explanation, a finding's title) written as wrapped lines in the source:
 * the line breaks and the indentation around them become one space, a blank line stays a paragraph break ("\n\n"),
 * and the text is trimmed at both ends. Interpolated values are kept as they are.
 */
export function prose(strings: TemplateStringsArray, ...values: unknown[]): string {
  const parts = strings.map((part) =>
    part
      .split(/[ \t]*\n[ \t]*\n\s*/)
      .map((paragraph) => paragraph.replace(/[ \t]*\n[ \t]*/g, ' '))
      .join('\n\n'),
  );
  parts[0] = parts[0]!.trimStart();
  parts[parts.length - 1] = parts.at(-1)!.trimEnd();
  return parts.reduce((text, part, i) => `${text}${String(values[i - 1])}${part}`);
}

/** Greedy word wrap for terminal paragraphs. */
export function wrapText(text: string, width: number): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(/\s+/)) {
    if (current && current.length + 1 + word.length > width) {
      lines.push(current);
      current = word;
    } else {
      current = current ? `${current} ${word}` : word;
    }
  }
  if (current) lines.push(current);
  return lines;
}

/** A shell word: as is when plainly safe, otherwise single-quoted (so `**`, `!` and spaces reach the command unchanged). */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * Text from input (names, logs, files) made safe for a terminal: C0/C1 control characters, DEL and bidirectional
 * overrides are shown as escapes, so a container named "\e]0;pwned\a" cannot retitle the window or hide text.
 */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (ch) => {
    const code = ch.charCodeAt(0);
    if (ch === '\n') return '\\n';
    if (ch === '\t') return '\\t';
    if (ch === '\r') return '\\r';
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
