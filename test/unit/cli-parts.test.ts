import { describe, expect, it } from 'vitest';
import daemon from '../../checks/daemon.js';
import { builtinChecks } from '../../checks/index.js';
import { defineCheck } from '../../src/engine/define-check.js';
import { explain, ExplainNotFound } from '../../src/engine/explain.js';
import { loadRegistry, type HookRunner } from '../../src/engine/registry.js';
import { buildReport, exitCodeFor, type Environment, type FailOn } from '../../src/engine/report.js';
import { selectChecks, UnknownCheckError } from '../../src/engine/select.js';
import type { CheckResult, Severity } from '../../src/engine/types.js';
import { redactText } from '../../src/engine/redact.js';
import { colorEnabled, palette } from '../../src/render/colors.js';
import { renderHuman } from '../../src/render/human.js';
import { expectValidReport } from '../helpers/schema.js';

const meta = (id: string) => ({
  id,
  title: `${id} ok`,
  category: 'x',
  description: 'd',
  requires: [],
  codes: { bad: { severity: 'error' as const, summary: 's', explanation: 'e' } },
});
const catalogue = ['daemon', 'exited-containers', 'port-conflicts', 'bind-mounts', 'dns', 'build-context'].map((id) =>
  defineCheck({ meta: meta(id), run: () => undefined }),
);

describe('selectChecks', () => {
  it('returns all checks in catalogue order when no ids are given, or the named ones in catalogue order', () => {
    expect(selectChecks(catalogue, []).map((c) => c.meta.id)).toHaveLength(6);
    expect(selectChecks(catalogue, ['dns', 'daemon']).map((c) => c.meta.id)).toEqual(['daemon', 'dns']);
  });

  it.each([
    ['port-conflict', 'port-conflicts'],
    ['ports', 'port-conflicts'],
    ['dsn', 'dns'],
    ['deamon', 'daemon'],
    ['bind', 'bind-mounts'],
  ])('suggests %s → %s', (typo, suggestion) => {
    try {
      selectChecks(catalogue, [typo]);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(UnknownCheckError);
      expect((error as Error).message).toContain(`did you mean ${suggestion}`);
    }
  });

  it('does not suggest anything for nonsense', () => {
    expect(() => selectChecks(catalogue, ['zzzzzzzz'])).toThrow(/^unknown check "zzzzzzzz"\n/);
  });
});

const env: Environment = {
  docker: {
    endpoint: 'unix:///var/run/docker.sock',
    source: 'default',
    context: 'default',
    serverVersion: '28.2.2',
    apiVersion: '1.50',
    kind: 'docker',
    os: 'Debian',
  },
  host: { platform: 'linux', arch: 'x64', release: '6.1.0' },
  project: { dir: '/p', dockerfiles: ['Dockerfile'], composeFiles: [] },
};

function result(id: string, status: CheckResult['status'], severities: Severity[] = []): CheckResult {
  return {
    id,
    title: `${id} ok`,
    category: 'x',
    status,
    durationMs: 3,
    ...(status === 'skipped' ? { skipReason: 'the Docker daemon is not reachable' } : {}),
    ...(status === 'crashed' ? { error: { message: 'timed out after 10 s' } } : {}),
    findings: severities.map((severity) => ({
      code: `${id}/bad`,
      severity,
      title: `Port 8080 is held by python3 (pid 42)`,
      subject: { kind: 'host', name: 'port 8080' },
      location: { file: 'compose.yaml', line: 7, column: 9 },
      explanation: 'because',
      fixes: [{ title: 'Stop it', command: 'kill 42' }],
      evidence: { pid: 42 },
    })),
  };
}

const report = (checks: CheckResult[]) =>
  buildReport({ version: '0.1.0', startedAt: new Date('2026-11-22T10:00:00Z'), durationMs: 412, environment: env, checks });

describe('report and exit codes', () => {
  it('counts statuses and findings and matches the published schema', () => {
    const r = report([result('a', 'passed'), result('b', 'failed', ['error', 'warning']), result('c', 'skipped'), result('d', 'crashed')]);
    expect(r.summary).toEqual({
      checks: 4,
      passed: 1,
      warned: 0,
      failed: 1,
      skipped: 1,
      crashed: 1,
      findings: { error: 1, warning: 1, info: 0 },
    });
    expectValidReport(r);
  });

  it.each<[string, Severity[], FailOn, boolean, number]>([
    ['clean', [], 'error', false, 0],
    ['an error', ['error'], 'error', false, 1],
    ['a warning under fail-on error', ['warning'], 'error', false, 0],
    ['a warning under fail-on warning', ['warning'], 'warning', false, 1],
    ['an info under fail-on info', ['info'], 'info', false, 1],
    ['an error under fail-on never', ['error'], 'never', false, 0],
    ['a crash and nothing at the threshold', ['warning'], 'error', true, 3],
    ['a crash and an error', ['error'], 'error', true, 1],
  ])('%s → exit %s', (_name, severities, failOn, crashed, code) => {
    const checks = [result('a', severities.length ? 'failed' : 'passed', severities), ...(crashed ? [result('b', 'crashed')] : [])];
    expect(exitCodeFor(report(checks), failOn)).toBe(code);
  });
});

describe('human renderer', () => {
  const text = renderHuman(report([result('daemon', 'passed'), result('port-conflicts', 'failed', ['error']), result('dns', 'skipped')]), {
    verbose: false,
    colors: palette(false),
  });

  it('prints a line per check, findings with location and fixes, and a summary', () => {
    expect(text).toContain('[✓] daemon');
    expect(text).toContain('[✗] port-conflicts');
    expect(text).toContain('[-] dns             dns ok — skipped: the Docker daemon is not reachable');
    expect(text).toContain('✗ Port 8080 is held by python3 (pid 42) [port-conflicts/bad]');
    expect(text).toContain('at compose.yaml:7:9');
    expect(text).toContain('$ kill 42');
    expect(text.trim().split('\n').at(-1)).toBe('1 problem (1 error) in 3 checks (1 skipped), 0.4 s');
    expect(text).not.toContain('\u001b[');
  });

  it('shows evidence only when verbose, and hides info findings otherwise', () => {
    const r = report([result('a', 'passed', ['info'])]);
    expect(renderHuman(r, { verbose: false, colors: palette(false) })).toContain('(1 note; run with -v to see it)');
    const verbose = renderHuman(r, { verbose: true, colors: palette(false) });
    expect(verbose).toContain('evidence:');
    expect(verbose).toContain('pid: 42');
  });

  it('colours only when allowed', () => {
    expect(colorEnabled({ noColorFlag: false, env: {}, isTTY: true })).toBe(true);
    expect(colorEnabled({ noColorFlag: false, env: { NO_COLOR: '1' }, isTTY: true })).toBe(false);
    expect(colorEnabled({ noColorFlag: true, env: {}, isTTY: true })).toBe(false);
    expect(colorEnabled({ noColorFlag: false, env: {}, isTTY: false })).toBe(false);
  });
});

describe('explain', () => {
  it('explains a check with its codes, and a single code', () => {
    const all = [daemon];
    expect(explain(all, 'daemon')).toContain('daemon/permission-denied');
    expect(explain(all, 'daemon/group-not-active')).toMatch(/^daemon\/group-not-active \(error\)\n/);
  });

  it('suggests near matches for unknown targets', () => {
    expect(() => explain([daemon], 'deamon')).toThrow(ExplainNotFound);
    expect(() => explain([daemon], 'deamon')).toThrow(/did you mean daemon/);
    expect(() => explain([daemon], 'daemon/permision-denied')).toThrow(/did you mean daemon\/permission-denied/);
  });
});

describe('plugin registry', () => {
  const hooks = (successes: unknown[], failures: { plugin: { name: string }; error: Error }[] = []): HookRunner => ({
    runHook: async () => ({ successes: successes.map((result) => ({ plugin: { name: 'acme-checks' }, result })), failures }),
  });

  it('adds plugin checks after the built-ins', async () => {
    const registry = await loadRegistry(builtinChecks, hooks([[{ meta: meta('acme-proxy'), run: () => undefined }]]));
    expect(registry.checks.map((c) => c.meta.id)).toEqual([...builtinChecks.map((c) => c.meta.id), 'acme-proxy']);
    expect(registry.problems).toEqual([]);
  });

  it('rejects malformed and duplicate plugin checks with a reason', async () => {
    const registry = await loadRegistry(
      builtinChecks,
      hooks(
        [[{ meta: meta('daemon'), run: () => undefined }, { meta: { id: 'x' } }]],
        [{ plugin: { name: 'broken' }, error: new Error('cannot load') }],
      ),
    );
    expect(registry.checks.map((c) => c.meta.id)).toEqual(builtinChecks.map((c) => c.meta.id));
    expect(registry.problems).toEqual([
      'plugin broken: cannot load',
      'plugin acme-checks: check id "daemon" is already taken; ignored',
      'plugin acme-checks: check x: meta.title is required',
    ]);
  });
});

describe('redaction', () => {
  it.each([
    ['MYSQL_ROOT_PASSWORD=hunter2', 'MYSQL_ROOT_PASSWORD=[redacted]'],
    ['redis://:pa55@cache:6379', 'redis://:pa55@cache:6379'.replace(':pa55@', ':[redacted]@')],
    ['https://user:tok@github.com/x', 'https://user:[redacted]@github.com/x'],
    ['Authorization: Bearer abcdefghijkl', 'Authorization: [redacted]'],
    ['{"auth": "dXNlcjpwYXNz"}', '{"auth": "[redacted]"}'],
    ['token ghp_abcdefghijklmnopqrstuvwxyz0123', 'token [redacted]'],
    ['PORT=8080 HOST=0.0.0.0', 'PORT=8080 HOST=0.0.0.0'],
    ['export DOCKER_HOST=unix:///var/run/docker.sock', 'export DOCKER_HOST=unix:///var/run/docker.sock'],
    ['password: ${DB_PASSWORD}', 'password: ${DB_PASSWORD}'],
  ])('%s → %s', (input, output) => {
    expect(redactText(input)).toBe(output);
  });
});
