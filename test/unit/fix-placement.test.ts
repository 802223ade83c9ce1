import { describe, expect, it } from 'vitest';
import { placeFixes, projectDirFrom } from '../../src/engine/fix-placement.js';
import type { CheckResult } from '../../src/engine/types.js';

function resultWith(fixes: CheckResult['findings'][number]['fixes']): CheckResult {
  const finding = { code: 'x/y', severity: 'error' as const, title: 't', subject: { kind: 'file' as const, name: 'f' }, explanation: 'e', fixes };
  return { id: 'x', title: 'X', category: 'c', status: 'failed', durationMs: 0, findings: [finding] };
}

describe('fixes that run in the project directory', () => {
  it('are left alone when the user stands in the project', () => {
    const result = resultWith([{ title: 'make it', command: 'mkdir -p data', runIn: 'project' }]);
    placeFixes([result], '/home/me/app', '/home/me/app');
    expect(result.findings[0]!.fixes).toEqual([{ title: 'make it', command: 'mkdir -p data' }]);
  });

  it('start with cd to a relative path below the current directory, quoted when needed', () => {
    const result = resultWith([{ title: 'make it', command: 'mkdir -p data', runIn: 'project' }, { title: 'global', command: 'docker ps' }]);
    placeFixes([result], '/home/me', '/home/me/my app');
    expect(result.findings[0]!.fixes).toEqual([
      { title: 'make it', command: "cd 'my app' && mkdir -p data" },
      { title: 'global', command: 'docker ps' },
    ]);
  });

  it('use the absolute project path rather than a chain of ../', () => {
    expect(projectDirFrom('/home/me/a/b/c', '/srv/app')).toBe('/srv/app');
    expect(projectDirFrom('/home/me', '/home/me/app')).toBe('app');
    expect(projectDirFrom('/home/me/app', '/home/me/app')).toBeUndefined();
  });
});
