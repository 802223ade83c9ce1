import { redactText } from '../../src/engine/redact.js';
import { NAME_RESOLUTION_FAILURE } from './name-resolution.js';
import { ACCESS_DENIED, READ_ONLY } from './permissions.js';
import { prose } from '../../src/util/text.js';

/** Failure shapes that show up in container logs, each with what it usually means. Matched line by line, last match first. */
export interface LogSignature {
  id:
    | 'exec-format'
    | 'exec-missing'
    | 'not-found'
    | 'permission-denied'
    | 'read-only'
    | 'address-in-use'
    | 'name-resolution'
    | 'connection-refused'
    | 'missing-module'
    | 'out-of-memory';
  pattern: RegExp;
  meaning: string;
}

export const LOG_SIGNATURES: LogSignature[] = [
  { id: 'exec-format', pattern: /exec format error/i, meaning: 'the binary was built for another CPU architecture' },
  {
    id: 'exec-missing',
    pattern: /^exec .+: no such file or directory$|exec: "[^"]+": stat .*: no such file or directory/i,
    meaning: prose`
      the program or its interpreter (the #! line, or the dynamic loader) does not exist in the image; a Windows CRLF line ending on the #!
      line looks the same
    `,
  },
  {
    id: 'not-found',
    pattern: /: not found$|executable file not found in \$PATH|command not found/i,
    meaning: 'a command the container runs is not installed in the image or not on PATH',
  },
  {
    id: 'permission-denied',
    pattern: ACCESS_DENIED,
    meaning: 'the process was denied access to a file or directory',
  },
  { id: 'read-only', pattern: READ_ONLY, meaning: 'the process wrote to a read-only mount or file system' },
  {
    id: 'address-in-use',
    pattern: /address already in use|EADDRINUSE/i,
    meaning: 'the port the application binds inside the container is already taken',
  },
  {
    id: 'name-resolution',
    pattern: NAME_RESOLUTION_FAILURE,
    meaning: 'a host name did not resolve inside the container',
  },
  {
    id: 'connection-refused',
    pattern: /ECONNREFUSED|connection refused/i,
    meaning: 'a service it connects to was not accepting connections (not started yet, wrong host, or localhost inside a container)',
  },
  {
    id: 'missing-module',
    pattern: /cannot find module|ModuleNotFoundError|No module named|ImportError|ClassNotFoundException|no such file or directory/i,
    meaning: 'a file or module the application loads is missing from the image',
  },
  {
    id: 'out-of-memory',
    pattern: /heap out of memory|OutOfMemoryError|MemoryError|cannot allocate memory/i,
    meaning: 'the application ran out of memory',
  },
];

export interface LogMatch {
  signature: LogSignature;
  line: string;
}

/**
 * The log's lines, redacted as a whole before anything splits or shortens them: a secret cut in half by truncation,
 * or a key block spread over lines, would otherwise escape the redaction of the finding.
 */
export function logLines(logs: string): string[] {
  return redactText(logs)
    .split(/\r?\n/)
    .map((l) => l.replace(/\s+$/, ''))
    .filter((l) => l.length > 0);
}

/** The most recent line matching any signature; earlier signatures in the table win on the same line. */
export function matchLogSignature(logs: string, only?: LogSignature['id'][]): LogMatch | undefined {
  const lines = logLines(logs);
  const signatures = only ? LOG_SIGNATURES.filter((s) => only.includes(s.id)) : LOG_SIGNATURES;
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    const signature = signatures.find((s) => s.pattern.test(line));
    if (signature) return { signature, line: line.length > 300 ? `${line.slice(0, 300)}…` : line };
  }
  return undefined;
}

/** The last few log lines for evidence, each shortened. */
export function logTail(logs: string, count = 10): string[] {
  return logLines(logs)
    .slice(-count)
    .map((l) => (l.length > 200 ? `${l.slice(0, 200)}…` : l));
}
