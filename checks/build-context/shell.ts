/**
 * No real RUN holds 64 KiB of shell; a hostile one of 16 MiB would be split and its blanks collapsed all at once
 * (about 100 bytes of memory per blank: ~400 MB). A longer RUN is judged on its first 64 KiB.
 */
export const MAX_SHELL_CHARS = 64 * 1024;

/**
 * The simple commands of a RUN, in order: split at `&&`, `||`, `;`, pipes and newlines, line continuations and the
 * shell keywords that open a compound command (`if …; then pip install …`) taken off, blanks collapsed.
 */
export function shellCommands(args: string): string[] {
  return args
    .slice(0, MAX_SHELL_CHARS)
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
