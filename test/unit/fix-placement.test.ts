import { describe, expect, it } from 'vitest';
import { placeFixes, projectDirFrom } from '../../src/engine/fix-placement.js';
import type { CheckResult } from '../../src/engine/types.js';

function resultWith(fixes: CheckResult['findings'][number]['fixes']): CheckResult {
  const finding = {
    code: 'x/y',
    severity: 'error' as const,
    title: 't',
    subject: { kind: 'file' as const, name: 'f' },
    explanation: 'e',
    fixes,
  };
  return { id: 'x', title: 'X', category: 'c', status: 'failed', durationMs: 0, findings: [finding] };
}

const v2 = async () => 'docker compose';

describe('fixes that run in the project directory', () => {
  it('are left alone when the user stands in the project', async () => {
    const result = resultWith([{ title: 'make it', command: 'mkdir -p data', runIn: 'project' }]);
    await placeFixes([result], '/home/me/app', '/home/me/app', v2);
    expect(result.findings[0]!.fixes).toEqual([{ title: 'make it', command: 'mkdir -p data' }]);
  });

  it('start with cd to a relative path below the current directory, quoted when needed', async () => {
    const result = resultWith([
      { title: 'make it', command: 'mkdir -p data', runIn: 'project' },
      { title: 'global', command: 'docker ps' },
    ]);
    await placeFixes([result], '/home/me', '/home/me/my app', v2);
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

describe('fixes that name compose', () => {
  it('use docker-compose where the host has only Compose v1, and ask only when a fix names compose', async () => {
    let asked = 0;
    const v1 = async () => {
      asked++;
      return 'docker-compose';
    };
    const plain = resultWith([{ title: 'stop it', command: 'docker stop web' }]);
    await placeFixes([plain], '/p', '/p', v1);
    expect(asked).toBe(0);
    const result = resultWith([
      { title: 'see the file', command: 'docker compose config', runIn: 'project' },
      { title: 'stop both', command: 'docker compose -p a down && docker compose -p b down' },
    ]);
    await placeFixes([result], '/home/me', '/home/me/app', v1);
    expect(result.findings[0]!.fixes.map((f) => f.command)).toEqual([
      'cd app && docker-compose config',
      'docker-compose -p a down && docker-compose -p b down',
    ]);
  });
});
