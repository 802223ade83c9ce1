import { describe, expect, it } from 'vitest';
import { MAX_INSTRUCTIONS, parseDockerfile } from '../../src/facts/project/dockerfile.js';

const parse = (text: string) => parseDockerfile('Dockerfile', text);
/** keyword, args and line of each instruction. */
const read = (text: string) => parse(text).instructions.map((i) => [i.keyword, i.args, i.line]);

/**
 * Where dockerfile-ast (the parser this one replaced) reads a Dockerfile differently from Docker, this parser follows
 * BuildKit. Each case marked "built" was built with the local engine (Docker 20.10, classic builder and
 * DOCKER_BUILDKIT=1, FROM scratch or the busybox test image) and the image's labels or files showed Docker's reading.
 * Heredocs need a newer Dockerfile frontend than Docker 20.10 has built in (it fails on them, "unknown instruction"),
 * so their rules follow BuildKit's parser and its tests (frontend/dockerfile/parser/parser_heredoc_test.go).
 */
describe('parseDockerfile follows Docker where dockerfile-ast did not', () => {
  it('skips indented comment lines and blank lines inside a continuation (built: v="a  b")', () => {
    expect(read('FROM scratch\nLABEL v="a \\\n   # indented comment\n  \n b"\n')).toEqual([
      ['FROM', 'scratch', 1],
      ['LABEL', 'v="a  b"', 2],
    ]);
  });

  it('joins continuation lines that start at column 0 as they are (built: v="a bc", w="x b#c")', () => {
    expect(read('FROM scratch\nLABEL v="a \\\nb\\\nc" w="x \\\nb#c"\n')[1]).toEqual(['LABEL', 'v="a bc" w="x b#c"', 2]);
  });

  it('does not continue a line that ends in an escaped escape character (built: two labels)', () => {
    expect(read('FROM scratch\nLABEL v=a\\\\\nLABEL w=b\n').slice(1)).toEqual([
      ['LABEL', 'v=a\\\\', 2],
      ['LABEL', 'w=b', 3],
    ]);
  });

  it('ends lines at \\n only: a lone \\r is part of the line (built: "FROM requires either one or three arguments")', () => {
    expect(read('FROM scratch\rLABEL a=b\nLABEL c=d\n')).toEqual([
      ['FROM', 'scratch\rLABEL a=b', 1],
      ['LABEL', 'c=d', 2],
    ]);
  });

  it('stops reading directives at an unknown one (built: the escape directive after it is a comment)', () => {
    expect(read('# foo=bar\n# escape=`\nFROM scratch\nLABEL v=a`\nLABEL w=b\n').slice(1)).toEqual([
      ['LABEL', 'v=a`', 4],
      ['LABEL', 'w=b', 5],
    ]);
    expect(read('  # ESCAPE = `  \nFROM scratch\nLABEL v=a`\nLABEL w=b\n')[1]).toEqual(['LABEL', 'v=aLABEL w=b', 3]);
  });

  it('takes flags only from the start, removes their quotes and stops at -- (built: chown 1000:1000, echo a--b --c)', () => {
    const [, chown, dashes, run] = parse('FROM b\nCOPY --chown="1000:1000" f /f\nCOPY -- f /g\nRUN echo a--b --c\n').instructions;
    expect(chown!.flags).toEqual([{ name: 'chown', value: '1000:1000' }]);
    expect([dashes!.flags, dashes!.args]).toEqual([[], 'f /g']);
    expect([run!.flags, run!.args]).toEqual([[], 'echo a--b --c']);
    expect(parse('FROM b\nRUN a--b --c d\n').instructions[1]!.args).toBe('a--b --c d');
  });

  it('keeps heredoc bodies as written, escape characters and comment-like lines included', () => {
    expect(read('FROM a\nRUN <<EOF\nbody \\\n# not a comment\nEOF\nRUN x\n').slice(1)).toEqual([
      ['RUN', '<<EOF\nbody \\\n# not a comment\nEOF', 2],
      ['RUN', 'x', 6],
    ]);
  });

  it('reads `<< EOF` (blanks after <<) as a heredoc, as BuildKit lexes it', () => {
    expect(read('FROM a\nRUN << EOF\nFROM not-an-instruction\nEOF\n')[1]).toEqual(['RUN', '<< EOF\nFROM not-an-instruction\nEOF', 2]);
  });

  it('drops the \\r of CRLF heredoc lines, and the trailing blanks of the instruction line', () => {
    expect(read('FROM a\r\nRUN <<EOF  \r\necho hi\r\nEOF\r\nCMD x\r\n').slice(1)).toEqual([
      ['RUN', '<<EOF\necho hi\nEOF', 2],
      ['CMD', 'x', 5],
    ]);
  });
});

describe('parseDockerfile reads BuildKit syntax', () => {
  it('reads the escape directive, also after a syntax directive, and a BOM before it', () => {
    expect(read('\uFEFF# syntax=docker/dockerfile:1\n# escape=`\nFROM a\nRUN dir c:\\ `\n  && echo\n')[1]).toEqual([
      'RUN',
      'dir c:\\   && echo',
      4,
    ]);
  });

  it('reads directives only at the top: after a blank line or a comment they are comments', () => {
    expect(read('\n# escape=`\nFROM a\nRUN a `\nRUN b\n').slice(1)).toHaveLength(2);
    expect(read('# hello\n# escape=`\nFROM a\nRUN a `\nRUN b\n').slice(1)).toHaveLength(2);
  });

  it('reads heredocs: several per instruction, <<- with tabs, quoted names, a file descriptor, none in JSON form', () => {
    const text =
      'FROM a\nCOPY <<one 3<<"two" /dst/\nhello\none\nworld\ntwo\nRUN <<-EOF\n\techo\n\tEOF\nRUN ["<<EOF"]\nONBUILD RUN <<X\nx\nX\n';
    expect(read(text).slice(1)).toEqual([
      ['COPY', '<<one 3<<"two" /dst/\nhello\none\nworld\ntwo', 2],
      ['RUN', '<<-EOF\n\techo\n\tEOF', 7],
      ['RUN', '["<<EOF"]', 10],
      ['ONBUILD', 'RUN <<X\nx\nX', 11],
    ]);
  });

  it('reads an unterminated heredoc (a build error) to the end of the file', () => {
    expect(read('FROM a\nRUN <<EOF\nbody\n\n')[1]).toEqual(['RUN', '<<EOF\nbody', 2]);
    expect(read('FROM a\nRUN <<EOF "unclosed\nCMD x\n').map((i) => i[0])).toEqual(['FROM', 'RUN', 'CMD']);
  });

  it('reads exec forms, flags before them, stages and their names', () => {
    const parsed = parse('from --platform=linux/amd64 golang AS build\nRUN --mount=type=cache,target=/c ["go", "build"]\nFROM scratch\n');
    expect(parsed.stages).toEqual([
      { image: 'golang', name: 'build', line: 1 },
      { image: 'scratch', line: 3 },
    ]);
    expect(parsed.instructions[1]).toMatchObject({ exec: ['go', 'build'], flags: [{ name: 'mount', value: 'type=cache,target=/c' }] });
    expect(parsed.instructions.map((i) => i.stage)).toEqual([0, 0, 1]);
  });
});

/**
 * The fastest of a few parses of each text, in ms, taken in turns so that other work on the machine weighs on both alike:
 * the fastest run is the one least disturbed by it and by garbage collection.
 */
function fastestMs(small: string, large: string): [number, number] {
  const fastest: [number, number] = [Infinity, Infinity];
  for (let run = 0; run < 10; run++) {
    const text = run % 2 === 0 ? small : large;
    const started = performance.now();
    parse(text);
    fastest[run % 2] = Math.min(fastest[run % 2]!, performance.now() - started);
  }
  return fastest;
}

describe('parseDockerfile stays linear', () => {
  // Twice the lines take about twice the time; 3x (and 50 ms) leaves room for a noisy machine. A quadratic parser takes
  // 4x, and seconds at these sizes: dockerfile-ast took 7 s for 100,000 continuation lines.
  it.each([
    ['continuation lines', (n: number) => `FROM a\n${'RUN true \\\n'.repeat(n)}\n`],
    ['instructions', (n: number) => `FROM a\n${'RUN x\n'.repeat(n / 2)}`],
    ['heredoc lines', (n: number) => `FROM a\nRUN <<EOF\n${'echo x\n'.repeat(n)}EOF\n`],
    ['comment lines in a continuation', (n: number) => `FROM a\nRUN a \\\n${'# c\n'.repeat(n)}b\n`],
    ['escapes in one flag', (n: number) => `FROM a\nRUN --x=${'\\a'.repeat(n)} y\n`],
    ['heredoc marks on one line', (n: number) => `FROM a\nRUN ${'<<E '.repeat(n)}\nE\n`],
  ])('%s: 200,000 take less than 3x the time of 100,000', (_name, make) => {
    const small = make(100_000);
    const large = make(200_000);
    const [smallMs, largeMs] = fastestMs(small, large);
    expect(largeMs).toBeLessThan(3 * smallMs + 50);
  });

  it(`reads at most ${MAX_INSTRUCTIONS.toLocaleString('en')} instructions, so 16 MiB of short ones cannot take gigabytes`, () => {
    expect(parse(`FROM a\n${'RUN x\n'.repeat(MAX_INSTRUCTIONS + 10)}`).instructions).toHaveLength(MAX_INSTRUCTIONS);
    expect(parse(`FROM a\n${'RUN x\n'.repeat(MAX_INSTRUCTIONS - 1)}`).instructions).toHaveLength(MAX_INSTRUCTIONS);
  });
});
