import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, findingsOf, runCli } from '../helpers/cli.js';
import { engineAvailable } from '../helpers/engine.js';
import { createSshEngineClient } from '../../src/facts/docker/ssh-client.js';
import { freePort, sshdUnavailable, startSshd, type Sshd } from '../helpers/sshd.js';

const unavailable = sshdUnavailable();
if (unavailable) console.warn(`\n!!! ssh:// endpoint tests SKIPPED: ${unavailable} !!!\n`);

// .ci/run installs OpenSSH: in CI a missing sshd is a broken setup, not a reason to skip.
describe.runIf(Boolean(unavailable) && process.env.CI === 'true')('ssh:// endpoint tests in CI', () => {
  it('have an sshd to run', () => {
    expect(unavailable).toBeUndefined();
  });
});

/** The daemon check's findings for a run against `host` with this ssh client setup. */
async function daemonFindings(host: string, env: Record<string, string>, timeout = '4') {
  const run = await runCli(['daemon', '--json', '--timeout', timeout, '-H', host], { env: cleanEnv(env), timeoutMs: 30_000 });
  return { run, findings: findingsOf(run.report, 'daemon') };
}

describe.runIf(!unavailable && engineAvailable())('ssh:// endpoints against a private sshd on loopback', () => {
  let sshd: Sshd;
  let address: string;
  beforeAll(async () => {
    sshd = await startSshd();
    address = `ssh://${sshd.user}@127.0.0.1:${sshd.port}`;
  });
  afterAll(() => sshd?.close());

  it('diagnoses through dial-stdio on the remote: the daemon answers, with its version', async () => {
    const run = await runCli(['--json', '-H', address], { env: cleanEnv(sshd.env('ok')), timeoutMs: 60_000 });
    const daemon = run.report!.checks.find((c) => c.id === 'daemon')!;
    expect(daemon.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(run.report!.environment.docker).toMatchObject({ endpoint: address, source: 'flag', apiVersion: '1.41' });
    expect(run.report!.summary.crashed).toBe(0);
  });

  it("statuses are the remote daemon's own: 200 for the ping, 404 for a missing image and a missing container", async () => {
    const saved = { ...process.env };
    // The client spawns `ssh` from this process's PATH: the test's wrapper, with its own key and known_hosts.
    Object.assign(process.env, sshd.env('ok'));
    try {
      const client = createSshEngineClient(address);
      const ping = await client.getBuffer('/_ping', { timeoutMs: 10_000 });
      expect(ping.body.toString()).toBe('OK');
      expect(ping.headers['api-version']).toBe('1.41');
      const versioned = client.withApiVersion('1.41');
      const image = await versioned.getJson('/images/docker-doctor-no-such-image:0/json', { timeoutMs: 10_000 }).catch((e: unknown) => e);
      expect(image).toMatchObject({ kind: 'http', details: { statusCode: 404 } });
      const start = await versioned
        .send('/containers/docker-doctor-no-such-container/start', { method: 'POST', timeoutMs: 10_000 })
        .catch((e: unknown) => e);
      expect(start).toMatchObject({ kind: 'http', details: { statusCode: 404 } });
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  });

  it('a refused port is daemon/ssh-refused', async () => {
    const port = await freePort();
    const { findings } = await daemonFindings(`ssh://${sshd.user}@127.0.0.1:${port}`, sshd.env('ok'));
    expect(findings.map((f) => f.code)).toEqual(['daemon/ssh-refused']);
    expect(findings[0]!.title).toContain(`Nothing accepts SSH connections at 127.0.0.1:${port}`);
  });

  it('a host key that changed is daemon/ssh-host-key, and the fix names the known_hosts entry', async () => {
    const { findings } = await daemonFindings(address, sshd.env('ok', 'wrong'));
    expect(findings.map((f) => f.code)).toEqual(['daemon/ssh-host-key']);
    expect(findings[0]!.title).toMatch(/host key of 127\.0\.0\.1:\d+ has changed/);
    expect(findings[0]!.fixes.map((f) => f.command)).toContain(`ssh-keygen -R [127.0.0.1]:${sshd.port}`);
  });

  it('an unknown host key is daemon/ssh-host-key, never accepted unasked', async () => {
    const { findings } = await daemonFindings(address, sshd.env('ok', 'none'));
    expect(findings.map((f) => f.code)).toEqual(['daemon/ssh-host-key']);
    expect(findings[0]!.title).toMatch(/is not in known_hosts/);
  });

  it('a key the server does not accept is daemon/ssh-auth-failed', async () => {
    const { findings } = await daemonFindings(address, sshd.env('stranger'));
    expect(findings.map((f) => f.code)).toEqual(['daemon/ssh-auth-failed']);
    expect(findings[0]!.title).toMatch(/Permission denied \(publickey\)/);
  });

  it('a remote without docker is daemon/ssh-no-docker', async () => {
    const { findings } = await daemonFindings(address, sshd.env('no-docker'));
    expect(findings.map((f) => f.code)).toEqual(['daemon/ssh-no-docker']);
    expect(findings[0]!.title).toMatch(/has no docker command/);
  });

  it('a host that accepts TCP but never speaks SSH ends within the timeout as daemon/ssh-handshake', async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    try {
      const started = performance.now();
      const { findings } = await daemonFindings(`ssh://${sshd.user}@127.0.0.1:${port}`, sshd.env('ok'), '2');
      // The ping gets half of --timeout; start-up and a busy machine get the rest of the margin.
      expect(performance.now() - started).toBeLessThan(2000 + 3000);
      expect(findings.map((f) => f.code)).toEqual(['daemon/ssh-handshake']);
    } finally {
      silent.close();
    }
  });

  it('a password in the address never reaches the output', async () => {
    const secret = 'Hunter2-secret-pw';
    const host = `ssh://me:${secret}@127.0.0.1:${sshd.port}`;
    const json = await daemonFindings(host, sshd.env('ok'));
    expect(json.findings.map((f) => f.code)).toEqual(['daemon/invalid-host']);
    expect(json.findings[0]!.title).toMatch(/plain-text password .* is not supported/);
    const human = await runCli(['daemon', '-v', '-H', host], { env: cleanEnv(sshd.env('ok')) });
    for (const out of [json.run.stdout, json.run.stderr, human.stdout, human.stderr]) expect(out).not.toContain(secret);
  });
});
