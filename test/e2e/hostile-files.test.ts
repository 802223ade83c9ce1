import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findingsOf, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/sockets.js';

/**
 * Special files where a project's files belong: each must become a finding that names the file, never a blocked read
 * (a FIFO with no writer blocks a plain open for ever) and never a silent "no Dockerfile".
 */
describe('special and unreadable files in a project', () => {
  const root = tempDir('dd-hostile-');
  afterAll(() => {
    chmodSync(root, 0o755);
    for (const dir of ['unlistable']) rmSync(path.join(root, dir), { recursive: true, force: true });
    rmSync(root, { recursive: true, force: true });
  });
  const project = (name: string, files: Record<string, string | 'fifo' | { link: string }>) => {
    const dir = path.join(root, name);
    mkdirSync(dir);
    for (const [file, content] of Object.entries(files)) {
      const target = path.join(dir, file);
      if (content === '' && !file.includes('.')) mkdirSync(target);
      else if (content === 'fifo') execFileSync('mkfifo', [target]);
      else if (typeof content === 'object') symlinkSync(content.link, target);
      else writeFileSync(target, content);
    }
    return dir;
  };

  it.each([
    ['a FIFO Dockerfile', { Dockerfile: 'fifo' as const }, 'Dockerfile is a FIFO, not a regular file'],
    ['a Dockerfile that links to /dev/zero', { Dockerfile: { link: '/dev/zero' } }, 'Dockerfile is a device, not a regular file'],
    [
      'a FIFO .dockerignore',
      { Dockerfile: 'FROM scratch\n', '.dockerignore': 'fifo' as const },
      '.dockerignore is a FIFO, not a regular file',
    ],
    // Below the root, discovery also reads the Dockerfile to guess its context: that read must not block either.
    ['a FIFO Dockerfile in a subdirectory', { svc: '', 'svc/Dockerfile': 'fifo' as const }, 'svc/Dockerfile is a FIFO, not a regular file'],
  ])('%s is a build-context finding naming it', async (name, files, title) => {
    const dir = project(name.replace(/\W+/g, '-'), files);
    const run = await runCli(['build-context', '--json', '-C', dir, '--timeout', '5'], { timeoutMs: 30_000 });
    const [finding] = findingsOf(run.report, 'build-context');
    expect(finding).toMatchObject({ code: 'build-context/file-unreadable', severity: 'error' });
    expect(finding!.title).toContain(title);
  });

  it.each([
    ['compose.yaml', { 'compose.yaml': 'fifo' as const }, 'compose.yaml'],
    ['.env', { 'compose.yaml': 'services:\n  web:\n    image: x\n', '.env': 'fifo' as const }, '.env'],
  ])('a FIFO %s is a compose finding naming it', async (_name, files, file) => {
    const dir = project(`compose-${file.replace(/\W+/g, '')}`, files);
    // build-context needs no daemon, so this holds for a user without access to one too.
    const run = await runCli(['build-context', '--json', '-C', dir, '--timeout', '5'], { timeoutMs: 30_000 });
    const findings = findingsOf(run.report, 'build-context');
    expect(findings.map((f) => [f.code, f.location?.file])).toEqual([['build-context/compose-invalid', file]]);
    expect(findings[0]!.title).toContain('not a regular file');
  });

  it('an interpolation error inside a secret is a finding at its line that quotes none of the secret, in JSON and -v', async () => {
    const secret = 'Sup3rS3cretValue42';
    const compose = [
      'services:',
      '  web:',
      '    image: busybox',
      '    environment:',
      `      DB_PASSWORD: "Sup3r\${${secret}"`,
      `      DB_URL: "postgres://u:\${PASS:?${secret}}@db/x"`,
      `      API_TOKEN: "\${${secret} x}"`,
      '',
    ].join('\n');
    const dir = project('interpolation-secrets', { 'compose.yaml': compose, Dockerfile: 'FROM scratch\n' });
    const json = await runCli(['build-context', '--json', '-C', dir, '--timeout', '5'], { timeoutMs: 30_000 });
    const findings = findingsOf(json.report, 'build-context').filter((f) => f.code === 'build-context/compose-invalid');
    // The unclosed ${ and the invalid ${…} each at their line; the required variable names PASS, at its line.
    expect(findings.map((f) => [f.location?.file, f.location?.line])).toEqual([
      ['compose.yaml', 6],
      ['compose.yaml', 5],
      ['compose.yaml', 7],
    ]);
    expect(findings[0]!.title).toContain('PASS');
    const human = await runCli(['build-context', '-v', '-C', dir, '--timeout', '5'], { timeoutMs: 30_000 });
    for (const run of [json, human]) expect(run.stdout + run.stderr).not.toContain(secret);
  });

  it.runIf(process.getuid?.() === 0)(
    'an unreadable project directory is a finding, not "no Dockerfile" (root only: drops to uid 65534, since root reads everything)',
    async () => {
      const dir = project('unlistable', { Dockerfile: 'FROM scratch\n' });
      chmodSync(dir, 0o000);
      chmodSync(root, 0o755);
      const run = await runCli(['build-context', '--json', '-C', dir], { setpriv: ['--reuid=65534', '--regid=65534', '--clear-groups'] });
      const check = run.report!.checks.find((c) => c.id === 'build-context')!;
      expect(check.status).toBe('failed');
      expect(check.findings[0]).toMatchObject({ code: 'build-context/file-unreadable', subject: { kind: 'file', name: dir } });
      chmodSync(dir, 0o755);
    },
  );
});
