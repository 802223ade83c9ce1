import type { ContainerInspect, ImageInspect } from '../../src/facts/docker/types.js';
import { composeLabels } from '../shared/containers.js';
import { configuredArgv } from './daemonising.js';

/** Engine fields only this module reads; the API sends them on every inspect (older engines may omit them). */
type IntentInspect = ContainerInspect & {
  Config: ContainerInspect['Config'] & { AttachStdout?: boolean; Healthcheck?: { Test?: string[] | null } | null };
  HostConfig: ContainerInspect['HostConfig'] & { PublishAllPorts?: boolean };
};
type IntentImage = ImageInspect & {
  Config?:
    | (NonNullable<ImageInspect['Config']> & {
        ExposedPorts?: Record<string, object> | null;
        Healthcheck?: { Test?: string[] | null } | null;
      })
    | null;
};

/**
 * Whether a container that exited 0 at once was meant to stay up. `strong` signals are things nobody sets on a one-shot
 * job (published ports, a health check, a server image run with its own command); `detached` alone is weak, since CI
 * runners and scripts start jobs detached too. `against` holds signs of a job; when it is not empty the check says less.
 */
export interface StayUpEvidence {
  strong: string[];
  detached: boolean;
  against: string[];
}

/** `attachKnown` is false for Podman, whose Docker-compatible inspect reports AttachStdout false for attached runs too. */
export function stayUpEvidence(raw: ContainerInspect, rawImage: ImageInspect | null | undefined, attachKnown = true): StayUpEvidence {
  const inspect = raw as IntentInspect;
  const image = rawImage as IntentImage | null | undefined;
  const compose = composeLabels(inspect.Config.Labels);
  const strong: string[] = [];
  const against: string[] = [];

  const published = publishedPorts(inspect);
  if (published.length) strong.push(`it publishes ${published.length === 1 ? 'port' : 'ports'} ${published.join(', ')}`);
  else if (inspect.HostConfig.PublishAllPorts) strong.push('it publishes its exposed ports (-P)');

  // The daemon copies the image's health check into the container's config: only one set for this container is intent.
  const health = inspect.Config.Healthcheck?.Test;
  const imageHealth = image?.Config?.Healthcheck?.Test;
  if (health?.length && health[0] !== 'NONE' && JSON.stringify(health) !== JSON.stringify(imageHealth))
    strong.push('it has a health check');

  // A server image run with its own command; a job reusing the app image (`migrate`, `manage.py …`) overrides the command.
  const exposed = Object.keys(image?.Config?.ExposedPorts ?? {});
  if (exposed.length && image?.Config && sameArgv(configuredArgv(inspect.Config), configuredArgv(image.Config))) {
    strong.push(`its image exposes ${exposed.join(', ')} and it runs the image's own command`);
  }

  // Compose decides AttachStdout by itself (v1 detaches, v2 attaches), so it says nothing of intent there.
  const detached = attachKnown && !compose && inspect.Config.AttachStdout === false;

  if (composeLabels(inspect.Config.Labels)?.oneoff) against.push('it is a one-off `compose run` container');
  if (inspect.HostConfig.RestartPolicy?.Name === 'on-failure')
    against.push('its restart policy is on-failure, which treats exit 0 as done');
  return { strong, detached, against };
}

function publishedPorts(inspect: ContainerInspect): string[] {
  const out: string[] = [];
  for (const [port, bindings] of Object.entries(inspect.HostConfig.PortBindings ?? {})) {
    for (const b of bindings ?? []) out.push(`${b.HostIp ? `${b.HostIp}:` : ''}${b.HostPort || '(any)'}→${port}`);
  }
  return out;
}

function sameArgv(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((w, i) => w === b[i]);
}
