import { rmSync } from 'node:fs';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/engine/report.js';
import { BIN, cleanEnv } from '../helpers/cli.js';
import { tempDir } from '../helpers/sockets.js';

describe('standard input', () => {
  const project = tempDir('dd-stdin-');
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it('is never read: piped text does not become the list of checks', async () => {
    const run = await execa(process.execPath, [BIN, '--json', '--timeout', '3'], {
      input: 'build-context\n',
      cwd: project,
      env: cleanEnv(),
      extendEnv: false,
      reject: false,
    });
    const report = JSON.parse(String(run.stdout)) as Report;
    expect(report.checks.map((c) => c.id)).toContain('daemon');
    expect(report.checks.length).toBeGreaterThan(1);
  });
});
