import { randomBytes } from 'node:crypto';
import { EngineError, type EngineClient } from './engine-client.js';
import { demuxLogs } from './streams.js';

export const PROBE_LABEL = 'docker-doctor.probe';

export interface ProbeSpec {
  image: string;
  command: string[];
  network: string;
  dns?: string[];
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface ProbeResult {
  exitCode: number | null;
  output: string;
  durationMs: number;
  /** Set when the container could not even run the command (missing binary in the image). */
  startError?: string;
  timedOut: boolean;
}

/**
 * Runs one short-lived, labelled container from an image already present (never pulls) and always removes it,
 * also when the run times out or is interrupted.
 */
export async function runProbe(client: EngineClient, spec: ProbeSpec): Promise<ProbeResult> {
  const name = `docker-doctor-probe-${randomBytes(4).toString('hex')}`;
  const started = performance.now();
  const body = {
    Image: spec.image,
    Cmd: spec.command,
    Entrypoint: [],
    Labels: { [PROBE_LABEL]: '1' },
    HostConfig: { NetworkMode: spec.network, ...(spec.dns?.length ? { Dns: spec.dns } : {}) },
  };
  const short = { timeoutMs: Math.min(spec.timeoutMs, 10_000) };
  let id: string | undefined;
  try {
    const created = await client.send(`/containers/create?name=${name}`, { ...short, method: 'POST', body });
    id = (JSON.parse(created.body.toString('utf8')) as { Id: string }).Id;
    try {
      await client.send(`/containers/${id}/start`, { ...short, method: 'POST' });
    } catch (error) {
      if (error instanceof EngineError && error.details.statusCode) {
        return { exitCode: null, output: '', durationMs: performance.now() - started, startError: error.message, timedOut: false };
      }
      throw error;
    }
    let exitCode: number | null = null;
    let timedOut = false;
    try {
      const waited = await client.send(`/containers/${id}/wait`, { method: 'POST', timeoutMs: spec.timeoutMs, signal: spec.signal });
      exitCode = (JSON.parse(waited.body.toString('utf8')) as { StatusCode: number }).StatusCode;
    } catch (error) {
      if (!(error instanceof EngineError) || (error.kind !== 'no-answer' && error.kind !== 'aborted')) throw error;
      timedOut = error.kind === 'no-answer';
    }
    const durationMs = performance.now() - started;
    const logs = await client.getBuffer(`/containers/${id}/logs?stdout=1&stderr=1&tail=50`, short).catch(() => undefined);
    return { exitCode, output: logs ? demuxLogs(logs.body, false) : '', durationMs, timedOut };
  } finally {
    // A fresh request without the caller's signal: cleanup must run even after Ctrl-C.
    if (id) await client.send(`/containers/${id}?force=1&v=1`, { method: 'DELETE', timeoutMs: 10_000 }).catch(() => undefined);
    else await client.send(`/containers/${name}?force=1&v=1`, { method: 'DELETE', timeoutMs: 10_000 }).catch(() => undefined);
  }
}
