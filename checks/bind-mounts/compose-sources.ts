import path from 'node:path';
import type { CheckContext, Fix, Severity } from '../../src/engine/types.js';
import type { ComposeProject, ComposeService, ComposeVolume } from '../../src/facts/project/compose.js';

/** Extensions that name files (config, scripts, data, keys); an unknown suffix such as "v1.2" says nothing. */
const FILE_EXTENSION = /\.(conf|cfg|cnf|ini|ya?ml|json|toml|xml|env|sh|bash|sql|js|mjs|cjs|ts|py|rb|php|lua|pl|txt|md|pem|crt|cer|key|cert|p12|properties|lock|html?|css|csv|db|sqlite3?|log|htpasswd|rules|list|repo|service|tpl|template|j2|cf|zone|acl|cron|jar|war|so|bin)$/i;
/** Dotfiles that are files. */
const DOTFILES = new Set(['.env', '.npmrc', '.yarnrc', '.bashrc', '.profile', '.gitconfig', '.htpasswd', '.htaccess', '.netrc', '.pgpass', '.my.cnf', '.pypirc', '.editorconfig']);

export type IntendedKind = 'directory' | 'file' | 'unknown';

type ImageConfig = { User?: string; WorkingDir?: string; Volumes?: Record<string, object> | null };

/**
 * What the compose file means the source to be. A trailing slash, a `.d` name (conf.d, initdb.d), the image's VOLUME
 * or WORKDIR, or no extension on either side mean a directory; a file extension means a file; anything else is unknown.
 */
export function intendedKind(volume: ComposeVolume, image: ImageConfig | undefined): IntendedKind {
  const written = volume.sourceAsWritten ?? volume.source ?? '';
  const names = [path.posix.basename(written), path.posix.basename(volume.target)];
  const target = volume.target.replace(/\/+$/, '') || '/';
  const dir =
    /\/$/.test(written) ||
    /\/$/.test(volume.target) ||
    names.some((n) => /\.d$/i.test(n)) ||
    Object.keys(image?.Volumes ?? {}).some((v) => v.replace(/\/+$/, '') === target) ||
    (image?.WorkingDir !== undefined && image.WorkingDir.replace(/\/+$/, '') === target);
  const fileName = (n: string) => FILE_EXTENSION.test(n) || DOTFILES.has(n);
  const file = names.some(fileName);
  if (dir && !file) return 'directory';
  if (file && !dir) return 'file';
  if (dir || file) return 'unknown';
  const plain = (n: string) => n !== '' && !n.includes('.');
  return names.every(plain) ? 'directory' : 'unknown';
}

/** Quote a path for the shell only when it needs it. */
function sh(p: string): string {
  return /^[\w./@%+=:,~-]+$/.test(p) ? p : `'${p.replace(/'/g, `'\\''`)}'`;
}

interface Place {
  /** The path as the fix writes it: relative to the project for sources inside it, absolute otherwise. */
  shown: string;
  /** The fix runs in the project directory (a relative path). */
  inProject: boolean;
  /** The nearest existing ancestor is not this user's: creating there needs root. */
  sudo: boolean;
}

async function placeOf(ctx: CheckContext, compose: ComposeProject, source: string): Promise<Place> {
  const relative = path.relative(compose.dir, source);
  const inProject = relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
  let ancestor = path.dirname(source);
  let stat = await ctx.facts.stat(ancestor).catch(() => null);
  while (!stat && ancestor !== path.dirname(ancestor)) {
    ancestor = path.dirname(ancestor);
    stat = await ctx.facts.stat(ancestor).catch(() => null);
  }
  const me = await ctx.facts.identity().catch(() => undefined);
  const sudo = !inProject && !!stat && !!me && me.uid !== 0 && stat.uid !== me.uid;
  return { shown: inProject ? relative : source, inProject, sudo };
}

function createFix(kind: IntendedKind, place: Place, parentExists: boolean, writer: string | undefined): Fix {
  const root = place.sudo ? 'sudo ' : '';
  const where = place.inProject ? { runIn: 'project' as const } : {};
  if (kind === 'directory') {
    // A numeric user is the same uid on the host (no remapping assumed); a name would mean another user there.
    const uid = writer && /^\d+(:\d+)?$/.test(writer) ? writer : undefined;
    return uid
      ? { title: `Create the directory first and give it to uid ${uid}, the service's user`, command: `${root}mkdir -p ${sh(place.shown)} && sudo chown ${uid} ${sh(place.shown)}`, ...where }
      : { title: `Create the directory yourself first, so it is yours and not root's`, command: `${root}mkdir -p ${sh(place.shown)}`, ...where };
  }
  if (kind === 'file') {
    const parent = path.dirname(place.shown);
    const mkdir = parentExists || parent === '.' ? '' : `${root}mkdir -p ${sh(parent)} && `;
    return { title: 'Create the file before starting, then put in it what the service expects there (or correct the path if it is a typo)', command: `${mkdir}${root}touch ${sh(place.shown)}`, ...where };
  }
  return { title: `Create ${place.shown} as what the service expects there (mkdir -p for a directory, touch for a file), or correct the path if it is a typo` };
}

const ROOT_USER = /^(0|root)(:|$)/;

/** Bind sources of the compose file that do not exist, judged by what compose will do with them and what the service meant. */
export async function checkComposeSources(ctx: CheckContext, compose: ComposeProject): Promise<void> {
  for (const service of compose.services) {
    // A service whose profiles are not enabled is not started by `docker compose up`, which creates none of its sources.
    if (!service.active) continue;
    let imagePromise: Promise<ImageConfig | undefined> | undefined;
    const image = () => (imagePromise ??= service.image ? ctx.facts.imageInspect(service.image).then((i) => (i?.Config ?? undefined) as ImageConfig | undefined, () => undefined) : Promise.resolve(undefined));
    for (const volume of service.volumes) {
      if (volume.type !== 'bind' || !volume.source) continue;
      if (await ctx.facts.stat(volume.source).catch(() => null)) continue;
      const config = await image();
      const kind = intendedKind(volume, config);
      const parentExists = !!(await ctx.facts.stat(path.dirname(volume.source)).catch(() => null));
      const place = await placeOf(ctx, compose, volume.source);
      const judged = judge(service, volume, kind, config);
      if (!judged) continue;
      const written = volume.sourceAsWritten ?? volume.source;
      ctx.report({
        cause: 'compose-source-missing',
        severity: judged.severity,
        title: `${judged.title(`Service ${service.name}`, written)} (${volume.at.file}:${volume.at.line})`,
        subject: { kind: 'service', name: service.name },
        location: { file: volume.at.file, line: volume.at.line, column: volume.at.column },
        fixes: [createFix(kind, place, parentExists, judged.user)],
        evidence: { source: volume.source, target: volume.target, createHostPath: volume.createHostPath, meant: kind, ...(judged.user ? { user: judged.user } : {}) },
      });
    }
  }
}

interface Judgement {
  severity: Severity;
  title: (who: string, written: string) => string;
  user?: string;
}

/** How bad a missing source is: long syntax fails; short syntax makes a root-owned directory, a problem only for files and non-root writers. */
function judge(service: ComposeService, volume: ComposeVolume, kind: IntendedKind, image: ImageConfig | undefined): Judgement | undefined {
  if (!volume.createHostPath) {
    return {
      severity: 'error',
      title: (who, written) => `${who} bind-mounts ${written}, which does not exist, and long syntax does not create it: \`docker compose up\` fails with "bind source path does not exist"`,
    };
  }
  if (kind === 'file') {
    return {
      severity: 'warning',
      title: (who, written) =>
        `${who} mounts ${written} onto ${volume.target}, but ${written} does not exist: Docker will create an empty directory in its place, so the container fails to start if the image has a file at ${volume.target} ("Are you trying to mount a directory onto a file"), and otherwise finds a directory where a file is expected`,
    };
  }
  // Whose the root-owned directory would be a problem for: the service's user, else the image's (when the image is here).
  const user = service.user?.value ?? image?.User;
  const knownUser = user !== undefined;
  const nonRoot = knownUser && user !== '' && !ROOT_USER.test(user);
  if (kind === 'directory' && nonRoot && !volume.readOnly) {
    return {
      severity: 'warning',
      user,
      title: (who, written) => `${who} bind-mounts ${written}, which does not exist: \`docker compose up\` will create it as root:root 0755, which user ${user} cannot write`,
    };
  }
  // A root (or read-only) user is served by the empty directory Docker makes.
  if (kind === 'directory' && knownUser) return undefined;
  return {
    severity: 'info',
    title: (who, written) =>
      kind === 'directory'
        ? `${who} bind-mounts ${written}, which does not exist yet: \`docker compose up\` will create it as an empty root:root directory, a problem only if a non-root user in the container must write there`
        : `${who} bind-mounts ${written}, which does not exist yet: \`docker compose up\` will create an empty root:root directory there; if ${volume.target} should be a file, create the file first`,
  };
}
