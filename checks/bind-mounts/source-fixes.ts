import path from 'node:path';
import type { CheckContext, Fix } from '../../src/engine/types.js';
import type { ComposeProject, ComposeVolume } from '../../src/facts/project/compose.js';
import { shellWord, prose } from '../../src/util/text.js';
import { fileRole, type IntendedKind } from './source-kind.js';
import { canAccess } from './users.js';

/** A missing bind source as a fix must write it, so that typing the fix anywhere makes the right path. */
export interface Place {
  /** For messages: relative to the project for a relative source, `~/…` for one written with `~`, absolute otherwise. */
  shown: string;
  /** The same path as a shell word (quoted; `~/` left outside the quotes so the shell still expands it). */
  word: string;
  parentShown: string;
  parentWord: string;
  parentExists: boolean;
  /** The last path segment (the file or directory name). */
  name: string;
  /** The source is written relative to the project: the fix runs there (the engine adds `cd <dir> &&` under -C). */
  inProject: boolean;
  /** Creating the path needs root: its nearest existing ancestor is not this user's to write, or it is a system path. */
  sudo: boolean;
  /** Why, for the fix's title. */
  sudoReason?: string;
}

/** The home directory a `~/…` source was expanded with (compose expands `~` to the HOME of whoever runs it). */
function homeOf(volume: ComposeVolume, source: string): string | undefined {
  const written = volume.sourceAsWritten ?? '';
  if (written !== '~' && !written.startsWith('~/')) return undefined;
  const suffix = path.posix.normalize(written.slice(1)).replace(/\/+$/, '');
  return source.endsWith(suffix) ? source.slice(0, source.length - suffix.length) || '/' : undefined;
}

/** Under the user's home or /tmp: places a user makes without root, even when this user is root. */
async function ownedPlace(ctx: CheckContext, p: string, uid: number): Promise<boolean> {
  const home = (await ctx.facts.passwdDb().catch(() => [])).find((e) => e.uid === uid)?.home ?? (uid === 0 ? '/root' : undefined);
  return [home, '/tmp'].some((dir) => dir !== undefined && dir !== '/' && (p === dir || p.startsWith(`${dir}/`)));
}

export async function placeOf(ctx: CheckContext, compose: ComposeProject, volume: ComposeVolume, source: string): Promise<Place> {
  const home = homeOf(volume, source);
  const inProject = !home && (volume.sourceAsWritten ?? '').startsWith('.');
  const render = (p: string): { shown: string; word: string } => {
    if (inProject) {
      const relative = path.relative(compose.dir, p) || '.';
      return { shown: relative === '.' || relative.startsWith('..') ? relative : `./${relative}`, word: shellWord(relative) };
    }
    const underHome = home !== undefined ? path.relative(home, p) : undefined;
    if (underHome !== undefined && !underHome.startsWith('..') && !path.isAbsolute(underHome)) {
      return underHome === '' ? { shown: '~', word: '~' } : { shown: `~/${underHome}`, word: `~/${shellWord(underHome)}` };
    }
    return { shown: p, word: shellWord(p) };
  };
  const parent = path.dirname(source);
  let ancestor = parent;
  let stat = await ctx.facts.stat(ancestor).catch(() => null);
  const parentExists = !!stat;
  // Under `~` the walk stops at the home directory: it is the user's even where it cannot be read from here.
  while (!stat && ancestor !== path.dirname(ancestor) && ancestor !== home) {
    ancestor = path.dirname(ancestor);
    stat = await ctx.facts.stat(ancestor).catch(() => null);
  }
  const me = await ctx.facts.identity().catch(() => undefined);
  // The owner, the group or "other" with write permission: the user can create it without sudo.
  const notWritable = !!stat && !!me && !canAccess(stat, me.uid, [me.gid, ...me.groups], 'write');
  // Root can write anywhere, but a fix for /etc/app or /srv/data is typed by whoever reads it: system paths say sudo.
  const systemPath = me?.uid === 0 && !inProject && !home && !(await ownedPlace(ctx, source, me.uid));
  const sudoReason = notWritable ? `${ancestor} is not yours to write` : systemPath ? `${ancestor} is a system directory` : undefined;
  const self = render(source);
  const up = render(parent);
  return {
    shown: self.shown,
    word: self.word,
    parentShown: up.shown,
    parentWord: up.word,
    parentExists,
    name: path.basename(source),
    inProject,
    sudo: sudoReason !== undefined,
    ...(sudoReason ? { sudoReason } : {}),
  };
}

/**
 * The fix for a missing source, by what it is meant to be: a directory is made (and given to the service's numeric
 * uid), a file the service fills itself is touched, and a certificate, key or configuration is the user's to put there
 * (an empty one is no fix, and a directory in its place breaks the mount).
 */
export function createFix(kind: IntendedKind, place: Place, writer: string | undefined, podmanRootless = false): Fix[] {
  const root = place.sudo ? 'sudo ' : '';
  const where = place.inProject ? { runIn: 'project' as const } : {};
  const asRoot = place.sudoReason ? ` (as root: ${place.sudoReason})` : '';
  if (kind === 'directory') {
    // A numeric user is the same uid on the host (no remapping assumed); a name would mean another user there. Under
    // rootless Podman it is a subordinate id: `podman unshare chown` writes it as the container sees it.
    const uid = writer && /^\d+(:\d+)?$/.test(writer) ? writer : undefined;
    const chown = podmanRootless ? 'podman unshare chown' : 'sudo chown';
    return [
      uid
        ? {
            title: `Create the directory first and give it to uid ${uid}, the service's user${asRoot}`,
            command: `${root}mkdir -p ${place.word} && ${chown} ${uid} ${place.word}`,
            ...where,
          }
        : {
            title: place.sudo
              ? `Create the directory first${asRoot}`
              : `Create the directory yourself first, so it is yours and not root's`,
            command: `${root}mkdir -p ${place.word}`,
            ...where,
          },
    ];
  }
  if (kind === 'file') return fileFix(place, root, where, asRoot);
  return [
    {
      title: prose`
        Create ${place.shown} as what the service expects there (a directory with mkdir -p, or your file), or correct the path if it is a
        typo
      `,
    },
  ];
}

/** A missing file: touched when the service fills it itself, else the user's own to put there. */
function fileFix(place: Place, root: string, where: { runIn?: 'project' }, asRoot: string): Fix[] {
  const role = fileRole(place.name);
  if (role.fillsItself) {
    const mkdirParent = place.parentExists ? '' : `${root}mkdir -p ${place.parentWord} && `;
    const chmod = role.chmod ? ` && ${root}chmod ${role.chmod} ${place.word}` : '';
    return [
      {
        title: `Create the empty file before starting; the service fills it${asRoot}`,
        command: `${mkdirParent}${root}touch ${place.word}${chmod}`,
        ...where,
      },
    ];
  }
  // The main fix is the user's own file; making its directory is only the step before it.
  const why =
    role.noun === 'file'
      ? 'or correct the path if it is a typo'
      : `an empty file is not a ${role.noun}, so touch is no fix; or correct the path if it is a typo`;
  return [
    { title: `Put your ${role.noun} ${place.name} at ${place.shown} (${why})` },
    ...(place.parentExists
      ? []
      : [
          {
            title: `Its directory ${place.parentShown} does not exist yet: create it first${asRoot}`,
            command: `${root}mkdir -p ${place.parentWord}`,
            ...where,
          },
        ]),
  ];
}
