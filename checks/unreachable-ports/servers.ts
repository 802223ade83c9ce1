/*
 * How to make a server listen on every address instead of 127.0.0.1, from the command the container runs: an explicit
 * loopback address in the command is replaced; a server known to default to loopback gets its flag; anything else
 * gets the generic advice.
 */

export interface BindAdvice {
  /** The server recognised in the command, when one was. */
  server?: string;
  title: string;
  /** The command rewritten to listen on 0.0.0.0, when it can be written. */
  command?: string;
}

/** `--host 127.0.0.1`, `-b localhost:8000`, `-p 127.0.0.1:80`, `runserver 127.0.0.1:8000`, `php -S localhost:8000`, `--bind=[::1]`. */
const EXPLICIT_LOOPBACK = /(^|[\s=:"'])(127\.0\.0\.1|localhost|\[::1\]|::1)(?=$|[\s:"'])/g;

interface Server {
  name: string;
  /** The command runs this server. */
  runs: RegExp;
  /** The command already sets an address (then an explicit loopback would have matched, or it is not loopback). */
  hasAddress?: RegExp;
  /** The command rewritten: the flag appended or the address inserted. */
  rewrite: (command: string, port: number, runs: RegExp) => string | undefined;
}

/**
 * The flag added after the server's own arguments: inside a `sh -c "…"` script before its closing quote. Undefined
 * when more commands follow the server's (`flask run && …`): where the flag goes is not certain.
 */
function appendTo(command: string, runs: RegExp, flag: string): string | undefined {
  const at = runs.exec(command)?.index ?? 0;
  if (/&&|\|\||;|\|/.test(command.slice(at))) return undefined;
  return /["']$/.test(command) ? `${command.slice(0, -1)} ${flag}${command.slice(-1)}` : `${command} ${flag}`;
}
const append = (flag: string) => (command: string, _port: number, runs: RegExp) => appendTo(command, runs, flag);

/** Servers that listen on 127.0.0.1 unless told otherwise, and the flag that says otherwise. */
const SERVERS: Server[] = [
  { name: 'Flask', runs: /\bflask\b.*\brun\b/, hasAddress: /\s(--host|-h)[\s=]/, rewrite: append('--host 0.0.0.0') },
  { name: 'uvicorn', runs: /\buvicorn\b/, hasAddress: /\s--host[\s=]/, rewrite: append('--host 0.0.0.0') },
  {
    name: 'gunicorn',
    runs: /\bgunicorn\b/,
    hasAddress: /\s(-b|--bind)[\s=]/,
    rewrite: (command, port, runs) => appendTo(command, runs, `-b 0.0.0.0:${port}`),
  },
  {
    name: 'Django',
    runs: /\bmanage\.py\b.*\brunserver\b/,
    rewrite: (command, port) =>
      /\brunserver\s+\d+\b/.test(command)
        ? command.replace(/\brunserver\s+(\d+)\b/, 'runserver 0.0.0.0:$1')
        : command.replace(/\brunserver\b/, `runserver 0.0.0.0:${port}`),
    hasAddress: /\brunserver\s+\S*:\d+/,
  },
  { name: 'Vite', runs: /\bvite\b/, hasAddress: /\s--host\b/, rewrite: append('--host 0.0.0.0') },
  {
    name: 'webpack dev server',
    runs: /\bwebpack-dev-server\b|\bwebpack\b.*\bserve\b/,
    hasAddress: /\s--host\b/,
    rewrite: append('--host 0.0.0.0'),
  },
  { name: 'Next.js', runs: /\bnext\s+(dev|start)\b/, hasAddress: /\s(-H|--hostname)[\s=]/, rewrite: append('-H 0.0.0.0') },
  { name: 'Nuxt', runs: /\bnuxi?\s+(dev|start|preview)\b/, hasAddress: /\s--host\b/, rewrite: append('--host 0.0.0.0') },
  { name: 'Rails', runs: /\brails\s+(s|server)\b/, hasAddress: /\s(-b|--binding)[\s=]/, rewrite: append('-b 0.0.0.0') },
  { name: 'Angular', runs: /\bng\s+serve\b/, hasAddress: /\s--host\b/, rewrite: append('--host 0.0.0.0') },
  { name: 'Hugo', runs: /\bhugo\s+serve(r)?\b/, hasAddress: /\s--bind\b/, rewrite: append('--bind 0.0.0.0') },
  { name: 'Jekyll', runs: /\bjekyll\s+serve\b/, hasAddress: /\s(-H|--host)\b/, rewrite: append('--host 0.0.0.0') },
];

const GENERIC =
  'Make the app listen on 0.0.0.0 (every address) instead of 127.0.0.1: most servers take a --host or --bind option or a HOST=0.0.0.0 ' +
  'variable (flask run --host 0.0.0.0, uvicorn --host 0.0.0.0, gunicorn -b 0.0.0.0:PORT, vite --host, next dev -H 0.0.0.0, ' +
  'rails server -b 0.0.0.0, manage.py runserver 0.0.0.0:PORT)';

/** How to make the app behind `port` listen on every address, from the command line the container runs. */
export function bindAdvice(command: string, port: number): BindAdvice {
  if (new RegExp(EXPLICIT_LOOPBACK.source).test(command)) {
    const rewritten = command.replace(EXPLICIT_LOOPBACK, (_m, before: string, host: string) =>
      host.startsWith('[') ? `${before}[::]` : host === '::1' ? `${before}::` : `${before}0.0.0.0`,
    );
    return { title: 'The command binds a loopback address: make it listen on 0.0.0.0 instead', command: rewritten };
  }
  const server = SERVERS.find((s) => s.runs.test(command) && !s.hasAddress?.test(command));
  if (server) {
    const rewritten = server.rewrite(command, port, server.runs);
    return {
      server: server.name,
      title: `${server.name} listens on 127.0.0.1 unless told otherwise: run it with the address 0.0.0.0`,
      ...(rewritten ? { command: rewritten } : {}),
    };
  }
  if (/\b(npm|yarn|pnpm|bun)\s+(run\s+)?(dev|start|serve|preview)\b/.test(command))
    return {
      title:
        `${GENERIC}. Through a package script, pass the option after --, e.g. npm run dev -- --host 0.0.0.0 for Vite, ` +
        'or set it in the script',
    };
  return { title: GENERIC };
}
