import type { CheckContext, FindingInput, Severity } from '../../src/engine/types.js';
import type { ComposeProject, ComposeService, ComposeVolume } from '../../src/facts/project/compose.js';
import { isPlaceholderPath, placeholderOrigin, type PlaceholderOrigin } from './placeholders.js';
import { createFix, placeOf } from './source-fixes.js';
import { hostProvided, intendedKind, type ImageConfig, type IntendedKind } from './source-kind.js';
import { locationOf } from '../shared/project-source.js';
import { prose } from '../../src/util/text.js';

const ROOT_USER = /^(0|root)(:|$)/;

/** A missing source whose path is a sample's placeholder, waiting to be reported with the others from the same variable. */
interface PlaceholderMount {
  service: ComposeService;
  volume: ComposeVolume;
  origin: PlaceholderOrigin;
}

/** A missing source judged a problem, waiting to be reported with the other mounts of the same host path. */
interface MissingMount {
  /** The host path, resolved. */
  source: string;
  service: ComposeService;
  volume: ComposeVolume;
  kind: IntendedKind;
  judged: Judgement;
}

/** Bind sources of the compose file that do not exist, judged by what compose will do with them and what the service meant. */
/** What the engine and compose of this host do with a bind source, for the words and fixes of the findings. */
export interface SourceEngine {
  /** The engine is rootless Podman and its CLI is here, so a uid is given through `podman unshare`. */
  podmanRootless: boolean;
  /** Podman creates a missing source for long syntax too (`type: bind`), where Docker refuses it. */
  createsLongSyntax: boolean;
  /** `docker compose up` or `docker-compose up`, as this host runs compose. */
  up: string;
}

const DOCKER_SOURCES: SourceEngine = { podmanRootless: false, createsLongSyntax: false, up: 'docker compose up' };

export async function checkComposeSources(ctx: CheckContext, compose: ComposeProject, engine = DOCKER_SOURCES): Promise<void> {
  const placeholders: PlaceholderMount[] = [];
  // By host path: several services mounting one missing path is one problem with one fix.
  const missing = new Map<string, MissingMount[]>();
  for (const service of compose.services) {
    // A service whose profiles are not enabled is not started by `docker compose up`, which creates none of its sources.
    if (!service.active) continue;
    let imagePromise: Promise<ImageConfig | undefined> | undefined;
    const image = () =>
      (imagePromise ??= service.image
        ? ctx.facts.imageInspect(service.image).then(
            (i) => (i?.Config ?? undefined) as ImageConfig | undefined,
            () => undefined,
          )
        : Promise.resolve(undefined));
    for (const volume of service.volumes) {
      if (volume.type !== 'bind' || !volume.source) continue;
      if (await ctx.facts.stat(volume.source).catch(() => null)) continue;
      const written = volume.sourceAsWritten ?? volume.source;
      // A placeholder is the user's to edit: creating `/<directory-path>/app` would only hide it.
      if (isPlaceholderPath(written)) {
        placeholders.push({ service, volume, origin: await placeholderOrigin(ctx, compose, volume) });
        continue;
      }
      const provided = hostProvided(volume.source);
      if (provided) {
        reportHostProvided(ctx, service, volume, provided);
        continue;
      }
      const config = await image();
      const kind = intendedKind(volume, config);
      const judged = judge(service, volume, kind, config, engine);
      if (!judged) continue;
      missing.set(volume.source, [...(missing.get(volume.source) ?? []), { source: volume.source, service, volume, kind, judged }]);
    }
  }
  for (const mounts of missing.values()) await reportMissing(ctx, compose, mounts, engine.podmanRootless);
  reportPlaceholders(ctx, placeholders, engine);
}

const RANK: Record<Severity, number> = { error: 3, warning: 2, info: 1 };

/** One finding per missing host path: the most severe judgement leads, and every service and line using the path is named. */
async function reportMissing(ctx: CheckContext, compose: ComposeProject, mounts: MissingMount[], podmanRootless: boolean): Promise<void> {
  const lead = mounts.reduce((best, m) => (RANK[m.judged.severity] > RANK[best.judged.severity] ? m : best));
  const { source, volume, kind, judged } = lead;
  const written = volume.sourceAsWritten ?? source;
  const place = await placeOf(ctx, compose, volume, source);
  const services = [...new Set(mounts.map((m) => m.service.name))];
  const who: Who = {
    subject: `Service${services.length > 1 ? 's' : ''} ${services.join(', ')}`,
    plural: services.length > 1,
    target: [...new Set(mounts.map((m) => m.volume.target))].join(', '),
  };
  const evidence = {
    source,
    target: volume.target,
    createHostPath: volume.createHostPath,
    meant: kind,
    ...(judged.user ? { user: judged.user } : {}),
  };
  ctx.report({
    cause: 'compose-source-missing',
    severity: judged.severity,
    title: `${judged.title(who, written)} (${composeLines(mounts.map((m) => m.volume))})`,
    // A path several services share is the subject itself (as the .env line is for a shared placeholder).
    subject: mounts.length > 1 ? { kind: 'file', name: place.shown } : { kind: 'service', name: lead.service.name },
    location: locationOf(volume.at),
    fixes: createFix(kind, place, judged.user, podmanRootless),
    evidence:
      mounts.length > 1
        ? {
            ...evidence,
            mounts: mounts.map((m) => ({
              service: m.service.name,
              target: m.volume.target,
              createHostPath: m.volume.createHostPath,
              at: `${m.volume.at.file}:${m.volume.at.line}`,
            })),
          }
        : evidence,
  });
}

/** compose.yaml:5, 6; override.yml:3: each file named once, its lines in order of appearance. */
function composeLines(volumes: ComposeVolume[]): string {
  const byFile = new Map<string, number[]>();
  for (const v of volumes) byFile.set(v.at.file, [...(byFile.get(v.at.file) ?? []), v.at.line]);
  return [...byFile].map(([file, numbers]) => `${file}:${numbers.join(', ')}`).join('; ');
}

/** A missing path only the host can provide: creating it would hide the problem, so the note says where it comes from. */
function reportHostProvided(
  ctx: CheckContext,
  service: ComposeService,
  volume: ComposeVolume,
  what: NonNullable<ReturnType<typeof hostProvided>>,
): void {
  const written = volume.sourceAsWritten ?? volume.source;
  const origin = what === 'socket' ? 'the program that listens on it creates it when it starts' : `the host's kernel provides it (${what})`;
  ctx.report({
    cause: 'compose-source-missing',
    severity: 'info',
    title: prose`
      Service ${service.name} bind-mounts ${written}, which this host does not have: ${origin}, so no mkdir or touch can stand in for it
      (${volume.at.file}:${volume.at.line})
    `,
    subject: { kind: 'service', name: service.name },
    location: locationOf(volume.at),
    fixes: [
      {
        title:
          what === 'socket'
            ? `Start the program that serves ${written} (or point the mount at where its socket lives on this host)`
            : `Run the service on a host that has ${written} (a full Linux host, not a container or a minimal VM without it)`,
      },
    ],
    evidence: { source: volume.source, target: volume.target, providedBy: what },
  });
}

/** One finding per placeholder variable of .env (it is one edit however many mounts use it), else one per mount. */
function reportPlaceholders(ctx: CheckContext, mounts: PlaceholderMount[], engine: SourceEngine): void {
  const groups = new Map<string, PlaceholderMount[]>();
  for (const mount of mounts) {
    const key =
      mount.origin.envLine !== undefined
        ? `env:${mount.origin.envLine}`
        : `mount:${mount.volume.at.file}:${mount.volume.at.line}:${mount.service.name}`;
    groups.set(key, [...(groups.get(key) ?? []), mount]);
  }
  for (const group of groups.values()) ctx.report(placeholderFinding(group, engine));
}

function placeholderFinding(group: PlaceholderMount[], engine: SourceEngine): FindingInput {
  const { origin } = group[0]!;
  // Long syntax refuses a missing source (not on Podman); short syntax creates the placeholder tree as empty root-owned directories.
  const fails = !engine.createsLongSyntax && group.some((m) => !m.volume.createHostPath);
  const outcome = fails
    ? `\`${engine.up}\` fails with "bind source path does not exist"`
    : `\`${engine.up}\` would create that placeholder tree as empty root-owned directories`;
  const evidence = {
    ...(origin.variable ? { variable: origin.variable } : {}),
    ...(origin.value !== undefined ? { value: origin.value } : {}),
    mounts: group.map((m) => ({
      service: m.service.name,
      source: m.volume.sourceAsWritten ?? m.volume.source,
      target: m.volume.target,
      at: `${m.volume.at.file}:${m.volume.at.line}`,
    })),
  };
  const severity = fails ? ('error' as const) : ('warning' as const);
  if (origin.envLine !== undefined && origin.variable) {
    return { ...envPlaceholder(group, origin.variable, origin.envLine, outcome), severity, evidence };
  }
  const { service, volume } = group[0]!;
  const written = volume.sourceAsWritten ?? volume.source;
  const from = origin.variable ? ` (from ${origin.variable})` : '';
  return {
    cause: 'compose-source-placeholder',
    severity,
    title: prose`
      Service ${service.name} bind-mounts ${written}${from}, a placeholder path from a sample, not a real one: ${outcome}
      (${volume.at.file}:${volume.at.line})
    `,
    subject: { kind: 'service', name: service.name },
    location: locationOf(volume.at),
    fixes: [
      {
        title: origin.variable
          ? `Set ${origin.variable} (in .env or your shell) to the real path on this machine`
          : `Replace the placeholder ${written} at ${volume.at.file}:${volume.at.line} with the real path on this machine`,
      },
    ],
    evidence,
  };
}

/** The placeholder comes from a .env line: the finding is there, and one edit fixes every mount that uses it. */
function envPlaceholder(group: PlaceholderMount[], variable: string, envLine: number, outcome: string) {
  const { value } = group[0]!.origin;
  const services = [...new Set(group.map((m) => m.service.name))];
  const lines = composeLines(group.map((m) => m.volume));
  return {
    cause: 'compose-source-placeholder',
    title: prose`
      ${variable} in .env:${envLine} is still the sample's placeholder ${value}: service${services.length > 1 ? 's' : ''}
      ${services.join(', ')} bind-mount${services.length > 1 ? '' : 's'} ${group.length > 1 ? `${group.length} paths` : 'a path'} under it
      (${lines}), and ${outcome}
    `,
    subject: { kind: 'file' as const, name: '.env' },
    location: { file: '.env', line: envLine },
    fixes: [{ title: `Edit .env line ${envLine}: set ${variable} to the real path on this machine (the sample says ${value})` }],
  };
}

/** Who mounts the path, for a title: one service or several, and where they mount it. */
interface Who {
  subject: string;
  plural: boolean;
  target: string;
}

interface Judgement {
  severity: Severity;
  title: (who: Who, written: string) => string;
  user?: string;
}

/**
 * How bad a missing source is: long syntax fails; short syntax makes a root-owned directory, a problem only for files
 * and non-root writers.
 */
function judge(
  service: ComposeService,
  volume: ComposeVolume,
  kind: IntendedKind,
  image: ImageConfig | undefined,
  engine: SourceEngine,
): Judgement | undefined {
  const bindMounts = (who: Who) => `${who.subject} bind-mount${who.plural ? '' : 's'}`;
  const up = `\`${engine.up}\``;
  if (!volume.createHostPath && !engine.createsLongSyntax) {
    return {
      severity: 'error',
      title: (who, written) =>
        prose`
          ${bindMounts(who)} ${written}, which does not exist, and long syntax does not create it: ${up} fails with "bind source path does
          not exist"
        `,
    };
  }
  if (kind === 'file') {
    return {
      severity: 'warning',
      title: (who, written) =>
        prose`
          ${who.subject} mount${who.plural ? '' : 's'} ${written} onto ${who.target}, but ${written} does not exist: Docker will create an
          empty directory in its place, so the container fails to start if the image has a file at ${who.target} ("Are you trying to mount a
          directory onto a file"), and otherwise finds a directory where a file is expected
        `,
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
      title: (who, written) =>
        prose`
          ${bindMounts(who)} ${written}, which does not exist: ${up} will create it as root:root 0755, which user ${user}
          cannot write
        `,
    };
  }
  // A root (or read-only) user is served by the empty directory Docker makes.
  if (kind === 'directory' && knownUser) return undefined;
  return {
    severity: 'info',
    title: (who, written) =>
      kind === 'directory'
        ? prose`
          ${bindMounts(who)} ${written}, which does not exist yet: ${up} will create it as an empty root:root directory, a
          problem only if a non-root user in the container must write there
        `
        : prose`
          ${bindMounts(who)} ${written}, which does not exist yet: ${up} will create an empty root:root directory there; if
          ${who.target} should be a file, create the file first
        `,
  };
}
