import { defineCheck } from '../src/engine/define-check.js';
import { composeProblemCodes, reportComposeProblems } from './shared/compose-problems.js';
import { engineCli } from './shared/engine-cli.js';
import { reachCodes } from './unreachable-ports/codes.js';
import { judgeCandidates, reportLoopbackPublished, type Reach } from './unreachable-ports/containers.js';
import { diagnoseHostRefs } from './unreachable-ports/host-run.js';
import { prose } from '../src/util/text.js';

export default defineCheck({
  meta: {
    id: 'unreachable-ports',
    title: 'Published ports reach the app',
    category: 'network',
    description: prose`
      Answers "Connection refused", "Empty reply from server", "Connection reset by peer" and ERR_EMPTY_RESPONSE on a published port. For
      running containers that publish or expose ports, on an engine on this Linux machine, it reads what the app listens on from
      /proc/<pid>/net/tcp and tcp6 (the container's network namespace; nothing runs in the container) and reports a published container
      port nothing listens on while the app listens on another (the fix publishes the right one, as docker run -p or the compose ports:
      line), an app bound to 127.0.0.1 or ::1 inside the container, which no published port reaches (the fix binds 0.0.0.0, with the flag
      of the server its command runs: Flask, uvicorn, gunicorn, Django, Vite, webpack, Next.js, Nuxt, Rails…), a published port nothing
      listens on after the container has been up a while, and, as notes, a container on the default bridge that listens but publishes
      nothing, and host ports published on 127.0.0.1 only. Containers started less than 15 s ago, or whose health check is still starting,
      are left alone, and so are host-networked containers and those sharing another's network namespace (their owner is judged). Where
      /proc cannot be read (a remote engine, Docker Desktop, another user's containers without root) it says so once and judges none.

      It also reports settings that reach the host the wrong way: localhost:<port> in a compose service's or a running container's
      environment where a process on the host (not a container) listens and no service of the project does (inside a container,
      localhost is the container: use host.docker.internal), and host.docker.internal on a Linux engine without extra_hosts:
      host-gateway (Docker Desktop and Podman 4.7+ resolve it themselves; older Podman names the host host.containers.internal).
      Browser-facing variables (base, public, callback URLs, VITE_, NEXT_PUBLIC_…) are left alone.
    `,
    requires: ['docker'],
    codes: { ...reachCodes, ...composeProblemCodes },
  },
  async run(ctx) {
    const { facts } = ctx;
    const [connection, containers, project] = await Promise.all([
      facts.dockerConnection(),
      facts.containers(),
      facts.compose().catch(() => null),
    ]);
    // A compose file compose refuses is reported once per run (by the check shared/compose-problems.ts names) and judged by none.
    const compose = project && (await reportComposeProblems(ctx, project)).usable ? project : null;
    const reach: Reach = { ctx, report: (f) => ctx.report(f), connection, cli: await engineCli(facts), containers };
    reportLoopbackPublished(reach);
    const heard = await judgeCandidates(reach);
    await diagnoseHostRefs(reach, compose, heard);
  },
});
