import path from 'node:path';
import type { CheckContext, Fix } from '../../src/engine/types.js';
import type { ContainerSummary } from '../../src/facts/docker/types.js';
import type { ComposeProject, ComposeResource, ComposeService, SourceLocation } from '../../src/facts/project/compose.js';
import { prose, shellWord } from '../../src/util/text.js';
import { composeLabels, containerName } from '../shared/containers.js';
import { engineCli, engineCommand, type EngineCli } from '../shared/engine-cli.js';
import { composeOrigin, locationOf } from '../shared/project-source.js';

/*
 * The compose file against the engine it will run on: networks and volumes declared external that do not exist,
 * container names another container already has, and containers of this project whose service is gone. Only the
 * services `up` starts are judged, and only the resources they use.
 */

function at(location: SourceLocation): string {
  return `${location.file}:${location.line}`;
}

export async function reportEngineState(ctx: CheckContext, compose: ComposeProject): Promise<void> {
  const active = compose.services.filter((s) => s.active);
  const cli = await engineCli(ctx.facts);
  await reportExternal(ctx, cli, 'network', usedExternal(compose.networks, active.flatMap(networksOf)));
  const volumeNames = active.flatMap((s) => s.volumes.filter((v) => v.type === 'volume' && v.source).map((v) => v.source!));
  await reportExternal(ctx, cli, 'volume', usedExternal(compose.volumes, volumeNames));
  const containers = await ctx.facts.containers();
  for (const service of active) if (service.containerName) reportNameTaken(ctx, cli, compose, service, containers);
  reportOrphans(ctx, compose, containers);
}

/** The networks a service joins: those it names, else the project's default network (none with a network_mode). */
function networksOf(service: ComposeService): string[] {
  if (service.networkRefs.length > 0) return service.networkRefs.map((r) => r.name);
  return service.networkMode ? [] : ['default'];
}

function usedExternal(resources: ComposeResource[], used: string[]): ComposeResource[] {
  return resources.filter((r) => r.external && used.includes(r.key));
}

async function reportExternal(ctx: CheckContext, cli: EngineCli, kind: 'network' | 'volume', wanted: ComposeResource[]): Promise<void> {
  if (wanted.length === 0) return;
  const present = kind === 'network' ? await ctx.facts.networks() : await ctx.facts.volumes();
  const names = new Set(present.map((r) => r.Name));
  for (const resource of wanted) {
    if (names.has(resource.name)) continue;
    ctx.report({
      cause: kind === 'network' ? 'external-network-missing' : 'external-volume-missing',
      title: `External ${kind} ${resource.name} does not exist on the engine, so compose cannot start the project (${at(resource.at)})`,
      subject: { kind, name: resource.name },
      location: locationOf(resource.at),
      fixes: [
        {
          title:
            kind === 'network'
              ? `Create the network (or start the project that creates it first)`
              : `Create the volume (empty: if its data lives in another volume, point ${resource.key}'s name: at that one instead)`,
          command: engineCommand(cli, `${kind} create ${shellWord(resource.name)}`),
        },
      ],
      evidence: { key: resource.key, name: resource.name },
    });
  }
}

function reportNameTaken(
  ctx: CheckContext,
  cli: EngineCli,
  compose: ComposeProject,
  service: ComposeService,
  containers: ContainerSummary[],
): void {
  const wanted = service.containerName!;
  const holder = containers.find((c) => c.Names.some((n) => n.replace(/^\//, '') === wanted));
  if (!holder) return;
  const labels = composeLabels(holder.Labels);
  // Compose reuses (or recreates) its own container: the same project and service.
  if (labels && labels.project === compose.name && labels.service === service.name) return;
  const owner = labels
    ? `service ${labels.service} of compose project ${labels.project}${labels.project === compose.name ? ' (this project)' : ''}`
    : 'no compose project (it was made by hand or by another tool)';
  const running = holder.State === 'running' || holder.State === 'restarting' || holder.State === 'paused';
  const line = service.at;
  const fixes: Fix[] = [
    {
      title: `Rename the other container out of the way (it keeps its data${running ? ' and goes on running' : ''})`,
      command: engineCommand(cli, `rename ${shellWord(wanted)} ${shellWord(`${wanted}-old`)}`),
    },
  ];
  if (!running)
    fixes.push({
      title: `Or remove that stopped container (what it wrote outside its volumes is lost)`,
      command: engineCommand(cli, `rm ${shellWord(wanted)}`),
    });
  fixes.push({
    title: `Or give service ${service.name} another container_name (or none: compose then names it ${compose.name}-${service.name}-1)`,
  });
  ctx.report({
    cause: 'container-name-taken',
    title: prose`
      Service ${service.name}'s container_name ${wanted} is taken by a ${holder.State} container of ${owner}, so compose cannot create it
      (${at(line)})
    `,
    subject: { kind: 'service', name: service.name },
    location: locationOf(line),
    fixes,
    evidence: {
      containerName: wanted,
      holder: holder.Id.slice(0, 12),
      state: holder.State,
      project: labels?.project,
      service: labels?.service,
    },
  });
}

/**
 * Containers of this project (its name, and when they say so its directory and files) whose service is in none of the
 * files: compose's orphans. One-off containers (`compose run`) are not orphans; nor is a container made from other
 * compose files than these (`-f other.yml`), whose services this model does not see.
 */
function reportOrphans(ctx: CheckContext, compose: ComposeProject, containers: ContainerSummary[]): void {
  const services = new Set(compose.services.map((s) => s.name));
  const ours = compose.files.map((f) => path.resolve(compose.dir, f));
  const orphans = containers.filter((c) => {
    const labels = composeLabels(c.Labels);
    if (!labels || labels.oneoff || labels.project !== compose.name || services.has(labels.service)) return false;
    if (labels.workingDir && path.resolve(labels.workingDir) !== path.resolve(compose.workingDir)) return false;
    const { files } = composeOrigin(c.Labels!, labels);
    return files.every((f) => ours.includes(path.resolve(f)));
  });
  if (orphans.length === 0) return;
  const running = orphans.filter((c) => c.State === 'running' || c.State === 'restarting');
  const names = orphans.map((c) => `${containerName(c)} (service ${composeLabels(c.Labels)!.service}, ${c.State})`);
  const first = compose.files[0] ?? 'compose.yaml';
  ctx.report({
    cause: 'orphan-containers',
    severity: running.length > 0 ? 'warning' : 'info',
    title: prose`
      ${orphans.length === 1 ? 'A container' : `${orphans.length} containers`} of project ${compose.name} belong to services no longer in
      the compose file: ${names.join(', ')}
    `,
    subject: { kind: 'container', name: containerName(orphans[0]!), id: orphans[0]!.Id },
    location: { file: first },
    fixes: [
      {
        title: prose`
          Remove the orphan container${orphans.length === 1 ? '' : 's'} ${orphans.map((c) => containerName(c)).join(', ')} (what
          ${orphans.length === 1 ? 'it' : 'they'} wrote outside volumes is lost; volumes are kept) and start the project as the file
          says
        `,
        command: 'docker compose up -d --remove-orphans',
        runIn: 'project',
      },
    ],
    evidence: { orphans: orphans.map((c) => ({ name: containerName(c), service: composeLabels(c.Labels)!.service, state: c.State })) },
  });
}
