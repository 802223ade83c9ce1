import { execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/engine/report.js';
import { BIN, cleanEnv, runCli } from '../helpers/cli.js';
import { startDnsServer } from '../helpers/dns-server.js';
import { docker, engineAvailable, engines, ensureTestImage, removeLabelled, TEST_LABEL } from '../helpers/engine.js';
import { tempDir } from '../helpers/sockets.js';
import { dockerCommandsOnPodman } from '../helpers/podman.js';
import { expectValidReport } from '../helpers/schema.js';

const scope = `dns-${process.pid}-${Date.now().toString(36)}`;
// Every test container resolves through a loopback address the test controls: no lookup reaches the machine's resolver.
const loopbackDns = ['--dns', '127.0.0.1'];

/** The default bridge's gateway address on this host (docker0), where the test's DNS server listens. */
function bridgeGateway(): string | undefined {
  const fromNode = os.networkInterfaces().docker0?.find((a) => a.family === 'IPv4')?.address;
  if (fromNode) return fromNode;
  // Node leaves out an interface without carrier (no container running yet); ask iproute2.
  try {
    return /inet (\d+\.\d+\.\d+\.\d+)\//.exec(execFileSync('ip', ['-4', '-o', 'addr', 'show', 'docker0'], { encoding: 'utf8' }))?.[1];
  } catch {
    return undefined;
  }
}

async function probeContainers(): Promise<string[]> {
  return (await docker('ps', '-aq', '--filter', 'label=docker-doctor.probe')).split('\n').filter(Boolean);
}

// Docker and Podman alike (Podman's default network, like Docker's default bridge, has no DNS between containers).
describe.each(engines)('dns on a real engine: $name', (engine) => {
  if (!engine.available()) return void it.skip(`${engine.name} does not answer here`, () => {});
  const engineScope = `${scope}-${engine.name}`;
  const p = (name: string) => `dd-${engineScope}-${name}`;
  const label = ['--label', `${TEST_LABEL}=${engineScope}`];
  let report: Report;

  beforeAll(async () => {
    const image = await engine.ensureTestImage();
    await engine.cli('run', '-d', '--name', p('server'), ...label, ...loopbackDns, image, 'sleep', '300');
    await Promise.all([
      engine.cliMayFail('run', '--name', p('loopback'), ...label, ...loopbackDns, image, 'nslookup', 'example.test'),
      engine.cliMayFail('run', '--name', p('client'), ...label, ...loopbackDns, image, 'nslookup', p('server')),
    ]);
    const run = await runCli(['dns', '--json', '-H', engine.host]);
    report = run.report!;
  });

  afterAll(async () => {
    await engine.removeLabelled(engineScope);
  });

  const findingsFor = (subject: string) => report.checks.flatMap((c) => c.findings.filter((f) => f.subject.name === subject));

  it('a container run with --dns 127.0.0.1 that fails a lookup gets the loopback-resolver cause', () => {
    const [finding] = findingsFor(p('loopback'));
    expect(finding).toMatchObject({
      code: 'dns/container-loopback-dns',
      severity: 'error',
      evidence: expect.objectContaining({ name: 'example.test', dns: ['127.0.0.1'] }),
    });
  });

  it('a container that fails to reach another on the default bridge by name gets the default-bridge cause', () => {
    const [finding] = findingsFor(p('client'));
    expect(finding).toMatchObject({
      code: 'dns/default-bridge-no-names',
      severity: 'error',
      evidence: expect.objectContaining({ name: p('server'), target: p('server') }),
    });
    // Podman differs only in words: its default network is "podman" (libpod lists it with dns_enabled false).
    const network = engine.name === 'podman' ? "Podman's default network podman" : 'the default bridge';
    expect(finding!.title).toBe(
      `Container ${p('client')} cannot resolve "${p('server')}" (container ${p('server')}): both are on ${network}, which has no DNS between containers`,
    );
    expect(finding!.fixes[0]!.command).toBe(
      `${engine.name} network create app-net && ${engine.name} network connect app-net ${p('client')} && ` +
        `${engine.name} network connect app-net ${p('server')}`,
    );
  });

  it.runIf(engine.name === 'podman')('on Podman, no fix names docker (the podman CLI is installed)', () => {
    expect(dockerCommandsOnPodman(report)).toEqual([]);
  });

  // Docker only: the probe's DNS server listens on docker0, the default bridge's gateway.
  describe.runIf(engine.name === 'docker' && process.getuid?.() === 0 && bridgeGateway() !== undefined)('--probe', () => {
    let server: Awaited<ReturnType<typeof startDnsServer>> | undefined;
    const gateway = bridgeGateway()!;

    beforeAll(async () => {
      server = await startDnsServer(gateway, { 'example.test': '10.11.12.13' });
    });
    afterAll(async () => {
      await server?.close();
    });

    it('resolves through a DNS server the test runs on the bridge gateway, and removes its container', async () => {
      const run = await runCli(['dns', '--json', '--probe', '--probe-name', 'example.test', '--probe-dns', gateway]);
      const probes = run.report!.checks[0]!.findings.filter((f) => f.code.startsWith('dns/probe'));
      expect(probes).toEqual([expect.objectContaining({ code: 'dns/probe-ok', subject: { kind: 'network', name: 'bridge' } })]);
      expect(probes[0]!.evidence).toMatchObject({ exitCode: 0, network: 'bridge', dns: [gateway] });
      expect(server!.queries).toContain('example.test');
      expect(await probeContainers()).toEqual([]);
    });

    it('fails against a loopback resolver, and removes its container', async () => {
      const run = await runCli(['dns', '--json', '--probe', '--probe-name', 'example.test', '--probe-dns', '127.0.0.1']);
      const probes = run.report!.checks[0]!.findings.filter((f) => f.code.startsWith('dns/probe'));
      expect(probes).toEqual([expect.objectContaining({ code: 'dns/probe-failed', severity: 'error' })]);
      expect(run.exitCode).toBe(1);
      expect(await probeContainers()).toEqual([]);
    });

    // Ctrl-C, a kill, a closed terminal, and an impatient second Ctrl-C while cleanup runs.
    it.each([
      ['Ctrl-C', ['SIGINT']],
      ['SIGTERM', ['SIGTERM']],
      ['SIGHUP', ['SIGHUP']],
      ['a second Ctrl-C', ['SIGINT', 'SIGINT']],
    ] as const)('removes the probe container when interrupted with %s', async (_name, signals) => {
      // A resolver that receives queries and never answers keeps the probe waiting.
      await server?.close();
      server = undefined;
      const silent = dgram.createSocket('udp4');
      await new Promise<void>((resolve) => silent.bind(53, gateway, () => resolve()));
      try {
        const child = execa(
          process.execPath,
          [BIN, 'dns', '--json', '--probe', '--probe-name', 'example.test', '--probe-dns', `${gateway}`, '--timeout', '60'],
          {
            env: { ...cleanEnv(), NO_COLOR: '1' },
            extendEnv: false,
            cwd: tempDir(),
            reject: false,
            stdin: 'ignore',
          },
        );
        // The probe container exists while it waits; interrupt then.
        let seen: string[] = [];
        for (let i = 0; i < 100 && seen.length === 0; i++) {
          seen = await probeContainers();
          if (seen.length === 0) await new Promise((r) => setTimeout(r, 100));
        }
        for (const signal of signals) {
          child.kill(signal);
          await new Promise((r) => setTimeout(r, 20));
        }
        const result = await child;
        expect(
          seen.length,
          `exit ${result.exitCode} signal ${result.signal} stderr ${String(result.stderr).slice(0, 300)}`,
        ).toBeGreaterThan(0);
        expect(result.signal, String(result.stderr).slice(0, 300)).toBeUndefined();
        expect(await probeContainers()).toEqual([]);
        const interrupted = JSON.parse(String(result.stdout)) as Report;
        expectValidReport(interrupted);
      } finally {
        silent.close();
      }
    });
  });
});

describe.runIf(engineAvailable() && existsSync('/usr/bin/docker-compose'))('dns compose-localhost on a real compose project', () => {
  const dir = tempDir('dd-localhost-');
  const project = `dd${scope.replace(/[^a-z0-9]/g, '')}lh`;
  // web serves on 8080 and only exposes it; client reaches it through CLIENT_URL; the browser-facing URL is left alone.
  const compose = (clientUrl: string) => `version: "3.8"
services:
  web:
    image: docker-doctor-test/busybox:1
    command: ["httpd", "-f", "-p", "8080", "-h", "/etc"]
    expose: ["8080"]
    stop_grace_period: 1s
    dns: [127.0.0.1]
    labels: ["${TEST_LABEL}=${scope}"]
  client:
    image: docker-doctor-test/busybox:1
    # The image's static busybox crashes in getaddrinfo (wget): resolve with nslookup through the embedded DNS, then connect with nc, retrying while web starts.
    command: ["sh", "-c", "u=$\${API_URL#*://}; hp=$\${u%%/*}; n=$\${hp%%:*}; for i in 1 2 3 4 5; do a=127.0.0.1; if [ $$n != localhost ]; then for w in $$(nslookup $$n); do a=$$w; done; fi; echo | nc -w 3 $$a $\${hp#*:} >/dev/null && exit 0; sleep 1; done; exit 1"]
    depends_on: [web]
    dns: [127.0.0.1]
    labels: ["${TEST_LABEL}=${scope}"]
    environment:
      API_URL: ${clientUrl}
      NEXTAUTH_URL: http://localhost:8080
`;
  const up = async () => {
    const result = await execa('docker-compose', ['-p', project, 'up', '--no-color', '--exit-code-from', 'client'], {
      cwd: dir,
      reject: false,
      timeout: 120_000,
      stdin: 'ignore',
      all: true,
    });
    return { code: result.exitCode ?? -1, output: String(result.all) };
  };
  const localhostFindings = async () => {
    const run = await runCli(['dns', '--json', '-C', dir]);
    return run.report!.checks[0]!.findings.filter((f) => f.code === 'dns/compose-localhost');
  };

  beforeAll(async () => {
    await ensureTestImage();
  });
  afterAll(async () => {
    await execa('docker-compose', ['-p', project, 'down', '--remove-orphans'], {
      cwd: dir,
      reject: false,
      timeout: 60_000,
      stdin: 'ignore',
    });
    await removeLabelled(scope);
  });

  it('reports the localhost URL (not the browser-facing one); it fails for real, and the printed value works', async () => {
    writeFileSync(path.join(dir, 'docker-compose.yml'), compose('http://localhost:8080/passwd'));
    const findings = await localhostFindings();
    const line =
      compose('')
        .split('\n')
        .findIndex((l) => l.includes('API_URL:')) + 1;
    expect(findings.map((f) => [f.subject.name, f.location?.line, f.evidence?.variable])).toEqual([['client', line, 'API_URL']]);
    const fixed = findings[0]!.fixes[0]!.command!;
    // Written in the mapping's own syntax, to replace the line it names.
    expect(fixed).toBe('API_URL: http://web:8080/passwd');
    const broken = await up();
    expect(broken.code, broken.output).not.toBe(0);

    const lines = compose('http://localhost:8080/passwd').split('\n');
    lines[line - 1] = /^\s*/.exec(lines[line - 1]!)![0] + fixed;
    writeFileSync(path.join(dir, 'docker-compose.yml'), lines.join('\n'));
    expect(await localhostFindings()).toEqual([]);
    const working = await up();
    expect(working.code, working.output).toBe(0);
  });
});
