import type { CheckContext, Fix } from '../../src/engine/types.js';
import type { ContainerInspect } from '../../src/facts/docker/types.js';
import type { ComposeProject, ComposeService, ComposeVolume } from '../../src/facts/project/compose.js';
import { locationOf } from '../shared/project-source.js';
import { containerName, containerSubject } from '../shared/containers.js';
import { engineCommand, type EngineCli } from '../shared/engine-cli.js';
import { prose, shellWord } from '../../src/util/text.js';
import { databaseImage, ephemeralByChoice, meantForData, whereDataGoes, type DatabaseImage } from './databases.js';
import { volumeSyntax } from './compose-lines.js';

/** The image's config when it is on this engine (VOLUME and PGDATA are the truth), else undefined. */
async function localImage(ctx: CheckContext, ref: string) {
  return (await ctx.facts.imageInspect(ref).catch(() => null))?.Config ?? undefined;
}

/**
 * A compose service running a database image: a volume where the data goes, or the finding. Returns whether the
 * service is a database, so its containers are not judged again.
 */
export async function checkDatabaseService(ctx: CheckContext, compose: ComposeProject, service: ComposeService): Promise<boolean> {
  if (!service.image) return false;
  const env = Object.fromEntries(service.environment.map((e) => [e.name, e.value]));
  const guess = databaseImage(service.image, { env, command: service.command?.value ?? '' });
  if (!guess) return false;
  const db = databaseImage(service.image, { env, command: service.command?.value ?? '', image: await localImage(ctx, service.image) })!;
  if (ephemeralByChoice(db, service.volumes)) return true;
  const verdict = whereDataGoes(db, service.volumes);
  if (verdict.kind === 'kept') return true;
  const severity = db.certain ? undefined : ('info' as const);
  const misplaced = verdict.kind === 'nested' ? verdict.mount : service.volumes.find((v) => meantForData(db, v.target));
  if (misplaced) {
    const nestedIn = verdict.kind === 'nested' ? verdict.volume : undefined;
    const why = nestedIn
      ? `but the image declares VOLUME ${nestedIn}, so Docker puts the data in an anonymous volume there instead`
      : db.postgres18 && misplaced.target.replace(/\/+$/, '') === '/var/lib/postgresql/data'
        ? `but the image keeps its data in ${db.dataDir} and refuses to start while /var/lib/postgresql/data is a mount ` +
          '("unused mount/volume")'
        : `but the image keeps its data in ${db.dataDir}, so that volume stays empty and the data is not kept in it`;
    ctx.report({
      cause: 'database-wrong-path',
      ...(severity ? { severity } : {}),
      title: prose`
        Service ${service.name} (${db.label}) mounts ${misplaced.sourceAsWritten ?? misplaced.source ?? 'a volume'} at ${misplaced.target},
        ${why} (${misplaced.at.file}:${misplaced.at.line})
      `,
      subject: { kind: 'service', name: service.name },
      location: locationOf(misplaced.at),
      fixes: await wrongPathFixes(ctx, compose, db, misplaced),
      evidence: { image: service.image, dataDir: db.dataDir, mountedAt: misplaced.target, ...(nestedIn ? { imageVolume: nestedIn } : {}) },
    });
    return true;
  }
  ctx.report({
    cause: 'database-no-volume',
    ...(severity ? { severity } : {}),
    title: prose`
      Service ${service.name} (${db.label}) has no volume at ${db.dataDir}, where it keeps its data: after \`down\` and \`up\` again (or
      on another machine) it starts from an empty database (${service.at.file}:${service.at.line})
    `,
    subject: { kind: 'service', name: service.name },
    location: locationOf(service.at),
    fixes: namedVolumeFixes(compose, service, db),
    evidence: { image: service.image, dataDir: db.dataDir },
  });
  return true;
}

async function wrongPathFixes(ctx: CheckContext, compose: ComposeProject, db: DatabaseImage, volume: ComposeVolume): Promise<Fix[]> {
  const at = `${volume.at.file}:${volume.at.line}`;
  const syntax = await volumeSyntax(ctx.facts, compose, volume);
  const source = volume.sourceAsWritten ?? volume.source;
  const line = syntax === 'long' || !source ? `target: ${db.mountAt}` : `- ${source}:${db.mountAt}${volume.readOnly ? ':ro' : ''}`;
  const fixes: Fix[] = [{ title: `Mount it where the image keeps its data: change ${at} to`, command: line }];
  if (db.postgres18) {
    fixes.push({
      title: prose`
        If that volume already holds data of PostgreSQL 17 or earlier, keep that major version (pin the image, e.g. postgres:17) until
        you upgrade the data with pg_upgrade: PostgreSQL 18 cannot read it
      `,
    });
  }
  return fixes;
}

function namedVolumeFixes(compose: ComposeProject, service: ComposeService, db: DatabaseImage): Fix[] {
  const name = `${service.name}-data`;
  const declared = compose.volumes.some((v) => v.key === name);
  const entry = `- ${name}:${db.mountAt}`;
  const fixes: Fix[] = [
    service.volumes.length > 0
      ? {
          title: `Keep the data in a named volume: add this entry to service ${service.name}'s volumes (${service.at.file})`,
          command: entry,
        }
      : { title: `Keep the data in a named volume: add to service ${service.name} (${service.at.file})`, command: `volumes:\n  ${entry}` },
  ];
  if (!declared) {
    fixes.push({
      title:
        compose.volumes.length > 0
          ? `and declare it under the top-level volumes: of ${compose.files[0] ?? service.at.file}`
          : 'and declare it in a top-level volumes: section',
      command: compose.volumes.length > 0 ? `${name}: {}` : `volumes:\n  ${name}: {}`,
    });
  }
  return fixes;
}

const ANONYMOUS = /^[0-9a-f]{64}$/;

/** A running database container: where its data lives now (an anonymous volume, or nowhere but the container). */
export function checkDatabaseContainer(
  ctx: CheckContext,
  inspect: ContainerInspect,
  cli: EngineCli,
  image: Parameters<typeof databaseImage>[1]['image'],
): void {
  const ref = inspect.Config.Image ?? '';
  const env = Object.fromEntries((inspect.Config.Env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
  const command = [...(inspect.Config.Entrypoint ?? []), ...(inspect.Config.Cmd ?? [])].join(' ');
  const db = databaseImage(ref, { env, command, image });
  if (!db) return;
  const mounts = (inspect.Mounts ?? []).map((m) => ({ ...m, target: m.Destination, type: m.Type }));
  if (ephemeralByChoice(db, mounts)) return;
  const verdict = whereDataGoes(db, mounts);
  const name = containerName(inspect);
  const autoRemove = (inspect.HostConfig as { AutoRemove?: boolean }).AutoRemove === true;
  const fix: Fix = {
    title: `Run it with a named volume at ${db.mountAt} next time`,
    command: engineCommand(cli, `run -v ${shellWord(`${name}-data:${db.mountAt}`)} … ${shellWord(ref)}`),
  };
  if (verdict.kind === 'none') {
    ctx.report({
      cause: 'database-no-volume',
      severity: 'info',
      title: `Container ${name} (${db.label}) has no volume at ${db.dataDir}: its data lives in the container and goes with it`,
      subject: containerSubject(inspect),
      fixes: [fix],
      evidence: { image: ref, dataDir: db.dataDir },
    });
    return;
  }
  const mount = verdict.kind === 'nested' ? (inspect.Mounts ?? []).find((m) => m.Destination === verdict.volume) : verdict.mount;
  if (!mount || mount.Type !== 'volume' || !ANONYMOUS.test(mount.Name ?? '')) return;
  ctx.report({
    cause: 'database-anonymous-volume',
    severity: autoRemove ? 'warning' : 'info',
    title: prose`
      Container ${name} (${db.label}) keeps its data in anonymous volume ${mount.Name!.slice(0, 12)} at ${mount.Destination}:
      ${autoRemove ? 'it runs with --rm, so the data is deleted when it stops' : '`docker rm -v`, `--rm` or a new container loses it'}
    `,
    subject: containerSubject(inspect),
    fixes: [
      fix,
      {
        title: `To keep the data it has now, give the next container this volume by name (it is ${mount.Name!.slice(0, 12)}…)`,
        command: engineCommand(cli, `run -v ${shellWord(`${mount.Name!}:${mount.Destination}`)} … ${shellWord(ref)}`),
      },
    ],
    evidence: { image: ref, dataDir: db.dataDir, volume: mount.Name, destination: mount.Destination, autoRemove },
  });
}
