import type { CheckContext, FindingInput } from '../../src/engine/types.js';
import type { ImageSummary, NetworkSummary } from '../../src/facts/docker/types.js';
import type { ComposeProject } from '../../src/facts/project/compose.js';
import { formatDuration } from '../shared/containers.js';
import type { dnsCodes } from './codes.js';
import { prose } from '../../src/util/text.js';

type Report = FindingInput & { cause: keyof typeof dnsCodes };

/** Images likely to have a resolver tool, best first, with the command that resolves a name in each. */
function probeImages(images: ImageSummary[]): { image: string; command: (name: string) => string[] }[] {
  const tagged = images.flatMap((i) => (i.RepoTags ?? []).filter((t) => t !== '<none>:<none>'));
  const nslookup = tagged
    .filter((t) => /busybox|alpine/i.test(t))
    .map((image) => ({ image, command: (name: string) => ['nslookup', name] }));
  const getent = tagged
    .filter((t) => /debian|ubuntu|node|python|postgres/i.test(t))
    .map((image) => ({ image, command: (name: string) => ['getent', 'hosts', name] }));
  return [...nslookup, ...getent];
}

type ProbeImage = ReturnType<typeof probeImages>[number];
type ProbeResult = Awaited<ReturnType<CheckContext['facts']['probe']>>;

/** --probe: resolve the probe name (and on project networks, the other services) from short-lived labelled containers. */
export async function runProbes(
  ctx: CheckContext,
  compose: ComposeProject | null,
  passive: string[],
  report: (r: Report) => void,
): Promise<void> {
  const { facts, options } = ctx;
  const name = options.probeName ?? 'registry-1.docker.io';
  const candidates = probeImages(await facts.images());
  if (candidates.length === 0) {
    report({
      cause: 'probe-skipped',
      title: 'The DNS probe did not run: no local image has nslookup or getent, and the probe never pulls',
      subject: { kind: 'host', name: 'probe' },
      fixes: [{ title: 'Pull a small image for the probe once', command: 'docker pull busybox' }],
    });
    return;
  }
  const networks = await facts.networks();
  const projectNetworks = compose ? networks.filter((n) => n.Labels?.['com.docker.compose.project'] === compose.name) : [];
  const targets: { network: NetworkSummary | { Name: string }; names: string[] }[] = [
    { network: { Name: 'bridge' }, names: [name] },
    ...projectNetworks.map((network) => ({ network, names: [name, ...(compose?.services.map((s) => s.name) ?? [])] })),
  ];
  const perProbeMs = Math.max(2000, Math.floor(options.timeoutMs / (1 + targets.reduce((n, t) => n + t.names.length, 0))));

  for (const { network, names } of targets) {
    for (const lookup of names) {
      if (ctx.signal.aborted) return;
      const probed = await probeWithFirstTool(ctx, candidates, network.Name, lookup, perProbeMs);
      if (probed) reportProbe(ctx, { network: network.Name, lookup, perProbeMs, passive, ...probed }, report);
    }
  }
}

/** Runs the lookup from the first image that has the tool: exit 126/127 or a start error means it lacks it, so try the next one. */
async function probeWithFirstTool(
  ctx: CheckContext,
  candidates: ProbeImage[],
  network: string,
  lookup: string,
  timeoutMs: number,
): Promise<{ used: ProbeImage; result: ProbeResult } | undefined> {
  let probed: { used: ProbeImage; result: ProbeResult } | undefined;
  for (const used of candidates) {
    const command = used.command(lookup);
    const result = await ctx.facts.probe({ image: used.image, command, network, dns: ctx.options.probeDns, timeoutMs }, ctx.signal);
    probed = { used, result };
    if (!result.startError && result.exitCode !== 126 && result.exitCode !== 127) break;
  }
  return probed;
}

interface Probed {
  network: string;
  lookup: string;
  perProbeMs: number;
  passive: string[];
  used: ProbeImage;
  result: ProbeResult;
}

function reportProbe(ctx: CheckContext, probed: Probed, report: (r: Report) => void): void {
  const { network, lookup, used, result } = probed;
  const { probeDns } = ctx.options;
  const subject = { kind: 'network' as const, name: network };
  const output = result.output.trim().split('\n').filter(Boolean);
  const evidence = {
    image: used.image,
    command: used.command(lookup).join(' '),
    network,
    dns: probeDns ?? 'Docker default',
    exitCode: result.exitCode,
    durationMs: Math.round(result.durationMs),
    output: output.slice(-6),
  };
  if (result.exitCode === 0) {
    report({
      cause: 'probe-ok',
      title: `A probe container on network ${network} resolved "${lookup}" in ${formatDuration(result.durationMs)}`,
      subject,
      fixes: [],
      evidence,
    });
    return;
  }
  const why = result.timedOut
    ? `it gave no answer within ${formatDuration(probed.perProbeMs)}`
    : (output.at(-1) ?? `exit ${result.exitCode}`);
  report({
    cause: 'probe-failed',
    title: `A probe container on network ${network} could not resolve "${lookup}": ${why}`,
    subject,
    explanation: probeFailedExplanation(probed, probeDns),
    fixes: [
      {
        title: 'Repeat the lookup by hand',
        command: prose`
          docker run --rm --network ${network}${probeDns ? probeDns.map((d) => ` --dns ${d}`).join('') : ''} ${used.image}
          ${used.command(lookup).join(' ')}
        `,
      },
    ],
    evidence,
  });
}

function probeFailedExplanation({ network, used, passive }: Probed, probeDns: string[] | undefined): string {
  const causes = passive.length
    ? ` The passive findings above name likely causes: ${passive.join(', ')}.`
    : ' No passive finding explains it: check the upstream resolvers and firewall.';
  return prose`
    A short-lived probe container (${used.image}) on network ${network} could not resolve the
    name${probeDns ? ` through ${probeDns.join(', ')}` : ''}.${causes}
  `;
}
