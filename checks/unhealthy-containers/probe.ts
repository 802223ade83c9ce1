/*
 * A health check's test, read the way the engine runs it: `["CMD", prog, args…]` execs prog with no shell,
 * `["CMD-SHELL", "line"]` (and compose's bare string, and the Dockerfile's `HEALTHCHECK CMD line`) runs the line with
 * /bin/sh -c, `["NONE"]` turns the image's check off.
 */

export interface Probe {
  form: 'exec' | 'shell';
  /** exec form: the argv; shell form: the line split on blanks (enough to find the program and its targets). */
  words: string[];
  /** The command as a user reads it: the shell line, or the argv joined. */
  text: string;
}

/** The engine's `Test` list (or compose's list) as a probe; undefined for NONE, empty or unknown forms. */
export function probeOfTest(test: readonly string[] | string | null | undefined): Probe | undefined {
  if (typeof test === 'string') return shellProbe(test);
  if (!test || test.length < 2) return undefined;
  const [kind, ...rest] = test;
  if (kind === 'CMD-SHELL') return shellProbe(rest.join(' '));
  if (kind === 'CMD') return { form: 'exec', words: rest, text: rest.join(' ') };
  return undefined;
}

/** A Dockerfile `HEALTHCHECK [flags] CMD …` (flags already removed by the parser); undefined for NONE. */
export function probeOfInstruction(args: string): Probe | undefined {
  const match = /^CMD\s+([\s\S]+)$/i.exec(args.trim());
  if (!match) return undefined;
  const rest = match[1]!.trim();
  if (rest.startsWith('[')) {
    try {
      const argv: unknown = JSON.parse(rest);
      if (Array.isArray(argv) && argv.every((a) => typeof a === 'string')) return probeOfTest(['CMD', ...(argv as string[])]);
    } catch {
      // Not valid JSON: Docker runs it as a shell line, as below.
    }
  }
  return shellProbe(rest);
}

function shellProbe(line: string): Probe | undefined {
  const text = line.trim();
  return text ? { form: 'shell', words: text.split(/\s+/), text } : undefined;
}

/** The program a probe runs first: argv[0], or the shell line's first command word (past `exec` and VAR=value). */
export function programOf(probe: Probe): string | undefined {
  if (probe.form === 'exec') return probe.words[0];
  return probe.words.find((w) => w !== 'exec' && !/^[A-Za-z_][A-Za-z0-9_]*=/.test(w));
}

const SHELL_OPERATORS = new Set(['&&', '||', '|', ';', '>', '>>', '<', '2>&1', '&']);

/** In exec form, the first argument only a shell would understand (`||`, `&&`, `$PORT`…); undefined when there is none. */
export function shellSyntaxIn(probe: Probe): string | undefined {
  if (probe.form !== 'exec') return undefined;
  return probe.words.find((w) => SHELL_OPERATORS.has(w) || /\$\{?[A-Za-z_]/.test(w) || /^[^'"]*(&&|\|\|)[^'"]*$/.test(w));
}

/** Exec form whose single item is a whole command line: `["CMD", "curl -f http://localhost/"]`. */
export function isCommandLineInOneWord(probe: Probe): boolean {
  return probe.form === 'exec' && probe.words.length === 1 && /\s/.test(probe.words[0]!.trim());
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '0.0.0.0', '[::1]', '::1']);

export interface ProbeTarget {
  port: number;
  host: string;
  /** The URL as written, when the target came from one. */
  url?: string;
}

/**
 * Where the probe connects: every http(s) URL, and `nc [-z] host port`. `local` is false when any target is another
 * host (a sidecar, a service name): then which port should answer cannot be told from this container.
 */
export function targetsOf(probe: Probe): { targets: ProbeTarget[]; local: boolean } {
  const targets: ProbeTarget[] = [];
  let unknown = false;
  for (const match of probe.text.matchAll(/\b(https?):\/\/(\[[^\]]+\]|[^/:\s'"]+)(?::([^/\s'"]*))?[^\s'"]*/g)) {
    const [url, scheme, host, port] = match;
    // A port from a variable (`:${PORT:-3000}`) is whatever the shell makes of it: not a port to judge.
    if (port !== undefined && !/^\d+$/.test(port)) unknown = true;
    else targets.push({ url, host: host!, port: port ? Number(port) : scheme === 'https' ? 443 : 80 });
  }
  const nc = /\bnc\s+(?:-[a-zA-Z]+\s+(?:\d+\s+)?)*([^\s-][^\s]*)\s+(\d+)\b/.exec(probe.text);
  if (nc) targets.push({ host: nc[1]!, port: Number(nc[2]) });
  return { targets, local: !unknown && targets.length > 0 && targets.every((t) => LOCAL_HOSTS.has(t.host.toLowerCase())) };
}
