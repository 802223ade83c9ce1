import type { ContainerInspect } from '../../src/facts/docker/types.js';
import { logLines } from '../shared/logs.js';
import { NAME_RESOLUTION_FAILURES } from '../shared/name-resolution.js';

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
    for (const pattern of NAME_RESOLUTION_FAILURES) {
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
