import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv } from '../helpers/cli.js';
import { fuzzDaemon, type Fault } from '../helpers/fuzz-daemon.js';
import { PEAK_MEMORY_BUDGET_MIB, runCliMeasured } from '../helpers/peak-memory.js';
import { tempDir } from '../helpers/sockets.js';

/**
 * Issue 11: peak memory under 200 MB on every hostile case, measured on the process itself (worker threads included).
 * The 300,000-file context is measured in hostile-big-context.test.ts. Each file here sits just under the 16 MiB
 * read limit, so it is read and parsed, not refused.
 */
const NEAR_LIMIT = 16 * 1024 * 1024 - 4096;
const CHECKS = ['build-context', 'port-conflicts', 'bind-mounts', 'dns', 'exited-containers'];

/** Text of about `bytes` made of `unit` repeated, after a head. */
const fill = (head: string, unit: string, bytes = NEAR_LIMIT) => head + unit.repeat(Math.floor((bytes - head.length) / unit.length));

function project(files: Record<string, string>): string {
  const dir = tempDir('dd-memory-');
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

describe('peak memory on hostile inputs', () => {
  const daemonDir = tempDir('dd-memory-daemon-');
  const socket = path.join(daemonDir, 'docker.sock');
  const daemon = fuzzDaemon();
  const EXITED = { Id: 'a1b2c3d4e5f6a7b8', Names: ['/app'], State: 'exited', Status: 'Exited (1) 1 minute ago', Ports: [], Labels: {} };
  /** One exited container whose log never ends; every other list empty. */
  daemon.route = (url): Fault => {
    if (url.startsWith('/containers/json')) return { kind: 'json', body: [EXITED] };
    if (/^\/containers\/[^/]+\/logs/.test(url)) return { kind: 'endless' };
    if (/^\/containers\/[^/]+\/json/.test(url)) {
      const state = {
        Status: 'exited',
        Running: false,
        ExitCode: 1,
        StartedAt: new Date().toISOString(),
        FinishedAt: new Date().toISOString(),
      };
      return { kind: 'json', body: { Id: EXITED.Id, Name: '/app', State: state, Config: { Image: 'x', Cmd: ['run'] }, HostConfig: {} } };
    }
    return { kind: 'json', body: [] };
  };
  beforeAll(() => daemon.listen(socket));
  afterAll(() => daemon.close());

  const measure = async (dir: string, env: Record<string, string> = {}) => {
    daemon.reset();
    const args = ['--json', '-C', dir, '-H', `unix://${socket}`, '--timeout', '10', '--fail-on', 'never', ...CHECKS];
    const run = await runCliMeasured(args, { env: cleanEnv(env), timeoutMs: 120_000 });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.report!.checks.filter((c) => c.status === 'crashed')).toEqual([]);
    return run;
  };

  it.each<[string, () => Record<string, string>]>([
    ['a 16 MiB compose.yaml of one long value', () => ({ 'compose.yaml': fill('services:\n  web:\n    image: busybox\nx-big: ', 'a') })],
    ['a 16 MiB compose.yaml of services', () => ({ 'compose.yaml': fill('services:\n', '  s:\n    image: x\n') })],
    ['a compose file with 40,000 environment keys', () => ({ 'compose.yaml': keys(40_000) })],
    ['a 16 MiB .env', () => ({ 'compose.yaml': 'services:\n  web:\n    image: busybox\n', '.env': fill('', 'KEY_0123=value\n') })],
    ['a 16 MiB .dockerignore', () => ({ Dockerfile: 'FROM scratch\nCOPY . .\n', '.dockerignore': fill('', 'node_modules/**/x\n') })],
    ['a 16 MiB docker config', () => ({ 'config/config.json': fill('{"auths": {}, "x": "', 'a') + '"}' })],
  ])('%s stays under the budget', async (_name, files) => {
    const dir = project({ Dockerfile: 'FROM scratch\n', ...files() });
    const run = await measure(dir, { DOCKER_CONFIG: path.join(dir, 'config') });
    expect(run.peakMiB).toBeLessThan(PEAK_MEMORY_BUDGET_MIB);
  });

  it('an endless log stream from the daemon stays under the budget', async () => {
    const run = await measure(project({}));
    expect(run.report!.checks.find((c) => c.id === 'exited-containers')!.status).not.toBe('skipped');
    expect(run.peakMiB).toBeLessThan(PEAK_MEMORY_BUDGET_MIB);
  });

  // The Dockerfile parser (src/facts/project/dockerfile.ts) reads in one pass: 100,000 continuation lines took ~390 MB
  // and ~7 s with dockerfile-ast, 16 MiB 2.8 GB and 150 s. Each case is read well inside --timeout (10 s here).
  it.each<[string, () => string]>([
    ['a 100,000-line Dockerfile', () => `FROM alpine\n${'RUN true \\\n'.repeat(100_000)}\nCMD ["x"]\n`],
    ['a 16 MiB Dockerfile of instructions (the first 100,000 are read)', () => fill('FROM alpine\n', 'RUN x\n')],
    ['a 16 MiB Dockerfile of comments', () => fill('FROM alpine\n', '# a comment line\n')],
    ['a 16 MiB Dockerfile of one continued LABEL', () => fill('FROM alpine\n', 'LABEL a=b \\\n')],
  ])('%s stays under the budget and inside the timeout', async (_name, dockerfile) => {
    const run = await measure(project({ Dockerfile: dockerfile() }));
    const buildContext = run.report!.checks.find((c) => c.id === 'build-context')!;
    expect(buildContext.status).not.toBe('skipped');
    expect(buildContext.durationMs).toBeLessThan(10_000);
    expect(run.peakMiB).toBeLessThan(PEAK_MEMORY_BUDGET_MIB);
  });

  // Found by this test: shellCommands (checks/build-context/shell.ts) collapsed the blanks of the whole 16 MiB RUN with
  // one regexp replace, ~100 bytes per blank at once (~390 MB; ~380 MB for a heredoc). It now reads the first 64 KiB.
  it.each<[string, () => string]>([
    ['a 16 MiB Dockerfile of one continued RUN', () => fill('FROM alpine\n', 'RUN true \\\n')],
    ['a 16 MiB Dockerfile of one heredoc RUN', () => `${fill('FROM alpine\nRUN <<EOF\n', 'echo x\n')}EOF\n`],
  ])('%s stays under the budget', async (_name, dockerfile) => {
    const run = await measure(project({ Dockerfile: dockerfile() }));
    expect(run.report!.checks.find((c) => c.id === 'build-context')!.status).not.toBe('skipped');
    expect(run.peakMiB).toBeLessThan(PEAK_MEMORY_BUDGET_MIB);
  });

  // Review s6 F4–F6: compose files whose size is fine but whose meaning grows faster than their text. Each ran past
  // --timeout (blocking the event loop, so unrelated checks crashed "timed out") or past the budget. Every check runs,
  // as in the review with no daemon answering: the project checks are the ones these files reach.
  it.each<[string, () => string]>([
    ['200 services, each depending on every one before it (19,900 start-order notes)', () => dependsOnAllBefore(200)],
    ['400 services, each depending on every other (160,000 values: too large to read)', () => dependsOnAllOthers(400)],
    [
      'a depends_on cycle of 10,000 services',
      () => services(10_000, (i) => `    image: redis:7\n    depends_on: [s${(i + 1) % 10_000}]\n`),
    ],
    [
      'a chain of 5,000 services each waiting for the next to be healthy',
      () =>
        services(
          5_000,
          (i) => `    image: redis:7\n${i < 4_999 ? `    depends_on:\n      s${i + 1}:\n        condition: service_healthy\n` : ''}`,
        ),
    ],
    [
      '1,000 services each extending the one before',
      () => services(1_000, (i) => (i === 0 ? '    image: nginx\n' : `    extends: s${i - 1}\n`)),
    ],
    [
      'a chain of 6,000 merge keys',
      () =>
        `x-b0: &b0\n  image: nginx\n${Array.from({ length: 5_999 }, (_, i) => `x-b${i + 1}: &b${i + 1}\n  <<: *b${i}\n  k${i + 1}: v\n`).join('')}` +
        'services:\n  web:\n    <<: *b5999\n',
    ],
  ])('%s stays under the budget and inside the timeout, every check running', async (_name, compose) => {
    const nothing = `unix://${path.join(daemonDir, 'nothing.sock')}`;
    const args = ['--json', '-C', project({ 'compose.yaml': compose() }), '-H', nothing, '--timeout', '10', '--fail-on', 'never'];
    const run = await runCliMeasured(args, { env: cleanEnv(), timeoutMs: 120_000 });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.report!.checks.filter((c) => c.status === 'crashed')).toEqual([]);
    expect(run.wallMs).toBeLessThan(13_000);
    expect(run.peakMiB).toBeLessThan(PEAK_MEMORY_BUDGET_MIB);
    // Output linear in the file and bounded: one startup-order note per edge gave 38 MB for the cycle, 10 MB for the chain.
    expect(run.stdout.length).toBeLessThan(2 * 1024 * 1024);
  });
});

/** A compose file of `count` services s0…, each with the body `body(i)` gives it. */
function services(count: number, body: (i: number) => string): string {
  return `services:\n${Array.from({ length: count }, (_, i) => `  s${i}:\n${body(i)}`).join('')}`;
}

/** Review s6 F4: a full mesh (4.26 GB and out of memory before; the YAML parse alone needs 225 MB). */
function dependsOnAllOthers(count: number): string {
  const others = (i: number) => Array.from({ length: count }, (_, j) => `s${j}`).filter((s) => s !== `s${i}`);
  return services(count, (i) => `    image: mysql\n    depends_on: [${others(i).join(',')}]\n`);
}

/** Review s6 F4: valid compose, each service depending on every service before it (each finding's fix repeated its whole list). */
function dependsOnAllBefore(count: number): string {
  return services(count, (i) => `    image: mysql\n    depends_on: [${Array.from({ length: i }, (_, j) => `s${j}`).join(',')}]\n`);
}

/** A compose file whose one service has `count` environment keys. */
function keys(count: number): string {
  const lines = Array.from({ length: count }, (_, i) => `      KEY_${i}: value${i}\n`);
  return `services:\n  web:\n    image: busybox\n    environment:\n${lines.join('')}`;
}
