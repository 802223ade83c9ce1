import path from 'node:path';
import type { ComposeProject, ComposeService } from '../../src/facts/project/compose.js';
import type { ParsedDockerfile } from '../../src/facts/project/dockerfile.js';
import type { Facts } from '../../src/facts/types.js';
import { builtDockerfile, finalCommand } from '../shared/project-source.js';

/*
 * Many applications wait for their database themselves: an entrypoint that loops `until pg_isready …`, wait-for-it,
 * dockerize -wait, wait-on. Such a service needs no healthcheck to start in order, and a note about its depends_on
 * would be noise. Looked for in what the service runs: its compose command and entrypoint, its Dockerfile's final
 * ENTRYPOINT and CMD, and the script these name when the build copies it from the context.
 */

const WAITS =
  /\buntil\b|wait-for|wait_for|waitfor|wait-on\b|wait4x|dockerize\b[^\n]*-wait|pg_isready|mysqladmin\b[^\n]*ping|nc -z|redis-cli\b[^\n]*ping/i;

export async function waitsByItself(facts: Facts, project: ComposeProject, service: ComposeService): Promise<boolean> {
  if ([service.command?.value, service.entrypoint?.value].some((t) => t !== undefined && WAITS.test(t))) return true;
  if (!service.build || service.build.inline) return false;
  const dockerfile = await builtDockerfile(facts, project, service);
  if (!dockerfile) return false;
  const commands = [finalCommand(dockerfile, 'ENTRYPOINT'), finalCommand(dockerfile, 'CMD')].filter((i) => i !== undefined);
  if (commands.some((i) => WAITS.test(i.args))) return true;
  const scripts = commands.flatMap((i) => i.exec ?? i.args.split(/\s+/)).filter((w) => /\.(sh|bash)$|entrypoint/i.test(w));
  for (const script of scripts) {
    for (const file of sourcesOf(dockerfile, script, service.build.context)) {
      const text = await facts.hostFile(file);
      if (text !== undefined) {
        if (WAITS.test(text)) return true;
        break;
      }
    }
  }
  return false;
}

/** Where in the build context a script the image runs comes from: the COPY/ADD of the final stage that puts it there. */
function sourcesOf(dockerfile: ParsedDockerfile, script: string, context: string): string[] {
  const last = dockerfile.stages.length - 1;
  const inside = (rel: string) => {
    const abs = path.resolve(context, rel);
    return abs === context || abs.startsWith(`${context}/`) ? [abs] : [];
  };
  const found: string[] = [];
  for (const copy of dockerfile.instructions.filter((i) => (i.keyword === 'COPY' || i.keyword === 'ADD') && i.stage === last)) {
    if (copy.flags.some((f) => f.name === 'from')) continue;
    const words = copy.exec ?? copy.args.split(/\s+/).filter(Boolean);
    const dest = words.at(-1);
    if (!dest || words.length < 2) continue;
    for (const source of words.slice(0, -1)) {
      if (path.basename(source) === path.basename(script)) found.push(...inside(source));
      const dir = dest.endsWith('/') ? dest : `${dest}/`;
      if (path.isAbsolute(script) && script.startsWith(dir)) found.push(...inside(path.join(source, script.slice(dir.length))));
    }
  }
  return [...found, ...inside(path.basename(script))];
}
