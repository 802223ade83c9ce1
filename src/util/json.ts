export type JsonParse = { ok: true; value: unknown } | { ok: false; message: string; line?: number; column?: number };

/** JSON.parse that turns V8's "at position N" into a line and column a user can jump to. */
export function parseJsonWithLocation(text: string): JsonParse {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return { ok: true, value: JSON.parse(source) };
  } catch (error) {
    const message = (error as Error).message;
    const position = /at position (\d+)/.exec(message)?.[1];
    const offset = position !== undefined ? Number(position) : /Unexpected end of JSON input/.test(message) ? source.length : undefined;
    if (offset === undefined) return { ok: false, message };
    const { line, column } = lineAndColumn(source, offset);
    return { ok: false, message: message.replace(/ in JSON at position \d+.*$/, ''), line, column };
  }
}

export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lastBreak = -1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lastBreak = i;
    }
  }
  return { line, column: offset - lastBreak };
}
