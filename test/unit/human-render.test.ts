import { describe, expect, it } from 'vitest';
import { buildReport } from '../../src/engine/report.js';
import { palette } from '../../src/render/colors.js';
import { renderHuman } from '../../src/render/human.js';
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
