import { describe, expect, it } from 'vitest';
import dns from '../../checks/dns.js';
import { runChecks } from '../../src/engine/runner.js';
import type { Facts } from '../../src/facts/types.js';
import { EngineError } from '../../src/facts/docker/engine-client.js';
import { fakeClients, fakeFacts, SOCKET } from '../helpers/fakes.js';

/**
 * Issue 11, probes: a probe whose container cannot be created is a finding, not a crashed dns check; and probes get
 * their own share of --timeout, so a resolver that never answers cannot time the whole check out (which would mark it
 * crashed, with exit code 3).
 */
async function dnsWithProbe(probe: Facts['probe'], timeoutMs: number) {
  const clients = fakeClients({ files: { '/var/run/docker.sock': { stat: SOCKET } } });
  const facts = fakeFacts(clients, {
    images: async () => [{ Id: 'i', RepoTags: ['busybox:latest'] }] as never,
    networks: async () => [],
    probe,
  });
  const started = performance.now();
  const [result] = await runChecks([dns], facts, { probe: true, probeName: 'example.test', verbose: false, timeoutMs });
  return { result: result!, elapsedMs: performance.now() - started };
}

describe('dns --probe under faults', () => {
  it('a probe whose create fails (image missing, another platform) is a finding naming why, not a crash', async () => {
    const { result } = await dnsWithProbe(async () => {
      throw new EngineError('http', '/containers/create answered HTTP 404: No such image: busybox:latest', { statusCode: 404 });
    }, 5000);
    expect(result.status).not.toBe('crashed');
    const [finding] = result.findings.filter((f) => f.code === 'dns/probe-skipped');
    expect(finding!.title).toContain('could not start a container on network bridge');
    expect(finding!.title).toContain('No such image');
  });

  it('a probe that never answers ends within the probes\u2019 share of --timeout, and the check is not crashed', async () => {
    // Waits as long as it is allowed to, as a container whose resolver never answers does.
    const probe: Facts['probe'] = async (spec) => {
      await new Promise((resolve) => setTimeout(resolve, spec.timeoutMs));
      return { exitCode: null, output: '', durationMs: spec.timeoutMs, timedOut: true };
    };
    const { result, elapsedMs } = await dnsWithProbe(probe, 2000);
    expect(result.status, JSON.stringify(result.error)).not.toBe('crashed');
    expect(result.findings.map((f) => f.code)).toContain('dns/probe-failed');
    expect(elapsedMs).toBeLessThan(2000);
  });
});
