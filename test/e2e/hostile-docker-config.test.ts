import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanEnv, findingsOf, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/sockets.js';

/**
 * Issue 11, input files: the docker config, a context's meta.json and its TLS files as a FIFO (no writer: a plain
 * read blocks for ever) or a link to a device must each be a daemon finding naming the file, within --timeout.
 */
type Special = 'fifo' | '/dev/zero' | '/dev/urandom';

function place(file: string, what: Special | string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  if (what === 'fifo') execFileSync('mkfifo', [file]);
  else if (what.startsWith('/dev/')) symlinkSync(what, file);
  else writeFileSync(file, what);
}

/** A docker config directory whose current context is `name`, with the context's meta.json and TLS files as given. */
function configWithContext(name: string, meta: Special | string, ca?: Special): string {
  const config = tempDir('dd-hostile-config-');
  const digest = createHash('sha256').update(name).digest('hex');
  place(path.join(config, 'config.json'), JSON.stringify({ currentContext: name }));
  place(path.join(config, 'contexts', 'meta', digest, 'meta.json'), meta);
  if (ca) place(path.join(config, 'contexts', 'tls', digest, 'docker', 'ca.pem'), ca);
  return config;
}

async function daemonCheck(config: string) {
  const started = performance.now();
  const run = await runCli(['daemon', '--json', '--timeout', '3'], { env: cleanEnv({ DOCKER_CONFIG: config }), timeoutMs: 30_000 });
  const elapsedMs = performance.now() - started;
  expect(run.exitCode, run.stderr).toBeOneOf([0, 1]);
  expect(run.report!.summary.crashed).toBe(0);
  // Three seconds of --timeout, start-up, and a machine shared with other tests.
  expect(elapsedMs).toBeLessThan(3000 + 3000);
  return findingsOf(run.report, 'daemon');
}

describe('hostile docker config, context and TLS files', () => {
  it.each<[string, Special]>([
    ['a FIFO', 'fifo'],
    ['a link to /dev/zero', '/dev/zero'],
  ])('a docker config.json that is %s is a finding naming it', async (_name, what) => {
    const config = tempDir('dd-hostile-config-');
    place(path.join(config, 'config.json'), what);
    const findings = await daemonCheck(config);
    expect(findings.map((f) => f.title).join('\n')).toContain(path.join(config, 'config.json'));
  });

  it.each<[string, Special]>([
    ['a FIFO', 'fifo'],
    ['a link to /dev/urandom', '/dev/urandom'],
  ])("a context's meta.json that is %s is a finding naming the context", async (_name, what) => {
    const findings = await daemonCheck(configWithContext('hostile', what));
    expect(findings.map((f) => f.title).join('\n')).toMatch(/hostile/);
  });

  it.each<[string, Special]>([
    ['a FIFO', 'fifo'],
    ['a link to /dev/zero', '/dev/zero'],
  ])("a context's TLS ca.pem that is %s is a finding, not a hang", async (_name, what) => {
    // A closed loopback port: the CLI must fail on the file before it would connect anywhere.
    const meta = JSON.stringify({ Name: 'tls', Endpoints: { docker: { Host: 'tcp://127.0.0.1:9', SkipTLSVerify: false } } });
    const findings = await daemonCheck(configWithContext('tls', meta, what));
    expect(findings.length).toBeGreaterThan(0);
    expect(findings.map((f) => `${f.title} ${JSON.stringify(f.evidence ?? {})}`).join('\n')).toMatch(/ca\.pem|certificate/);
  });
});
