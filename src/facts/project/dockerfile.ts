import { DockerfileLines, TextBuilder, trimSpace, type LogicalLine } from './dockerfile-lines.js';
import { extractBuilderFlags, heredocsOf, splitCommand } from './dockerfile-words.js';
import { cleanPath } from './ignore.js';

export interface DockerfileInstruction {
  keyword: string;
  /** Arguments as written (continuations joined), without flags such as --chown. */
  args: string;
  /** Exec-form (JSON array) arguments for CMD/ENTRYPOINT/RUN/SHELL; undefined in shell form. */
  exec?: string[];
  flags: { name: string; value: string | null }[];
  /** 1-based line of the instruction's keyword. */
  line: number;
  /** Index of the build stage (FROM) it belongs to. */
  stage: number;
}

export interface ParsedDockerfile {
  /** Path relative to the project directory. */
  file: string;
  instructions: DockerfileInstruction[];
  stages: { name?: string; image: string; line: number }[];
}

/** The instructions that take builder flags (--from, --chown, --mount, --platform, --interval…) before their arguments. */
const FLAGGED = new Set(['ADD', 'COPY', 'FROM', 'HEALTHCHECK', 'RUN']);
/** The instructions whose lines may open heredocs (BuildKit's heredocDirectives; ONBUILD lends its trigger's). */
const HEREDOC_KEYWORDS = new Set(['ADD', 'COPY', 'RUN']);

/**
 * Past this many instructions the rest of the file is not read: each costs ~150 bytes, and 16 MiB of `RUN x` lines
 * (2.8 million) would take 400 MB. Real Dockerfiles have hundreds; a 100,000-line one is still read whole.
 */
export const MAX_INSTRUCTIONS = 100_000;

/**
 * Parses a Dockerfile the way BuildKit does (dockerfile-lines.ts and dockerfile-words.ts port its parser), in one pass
 * over the text: parser directives, the escape character, continuations, comments, heredocs, flags, JSON forms.
 * Unlike BuildKit it never fails: what would be a build error (an unterminated heredoc, a bad directive) still yields
 * the instructions as far as they can be read, since the checks diagnose the rest.
 */
export function parseDockerfile(file: string, text: string): ParsedDockerfile {
  const lines = new DockerfileLines(text);
  const stages: ParsedDockerfile['stages'] = [];
  const instructions: DockerfileInstruction[] = [];
  for (let logical = lines.nextInstruction(); logical && instructions.length < MAX_INSTRUCTIONS; logical = lines.nextInstruction()) {
    const instruction = instructionOf(logical, lines);
    if (instruction.keyword === 'FROM') stages.push(stageOf(instruction));
    instruction.stage = Math.max(0, stages.length - 1);
    instructions.push(instruction);
  }
  return { file, instructions, stages };
}

/** One instruction from its joined lines; a heredoc's body lines (and terminator) are read here and follow its first line. */
function instructionOf(logical: LogicalLine, lines: DockerfileLines): DockerfileInstruction {
  const command = splitCommand(logical.text);
  const keyword = command.keyword.toUpperCase();
  const { words, args } = FLAGGED.has(keyword) ? extractBuilderFlags(command.rest, lines.escape) : { words: [], args: command.rest };
  let written = trimSpace(args);
  if (opensHeredocs(keyword, written, lines.escape)) written = withHeredocs(written, logical.text, lines);
  return { keyword, args: written, exec: execForm(written), flags: words.map(flagOf), line: logical.line, stage: 0 };
}

/**
 * The arguments followed by the body of each heredoc the instruction opens, read from the lines after it in order: the
 * checks read a RUN <<EOF script there. Trimmed at the end, as an unterminated heredoc may end in blank lines.
 */
function withHeredocs(args: string, text: string, lines: DockerfileLines): string {
  const written = new TextBuilder();
  written.add(args);
  for (const heredoc of heredocsOf(text)) {
    // The file is read: the heredocs left are unterminated (a build error) and have no body.
    if (lines.atEnd) break;
    lines.heredoc(heredoc.name, heredoc.chomp, written);
  }
  return trimSpace(written.toString());
}

/** canContainHeredoc: RUN, COPY and ADD in shell form (JSON forms open none), and ONBUILD with one of those. */
function opensHeredocs(keyword: string, args: string, escape: string): boolean {
  if (!args.includes('<<')) return false;
  if (keyword === 'ONBUILD') {
    const trigger = splitCommand(args);
    const triggerKeyword = trigger.keyword.toUpperCase();
    return HEREDOC_KEYWORDS.has(triggerKeyword) && opensHeredocs(triggerKeyword, extractBuilderFlags(trigger.rest, escape).args, escape);
  }
  return HEREDOC_KEYWORDS.has(keyword) && execForm(trimSpace(args)) === undefined;
}

/** BFlags.Parse: `--name=value`, or `--name` with no value. */
function flagOf(word: string): DockerfileInstruction['flags'][number] {
  const equals = word.indexOf('=');
  return equals === -1 ? { name: word.slice(2), value: null } : { name: word.slice(2, equals), value: word.slice(equals + 1) };
}

/** FROM [--platform=…] image [AS name]: the words of its arguments. */
function stageOf(from: DockerfileInstruction): ParsedDockerfile['stages'][number] {
  const words = from.args.split(/[\t\v\f\r ]+/).filter(Boolean);
  const asIndex = words.findIndex((w) => w.toLowerCase() === 'as');
  return { image: words[0] ?? '', ...(asIndex > 0 && words[asIndex + 1] ? { name: words[asIndex + 1] } : {}), line: from.line };
}

function execForm(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  try {
    const parsed: unknown = JSON.parse(args);
    return Array.isArray(parsed) && parsed.every((v) => typeof v === 'string') ? parsed : undefined;
  } catch {
    return undefined; // Docker runs invalid JSON as shell form.
  }
}
/** Sources of a COPY/ADD from the build context (not --from, not URLs or heredocs), cleaned and relative to the context. */
export function copySources(instruction: DockerfileInstruction): string[] {
  if (instruction.keyword !== 'COPY' && instruction.keyword !== 'ADD') return [];
  if (instruction.flags.some((f) => f.name === 'from')) return [];
  if (instruction.args.includes('<<')) return [];
  const parts = instruction.exec ?? instruction.args.split(/\s+/).filter(Boolean);
  return (
    parts
      .slice(0, -1)
      .filter((s) => !/^[a-z]+:\/\//i.test(s) && !s.startsWith('git@'))
      // Sources are resolved inside the context: a leading / or a `..` that climbs out of it stops at its root.
      .map((s) => cleanPath(`/${s}`).slice(1) || '.')
  );
}

/** What an ENV or ARG sets: `ENV A=1 B="x y"`, legacy `ENV A 1`, `ARG A=1` (an ARG without a default sets nothing). */
export function assignments(instruction: DockerfileInstruction): [string, string][] {
  if (instruction.keyword !== 'ENV' && instruction.keyword !== 'ARG') return [];
  const text = instruction.args.trim();
  if (instruction.keyword === 'ENV' && /^[A-Za-z_][\w]*\s/.test(text) && !/^[A-Za-z_][\w]*=/.test(text)) {
    const [name, ...rest] = text.split(/\s+/);
    return [[name!, withoutQuotes(rest.join(' '))]];
  }
  const out: [string, string][] = [];
  for (const match of text.matchAll(/([A-Za-z_][\w]*)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/g)) out.push([match[1]!, withoutQuotes(match[2]!)]);
  return out;
}

function withoutQuotes(value: string): string {
  return value.replace(/^"(.*)"$/s, '$1').replace(/^'(.*)'$/s, '$1');
}
