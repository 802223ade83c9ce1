import { defineCheck } from '../src/engine/define-check.js';
import type { FindingInput } from '../src/engine/types.js';
import { dnsCodes } from './dns/codes.js';
import { diagnoseComposeLocalhost } from './dns/compose.js';
import { diagnoseContainers } from './dns/containers.js';
import { diagnoseHost } from './dns/host.js';
import { diagnosePools } from './dns/pools.js';
import { runProbes } from './dns/probe.js';
import { composeProblemCodes, reportComposeProblems } from './shared/compose-problems.js';
import { prose } from '../src/util/text.js';

export default defineCheck({
  meta: {
    id: 'dns',
    title: 'Names resolve inside containers',
    category: 'network',
    description: prose`
      Answers "Could not resolve host" and "Temporary failure in name resolution" inside containers, passively: the host's /etc/resolv.conf
      (loopback-only resolvers such as systemd-resolved's 127.0.0.53 make Docker fall back to 8.8.8.8 for the default bridge), daemon.json
      (malformed JSON at file:line, loopback or malformed dns entries, bip and address pools, an MTU larger than the uplink's), IPv4
      forwarding, containers' own DNS servers (a loopback resolver inside a container answers nothing), and resolution failures in failing
      containers' logs tied to the name that failed: another container on the default bridge (which has no DNS between containers), a
      container on another network, an internal network, or an unreachable upstream. In the compose file it reports services that reach
      another service as localhost (a URL or host:port where another service listens, a "*_HOST: localhost" whose name names a service or
      its kind, a port-less URL whose scheme's port another service serves), leaving alone URLs meant for a browser on the host (base,
      public, callback, redirect and origin URLs).

      Address pools: Docker subnets that overlap a route of this host that is not Docker's own (a VPN's 172.16.0.0/12 on tun0, the LAN),
      read from /proc/net/route, with daemon.json's default-address-pools and bip merged into the file and a network create --subnet; and
      the address ranges left in the pools networks are carved from (three or fewer is a warning).

      With --probe (and only then) it starts short-lived, labelled containers from an image already present (never pulls) on the default
      bridge and on each network of the compose project, resolves --probe-name (default registry-1.docker.io) and the other services' names,
      reports each result with its timing, and removes the containers even on Ctrl-C or timeout. --probe-dns sets the resolver the probes
      use.
    `,
    requires: ['docker'],
    codes: { ...dnsCodes, ...composeProblemCodes },
  },
  async run(ctx) {
    const { facts } = ctx;
    const connection = await facts.dockerConnection();
    const passive: string[] = [];
    const report = (finding: FindingInput) => {
      passive.push(finding.cause);
      ctx.report(finding);
    };
    const daemon = await diagnoseHost(ctx, connection, report);
    // Read beside the containers' diagnosis (routes, networks), reported after it in a fixed order.
    const pools: Parameters<typeof report>[0][] = [];
    const poolsRead = diagnosePools(ctx, connection, (f) => pools.push(f));
    // Awaited below; until then a rejection must not count as unhandled (that ended the process with a stack trace).
    poolsRead.catch(() => undefined);
    await diagnoseContainers(ctx, connection, daemon, report);
    await poolsRead;
    pools.forEach(report);
    const project = await facts.compose().catch(() => null);
    // A compose file compose refuses is reported once per run (by the check shared/compose-problems.ts names) and judged by none.
    const compose = project && (await reportComposeProblems(ctx, project)).usable ? project : null;
    if (compose) await diagnoseComposeLocalhost(ctx, compose, report);
    if (ctx.options.probe) await runProbes(ctx, compose, [...new Set(passive)], (f) => ctx.report(f));
  },
});
