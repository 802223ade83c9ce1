import { describe, expect, it } from 'vitest';
import { buildReport } from '../../src/engine/report.js';
import { palette } from '../../src/render/colors.js';
import { renderHuman } from '../../src/render/human.js';
import { FactTimings, groupFacts, renderTimings, timingRows } from '../../src/render/timings.js';
import { printable } from '../../src/util/text.js';

describe('human output is safe for a terminal', () => {
  it('escapes control characters and bidi overrides that come from input', () => {
    expect(printable('web\u001b]0;pwned\u0007')).toBe('web\\x1b]0;pwned\\x07');
    expect(printable('a\r\nb\u202ec')).toBe('a\\r\\nb\\u202ec');
    expect(printable('plain ✓ text')).toBe('plain ✓ text');
  });

  it('never writes an escape sequence from a finding to the terminal', () => {
    const evil = '\u001b]0;pwned\u0007\u001b[2J';
    const report = buildReport({
      version: '0.1.0',
      startedAt: new Date(0),
      durationMs: 1,
      environment: {
        docker: {
          endpoint: 'unix:///var/run/docker.sock',
          source: 'default',
          context: 'default',
          serverVersion: null,
          apiVersion: null,
          kind: null,
          os: null,
        },
        host: { platform: 'linux', arch: 'x64', release: '6' },
        project: { dir: '/p', dockerfiles: [], composeFiles: [] },
      },
      checks: [
        {
          id: 'exited-containers',
          title: 'Containers stay up',
          category: 'containers',
          status: 'failed',
          durationMs: 1,
          findings: [
            {
              code: 'exited-containers/app-error',
              severity: 'error',
              title: `Container ${evil} exited`,
              subject: { kind: 'container', name: evil },
              location: { file: `compose${evil}.yaml`, line: 1 },
              explanation: `log: ${evil}`,
              fixes: [{ title: `restart ${evil}`, command: `docker start ${evil}` }],
              evidence: { log: `line1\n${evil}` },
            },
          ],
        },
      ],
    });
    const text = renderHuman(report, { verbose: true, colors: palette(false) });
    expect(text).not.toContain('\u001b');
    expect(text).not.toContain('\u0007');
    expect(text).toContain('\\x1b]0;pwned\\x07');
  });
});

describe('the header line', () => {
  const header = (serverVersion: string | null, apiVersion: string | null) =>
    renderHuman(
      buildReport({
        version: '0.1.0',
        startedAt: new Date(0),
        durationMs: 1,
        environment: {
          docker: { endpoint: 'unix:///s', source: 'flag', context: 'default', serverVersion, apiVersion, kind: 'docker', os: null },
          host: { platform: 'linux', arch: 'x64', release: '6' },
          project: { dir: '/p', dockerfiles: [], composeFiles: [] },
        },
        checks: [],
      }),
      { verbose: false, colors: palette(false) },
    ).split('\n')[0];

  it("escapes the daemon's version and API version (review B, session 6: an OSC sequence retitled the window)", () => {
    expect(header('\u001b]0;pwned\u0007', '1.41\u001b[2J')).toBe(
      'docker-doctor 0.1.0 · unix:///s · Docker \\x1b]0;pwned\\x07 (API 1.41\\x1b[2J)',
    );
  });

  it('leaves out an API version the daemon did not give', () => {
    expect(header('20.10.24', null)).toBe('docker-doctor 0.1.0 · unix:///s · Docker 20.10.24');
  });
});

describe('DOCKER_DOCTOR_TIMING', () => {
  it('is off when unset, lists 10 rows for any value, all for `all`, and more than 10 when asked (as ESLint TIMING)', () => {
    expect([undefined, '', '1', 'yes', '3', '25', 'ALL'].map(timingRows)).toEqual([0, 0, 10, 10, 10, 25, Number.POSITIVE_INFINITY]);
  });

  it('groups the keys of one fact into a span from the first request to the last answer, slowest first', () => {
    const groups = groupFacts([
      { key: 'docker.inspect:a', ms: 20, ok: true, settledAt: 120 },
      { key: 'docker.inspect:b', ms: 30, ok: false, settledAt: 150 },
      { key: 'docker.connection', ms: 40, ok: true, settledAt: 100 },
    ]);
    expect(groups).toEqual([
      { name: 'docker.inspect', keys: 2, failed: 1, ms: 50 },
      { name: 'docker.connection', keys: 1, failed: 0, ms: 40 },
    ]);
  });

  it('prints the slowest checks and facts with their share of the run', () => {
    const report = buildReport({
      version: '0.1.0',
      startedAt: new Date(0),
      durationMs: 200,
      environment: {
        docker: { endpoint: null, source: 'default', context: 'default', serverVersion: null, apiVersion: null, kind: null, os: null },
        host: { platform: 'linux', arch: 'x64', release: '6' },
        project: { dir: '/p', dockerfiles: [], composeFiles: [] },
      },
      checks: ['daemon', 'dns', 'build-context'].map((id, i) => ({
        id,
        title: id,
        category: 'x',
        status: 'passed' as const,
        durationMs: [10, 150, 50][i]!,
        findings: [],
      })),
    });
    const timings = new FactTimings();
    timings.settled('docker.connection', 40, true);
    const text = renderTimings(report, timings, 2);
    expect(text.split('\n').slice(0, 7)).toEqual([
      'Timing (DOCKER_DOCTOR_TIMING): the run took 200 ms; share is of that.',
      '',
      'Check         | Time (ms) | Share',
      ':-------------|----------:|-----:',
      'dns           |       150 | 75.0%',
      'build-context |        50 | 25.0%',
      '',
    ]);
    expect(text.split('\n')).toContain('docker.connection |    1 |      40.0 | 20.0%');
  });
});
