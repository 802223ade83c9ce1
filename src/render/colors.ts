export interface Palette {
  red(s: string): string;
  yellow(s: string): string;
  green(s: string): string;
  cyan(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
  magenta(s: string): string;
}

const wrap = (open: number, close: number) => (s: string) => `\u001b[${open}m${s}\u001b[${close}m`;

export function palette(enabled: boolean): Palette {
  if (!enabled) {
    const id = (s: string) => s;
    return { red: id, yellow: id, green: id, cyan: id, dim: id, bold: id, magenta: id };
  }
  return {
    red: wrap(31, 39),
    yellow: wrap(33, 39),
    green: wrap(32, 39),
    cyan: wrap(36, 39),
    dim: wrap(2, 22),
    bold: wrap(1, 22),
    magenta: wrap(35, 39),
  };
}

/** Colour follows the docker CLI and no-color.org: off with NO_COLOR (any value), --no-color, or when the stream is not a TTY. */
export function colorEnabled(options: { noColorFlag: boolean; env: Record<string, string | undefined>; isTTY: boolean }): boolean {
  if (options.noColorFlag) return false;
  if (options.env.NO_COLOR !== undefined && options.env.NO_COLOR !== '') return false;
  if (options.env.FORCE_COLOR !== undefined && options.env.FORCE_COLOR !== '0') return true;
  return options.isTTY;
}
