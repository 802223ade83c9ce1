import type { Fix, FindingCodeMeta, FindingInput } from '../../src/engine/types.js';
import { MIN_CHECKS_API_VERSION, olderThanChecksNeed } from '../../src/facts/docker/api-version.js';
import type { DockerConnection } from '../../src/facts/types.js';
import { prose } from '../../src/util/text.js';
import type { DaemonCause } from './codes.js';

const VERSION_DOCS = 'https://docs.docker.com/reference/api/engine/#api-version-matrix';

/** Finding codes of the Engine API version: a daemon too old for the checks, or a DOCKER_API_VERSION it does not serve. */
export const apiVersionCodes = {
  'api-too-old': {
    severity: 'error',
    summary: 'the daemon speaks an Engine API older than the checks need',
    explanation: prose`
      docker-doctor asks every question in the API version it negotiates with the daemon (the docker CLI does the same). A daemon whose
      newest API is older than ${MIN_CHECKS_API_VERSION} (Docker 19.03) lacks answers the checks read, such as the engine's own warnings
      and the rootless marker, so their results can be incomplete. Docker releases that old get no security fixes either.
    `,
    docsUrl: VERSION_DOCS,
  },
  'api-version-refused': {
    severity: 'error',
    summary: 'DOCKER_API_VERSION names a version the daemon does not serve',
    explanation: prose`
      DOCKER_API_VERSION makes the docker CLI (and docker-doctor) skip version negotiation and send every request in that version. The
      daemon refuses versions outside its range ("client version … is too old" or "too new"), so every docker command fails until the
      variable is unset or corrected.
    `,
    docsUrl: VERSION_DOCS,
  },
} satisfies Record<string, FindingCodeMeta>;

type Report = Omit<FindingInput, 'cause'> & { cause: DaemonCause };

/** A reachable daemon whose API is older than the checks need: upgrade advice for the engine it is. */
export function apiTooOld(connection: DockerConnection): Report | undefined {
  const daemonApi = connection.version?.ApiVersion;
  if (!olderThanChecksNeed(daemonApi)) return undefined;
  const host = connection.endpoint.host ?? 'daemon';
  const podman = connection.kind === 'podman';
  const fixes: Fix[] = podman
    ? [{ title: 'Upgrade Podman from your distribution (its Docker-compatible API follows its release)' }]
    : [
        { title: 'Upgrade Docker Engine to a supported release: https://docs.docker.com/engine/install/' },
        { title: 'See which version runs now', command: 'docker version' },
      ];
  return {
    cause: 'api-too-old',
    title: prose`
      The daemon at ${host} (${connection.version?.Version ?? 'unknown version'}) speaks Engine API ${daemonApi}, older than the
      ${MIN_CHECKS_API_VERSION} the checks need: their results may be incomplete
    `,
    subject: { kind: 'daemon', name: host },
    fixes,
    evidence: { apiVersion: daemonApi, minimum: MIN_CHECKS_API_VERSION },
  };
}

/** DOCKER_API_VERSION outside what the daemon serves (the connection failed with kind 'api-version'). */
export function apiVersionRefused(connection: DockerConnection, evidence: Record<string, unknown>): Report | undefined {
  const failure = connection.failure;
  if (failure?.kind !== 'api-version') return undefined;
  const host = connection.endpoint.host ?? 'daemon';
  return {
    cause: 'api-version-refused',
    title: `${failure.message}, so the daemon at ${host} would refuse every request`,
    subject: { kind: 'daemon', name: host },
    fixes: [
      { title: 'Let the client negotiate the version, as it does by default', command: 'unset DOCKER_API_VERSION' },
      { title: 'And remove it from your shell profile if it is set there' },
    ],
    evidence,
  };
}
