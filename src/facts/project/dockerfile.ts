import { DockerfileParser, type Instruction } from 'dockerfile-ast';
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

/** Parses with dockerfile-ast (continuations, heredocs, parser directives) and keeps line numbers. */
export function parseDockerfile(file: string, text: string): ParsedDockerfile {
  const dockerfile = DockerfileParser.parse(text);
  const stages: ParsedDockerfile['stages'] = [];
  const instructions: DockerfileInstruction[] = [];
  for (const instruction of dockerfile.getInstructions()) {
    const keyword = instruction.getKeyword().toUpperCase();
    if (keyword === 'FROM') {
      const args = instruction.getArguments().map((a) => a.getValue());
      const asIndex = args.findIndex((a) => a.toLowerCase() === 'as');
      stages.push({
        image: args[0] ?? '',
        ...(asIndex > 0 && args[asIndex + 1] ? { name: args[asIndex + 1] } : {}),
        line: instruction.getRange().start.line + 1,
      });
    }
    instructions.push({
      keyword,
      args: instruction.getArgumentsContent() ?? '',
      exec: execForm(instruction),
      flags: flagsOf(instruction),
      line: instruction.getRange().start.line + 1,
      stage: Math.max(0, stages.length - 1),
    });
  }
  return { file, instructions, stages };
}

function execForm(instruction: Instruction): string[] | undefined {
  // Parsed from the raw text: dockerfile-ast's JSON tokens drop the spaces inside strings ("a b.txt" becomes "ab.txt").
  const content = (instruction.getArgumentsContent() ?? '').trim();
  if (!content.startsWith('[')) return undefined;
  try {
    const parsed: unknown = JSON.parse(content);
    return Array.isArray(parsed) && parsed.every((v) => typeof v === 'string') ? parsed : undefined;
  } catch {
    return undefined; // Docker runs invalid JSON as shell form.
  }
}

function flagsOf(instruction: Instruction): DockerfileInstruction['flags'] {
  const withFlags = instruction as Instruction & { getFlags?: () => { getName(): string; getValue(): string | null }[] };
  return typeof withFlags.getFlags === 'function' ? withFlags.getFlags().map((f) => ({ name: f.getName(), value: f.getValue() })) : [];
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
