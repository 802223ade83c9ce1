import { parse, type ParseEntry } from 'shell-quote';
import { shellWord } from '../../src/util/text.js';

/**
 * Servers that fork into the background unless told otherwise. Inside a container the forked server is not PID 1: the
 * process the runtime started exits 0 at once and the container stops, taking the server with it.
 */
export interface Daemoniser {
  /** The program as the user wrote it (`httpd`, `service nginx start`, `sleep 100 &`). */
  program: string;
  /** Why it left the foreground, in words. */
  why: string;
  /** The whole command (entrypoint + cmd), rewritten to stay in the foreground; absent when it cannot be rewritten safely. */
  foreground?: string[];
  /** The foreground form of the part that daemonised, for the title (`httpd -f`). */
  foregroundPart: string;
  /** A config file that can override the default (nginx `daemon off;`, redis `daemonize yes`), to read from the container. */
  configFile?: ConfigFileRule;
}

export interface ConfigFileRule {
  path: string;
  /** Whether this config file content makes the program daemonise. */
  daemonises: (text: string) => boolean;
  /** What to conclude when the file cannot be read: the program's default, or nothing (say less). */
  whenUnreadable: 'daemonises' | 'unknown';
}

/** A shell, bare or by path: sh, /bin/bash, /usr/bin/zsh… */
export const SHELLS = /^(?:\/usr)?(?:\/bin\/)?(?:sh|bash|ash|dash|zsh)$/;
/** Wrappers that exec the command after them: look through them at what they run. */
const WRAPPERS = /^(?:.*\/)?(?:tini|tini-static|dumb-init|docker-init|catatonit)$/;
const USER_SWITCHERS = /^(?:.*\/)?(?:gosu|su-exec)$/;

/** The operator an entry of a parsed script is (`&&`, `;`, `|`, `glob`…), if it is one. */
const opOf = (e: ParseEntry): string | undefined => (typeof e === 'object' && 'op' in e ? String(e.op) : undefined);
const base = (program: string) => program.split('/').pop() ?? program;

/** Words as a shell reads them back (`FOO=1` stays an assignment, unlike shell-quote's quote). */
export const shellLine = (words: readonly string[]): string => words.map(shellWord).join(' ');

/** The command a container ran, as the user would type it: from Config, since Podman repeats Path in Args for a bare command. */
export function ranCommand(inspect: {
  Path: string;
  Args?: string[] | null;
  Config: { Entrypoint?: string[] | null; Cmd?: string[] | null };
}): string {
  const argv = configuredArgv(inspect.Config);
  return shellLine(argv.length ? argv : [inspect.Path, ...(inspect.Args ?? [])]);
}

/** The argv a container runs, as configured (Podman repeats Path in Args, so Path/Args are not used). */
export function configuredArgv(config: { Entrypoint?: string[] | null; Cmd?: string[] | null }): string[] {
  return [...(config.Entrypoint ?? []), ...(config.Cmd ?? [])];
}

/** Finds a known daemonising command in a container's argv, looking into `sh -c` scripts and through init wrappers. */
export function findDaemoniser(argv: readonly string[]): Daemoniser | undefined {
  const start = skipWrappers(argv, 0);
  const shell = argv[start];
  if (shell !== undefined && SHELLS.test(shell) && /^-[a-z]*c[a-z]*$/.test(argv[start + 1] ?? '') && argv[start + 2] !== undefined) {
    const prefix = argv.slice(0, start + 2);
    const script = argv[start + 2]!;
    const found = inScript(script);
    if (!found) return undefined;
    const { script: fixed, ...rest } = found;
    return fixed === undefined ? rest : { ...rest, foreground: [...prefix, fixed, ...argv.slice(start + 3)] };
  }
  // An entrypoint script (docker-entrypoint.sh, or `sh /entry.sh`) conventionally ends in `exec "$@"`: the command after it is what runs.
  const isScript = (word: string | undefined) => word !== undefined && /\.sh$|entrypoint/i.test(base(word));
  const scriptWords = isScript(shell) ? 1 : shell !== undefined && SHELLS.test(shell) && isScript(argv[start + 1]) ? 2 : 0;
  const afterScript = scriptWords && argv.length > start + scriptWords ? start + scriptWords : start;
  const words = argv.slice(afterScript);
  const found = inWords(words);
  if (!found) return undefined;
  const { words: fixed, ...rest } = found;
  return fixed ? { ...rest, foreground: [...argv.slice(0, afterScript), ...fixed] } : rest;
}

function skipWrappers(argv: readonly string[], from: number): number {
  let i = from;
  while (i < argv.length && WRAPPERS.test(argv[i]!)) {
    i++;
    while (i < argv.length && argv[i]!.startsWith('-')) if (argv[i++] === '--') break;
  }
  return i;
}

const SEPARATORS: ReadonlySet<string> = new Set([';', '&&', '||', '&']);

/** What a `sh -c` script leaves running: its last command, or everything when it ends in `&`. `script` is its foreground form. */
function inScript(script: string): (Omit<Daemoniser, 'foreground'> & { script?: string }) | undefined {
  // A single trailing `&` (not `&&`): dropping it, as written, keeps the rest of the script exactly as the user had it.
  const trailing = /^([\s\S]*[^&\\])&\s*$/.exec(script);
  if (trailing) {
    const fixed = trailing[1]!.trimEnd();
    return {
      program: script.trim(),
      why: "the trailing `&` runs it in the background, and the shell (the container's main process) exits",
      foregroundPart: fixed,
      script: fixed,
    };
  }
  // Keep $VARS as written: the script is read, never run.
  const entries = parse(script, (key) => `$${key}`);
  // Pipes, redirections, globs and subshells: too much shell to rewrite safely, so say nothing.
  if (entries.some((e) => typeof e === 'object' && !SEPARATORS.has(opOf(e) ?? ''))) return undefined;
  // Only the last command decides when the shell exits.
  const cut = entries.findLastIndex((e) => SEPARATORS.has(opOf(e) ?? ''));
  const found = inWords(entries.slice(cut + 1) as string[]);
  if (!found) return undefined;
  const { words, ...rest } = found;
  // Expansions ($VAR, `cmd`) would come back quoted: give the foreground form of the command, not a rewritten script.
  if (!words || /[$`]/.test(script)) return rest;
  return {
    ...rest,
    script: [...entries.slice(0, cut + 1), ...words]
      .map((e) => opOf(e) ?? shellWord(e as string))
      .join(' ')
      .replace(/ ;/g, ';'),
  };
}

type InWords = Omit<Daemoniser, 'foreground'> & { words?: string[] };

/** One command as typed: the program, its arguments, and the `exec`/`env`/`gosu user` words that run it. */
interface Invocation {
  program: string;
  args: string[];
  argv: readonly string[];
  /** The program's file name: `nginx` for /usr/sbin/nginx. */
  name: string;
  has: (...flags: string[]) => boolean;
  /** The finding: why it daemonises and the foreground form (with the words before it kept). */
  done: (why: string, fg: string[], extra?: Partial<Daemoniser>) => InWords;
  /** The finding when no foreground form can be typed for it, only described. */
  described: (why: string, foregroundPart: string) => InWords;
}

/** Checks one simple command (argv) against the known daemonisers; `words` is its foreground form, when known. */
function inWords(input: readonly string[]): InWords | undefined {
  let i = 0;
  const head: string[] = [];
  // `exec`, `FOO=bar`, `env`, `gosu user`, `su-exec user` run the command after them.
  while (i < input.length) {
    const w = input[i]!;
    if (w === 'exec' || w === 'env' || /^[A-Za-z_]\w*=/.test(w)) head.push(input[i++]!);
    else if (USER_SWITCHERS.test(w) && input[i + 1]) head.push(input[i++]!, input[i++]!);
    else break;
  }
  const argv = input.slice(i);
  const program = argv[0];
  if (!program) return undefined;
  const args = argv.slice(1);
  const c: Invocation = {
    program,
    args,
    argv,
    name: base(program),
    has: (...flags) => args.some((a) => flags.includes(a)),
    done: (why, fg, extra = {}) => ({ program: shellLine(argv), why, words: [...head, ...fg], foregroundPart: shellLine(fg), ...extra }),
    described: (why, foregroundPart) => ({ program: shellLine(argv), why, foregroundPart }),
  };
  // Version, help and config-test runs are one-shot by design (the flags differ per program: busybox httpd's -h is its web root).
  const oneShot = ONE_SHOT_FLAGS.find(([pattern]) => pattern.test(c.name))?.[1] ?? [];
  if (c.has('--help', '--version', ...oneShot)) return undefined;
  return DAEMONISERS.find((d) => d.runs(c))?.judge(c);
}

/** The programs that fork into the background unless told otherwise: how to tell, and their foreground form. */
const DAEMONISERS: { runs: (c: Invocation) => boolean; judge: (c: Invocation) => InWords | undefined }[] = [
  { runs: (c) => c.name === 'httpd', judge: httpd },
  {
    runs: (c) => c.name === 'apachectl' || c.name === 'apache2ctl',
    judge: (c) =>
      c.has('-DFOREGROUND') || c.args.includes('FOREGROUND')
        ? undefined
        : c.done(`${c.name} start forks Apache into the background`, [c.program, '-DFOREGROUND']),
  },
  { runs: (c) => c.name === 'nginx', judge: nginx },
  {
    runs: (c) => /^php-fpm[\d.]*$/.test(c.name),
    judge: (c) =>
      c.has('-F', '--nodaemonize')
        ? undefined
        : c.done('php-fpm forks into the background unless started with -F (or `daemonize = no`)', [c.program, '-F', ...c.args]),
  },
  {
    runs: (c) => c.name === 'sshd',
    // sshd re-executes itself and refuses a relative path.
    judge: (c) =>
      c.has('-D', '-d')
        ? undefined
        : c.done('sshd forks into the background unless started with -D', [
            c.program.startsWith('/') ? c.program : '/usr/sbin/sshd',
            '-D',
            ...c.args,
          ]),
  },
  { runs: (c) => c.name === 'redis-server', judge: redisServer },
  { runs: (c) => c.name === 'supervisord', judge: supervisord },
  {
    runs: (c) => c.name === 'crond' || c.name === 'cron',
    judge: (c) =>
      c.has('-f', '-n') ? undefined : c.done(`${c.name} forks into the background unless started with -f`, [c.program, '-f', ...c.args]),
  },
  {
    runs: (c) =>
      (c.name === 'service' && c.args[1] === 'start' && c.args.length === 2) ||
      (/^\/etc\/init\.d\//.test(c.program) && c.args[0] === 'start'),
    judge: initScript,
  },
];

function httpd({ program, args, has, done }: Invocation): InWords | undefined {
  if (has('-f', '-X', '-DFOREGROUND') || args.some((a, k) => a === '-D' && args[k + 1] === 'FOREGROUND')) {
    // Apache's -f names a config file: `httpd -f /x.conf` still daemonises, busybox's -f means foreground.
    const apacheConfig = args.indexOf('-f') >= 0 && /\.conf$/.test(args[args.indexOf('-f') + 1] ?? '');
    if (!apacheConfig || has('-DFOREGROUND', '-X') || args.includes('FOREGROUND')) return undefined;
  }
  return isApache(program, args)
    ? done('Apache httpd forks into the background unless started with -DFOREGROUND', [
        program,
        ...args.filter((a, k) => !(a === '-k' || args[k - 1] === '-k')),
        '-DFOREGROUND',
      ])
    : done('busybox httpd forks into the background unless started with -f', [program, '-f', ...args]);
}

function nginx({ program, args, has, done }: Invocation): InWords | undefined {
  if (args.some((a) => /daemon\s+off/.test(a)) || has('-s')) return undefined;
  const g = args.indexOf('-g');
  const fg = g >= 0 ? args.map((a, k) => (k === g + 1 ? `daemon off; ${a}` : a)) : [...args, '-g', 'daemon off;'];
  return done('nginx forks into the background unless its config or -g says `daemon off;`', [program, ...fg], {
    configFile: {
      path: configPath(args, '-c') ?? '/etc/nginx/nginx.conf',
      daemonises: (text) => !/^\s*daemon\s+off\s*;/m.test(text),
      whenUnreadable: 'daemonises',
    },
  });
}

function redisServer({ program, args, done }: Invocation): InWords | undefined {
  const flag = args.indexOf('--daemonize');
  if (flag >= 0) {
    if (args[flag + 1] !== 'yes') return undefined;
    return done('`--daemonize yes` sends redis-server to the background', [program, ...args.map((a, k) => (k === flag + 1 ? 'no' : a))]);
  }
  const conf = args.find((a) => !a.startsWith('-'));
  // Only its config file can say `daemonize yes`; the caller reads it from the container to be sure.
  if (!conf) return undefined;
  return done('its config file sets `daemonize yes`, which sends redis-server to the background', [program, ...args, '--daemonize', 'no'], {
    configFile: { path: conf, daemonises: (text) => /^\s*daemonize\s+yes\b/im.test(text), whenUnreadable: 'unknown' },
  });
}

function supervisord({ program, args, has, done }: Invocation): InWords | undefined {
  if (has('-n', '--nodaemon')) return undefined;
  return done('supervisord forks into the background unless started with -n (or `nodaemon=true`)', [program, '-n', ...args], {
    configFile: {
      path: configPath(args, '-c') ?? '/etc/supervisord.conf',
      daemonises: (text) => !/^\s*nodaemon\s*=\s*true/m.test(text),
      whenUnreadable: 'daemonises',
    },
  });
}

/** `service x start` or `/etc/init.d/x start`: the init script starts the daemon in the background and returns. */
function initScript({ name, args, argv, done, described }: Invocation): InWords {
  const service = name === 'service' ? args[0]! : name;
  const fg = SERVICE_FOREGROUND[service];
  const why = `\`${shellLine(argv)}\` starts ${service} in the background through its init script and returns`;
  return fg ? done(why, fg) : described(why, `${service}'s own program, in its foreground mode`);
}

const ONE_SHOT_FLAGS: [RegExp, string[]][] = [
  // Busybox httpd: -d/-e decode or encode a string, -m prints an md5 password. Apache: -t/-S test the config, -v/-V/-l/-L/-M list.
  [/^httpd$/, ['-d', '-e', '-m', '-t', '-S', '-v', '-V', '-l', '-L', '-M']],
  [/^apache2?ctl$/, ['-t', '-S', '-v', '-V', '-M', 'configtest', 'stop', 'graceful-stop', 'status']],
  [/^nginx$/, ['-t', '-T', '-v', '-V', '-h', '-?']],
  [/^php-fpm/, ['-t', '-v', '-h', '-i', '-m']],
  [/^sshd$/, ['-t', '-T', '-V']],
  [/^redis-server$/, ['-v', '-h', '--test-memory']],
  [/^supervisord$/, ['-h', '-v']],
  [/^crond?$/, ['-h', '-V']],
];

function configPath(args: readonly string[], flag: string): string | undefined {
  const at = args.indexOf(flag);
  return at >= 0 ? args[at + 1] : undefined;
}

function isApache(program: string, args: readonly string[]): boolean {
  return /apache/.test(program) || args.some((a) => a.startsWith('-D') || a === '-k');
}

/** The foreground form of services commonly started with `service x start` in containers. */
const SERVICE_FOREGROUND: Record<string, string[]> = {
  nginx: ['nginx', '-g', 'daemon off;'],
  apache2: ['apache2ctl', '-DFOREGROUND'],
  httpd: ['httpd', '-DFOREGROUND'],
  ssh: ['/usr/sbin/sshd', '-D'],
  sshd: ['/usr/sbin/sshd', '-D'],
  cron: ['cron', '-f'],
  crond: ['crond', '-f'],
  'redis-server': ['redis-server', '--daemonize', 'no'],
  supervisor: ['supervisord', '-n'],
  supervisord: ['supervisord', '-n'],
};
