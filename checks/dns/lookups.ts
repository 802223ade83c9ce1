import type { ContainerInspect } from '../../src/facts/docker/types.js';
import { logLines } from '../shared/logs.js';

/** Resolution failures as resolvers and tools print them; the first group, when present, is the name. */
const FAILURES: RegExp[] = [
  /Could not resolve host: ([^\s;,'"]+)/i,
  /getaddrinfo (?:EAI_AGAIN|ENOTFOUND|EAI_NONAME) ([^\s:,'"]+)/i,
  /bad address '([^']+)'/i,
  /lookup ([^\s]+?) on [^\s]+: (?:no such host|server misbehaving|i\/o timeout|read: connection refused)/i,
  /Temporary failure resolving '([^']+)'/i,
  /server can't find ([^\s:]+)/i,
  /could not translate host name "([^"]+)"/i,
  /can't resolve '?([^\s']+)'?/i,
  /UnknownHostException: ([^\s:]+)/i,
  /Temporary failure in name resolution|Name or service not known|no servers could be reached|Name does not resolve|nodename nor servname provided/i,
];

/** Tools whose first host-like argument is what they were asked to resolve. */
const LOOKUP_TOOLS = /^(nslookup|dig|host|ping|curl|wget|nc|getent)$/;

export interface FailedLookup {
  line: string;
  name?: string;
}

/** The most recent resolution failure in the logs, with the name it was for when the line (or the command) says. */
export function failedLookup(logs: string, inspect: ContainerInspect): FailedLookup | undefined {
  const lines = logLines(logs);
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    for (const pattern of FAILURES) {
      const m = pattern.exec(line);
      if (!m) continue;
      const name = cleanName(m[1]) ?? nameFromCommand(inspect);
      return { line: line.length > 300 ? `${line.slice(0, 300)}…` : line, ...(name ? { name } : {}) };
    }
  }
  return undefined;
}

function cleanName(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  const name = raw
    .replace(/^[a-z]+:\/\//i, '')
    .replace(/[/:].*$/, '')
    .replace(/\.$/, '')
    .toLowerCase();
  return /^[a-z0-9_.-]+$/.test(name) ? name : undefined;
}

/** For `nslookup web`, `curl http://api:8080/`, or `sh -c "ping -c1 db"`: the name the tool was given. */
export function nameFromCommand(inspect: ContainerInspect): string | undefined {
  const argv = [inspect.Path, ...(inspect.Args ?? [])];
  const words =
    argv.length >= 3 && /(^|\/)(ba)?sh$/.test(argv[0]!) && argv[1] === '-c'
      ? argv
          .slice(2)
          .join(' ')
          .split(/[\s;&|]+/)
      : argv;
  for (let i = 0; i < words.length; i++) {
    if (!LOOKUP_TOOLS.test((words[i] ?? '').split('/').pop()!)) continue;
    for (const word of words.slice(i + 1)) {
      if (word.startsWith('-') || word === 'hosts') continue;
      return cleanName(word);
    }
  }
  return undefined;
}
