import { defineCheck, EndpointFault } from '../src/engine/define-check.js';
import type { CheckContext, Fix, FindingInput } from '../src/engine/types.js';
import type { EngineKind } from '../src/facts/types.js';
import type { EndpointProblem } from '../src/facts/docker/endpoint.js';
import { apiTooOld } from './daemon/api-version.js';
import { daemonCodes } from './daemon/codes.js';
import { describeSource, diagnoseUnreachable } from './daemon/unreachable.js';
import { prose } from '../src/util/text.js';

/** Engine warnings that mean something is broken rather than merely unsupported on this kernel. */
const SERIOUS_ENGINE_WARNING =
  /forwarding is disabled|networking will not work|without encryption|insecure|deprecated|will be removed|no longer supported|not supported by this version/i;

export default defineCheck({
  meta: {
    id: 'daemon',
    title: 'Docker daemon is reachable',
    category: 'daemon',
    description: prose`
      Answers "Cannot connect to the Docker daemon": which endpoint the docker CLI would use and why (--context > -H > DOCKER_HOST >
      DOCKER_CONTEXT > currentContext in ~/.docker/config.json > the default socket), whether it exists, whether this user may open it, and
      whether the daemon answers within a few seconds.

      It tells apart a missing socket (daemon stopped, not installed, or running rootless/Desktop/Podman elsewhere), a socket this user may
      not open (not in the docker group, or added but not logged in again), a stale socket or closed TCP port, a path that is not a socket
      (a directory or file named by DOCKER_HOST, -H or a context is reported as such, never removed; only an empty directory at the daemon's
      own socket path gets rmdir), a daemon that accepts connections but never answers, TLS failures, a context that does not exist, and a
      DOCKER_HOST that silently overrides the selected context.

      Advice follows the engine the endpoint is for and what this host has installed: a missing or stale Podman socket
      (/run/podman/podman.sock, $XDG_RUNTIME_DIR/podman/podman.sock, or any podman.sock started by hand) is brought back with Podman's
      socket unit (\`sudo systemctl enable --now podman.socket\`, or \`systemctl --user …\` for rootless Podman) or \`podman system
      service\`, never by restarting Docker; a user whose own Podman socket answers is pointed at it rather than told to join the docker
      group; and when nothing answers at the default socket, Docker and Podman are both suggested only when both are installed.

      When the daemon answers, its version, API version and kind (Docker Engine, rootless, Docker Desktop, Podman, rootless Podman) go
      into the report's environment block, and the engine's own warnings from \`docker info\` become findings (disabled IPv4 forwarding
      is reported once, by the dns check). A daemon that answers its ping but fails the container list, or the inspect of a
      listed container, is one finding naming the endpoint and what it answered. Every other check that needs the daemon is skipped
      with one reason when this one fails.
    `,
    requires: [],
    codes: daemonCodes,
  },
  async run(ctx) {
    // Asked before the connection settles, the list is sent as soon as the ping answers, alongside /version and /info.
    ctx.facts.containers().catch(() => undefined);
    const connection = await ctx.facts.dockerConnection();
    for (const problem of connection.endpoint.problems) reportEndpointProblem(ctx, problem, connection.endpoint.host);

    if (!connection.reachable) {
      const finding = await diagnoseUnreachable(ctx, connection);
      if (finding) ctx.report(finding);
      return;
    }

    const tooOld = apiTooOld(connection);
    if (tooOld) ctx.report(tooOld);

    // The container list and inspect are what most checks start from: a daemon that answers its ping but fails them is
    // this check's finding, once, while the checks that need them are skipped with the same reason.
    const endpointFailure = await ctx.facts.containers().then(
      (list) => inspectFailure(ctx, list[0]?.Id),
      (error: unknown) => (error instanceof EndpointFault ? error : undefined),
    );
    if (endpointFailure) {
      const host = connection.endpoint.host ?? 'daemon';
      ctx.report({
        cause: 'endpoint-failed',
        title: `The daemon at ${host} answers its ping but failed GET ${endpointFailure.path}: ${endpointFailure.what}`,
        subject: { kind: 'daemon', name: host },
        fixes: endpointFailedFixes(connection.kind),
        evidence: { endpoint: endpointFailure.path, answer: endpointFailure.what, source: describeSource(connection) },
      });
    }

    for (const raw of connection.info?.Warnings ?? []) {
      const text = raw.replace(/^WARNING:\s*/, '').trim();
      // The dns check reports disabled forwarding with its consequences; one cause, one finding.
      if (!text || /IPv4 forwarding is disabled/i.test(text)) continue;
      ctx.report({
        cause: 'engine-warning',
        severity: SERIOUS_ENGINE_WARNING.test(text) ? 'warning' : 'info',
        title: `The daemon at ${connection.endpoint.host} warns: ${text}`,
        subject: { kind: 'daemon', name: connection.endpoint.host ?? 'daemon' },
        fixes: engineWarningFixes(text),
        evidence: { warning: raw, source: describeSource(connection) },
      });
    }
  },
});

/**
 * Every check that looks at a container inspects it: a daemon that lists containers but fails their inspect would
 * leave those checks with nothing to judge. One container's inspect (shared with the checks that ask for it after)
 * tells that apart from a container removed since the list.
 */
async function inspectFailure(ctx: CheckContext, id: string | undefined): Promise<EndpointFault | undefined> {
  if (id === undefined) return undefined;
  return ctx.facts.inspectContainer(id).then(
    () => undefined,
    (error: unknown) => (error instanceof EndpointFault ? error : undefined),
  );
}

function reportEndpointProblem(ctx: CheckContext, problem: EndpointProblem, host: string | null): void {
  ctx.report(endpointFinding(problem, host));
}

type Problem<K extends EndpointProblem['kind']> = Extract<EndpointProblem, { kind: K }>;

/** The finding for a docker configuration that chooses no usable endpoint, or a surprising one. */
function endpointFinding(problem: EndpointProblem, host: string | null): FindingInput {
  switch (problem.kind) {
    case 'config-invalid':
      return configInvalid(problem);
    case 'context-not-found':
      return contextNotFound(problem);
    case 'context-invalid':
      return contextInvalid(problem);
    case 'invalid-host':
      return invalidHost(problem);
    case 'context-overridden':
      return contextOverridden(problem, host);
  }
}

/** The docker config is not valid JSON: the CLI ignores all of it. */
function configInvalid(problem: Problem<'config-invalid'>): FindingInput {
  return {
    cause: 'config-invalid',
    title: prose`
      ${problem.file}${problem.line ? `:${problem.line}` : ''} is not valid JSON (${problem.message}); the docker CLI ignores the whole file
    `,
    subject: { kind: 'file', name: problem.file },
    location: {
      file: problem.file,
      ...(problem.line ? { line: problem.line } : {}),
      ...(problem.column ? { column: problem.column } : {}),
    },
    fixes: [
      {
        title: 'Fix the JSON syntax at that line (a trailing comma or a missing quote is typical)',
        command: `python3 -m json.tool ${problem.file}`,
      },
    ],
  };
}

/** The selected context does not exist. */
function contextNotFound(problem: Problem<'context-not-found'>): FindingInput {
  return {
    cause: 'context-not-found',
    title:
      problem.from === 'config'
        ? `The current context "${problem.context}" (set in ${problem.configFile}) does not exist`
        : problem.from === 'DOCKER_CONTEXT'
          ? `DOCKER_CONTEXT=${problem.context} names a context that does not exist`
          : `--context ${problem.context} names a context that does not exist`,
    subject: { kind: 'daemon', name: problem.context },
    fixes: [
      problem.from === 'DOCKER_CONTEXT'
        ? { title: 'Stop selecting it', command: 'unset DOCKER_CONTEXT' }
        : { title: 'Switch back to the default context', command: 'docker context use default' },
      { title: 'See the contexts that exist', command: 'docker context ls' },
    ],
    evidence: { context: problem.context, metaPath: problem.metaPath },
  };
}

/** The selected context's metadata cannot be used. */
function contextInvalid(problem: Problem<'context-invalid'>): FindingInput {
  return {
    cause: 'context-invalid',
    title: `The context "${problem.context}" cannot be used: ${problem.metaPath} ${problem.message}`,
    subject: { kind: 'file', name: problem.metaPath },
    location: { file: problem.metaPath },
    fixes: [
      {
        title: 'Recreate the context',
        command: `docker context rm ${problem.context} && docker context create ${problem.context} --docker host=<endpoint>`,
      },
      { title: 'Or switch back to the default context', command: 'docker context use default' },
    ],
  };
}

/** The endpoint given is not an address the docker CLI accepts. */
function invalidHost(problem: Problem<'invalid-host'>): FindingInput {
  return {
    cause: 'invalid-host',
    title: `The endpoint "${problem.host}" (from ${problem.from}) is not a valid Docker host: ${problem.message}`,
    subject: { kind: 'daemon', name: problem.host },
    fixes:
      problem.from === 'DOCKER_HOST'
        ? [
            {
              title: 'Fix DOCKER_HOST, or unset it to use the default socket',
              command: 'export DOCKER_HOST=unix:///var/run/docker.sock',
            },
          ]
        : [{ title: 'Use a full address such as unix:///var/run/docker.sock or tcp://host:2376' }],
  };
}

/** DOCKER_HOST silently wins over the selected context. */
function contextOverridden(problem: Problem<'context-overridden'>, host: string | null): FindingInput {
  return {
    cause: 'context-overridden',
    title: prose`
      DOCKER_HOST=${problem.host} overrides the selected context "${problem.context}"
      (${problem.contextFrom === 'config' ? 'currentContext in the docker config' : 'DOCKER_CONTEXT'})
    `,
    subject: { kind: 'daemon', name: host ?? problem.host },
    fixes: [
      {
        title: `Unset DOCKER_HOST to use the context "${problem.context}" (and remove it from your shell profile)`,
        command: 'unset DOCKER_HOST',
      },
      {
        title: 'Or, if DOCKER_HOST is what you want, stop selecting the context',
        command: problem.contextFrom === 'config' ? 'docker context use default' : 'unset DOCKER_CONTEXT',
      },
    ],
    evidence: { context: problem.context, dockerHost: problem.host },
  };
}

/** Reading the engine's log and restarting it, for the service that runs this engine kind. */
function endpointFailedFixes(kind: EngineKind | undefined): Fix[] {
  const service =
    kind === 'docker' || kind === 'rootless' ? 'docker' : kind === 'podman' || kind === 'podman-rootless' ? 'podman.service' : undefined;
  if (!service) return [{ title: "Read the engine's logs and restart it" }];
  const user = kind === 'rootless' || kind === 'podman-rootless';
  const restart = service === 'docker' ? 'docker' : 'podman.socket podman.service';
  return [
    {
      title: 'Read what the daemon logged',
      command: user ? `journalctl --user -u ${service} -n 50` : `sudo journalctl -u ${service} -n 50`,
    },
    {
      title: 'Restart it (running containers with a restart policy come back)',
      command: user ? `systemctl --user restart ${restart}` : `sudo systemctl restart ${restart}`,
    },
  ];
}

function engineWarningFixes(text: string) {
  if (/forwarding is disabled/i.test(text)) {
    return [
      { title: 'Turn IPv4 forwarding back on', command: 'sudo sysctl -w net.ipv4.ip_forward=1' },
      { title: 'Keep it on across reboots', command: "echo 'net.ipv4.ip_forward = 1' | sudo tee -a /etc/sysctl.d/99-docker.conf" },
    ];
  }
  if (/without encryption/i.test(text)) {
    return [
      {
        title:
          'Protect the TCP socket with TLS, or listen on the Unix socket only: https://docs.docker.com/engine/security/protect-access/',
      },
    ];
  }
  if (/swap limit/i.test(text)) {
    return [
      {
        title: 'Enable swap accounting (kernel parameter), only if you need --memory-swap limits',
        command: 'sudo grubby --update-kernel=ALL --args="swapaccount=1"',
      },
    ];
  }
  if (/bridge-nf-call/i.test(text)) {
    return [
      {
        title: 'Load br_netfilter so iptables sees bridged traffic',
        command: 'sudo modprobe br_netfilter && sudo sysctl -w net.bridge.bridge-nf-call-iptables=1',
      },
    ];
  }
  return [{ title: "See the engine's full warning list", command: 'docker info' }];
}
