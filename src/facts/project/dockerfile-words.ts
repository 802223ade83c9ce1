/**
 * The word layer of the Dockerfile parser: an instruction's keyword, flags and arguments, and the heredocs it opens,
 * ported from BuildKit (moby/buildkit frontend/dockerfile/parser: split_command.go, parser.go heredocsFromLine, and the
 * word splitting of frontend/dockerfile/shell/lex.go). Every loop here is one pass over the instruction's text.
 */
import { isSpace, TextBuilder, trimSpace } from './dockerfile-lines.js';

/** splitCommand's reWhitespace `[\t\v\f\r ]+`: what separates the keyword from its arguments. */
const isSplitSpace = (code: number) => code === 0x20 || code === 0x09 || code === 0x0b || code === 0x0c || code === 0x0d;

/**
 * splitCommand: the keyword is the text up to the first blank (reWhitespace `[\t\v\f\r ]+`), the rest its arguments,
 * both taken after trimming the instruction (strings.TrimSpace).
 */
export function splitCommand(text: string): { keyword: string; rest: string } {
  const line = trimSpace(text);
  let end = 0;
  while (end < line.length && !isSplitSpace(line.charCodeAt(end))) end++;
  let rest = end;
  while (rest < line.length && isSplitSpace(line.charCodeAt(rest))) rest++;
  return { keyword: line.slice(0, end), rest: line.slice(rest) };
}

/**
 * extractBuilderFlags: words at the start of the arguments that begin with `--` are flags, until the first word that
 * does not (or a lone `--`, which ends them and is dropped). Inside a flag, quotes group and are removed, and the escape
 * character takes the next character as it is.
 */
export function extractBuilderFlags(line: string, escape: string): { words: string[]; args: string } {
  const words: string[] = [];
  let pos = 0;
  for (;;) {
    while (pos < line.length && isSpace(line.charCodeAt(pos))) pos++;
    if (pos >= line.length) return { words, args: '' };
    if (!line.startsWith('--', pos)) return { words, args: line.slice(pos) };
    const flag = readFlagWord(line, pos, escape);
    if (flag.word === '--') return { words, args: line.slice(flag.end) };
    if (flag.word !== '' || flag.quoted) words.push(flag.word);
    pos = flag.end;
  }
}

/**
 * One flag word from `start` to the first space outside quotes (the inWord and inQuote phases). The word is built from
 * slices between quotes and escapes, never a character at a time: a 16 MiB flag costs one copy, not a rope per byte.
 */
function readFlagWord(line: string, start: number, escape: string): { word: string; end: number; quoted: boolean } {
  const word = new TextBuilder();
  let quote = '';
  let quoted = false;
  let from = start;
  let pos = start;
  for (; pos < line.length; pos++) {
    const ch = line[pos]!;
    if (quote ? ch === quote : ch === "'" || ch === '"') {
      word.add(line.slice(from, pos));
      from = pos + 1;
      quote = quote ? '' : ch;
      quoted = true;
    } else if (ch === escape) {
      // The escape character is dropped and the next one kept as it is (a trailing one is just dropped).
      word.add(line.slice(from, pos));
      from = ++pos;
    } else if (!quote && isSpace(line.charCodeAt(pos))) break;
  }
  const end = Math.min(pos, line.length);
  word.add(line.slice(from, end));
  return { word: word.toString(), end, quoted };
}

/**
 * The shell words of a text, one at a time, split the way BuildKit's lexer does for heredocs (RawQuotes and RawEscapes
 * keep quotes and escapes in the words). Returns false after the words before a quote left open: a lexing error.
 * `$` is plain text: no variable is set at this point, so BuildKit leaves `$X` and `${X}` as written too.
 */
export function* shellWords(text: string, raw: boolean): Generator<string, boolean> {
  let word = new TextBuilder();
  let empty = true;
  for (let pos = 0; pos < text.length;) {
    if (isSpace(text.charCodeAt(pos))) {
      if (!empty) yield word.toString();
      word = new TextBuilder();
      empty = true;
      pos++;
      continue;
    }
    const piece = wordPiece(text, pos, raw);
    if (!piece) return false;
    if (piece.text !== '') {
      word.add(piece.text);
      empty = false;
    }
    pos = piece.end;
  }
  if (!empty) yield word.toString();
  return true;
}

/** The piece of a word at `pos`: a quoted string, an escaped character, `<<` with the blanks after it, or plain text. */
function wordPiece(text: string, pos: number, raw: boolean): { text: string; end: number } | undefined {
  const ch = text[pos]!;
  if (ch === "'" || ch === '"') {
    const end = closingQuote(text, pos);
    if (end === -1) return undefined;
    const inside = text.slice(pos + 1, end);
    // Only `\"`, `\\` and `\$` are escapes inside double quotes; single quotes take everything as it is.
    return { text: raw ? text.slice(pos, end + 1) : ch === '"' ? inside.replace(/\\(["\\$])/g, '$1') : inside, end: end + 1 };
  }
  // The lexer's escape character is always `\` here, whatever the escape directive says.
  if (ch === '\\') return { text: raw ? text.slice(pos, pos + 2) : text.slice(pos + 1, pos + 2), end: pos + 2 };
  if (text.startsWith('<<', pos)) {
    // processPossibleHeredoc: `<< EOF` stays one word, the blanks after `<<` included.
    let end = pos + 2;
    while (text[end] === ' ' || text[end] === '\t') end++;
    return { text: text.slice(pos, end), end };
  }
  let end = pos + 1;
  while (end < text.length && !isSpecial(text, end)) end++;
  return { text: text.slice(pos, end), end };
}

const isSpecial = (text: string, pos: number) => '\'"\\<'.includes(text[pos]!) || isSpace(text.charCodeAt(pos));

/** Where the quote opened at `open` closes: a single quote at the next one, a double quote at the next unescaped one. */
function closingQuote(text: string, open: number): number {
  if (text[open] === "'") return text.indexOf("'", open + 1);
  for (let pos = open + 1; pos < text.length; pos++) {
    if (text[pos] === '\\') pos++;
    else if (text[pos] === '"') return pos;
  }
  return -1;
}

export interface HeredocMark {
  name: string;
  /** `<<-`: leading tabs are removed from the body and the terminator line. */
  chomp: boolean;
}

/**
 * heredocsFromLine: every word of the instruction that is `<<NAME`, `<<-NAME`, `<<"NAME"`, `<<'NAME'` (or with a file
 * descriptor, `3<<NAME`) opens a heredoc; NAME is one shell word with its quotes removed. Yielded one at a time, so
 * that a line of a million `<<E` stops being read once the file has no lines left for their bodies.
 */
export function* heredocsOf(text: string): Generator<HeredocMark> {
  const words = shellWords(text, true);
  // BuildKit lexes the whole line first: a quote left open anywhere means no heredoc at all.
  if (!lexes(shellWords(text, true))) return;
  for (const word of words) {
    const match = /^\d*<<(-?)[\t\n\f\r ]*/.exec(word);
    const rest = match ? word.slice(match[0].length) : '';
    if (!match || rest === '' || rest.includes('<')) continue;
    const names = [...shellWords(rest, false)];
    if (names.length === 1) yield { name: names[0]!, chomp: match[1] === '-' };
  }
}

/** Whether a text lexes to its end (no quote left open), reading its words and dropping them. */
function lexes(words: Generator<string, boolean>): boolean {
  for (;;) {
    const next = words.next();
    if (next.done) return next.value;
  }
}
