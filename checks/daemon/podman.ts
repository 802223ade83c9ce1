import type { CheckContext, Fix } from '../../src/engine/types.js';
import { shellWord } from '../../src/util/text.js';

/**
 * Which Podman serves a socket path: the system's (`/run/podman/podman.sock`, from the rootful `podman.socket` unit),
 * a user's (`/run/user/<uid>/podman/podman.sock`, from `systemctl --user`'s `podman.socket`), or one started by hand
 * (`podman system service unix://<path>` at any other `podman.sock`). Undefined: not a Podman socket.
 */
export type PodmanSocket = { scope: 'system' | 'user' | 'manual'; path: string };

export function podmanSocketAt(socketPath: string | undefined): PodmanSocket | undefined {
  if (!socketPath) return undefined;
  if (/^(\/var)?\/run\/podman\/podman\.sock$/.test(socketPath)) return { scope: 'system', path: socketPath };
  if (/^(\/var)?\/run\/user\/\d+\/podman\/podman\.sock$/.test(socketPath)) return { scope: 'user', path: socketPath };
  return /(^|\/)podman\.sock$/.test(socketPath) ? { scope: 'manual', path: socketPath } : undefined;
}

/** The engines this host has, by their executables, service units and sockets (nothing is started or asked of them). */
export interface InstalledEngines {
  docker: boolean;
  podman: boolean;
}

export async function installedEngines(ctx: CheckContext): Promise<InstalledEngines> {
  const { facts } = ctx;
  const [dockerd, podman, dockerUnits, podmanUnits, candidates] = await Promise.all([
    facts.commandVersion('dockerd').catch(() => undefined),
    facts.commandVersion('podman').catch(() => undefined),
    facts.dockerServices().catch(() => []),
    facts.podmanServices().catch(() => []),
    facts.socketCandidates().catch(() => []),
  ]);
  return {
    docker: dockerd !== undefined || dockerUnits.length > 0 || candidates.some((c) => /Docker/.test(c.kind)),
    podman: podman !== undefined || podmanUnits.length > 0 || candidates.some((c) => /Podman/.test(c.kind)),
  };
}

/**
 * How to bring back the Podman service behind a socket: its socket unit (rootful with sudo, rootless with --user), or,
 * for a socket started by hand (and where there is no systemd), `podman system service` at that path again.
 */
export async function podmanStartFixes(ctx: CheckContext, socket: PodmanSocket): Promise<Fix[]> {
  const units = await ctx.facts.podmanServices().catch(() => []);
  const unit = units.find((u) => u.scope === (socket.scope === 'user' ? 'user' : 'system'));
  const fixes: Fix[] = [];
  if (socket.scope !== 'manual') {
    const user = socket.scope === 'user';
    if (unit?.state === 'failed')
      fixes.push({
        title: 'podman.socket has failed: read why',
        command: user ? 'journalctl --user -u podman.socket --no-pager -n 50' : 'sudo journalctl -u podman.socket --no-pager -n 50',
      });
    fixes.push({
      title: `Start Podman's API socket${user ? ' for your user (rootless Podman)' : ' (rootful Podman)'}${
        unit ? ` (podman.socket is ${unit.state})` : ''
      }`,
      command: user ? 'systemctl --user enable --now podman.socket' : 'sudo systemctl enable --now podman.socket',
    });
  }
  fixes.push({
    title:
      socket.scope === 'manual'
        ? 'Start the Podman API service on that socket again (it runs until you stop it; --time=0 keeps it from exiting when idle)'
        : 'Or, without systemd, run the Podman API service yourself (it runs until you stop it)',
    command: `${socket.scope === 'system' ? 'sudo ' : ''}podman system service --time=0 ${shellWord(`unix://${socket.path}`)} &`,
  });
  return fixes;
}

/** For a missing default socket on a host with Podman: its socket for this user (rootless) or root, and DOCKER_HOST at it. */
export function podmanInsteadFixes(uid: number, alsoDocker: boolean): Fix[] {
  const start = alsoDocker ? 'Or, to use Podman instead, start' : 'Start';
  return uid === 0
    ? [
        {
          title: `${start} Podman's API socket and point the client at it`,
          command: 'systemctl enable --now podman.socket && export DOCKER_HOST=unix:///run/podman/podman.sock',
        },
      ]
    : [
        {
          title: `${start} your own (rootless) Podman API socket and point the client at it`,
          command: 'systemctl --user enable --now podman.socket && export DOCKER_HOST=unix://$XDG_RUNTIME_DIR/podman/podman.sock',
        },
      ];
}

/** A Podman socket of this user's that answers its ping, other than the endpoint: the one to use instead of joining a group. */
export async function ownPodmanSocket(ctx: CheckContext, endpointPath: string): Promise<string | undefined> {
  const candidates = await ctx.facts.socketCandidates().catch(() => []);
  for (const candidate of candidates) {
    if (candidate.path === endpointPath || candidate.kind !== 'Podman (rootless)') continue;
    if (await ctx.facts.socketAnswers(candidate.path).catch(() => false)) return candidate.path;
  }
  return undefined;
}
