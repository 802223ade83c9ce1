/**
 * The line layer of the Dockerfile parser: a port of the loop in BuildKit's `Parse`
 * (moby/buildkit frontend/dockerfile/parser/parser.go and directives.go). One pass over the text, one physical line
 * held at a time, so time and memory stay linear in the size of the file.
 */

/** Go's unicode.IsSpace, which BuildKit trims lines with (bytes.TrimLeftFunc, strings.TrimSpace). */
export function isSpace(code: number): boolean {
  if (code <= 0x20) return code === 0x20 || (code >= 0x09 && code <= 0x0d);
  if (code < 0x85) return false;
  return (
    code === 0x85 ||
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000
  );
}

export function trimLeft(s: string): string {
  let start = 0;
  while (start < s.length && isSpace(s.charCodeAt(start))) start++;
  return start === 0 ? s : s.slice(start);
}

export function trimSpace(s: string): string {
  let end = s.length;
  while (end > 0 && isSpace(s.charCodeAt(end - 1))) end--;
  return trimLeft(end === s.length ? s : s.slice(0, end));
}

/** trimNewline: a line is read up to its `\n`, and every `\r` or `\n` at its end is dropped (a CRLF file reads as LF). */
function trimNewline(s: string): string {
  let end = s.length;
  while (end > 0 && (s.charCodeAt(end - 1) === 0x0d || s.charCodeAt(end - 1) === 0x0a)) end--;
  return end === s.length ? s : s.slice(0, end);
}

/** Go regexp's `\s` (RE2: tab, newline, form feed, carriage return, space), used by the directive pattern. */
const isReSpace = (code: number) => code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0c || code === 0x0d;

/** The directives BuildKit knows; any other `# name=value` line is a plain comment and ends the directives. */
const DIRECTIVES = new Set(['syntax', 'escape', 'check']);

/**
 * `# name=value` as DirectiveParser.ParseLine reads it: `#`, spaces, then `^([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$`,
 * matched by hand because that lazy pattern backtracks in JavaScript (quadratic on a long line of spaces).
 */
export function directiveOf(line: string): { name: string; value: string } | undefined {
  if (!line.startsWith('#')) return undefined;
  const body = trimLeft(line.slice(1));
  const name = /^[a-zA-Z][a-zA-Z0-9]*/.exec(body)?.[0];
  if (!name) return undefined;
  let at = name.length;
  while (at < body.length && isReSpace(body.charCodeAt(at))) at++;
  if (body[at] !== '=') return undefined;
  const rest = body.slice(at + 1);
  let start = 0;
  while (start < rest.length && isReSpace(rest.charCodeAt(start))) start++;
  let end = rest.length;
  while (end > start && isReSpace(rest.charCodeAt(end - 1))) end--;
  if (rest.length === 0) return undefined;
  // `.+?` needs one character: a value of spaces only leaves its last one (an invalid escape, an unusable syntax).
  return { name: name.toLowerCase(), value: start < end ? rest.slice(start, end) : rest.slice(-1) };
}

/**
 * Text assembled from many pieces. Pieces are joined in chunks of a few thousand, so that a 16 MiB instruction made of
 * millions of one-character pieces (escapes, continuation lines) never holds millions of small strings at once.
 */
export class TextBuilder {
  private chunks: string[] = [];
  private pending: string[] = [];

  add(piece: string): void {
    this.pending.push(piece);
    if (this.pending.length === 4096) {
      this.chunks.push(this.pending.join(''));
      this.pending = [];
    }
  }

  toString(): string {
    if (this.chunks.length === 0) return this.pending.join('');
    return this.chunks.join('') + this.pending.join('');
  }
}

/** One instruction's text: its first line and continuation lines joined, as BuildKit hands it to newNodeFromLine. */
export interface LogicalLine {
  /** 1-based line the instruction starts on. */
  line: number;
  text: string;
}

export class DockerfileLines {
  /** The escape character, `\` unless an `# escape=` directive says `` ` ``. */
  escape = '\\';
  /** 1-based number of the last physical line read. */
  private lineNo = 0;
  private pos: number;
  private directivesDone = false;
  private readonly seen = new Set<string>();

  constructor(private readonly text: string) {
    // The byte-order mark is dropped from the first line only.
    this.pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  }

  /** The next physical line, without its line break, or undefined at the end (scanLines: only `\n` ends a line). */
  private next(): string | undefined {
    if (this.pos >= this.text.length) return undefined;
    let end = this.text.indexOf('\n', this.pos);
    if (end === -1) end = this.text.length;
    const line = this.text.slice(this.pos, end);
    this.pos = end + 1;
    this.lineNo++;
    return trimNewline(line);
  }

  /**
   * Parser directives (possibleParserDirective): only an unbroken run of known `# name=value` lines at the very top;
   * the first line that is anything else (an instruction, a blank line, another comment) ends them for good.
   */
  private isDirective(line: string): boolean {
    if (this.directivesDone) return false;
    const directive = directiveOf(line);
    if (!directive || !DIRECTIVES.has(directive.name)) {
      this.directivesDone = true;
      return false;
    }
    // BuildKit refuses a second directive of one name (the build fails); the first one stands here.
    if (this.seen.has(directive.name)) return true;
    this.seen.add(directive.name);
    // Any other escape value fails the build too; the default stays.
    if (directive.name === 'escape' && (directive.value === '`' || directive.value === '\\')) this.escape = directive.value;
    return true;
  }

  /**
   * trimContinuationCharacter: the pattern `([^E])E[ \t]*$|^E[ \t]*$`. A line whose last character before spaces and
   * tabs is the escape character continues on the next line, unless that escape character is itself escaped (`\\`).
   */
  private continuation(line: string): { text: string; more: boolean } {
    let end = line.length;
    while (end > 0 && (line[end - 1] === ' ' || line[end - 1] === '\t')) end--;
    if (end === 0 || line[end - 1] !== this.escape) return { text: line, more: false };
    if (end >= 2 && line[end - 2] === this.escape) return { text: line, more: false };
    return { text: line.slice(0, end - 1), more: true };
  }

  /**
   * The next instruction (Parse): a first line has its leading whitespace trimmed; whole-line comments and blank lines
   * between instructions are skipped; inside a continuation, comment lines and empty lines are skipped too (BuildKit
   * warns about the empty ones) and the other lines are joined as they are, leading whitespace kept.
   */
  nextInstruction(): LogicalLine | undefined {
    for (let raw = this.next(); raw !== undefined; raw = this.next()) {
      const first = trimLeft(raw);
      if (this.isDirective(first) || first.startsWith('#')) continue;
      const line = this.lineNo;
      let { text, more } = this.continuation(first);
      if (!more && text === '') continue;
      if (!more) return { line, text };
      const joined = new TextBuilder();
      joined.add(text);
      for (let next = this.next(); next !== undefined; next = more ? this.next() : undefined) {
        const lead = trimLeft(next);
        if (lead === '' || lead.startsWith('#')) continue;
        ({ text, more } = this.continuation(next));
        joined.add(text);
      }
      return { line, text: joined.toString() };
    }
    return undefined;
  }

  /** Whether every line has been read. */
  get atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  /**
   * A heredoc's body and its terminator line, as written, each line after a `\n`: the lines after the instruction up to
   * the one that is exactly `name`, after its leading tabs with `<<-`. Unterminated (a build error), it runs to the end.
   * The body keeps no `\r`: a CRLF file reads as LF here too, which the checks that reprint a script rely on.
   */
  heredoc(name: string, chomp: boolean, body: TextBuilder): void {
    for (let line = this.next(); line !== undefined; line = this.next()) {
      body.add('\n');
      body.add(line);
      if ((chomp ? line.replace(/^\t+/, '') : line) === name) return;
    }
  }
}
