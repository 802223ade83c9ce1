/**
 * The simple commands of a RUN, in order: split at `&&`, `||`, `;`, pipes and newlines, line continuations and the
 * shell keywords that open a compound command (`if …; then pip install …`) taken off, blanks collapsed.
 */
export function shellCommands(args: string): string[] {
  return args
    .split(/&&|\|\||[;|\n]/)
    .map((c) =>
      c
        .replace(/\\\s*$/, '')
        .trim()
        .replace(/^(?:(?:then|do|else|\{|\()\s+)+/, '')
        .replace(/\s+/g, ' '),
    )
    .filter(Boolean);
}
