import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isMap, parseDocument, type YAMLMap } from 'yaml';
import type { Report } from '../../src/engine/report.js';
import type { Finding } from '../../src/engine/types.js';
import { findingsOf, ROOT, runCli } from '../helpers/cli.js';
import { dockerEngine, engines, TEST_LABEL, type TestEngine, waitFor } from '../helpers/engine.js';
import { tempDir } from '../helpers/sockets.js';

/*
 * startup-order on a real engine, with Compose v1 (docker-compose 1.29, the only compose here). The failure is the
 * real one: a "db" that listens only seconds after its container starts (busybox nc), and an "app" that connects
 * once at start-up and exits 1 with busybox nc's "can't connect to remote host (<address>): Connection refused".
 *
 * On Podman (4.3, rootful service) the failure is the same, but health probes never run here (Podman runs them from
 * systemd timers, and this service has no systemd), so a healthcheck stays "starting": the fixes that wait for
 * service_healthy are proven on Docker only. Podman's `dns:` replaces its own resolver (aardvark), so a container
 * given the test's resolver cannot look service names up: there the app connects to db's fixed address instead.
 */

function composeInstalled(): boolean {
  try {
    execFileSync('docker-compose', ['version'], { stdio: 'pipe', timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}

async function compose(engine: TestEngine, dir: string, args: string[], reject = true) {
  const env: Record<string, string | undefined> = { ...process.env, DOCKER_HOST: engine.host };
  for (const key of ['COMPOSE_FILE', 'COMPOSE_PROJECT_NAME', 'COMPOSE_PROFILES', 'DOCKER_CONTEXT']) delete env[key];
  return execa('docker-compose', args, { cwd: dir, env, extendEnv: false, timeout: 180_000, stdin: 'ignore', reject });
}

/**
 * Pastes fix snippets into the compose file as a user would: each snippet's keys go under `services:`, a service's
 * keys replace the ones of that name (the depends_on fix replaces the whole list, as its title says).
 */
export function pasteSnippets(file: string, snippets: string[]): void {
  const doc = parseDocument(readFileSync(file, 'utf8'));
  const services = doc.get('services') as YAMLMap;
  for (const snippet of snippets) {
    const parsed = parseDocument(snippet).toJS() as Record<string, Record<string, unknown>>;
    for (const [service, keys] of Object.entries(parsed)) {
      const target = services.get(service) as YAMLMap;
      if (!isMap(target)) throw new Error(`no service ${service} to paste into`);
      for (const [key, value] of Object.entries(keys)) target.set(key, doc.createNode(value));
    }
  }
  writeFileSync(file, doc.toString());
}

const snippetsOf = (finding: Finding) => finding.fixes.map((f) => f.command ?? '').filter((c) => /^ {2}[\w.-]+:\n/.test(c));

describe.runIf(composeInstalled()).each(engines)('startup-order on a real engine with Compose v1: $name', (engine) => {
  if (!engine.available()) return void it.skip(`${engine.name} does not answer here`, () => {});
  const scope = `so-${engine.name}-${process.pid}-${Date.now().toString(36)}`;
  const projects: { dir: string; name: string }[] = [];
  let image: string;
  // Subnets of the test's own (one per project), for Podman's fixed address (see above); Docker's app looks db up
  // through compose's DNS.
  const subnet = (key: string) => `10.213.${(process.pid % 80) * 3 + 'abc'.indexOf(key)}`;

  beforeAll(async () => {
    image = await engine.ensureTestImage();
  }, 120_000);

  afterAll(async () => {
    for (const { dir, name } of projects) await compose(engine, dir, ['-p', name, 'down', '-t', '1'], false);
    await engine.removeLabelled(scope);
  }, 180_000);

  /** db listens on 5432 twelve seconds after it starts (long enough for a busy machine); app connects once and exits 1 when refused. */
  function project(db: string, app: string, key: string): string {
    const dbAddress = `${subnet(key)}.10`;
    const target = engine.name === 'podman' ? dbAddress : 'db';
    const common = `    image: ${image}\n    labels:\n      ${TEST_LABEL}: ${scope}\n    dns: ["127.0.0.1"]\n`;
    const network =
      engine.name === 'podman'
        ? { db: `    networks:\n      net:\n        ipv4_address: ${dbAddress}\n`, app: '    networks: [net]\n' }
        : { db: '', app: '' };
    const networks = engine.name === 'podman' ? `networks:\n  net:\n    ipam:\n      config:\n        - subnet: ${subnet(key)}.0/24\n` : '';
    return (
      'services:\n' +
      `  db:\n${common}${network.db}    command: ["sh", "-c", "sleep 12; exec nc -ll -p 5432 -e true"]\n${db}` +
      `  app:\n${common}${network.app}    command: ["sh", "-c", "nc -w 2 ${target} 5432 </dev/null && echo connected && exec sleep 600"]\n${app}` +
      networks
    );
  }

  async function up(files: Record<string, string>, key: string) {
    const dir = tempDir('dd-startup-');
    for (const [file, text] of Object.entries(files)) writeFileSync(path.join(dir, file), text);
    const name = `ddso${process.pid}${engine.name[0]}${key}`;
    projects.push({ dir, name });
    const result = await compose(engine, dir, ['-p', name, 'up', '-d'], false);
    return { dir, name, result };
  }

  const state = async (container: string) => (await engine.cliMayFail('inspect', '--format', '{{.State.Status}}', container)).stdout;

  async function doctor(dir: string): Promise<Report> {
    const run = await runCli(['startup-order', '--json', '-C', dir, '-H', engine.host]);
    expect(run.report, run.stderr).toBeDefined();
    return run.report!;
  }

  it('an app that connects once before its database listens dies with "Connection refused": a warning at depends_on', async () => {
    const { dir, name } = await up({ 'docker-compose.yml': project('', '    depends_on:\n      - db\n', 'a') }, 'a');
    await waitFor(async () => (await state(`${name}_app_1`)) === 'exited', 'app to exit', 300);
    const report = await doctor(dir);
    const finding = findingsOf(report, 'startup-order').find((f) => f.subject.name === `${name}_app_1`);
    const logs = (await engine.cliMayFail('logs', `${name}_app_1`)).stderr;
    expect(finding, `${JSON.stringify(report.checks[0])}\napp's logs: ${logs}`).toMatchObject({
      code: 'startup-order/connected-before-ready',
      severity: 'warning',
      subject: { kind: 'container' },
      location: { file: 'docker-compose.yml', line: engine.name === 'podman' ? 19 : 15 },
      evidence: { dependency: 'db', dependencyContainer: `${name}_db_1`, exitCode: 1 },
    });
    expect(finding!.evidence!.logLine).toMatch(/can't connect to remote host \([\d.]+\): Connection refused/);
    expect(finding!.evidence!.namedBy).toMatch(/^its address /);
    // Compose v1.29 has conditions but not restart: true (2.17+), and its command is docker-compose.
    const commands = finding!.fixes.map((f) => f.command);
    expect(commands.join('\n')).not.toMatch(/restart: true/);
    expect(commands.at(-1)).toBe(`cd ${dir} && docker-compose up -d`);

    // The alternative where waiting is not wanted: restart on failure. Applied, app comes up and nothing is reported.
    const file = path.join(dir, 'docker-compose.yml');
    pasteSnippets(file, [finding!.fixes.find((f) => /retry/.test(f.title))!.command!]);
    expect((await compose(engine, dir, ['-p', name, 'config', '-q'])).exitCode).toBe(0);
    // Down first: against Podman, compose v1 sees the project's network as changed and will not reuse it.
    await compose(engine, dir, ['-p', name, 'down', '-t', '1']);
    await compose(engine, dir, ['-p', name, 'up', '-d']);
    await waitFor(async () => (await engine.cliMayFail('logs', `${name}_app_1`)).stdout.includes('connected'), 'app to connect', 300);
    await waitFor(async () => (await state(`${name}_app_1`)) === 'running', 'app to run', 300);
    const after = await doctor(dir);
    expect(findingsOf(after, 'startup-order').filter((f) => f.subject.name.includes(name))).toEqual([]);
  }, 180_000);

  it('condition: service_healthy on a service without a healthcheck: compose refuses, and the doctor says why at that line', async () => {
    const files = { 'docker-compose.yml': project('', '    depends_on:\n      db:\n        condition: service_healthy\n', 'b') };
    const { dir, result: refused } = await up(files, 'b');
    // Docker refuses. Podman's API gives every container an empty health state, which Compose v1 takes for a
    // healthcheck: it starts app without waiting, and the finding says that instead.
    if (engine.name === 'docker') {
      expect(refused.exitCode).not.toBe(0);
      expect(refused.stderr).toMatch(/Service "db" is missing a healthcheck configuration/);
    } else expect(refused.exitCode).toBe(0);
    const report = await doctor(dir);
    const finding = findingsOf(report, 'startup-order').find((f) => f.code === 'startup-order/no-healthcheck');
    expect(finding).toMatchObject({
      severity: engine.name === 'docker' ? 'error' : 'warning',
      subject: { kind: 'service', name: 'app' },
      location: { file: 'docker-compose.yml', line: engine.name === 'podman' ? 19 : 15 },
    });
    const consequence = engine.name === 'docker' ? 'so compose refuses to start app' : 'so app does not really wait for it';
    expect(finding!.title).toBe(
      `app waits for db to be healthy, but it has no healthcheck, ${consequence} (docker-compose.yml:${finding!.location!.line})`,
    );
  }, 180_000);

  it.runIf(engine.name === 'docker')(
    'a db with a healthcheck and a short depends_on: the printed condition, pasted in, makes app wait and start',
    async () => {
      const healthcheck =
        '    healthcheck:\n      test: ["CMD-SHELL", "nc -w 1 127.0.0.1 5432 </dev/null"]\n      interval: 1s\n      retries: 60\n';
      const { dir, name } = await up({ 'docker-compose.yml': project(healthcheck, '    depends_on:\n      - db\n', 'c') }, 'c');
      await waitFor(async () => (await state(`${name}_app_1`)) === 'exited', 'app to exit', 300);
      const finding = findingsOf(await doctor(dir), 'startup-order').find((f) => f.subject.name === `${name}_app_1`);
      expect(finding).toMatchObject({
        code: 'startup-order/connected-before-ready',
        evidence: { dependencyHealthcheck: 'docker-compose.yml:9' },
      });
      // db has a healthcheck already: the fix is the condition alone (and the restart alternative).
      const snippets = snippetsOf(finding!);
      expect(snippets[0]).toBe('  app:\n    depends_on:\n      db:\n        condition: service_healthy');
      const file = path.join(dir, 'docker-compose.yml');
      pasteSnippets(file, [snippets[0]!]);
      expect((await compose(engine, dir, ['-p', name, 'config', '-q'])).exitCode).toBe(0);
      await compose(engine, dir, ['-p', name, 'down', '-t', '1']);
      await compose(engine, dir, ['-p', name, 'up', '-d']);
      await waitFor(async () => (await state(`${name}_app_1`)) === 'running', 'app to run', 300);
      expect((await engine.cli('logs', `${name}_app_1`)).trim()).toBe('connected');
      const after = await doctor(dir);
      expect(after.checks[0]).toMatchObject({ id: 'startup-order', status: 'passed', findings: [] });
    },
    180_000,
  );
});

/*
 * The accuracy corpus's startup-order projects, with the printed fixes pasted in as a user would: compose accepts the
 * edited file (`docker-compose config`, which reads the file only) and the doctor finds nothing any more.
 */
describe.runIf(composeInstalled() && dockerEngine.available())('startup-order fixes pasted into the corpus projects', () => {
  const CORPUS = path.join(ROOT, 'test', 'fixtures', 'accuracy');

  function copy(name: string): string {
    const dir = tempDir('dd-startup-fix-');
    cpSync(path.join(CORPUS, name, 'project'), dir, { recursive: true });
    return dir;
  }

  async function findings(dir: string): Promise<Finding[]> {
    const run = await runCli(['startup-order', '--json', '-C', dir]);
    expect(run.report, run.stderr).toBeDefined();
    return findingsOf(run.report, 'startup-order');
  }

  async function composeAccepts(dir: string): Promise<void> {
    const config = await compose(dockerEngine, dir, ['config', '-q'], false);
    expect(config.exitCode, config.stderr).toBe(0);
  }

  it('short depends_on on postgres: the pg_isready healthcheck and the long form with service_healthy', async () => {
    const dir = copy('startup-short-depends-on-database');
    const [finding, ...rest] = await findings(dir);
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ code: 'startup-order/started-not-ready', location: { file: 'compose.yaml', line: 8 } });
    const snippets = snippetsOf(finding!);
    expect(snippets).toEqual([
      '  db:\n    healthcheck:\n      test: ["CMD-SHELL", "pg_isready -U $${POSTGRES_USER:-postgres}"]\n' +
        '      interval: 5s\n      timeout: 5s\n      retries: 20',
      '  api:\n    depends_on:\n      db:\n        condition: service_healthy\n      cache:\n        condition: service_started',
    ]);
    pasteSnippets(path.join(dir, 'compose.yaml'), snippets);
    await composeAccepts(dir);
    // $$ keeps compose from interpolating: the probe reads the container's own POSTGRES_USER.
    const config = await compose(dockerEngine, dir, ['config'], false);
    expect(config.stdout).toContain('pg_isready -U $${POSTGRES_USER:-postgres}');
    expect(await findings(dir)).toEqual([]);
  }, 120_000);

  it('service_healthy on a database without a healthcheck: either printed fix makes compose accept it and the finding go', async () => {
    const withHealthcheck = copy('startup-healthy-without-healthcheck');
    const [finding] = await findings(withHealthcheck);
    expect(finding).toMatchObject({ code: 'startup-order/no-healthcheck', severity: 'error' });
    // The healthcheck (its probe is the user's to write: the image is no server this check knows).
    pasteSnippets(path.join(withHealthcheck, 'compose.yaml'), [finding!.fixes[0]!.command!]);
    await composeAccepts(withHealthcheck);
    expect(await findings(withHealthcheck)).toEqual([]);
    // Or wait only for the container to start: the entry under api's depends_on.
    const startedOnly = copy('startup-healthy-without-healthcheck');
    const file = path.join(startedOnly, 'compose.yaml');
    const entry = finding!.fixes[1]!.command!;
    expect(entry).toBe('      db:\n        condition: service_started');
    pasteSnippets(file, [`  api:\n    depends_on:\n${entry}`]);
    await composeAccepts(startedOnly);
    expect(await findings(startedOnly)).toEqual([]);
  }, 120_000);
});
