import { prose } from '../../src/util/text.js';
import type { CheckContext, FindingInput } from '../../src/engine/types.js';
import type { ImageSummary, NetworkSummary } from '../../src/facts/docker/types.js';
import type { ComposeProject } from '../../src/facts/project/compose.js';
import { formatDuration } from '../shared/containers.js';
import type { dnsCodes } from './codes.js';
import { engineCli, engineCommand, hubImage, type EngineCli } from '../shared/engine-cli.js';

type Report = FindingInput & { cause: keyof typeof dnsCodes };

const PROBE_SHARE = 0.5;
/** Less than this left, and a probe could not even be created and removed: the probes stop there. */
const MIN_PROBE_MS = 1000;

/** A probe whose container cannot be created (its image is gone, or built for another platform) is a start error. */
async function probeOrStartError(ctx: CheckContext, spec: Parameters<CheckContext['facts']['probe']>[0]) {
  return ctx.facts.probe(spec, ctx.signal).catch((error: unknown) => ({
    exitCode: null,
    output: '',
    durationMs: 0,
    timedOut: false,
    startError: error instanceof Error ? error.message : String(error),
  }));
}

const pullFix = (cli: EngineCli) => ({
  title: 'Pull a small image for the probe once',
  command: engineCommand(cli, `pull ${hubImage(cli, 'busybox')}`),
});

function notStarted(cli: EngineCli, network: string, why: string): Report {
  return {
    cause: 'probe-skipped',
    title: `The DNS probe could not start a container on network ${network}: ${why}`,
    subject: { kind: 'network', name: network },
    fixes: [pullFix(cli)],
  };
}

function outOfTime(done: number, lookups: number): Report {
  return {
    cause: 'probe-skipped',
    title: `The DNS probe stopped after ${done} of ${lookups} lookups: its share of --timeout ran out`,
    subject: { kind: 'host', name: 'probe' },
    fixes: [{ title: 'Give the check more time', command: 'docker-doctor dns --probe --timeout 60' }],
  };
}

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

/** --probe: resolve the probe name (and on project networks, the other services) from short-lived labelled containers. */
export async function runProbes(
  ctx: CheckContext,
  compose: ComposeProject | null,
  passive: string[],
  report: (r: Report) => void,
): Promise<void> {
  const { facts, options } = ctx;
  const name = options.probeName ?? 'registry-1.docker.io';
  const [candidates, cli] = await Promise.all([facts.images().then(probeImages), engineCli(facts)]);
  if (candidates.length === 0) {
    report({
      cause: 'probe-skipped',
      title: 'The DNS probe did not run: no local image has nslookup or getent, and the probe never pulls',
      subject: { kind: 'host', name: 'probe' },
      fixes: [pullFix(cli)],
    });
    return;
  }
  const networks = await facts.networks();
  const projectNetworks = compose ? networks.filter((n) => n.Labels?.['com.docker.compose.project'] === compose.name) : [];
  const targets: { network: NetworkSummary | { Name: string }; names: string[] }[] = [
    { network: { Name: 'bridge' }, names: [name] },
    ...projectNetworks.map((network) => ({ network, names: [name, ...(compose?.services.map((s) => s.name) ?? [])] })),
  ];
  const lookups = targets.reduce((n, t) => n + t.names.length, 0);
  const perProbeMs = Math.max(2000, Math.floor(options.timeoutMs / (1 + lookups)));
  // The probes' own share of --timeout: when it runs out they stop and say so, and the check ends with its passive
  // findings instead of timing out (which would mark it crashed).
  const deadline = facts.now() + options.timeoutMs * PROBE_SHARE;
  let done = 0;

  for (const { network, names } of targets) {
    for (const lookup of names) {
      if (ctx.signal.aborted) return;
      const left = deadline - facts.now();
      if (left < MIN_PROBE_MS) return report(outOfTime(done, lookups));
      let result;
      let used;
      for (const candidate of candidates) {
        used = candidate;
        const spec = { image: candidate.image, command: candidate.command(lookup), network: network.Name, dns: options.probeDns };
        result = await probeOrStartError(ctx, { ...spec, timeoutMs: Math.min(perProbeMs, left) });
        // Exit 126/127 or a start error (the image lacks the tool, or cannot run here): try the next one.
        if (!result.startError && result.exitCode !== 126 && result.exitCode !== 127) break;
      }
      if (!result || !used) continue;
      done++;
      if (result.startError) {
        report(notStarted(cli, network.Name, result.startError));
        continue;
      }
      report(resultFinding(ctx, { network: network.Name, lookup, used, result, timeoutMs: Math.min(perProbeMs, left), passive, cli }));
    }
  }
}

interface ProbeOutcome {
  network: string;
  lookup: string;
  used: { image: string; command: (name: string) => string[] };
  result: { exitCode: number | null; output: string; durationMs: number; timedOut: boolean };
  timeoutMs: number;
  passive: string[];
  cli: EngineCli;
}

/** What one finished probe found: the name resolved, or why not. */
function resultFinding(ctx: CheckContext, { network, lookup, used, result, timeoutMs, passive, cli }: ProbeOutcome): Report {
  const { options } = ctx;
  const dnsFlags = options.probeDns ? options.probeDns.map((d) => ` --dns ${d}`).join('') : '';
  const subject = { kind: 'network' as const, name: network };
  const output = result.output.trim().split('\n').filter(Boolean);
  const evidence = {
    image: used.image,
    command: used.command(lookup).join(' '),
    network,
    dns: options.probeDns ?? 'Docker default',
    exitCode: result.exitCode,
    durationMs: Math.round(result.durationMs),
    output: output.slice(-6),
  };
  if (result.exitCode === 0) {
    return {
      cause: 'probe-ok',
      title: `A probe container on network ${network} resolved "${lookup}" in ${formatDuration(result.durationMs)}`,
      subject,
      fixes: [],
      evidence,
    };
  }
  const why = result.timedOut ? `it gave no answer within ${formatDuration(timeoutMs)}` : (output.at(-1) ?? `exit ${result.exitCode}`);
  return {
    cause: 'probe-failed',
    title: `A probe container on network ${network} could not resolve "${lookup}": ${why}`,
    subject,
    explanation: probeFailedExplanation(used.image, network, options.probeDns, passive),
    fixes: [
      {
        title: 'Repeat the lookup by hand',
        command: engineCommand(cli, `run --rm --network ${network}${dnsFlags} ${used.image} ${used.command(lookup).join(' ')}`),
      },
    ],
    evidence,
  };
}

function probeFailedExplanation(image: string, network: string, probeDns: string[] | undefined, passive: string[]): string {
  const causes = passive.length
    ? ` The passive findings above name likely causes: ${passive.join(', ')}.`
    : ' No passive finding explains it: check the upstream resolvers and firewall.';
  return prose`
    A short-lived probe container (${image}) on network ${network} could not resolve the
    name${probeDns ? ` through ${probeDns.join(', ')}` : ''}.${causes}
  `;
}
