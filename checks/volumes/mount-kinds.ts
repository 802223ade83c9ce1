import path from 'node:path';
import type { CheckContext, Fix } from '../../src/engine/types.js';
import type { ContainerSummary } from '../../src/facts/docker/types.js';
import type { ComposeProject, ComposeService, ComposeVolume } from '../../src/facts/project/compose.js';
import { locationOf } from '../shared/project-source.js';
import { containerName } from '../shared/containers.js';
import { prose, shellWord } from '../../src/util/text.js';
import { clean } from './paths.js';
import { inspectIfPresent } from '../shared/inspect.js';

/** Names that are files: a configuration, script, certificate or data file extension, or a well-known file name. */
const FILE_NAME =
  /\.(conf|cfg|cnf|ini|ya?ml|json|toml|xml|env|sh|bash|sql|js|mjs|cjs|ts|py|rb|php|lua|txt|pem|crt|cer|key|properties|html?|lock|htpasswd|db|sqlite3?|log)$|^(Caddyfile|Dockerfile|Makefile|Gemfile|Procfile|\.env|\.htpasswd|\.htaccess|\.npmrc|hosts|passwd|crontab|localtime|timezone)$/i;

export function looksLikeFile(name: string): boolean {
  return FILE_NAME.test(name);
}

/** Samples a project ships beside the file the user is meant to create. */
const SAMPLE_SUFFIXES = ['.example', '.sample', '.dist', '.default', '.template', '.tpl'];

const MOUNT_TYPE_ERROR = /not a directory|Are you trying to mount a directory onto a file/i;

/** The start error is about this target: runc names it (`to rootfs at "/etc/nginx/nginx.conf"`); else it appears in the text. */
function errorAbout(error: string, target: string): boolean {
  const named = /rootfs at "([^"]+)"/.exec(error)?.[1];
  return named !== undefined ? clean(named) === clean(target) : error.includes(clean(target));
}

/**
 * Bind sources of the wrong kind: a directory where the compose file mounts a file (Docker made it on an earlier `up`
 * when the file did not exist), or a file mounted onto a directory. A container of the service whose start failed
 * with "not a directory … Are you trying to mount a directory onto a file" confirms it.
 */
export async function checkMountKinds(
  ctx: CheckContext,
  compose: ComposeProject,
  service: ComposeService,
  containers: ContainerSummary[],
  imageConfig: () => Promise<{ WorkingDir?: string; Volumes?: Record<string, object> | null } | undefined>,
): Promise<void> {
  let startError: Promise<{ container: string; error: string } | undefined> | undefined;
  const failedStart = () => (startError ??= mountStartError(ctx, containers));
  for (const volume of service.volumes) {
    if (volume.type !== 'bind' || !volume.source) continue;
    const stat = await ctx.facts.stat(volume.source).catch(() => null);
    if (!stat) continue;
    const written = volume.sourceAsWritten ?? volume.source;
    const targetName = path.posix.basename(clean(volume.target));
    const sourceName = path.posix.basename(written.replace(/\/+$/, ''));
    if (stat.type === 'directory' && looksLikeFile(targetName) && (looksLikeFile(sourceName) || sourceName === targetName)) {
      await directoryForFile(ctx, compose, service, volume, await failedStart());
    } else if (stat.type === 'file' && !looksLikeFile(targetName)) {
      const config = await imageConfig();
      const target = clean(volume.target);
      const directory =
        /\/$/.test(volume.target) ||
        /\.d$/.test(targetName) ||
        Object.keys(config?.Volumes ?? {}).some((v) => clean(v) === target) ||
        (config?.WorkingDir !== undefined && clean(config.WorkingDir) === target);
      const started = await failedStart();
      const about = started && errorAbout(started.error, target) ? started : undefined;
      if (directory || about) fileForDirectory(ctx, service, volume, sourceName, about);
    }
  }
}

async function mountStartError(
  ctx: CheckContext,
  containers: ContainerSummary[],
): Promise<{ container: string; error: string } | undefined> {
  for (const c of containers.filter((s) => s.State === 'created' || s.State === 'exited')) {
    const inspect = await inspectIfPresent(ctx.facts, c.Id);
    const error = inspect?.State.Error ?? '';
    if (MOUNT_TYPE_ERROR.test(error)) return { container: containerName(c), error };
  }
  return undefined;
}

async function directoryForFile(
  ctx: CheckContext,
  compose: ComposeProject,
  service: ComposeService,
  volume: ComposeVolume,
  started: { container: string; error: string } | undefined,
): Promise<void> {
  const written = volume.sourceAsWritten ?? volume.source!;
  const entries = await ctx.facts.listDir(volume.source!).catch(() => null);
  const empty = entries !== null && entries.length === 0;
  const confirmed = started && errorAbout(started.error, volume.target) ? started : undefined;
  // A directory with files in it may be what the user meant after all: only the start error says otherwise.
  if (!empty && !confirmed) return;
  const at = `${volume.at.file}:${volume.at.line}`;
  const kind = empty ? 'an empty directory (Docker makes one when the file is missing on up)' : 'a directory';
  const what = confirmed
    ? `so container ${confirmed.container} could not start ("Are you trying to mount a directory onto a file")`
    : 'so the container finds a directory where it expects a file, or fails to start if the image has a file there';
  ctx.report({
    cause: 'directory-for-file',
    ...(confirmed ? { severity: 'error' as const } : {}),
    title: prose`
      Service ${service.name} mounts ${written} onto ${volume.target}, but ${written} is ${kind}, not a file, ${what} (${at})
    `,
    subject: { kind: 'service', name: service.name },
    location: locationOf(volume.at),
    fixes: empty
      ? await emptyDirectoryFixes(ctx, compose, volume)
      : [{ title: `Point ${at} at the file you mean, not the directory ${written}` }],
    evidence: {
      source: volume.source,
      target: volume.target,
      empty,
      ...(confirmed ? { container: confirmed.container, error: confirmed.error } : {}),
    },
  });
}

async function emptyDirectoryFixes(ctx: CheckContext, compose: ComposeProject, volume: ComposeVolume): Promise<Fix[]> {
  const written = volume.sourceAsWritten ?? volume.source!;
  const source = volume.source!;
  const relative = !path.isAbsolute(written) && !written.startsWith('~');
  const [parent, identity] = await Promise.all([
    ctx.facts.stat(path.dirname(source)).catch(() => null),
    ctx.facts.identity().catch(() => undefined),
  ]);
  // rmdir needs write access to the parent directory, not to the (root-owned) empty directory itself.
  const sudo = parent && identity && parent.uid !== identity.uid && identity.uid !== 0 ? 'sudo ' : '';
  const siblings = (await ctx.facts.listDir(path.dirname(source)).catch(() => null)) ?? [];
  const sample = SAMPLE_SUFFIXES.map((s) => `${path.basename(source)}${s}`).find((s) => siblings.includes(s));
  const word = shellWord(written);
  const rmdir = `${sudo}rmdir ${word}`;
  const runIn = relative ? { runIn: 'project' as const } : {};
  if (sample) {
    const from = shellWord(written.replace(/[^/]*\/*$/, sample));
    return [
      {
        title: `Remove the empty directory Docker made (rmdir removes only an empty one) and start the file from the project's ${sample}`,
        command: `${rmdir} && cp ${from} ${word}`,
        ...runIn,
      },
    ];
  }
  return [
    {
      title: prose`
        Remove the empty directory Docker made in place of the file (rmdir removes only an empty one), then put your
        ${path.basename(source)} there before the next up (${compose.files[0] ?? 'the compose file'} expects a file)
      `,
      command: rmdir,
      ...runIn,
    },
  ];
}

function fileForDirectory(
  ctx: CheckContext,
  service: ComposeService,
  volume: ComposeVolume,
  sourceName: string,
  started: { container: string; error: string } | undefined,
): void {
  const written = volume.sourceAsWritten ?? volume.source!;
  const at = `${volume.at.file}:${volume.at.line}`;
  const inside = path.posix.join(clean(volume.target), sourceName);
  ctx.report({
    cause: 'file-for-directory',
    ...(started ? { severity: 'error' as const } : {}),
    title: prose`
      Service ${service.name} mounts the file ${written} onto ${volume.target}, which is a directory in the container:
      ${started ? `${started.container} could not start ("not a directory")` : 'a container fails to start with "not a directory"'}
      (${at})
    `,
    subject: { kind: 'service', name: service.name },
    location: locationOf(volume.at),
    fixes: [
      { title: `Mount the file inside the directory: change ${at} to`, command: `- ${written}:${inside}${volume.readOnly ? ':ro' : ''}` },
    ],
    evidence: { source: volume.source, target: volume.target, ...(started ? { container: started.container, error: started.error } : {}) },
  });
}
