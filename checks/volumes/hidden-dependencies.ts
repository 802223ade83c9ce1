import path from 'node:path';
import type { CheckContext } from '../../src/engine/types.js';
import type { ContainerSummary } from '../../src/facts/docker/types.js';
import type { ComposeProject, ComposeService, ComposeVolume } from '../../src/facts/project/compose.js';
import type { ParsedDockerfile } from '../../src/facts/project/dockerfile.js';
import { locationOf } from '../shared/project-source.js';
import { containerName, exitedLatelyOnItsOwn } from '../shared/containers.js';
import { logLines } from '../shared/logs.js';
import { prose } from '../../src/util/text.js';
import { installedDirs, type InstalledDir } from './installs.js';
import { below, clean, within } from './paths.js';
import { anonymousVolumeLine, volumeSyntax } from './compose-lines.js';

/** A compose command that installs when the container starts (`sh -c "npm install && npm run dev"`) fills the bind itself. */
const INSTALLS_AT_START =
  /\b(npm (ci|install|i)|yarn( install)?\s*(&&|;|$)|pnpm (install|i)|bun install|pip[\d.]* install|bundle install|composer install|uv sync|poetry install)\b/;

/** What a container prints when the dependencies it was built with are not there. */
const MISSING_DEPENDENCY =
  /Cannot find module|ERR_MODULE_NOT_FOUND|(?:^|\s)(?:sh|bash|\/bin\/sh)?:? ?(?:\d+: )?[\w@./-]+: (?:command )?not found|ModuleNotFoundError|No module named|cannot load such file|Could not find [\w.-]+ in locally installed gems|vendor\/autoload\.php/;

/** One bind over a directory the image installed into: the dependency is not covered by a volume of its own. */
interface Hidden {
  bind: ComposeVolume;
  install: InstalledDir;
  /** The dependency directory relative to the bind's target (`node_modules`, `frontend/node_modules`). */
  rel: string;
}

/**
 * Bind mounts of a service over directories its Dockerfile installs dependencies into, without a volume of their own
 * (issue 14): the container sees the host's directory instead, where they usually are not.
 */
export async function checkHiddenDependencies(
  ctx: CheckContext,
  compose: ComposeProject,
  service: ComposeService,
  dockerfile: ParsedDockerfile,
  containers: ContainerSummary[],
): Promise<void> {
  if (service.command && INSTALLS_AT_START.test(service.command.value)) return;
  const installs = installedDirs(dockerfile, service.build?.target);
  if (installs.length === 0) return;
  const hidden: Hidden[] = [];
  for (const bind of service.volumes) {
    if (bind.type !== 'bind' || !bind.source) continue;
    for (const install of installs) {
      if (!below(install.dir, bind.target)) continue;
      // A volume (or another bind) at the dependency directory, or between it and this bind, keeps it out of the bind.
      const covered = service.volumes.some((w) => w !== bind && within(install.dir, w.target) && below(w.target, bind.target));
      if (!covered) hidden.push({ bind, install, rel: path.posix.relative(clean(bind.target), install.dir) });
    }
  }
  if (hidden.length === 0) return;
  const logLine = await missingDependencyLine(ctx, containers);
  for (const h of hidden) await reportHidden(ctx, compose, service, dockerfile, h, logLine);
}

async function missingDependencyLine(
  ctx: CheckContext,
  containers: ContainerSummary[],
): Promise<{ container: string; line: string } | undefined> {
  const failing = containers.filter((c) => c.State === 'restarting' || (c.State === 'exited' && exitedLatelyOnItsOwn(c.Status)));
  for (const c of failing) {
    const logs = await ctx.facts.containerLogs(c.Id).catch(() => '');
    const line = logLines(logs)
      .filter((l) => MISSING_DEPENDENCY.test(l))
      .at(-1);
    if (line) return { container: containerName(c), line: line.trim().slice(0, 200) };
  }
  return undefined;
}

async function reportHidden(
  ctx: CheckContext,
  compose: ComposeProject,
  service: ComposeService,
  dockerfile: ParsedDockerfile,
  { bind, install, rel }: Hidden,
  logLine: { container: string; line: string } | undefined,
): Promise<void> {
  const hostDir = path.join(bind.source!, rel);
  const hostEntries = await ctx.facts.listDir(hostDir).catch(() => null);
  const onHost = hostEntries !== null && hostEntries.length > 0;
  const written = bind.sourceAsWritten ?? bind.source!;
  const hostShown = /^\.\/?$/.test(written) ? `./${rel}` : path.posix.join(written, rel);
  const at = `${bind.at.file}:${bind.at.line}`;
  const installedBy = `${install.by}, ${dockerfile.file}:${install.line}`;
  const said = logLine ? `; container ${logLine.container} says "${logLine.line}"` : '';
  const syntax = await volumeSyntax(ctx.facts, compose, bind);
  const fix = {
    title: prose`
      ${onHost && !logLine ? 'If the container should use the dependencies the image installed: keep' : 'Keep'} the image's ${rel} with an
      anonymous volume: add this entry under ${at} (service ${service.name}'s volumes)
    `,
    command: anonymousVolumeLine(install.dir, syntax),
  };
  ctx.report({
    cause: 'hidden-dependencies',
    ...(onHost && !logLine ? { severity: 'info' as const } : {}),
    title:
      onHost && !logLine
        ? prose`
          Service ${service.name} bind-mounts ${written} over ${bind.target}, so it uses the host's ${hostShown} instead
          of the ${rel} its image installed (${installedBy}); modules built on this host may not run in the container (${at})
        `
        : prose`
          Service ${service.name} bind-mounts ${written} over ${bind.target}, hiding the ${rel} its image installed at ${install.dir}
          (${installedBy})${said} (${at})
        `,
    subject: { kind: 'service', name: service.name },
    location: locationOf(bind.at),
    fixes: [fix],
    evidence: {
      source: bind.source,
      target: bind.target,
      installed: install.dir,
      installedBy: install.by,
      dockerfile: `${dockerfile.file}:${install.line}`,
      hostHasDependencies: onHost,
      ...(logLine ? { container: logLine.container, logLine: logLine.line } : {}),
    },
  });
}
