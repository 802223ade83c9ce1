import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

describe('usage a new user tries', () => {
  it.each([['--help'], ['-h'], ['help']])('%s shows the bare command, then the other commands', async (flag) => {
    const run = await runCli([flag]);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('$ docker-doctor [CHECK...]');
    expect(run.stdout).not.toContain('docker-doctor doctor');
    expect(run.stdout).toMatch(/COMMANDS[\s\S]*explain[\s\S]*list/);
  });

  it('help <command> shows that command', async () => {
    const run = await runCli(['help', 'list']);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('$ docker-doctor list');
  });

  it('a typo of a command suggests the command', async () => {
    const run = await runCli(['lst']);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('unknown check "lst"');
    expect(run.stderr).toContain('did you mean the command `docker-doctor list`?');
  });

  it('list with an argument says what list does', async () => {
    const run = await runCli(['list', 'bogus']);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('takes no arguments (got "bogus")');
  });

  it('--timeout takes fractions of a second and refuses nonsense', async () => {
    const ok = await runCli(['build-context', '--json', '--timeout', '0.5']);
    expect(ok.exitCode).toBe(0);
    const bad = await runCli(['build-context', '--timeout', 'soon']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('--timeout must be a number of seconds');
  });
});
