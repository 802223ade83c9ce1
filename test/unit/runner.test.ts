import { describe, expect, it } from 'vitest';
import { defineCheck, FactUnavailable } from '../../src/engine/define-check.js';
import { diagnose } from '../../src/engine/diagnose.js';
import { runChecks } from '../../src/engine/runner.js';
import type { Check, CheckContext } from '../../src/engine/types.js';
import { EngineError } from '../../src/facts/docker/engine-client.js';
import { renderHuman } from '../../src/render/human.js';
import { renderJson } from '../../src/render/json.js';
import { palette } from '../../src/render/colors.js';
import { fakeClients, fakeFacts, HEALTHY_ENGINE } from '../helpers/fakes.js';

const code = { severity: 'error' as const, summary: 's', explanation: 'why it happens' };

function check(id: string, run: (ctx: CheckContext) => unknown, extra: Partial<Check['meta']> = {}): Check {
  return defineCheck({
    meta: {
      id,
      title: `${id} is fine`,
      category: 'test',
      description: 'd',
      requires: [],
      codes: { broken: code, odd: { ...code, severity: 'warning' } },
      ...extra,
    },
    run: async (ctx) => void (await run(ctx)),
  });
}

const subject = { kind: 'host' as const, name: 'h' };
const options = { probe: false, verbose: false, timeoutMs: 200 };

describe('runner', () => {
  it('derives each status from findings and keeps catalogue order', async () => {
    const checks = [
      check('slow-pass', () => new Promise((r) => setTimeout(r, 30))),
      check('fails', (ctx) => ctx.report({ cause: 'broken', title: 'it broke', subject, fixes: [] })),
      check('warns', (ctx) => ctx.report({ cause: 'odd', title: 'odd', subject, fixes: [] })),
      check('notes', (ctx) => ctx.report({ cause: 'odd', severity: 'info', title: 'fyi', subject, fixes: [] })),
    ];
    const results = await runChecks(checks, fakeFacts(), options);
    expect(results.map((r) => [r.id, r.status])).toEqual([
      ['slow-pass', 'passed'],
      ['fails', 'failed'],
      ['warns', 'warned'],
      ['notes', 'passed'],
    ]);
    expect(results[1]!.findings[0]).toMatchObject({ code: 'fails/broken', severity: 'error', explanation: 'why it happens' });
  });

  it('isolates a throwing check and a hanging check; the others still run', async () => {
    const results = await runChecks(
      [
        check('throws', () => {
          throw new Error('kaboom');
        }),
        check('hangs', () => new Promise(() => undefined)),
        check('fine', () => undefined),
      ],
      fakeFacts(),
      options,
    );
    expect(results.map((r) => r.status)).toEqual(['crashed', 'crashed', 'passed']);
    expect(results[0]!.error).toEqual({ message: 'kaboom' });
    expect(results[1]!.error!.message).toBe('timed out after 0.2 s');
  });

  it("redacts a crashed check's message, which can quote what it choked on", async () => {
    const [result] = await runChecks(
      [
        check('throws', () => {
          throw new Error('cannot parse DB_PASSWORD=Zq7Rw9Pk2Lm4 near line 3');
        }),
      ],
      fakeFacts(),
      options,
    );
    expect(result!.error!.message).toMatch(/^cannot parse DB_PASSWORD=\[redacted\]/);
    expect(result!.error!.message).not.toContain('Zq7Rw9');
  });

  it('aborts the signal of a check that timed out and drops its late findings', async () => {
    let aborted = false;
    const late = check('late', async (ctx) => {
      await new Promise((r) => setTimeout(r, 300));
      aborted = ctx.signal.aborted;
      ctx.report({ cause: 'broken', title: 'too late', subject, fixes: [] });
    });
    const [result] = await runChecks([late], fakeFacts(), options);
    await new Promise((r) => setTimeout(r, 150));
    expect(aborted).toBe(true);
    expect(result).toMatchObject({ status: 'crashed', error: { message: 'timed out after 0.2 s' }, findings: [] });
  });

  it("skips a check whose required fact is unavailable, with the fact's reason", async () => {
    const facts = fakeFacts(fakeClients({ files: {} }));
    let ran = false;
    const [result] = await runChecks([check('needs-docker', () => (ran = true), { requires: ['docker'] })], facts, options);
    expect(ran).toBe(false);
    expect(result).toMatchObject({
      status: 'skipped',
      skipReason: 'the Docker daemon is not reachable at unix:///var/run/docker.sock (see the daemon check)',
      findings: [],
    });
  });

  it('skips when the check calls ctx.skip or a fact throws FactUnavailable', async () => {
    const results = await runChecks(
      [
        check('skips', (ctx) => ctx.skip('no Dockerfile in /project')),
        check('fact', () => {
          throw new FactUnavailable('no compose file');
        }),
      ],
      fakeFacts(),
      options,
    );
    expect(results.map((r) => [r.status, r.skipReason])).toEqual([
      ['skipped', 'no Dockerfile in /project'],
      ['skipped', 'no compose file'],
    ]);
  });

  it('redacts skip reasons as it redacts findings: a daemon error holding a secret reaches neither renderer', async () => {
    const planted = 'rvsecret-PLANTED-9';
    const failure = new EngineError('http', `/containers/json?all=1 answered HTTP 500: boom DB_PASSWORD=${planted}`, { statusCode: 500 });
    const engine = { ...HEALTHY_ENGINE, '/containers/json': failure };
    const checks = [
      check('needs-list', (ctx) => ctx.facts.containers()),
      check('skips', (ctx) => ctx.skip(`no project: https://me:${planted}@example.com`)),
    ];
    const report = await diagnose(checks, fakeClients({ engine }), { version: '0', projectDir: '/p', cwd: '/p', ...options });
    expect(report.checks.map((c) => c.status)).toEqual(['skipped', 'skipped']);
    expect(report.checks[0]!.skipReason).toMatch(/DB_PASSWORD=\[redacted\]/);
    const human = renderHuman(report, { verbose: true, colors: palette(false) });
    expect(human).toMatch(/skipped: .*DB_PASSWORD=\[redacted\]/);
    expect(`${renderJson(report)}\n${human}`).not.toContain(planted);
  });

  it('skips checks for other platforms', async () => {
    const [result] = await runChecks([check('mac-only', () => undefined, { platforms: ['darwin'] })], fakeFacts(), options);
    expect(result).toMatchObject({ status: 'skipped', skipReason: 'applies to darwin only' });
  });

  it('crashes a check that reports an undeclared cause', async () => {
    const [result] = await runChecks(
      [check('sloppy', (ctx) => ctx.report({ cause: 'nope', title: 't', subject, fixes: [] }))],
      fakeFacts(),
      options,
    );
    expect(result).toMatchObject({ status: 'crashed', error: { message: 'check sloppy reported undeclared cause "nope"' } });
  });

  it('redacts secrets in every finding field', async () => {
    const [result] = await runChecks(
      [
        check('leaky', (ctx) =>
          ctx.report({
            cause: 'broken',
            title: 'DB_PASSWORD=hunter2 leaked',
            subject,
            fixes: [{ title: 'fix', command: 'psql postgres://app:s3cret@db/app' }],
            evidence: { env: ['API_TOKEN=abc123', 'PORT=80'], password: 'x' },
          }),
        ),
      ],
      fakeFacts(),
      options,
    );
    const text = JSON.stringify(result);
    expect(text).not.toMatch(/hunter2|s3cret|abc123/);
    expect(result!.findings[0]!.evidence).toEqual({ env: ['API_TOKEN=[redacted]', 'PORT=80'], password: '[redacted]' });
  });

  it("keeps a fix's runIn through redaction, so fix placement can prefix `cd <dir> &&`", async () => {
    const [result] = await runChecks(
      [
        check('placed', (ctx) =>
          ctx.report({
            cause: 'broken',
            title: 't',
            subject,
            fixes: [
              { title: 'make it', command: 'mkdir -p data', runIn: 'project' },
              { title: 'global', command: 'docker ps' },
            ],
          }),
        ),
      ],
      fakeFacts(),
      options,
    );
    expect(result!.findings[0]!.fixes).toEqual([
      { title: 'make it', command: 'mkdir -p data', runIn: 'project' },
      { title: 'global', command: 'docker ps' },
    ]);
  });

  it('gives runIn fixes `cd <dir> &&` end to end when the user stands above the project (-C), and drops runIn from the report', async () => {
    const placed = check('placed', (ctx) =>
      ctx.report({
        cause: 'broken',
        title: 't',
        subject,
        fixes: [
          { title: 'make it', command: 'mkdir -p data', runIn: 'project' },
          { title: 'global', command: 'docker ps' },
        ],
      }),
    );
    const report = await diagnose([placed], fakeClients(), { version: '0', projectDir: '/home/me/app', cwd: '/home/me', ...options });
    expect(report.checks[0]!.findings[0]!.fixes).toEqual([
      { title: 'make it', command: 'cd app && mkdir -p data' },
      { title: 'global', command: 'docker ps' },
    ]);
  });

  it('fetches a shared fact once however many checks ask for it', async () => {
    const clients = fakeClients();
    const facts = fakeFacts(clients);
    await runChecks(
      [1, 2, 3, 4].map((n) => check(`c${n}`, (ctx) => ctx.facts.dockerInfo(), { requires: ['docker'] })),
      facts,
      options,
    );
    expect(clients.engineHosts).toEqual(['unix:///var/run/docker.sock']);
  });

  it('emits start and finish events for every check', async () => {
    const events: string[] = [];
    await runChecks(
      [check('a', () => undefined), check('b', () => undefined)],
      fakeFacts(),
      { ...options, concurrency: 1 },
      {
        onStart: (c) => events.push(`start ${c.meta.id}`),
        onFinish: (c, r) => events.push(`finish ${c.meta.id} ${r.status}`),
      },
    );
    expect(events).toEqual(['start a', 'finish a passed', 'start b', 'finish b passed']);
  });
});

describe('defineCheck', () => {
  it.each([
    [{ id: 'Bad_Id' }, /kebab-case/],
    [{ codes: {} }, /at least one finding code/],
    [{ title: '' }, /title is required/],
    [{ codes: { BadCause: code } }, /kebab-case/],
  ])('rejects malformed meta %o', (override, message) => {
    expect(() => check('ok', () => undefined, override as Partial<Check['meta']>)).toThrow(message);
  });
});
