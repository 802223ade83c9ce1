import { AssertionError } from 'node:assert';
import { describe, expect, it } from 'vitest';
import { defineCheck } from '../../src/engine/define-check.js';
import type { Check } from '../../src/engine/types.js';
import {
  CheckTester,
  composeProject,
  container,
  dockerfile,
  fakeFacts,
  listener,
  memoryFs,
  type ExpectedFinding,
  type TesterCase,
} from '../../src/testing/index.js';

/** A check that reports each exited container, with a fix run in the project, and skips without containers. */
const exitedCheck: Check = defineCheck({
  meta: {
    id: 'kit-demo',
    title: 'Nothing exited',
    category: 'containers',
    description: 'A check for testing the tester.',
    requires: ['docker'],
    codes: { exited: { severity: 'error', summary: 'exited', explanation: 'It exited.' } },
  },
  async run(ctx) {
    const containers = await ctx.facts.containers();
    if (containers.length === 0) ctx.skip('no containers');
    for (const c of containers.filter((c) => c.State === 'exited')) {
      ctx.report({
        cause: 'exited',
        title: `${c.Names[0]!.slice(1)} exited (PASSWORD=hunter2)`,
        subject: { kind: 'container', name: c.Names[0]!.slice(1), id: c.Id },
        location: { file: 'compose.yaml', line: 7, column: 5 },
        fixes: [{ title: 'Start it', command: 'docker compose up -d', runIn: 'project' }],
      });
    }
  },
});

const tester = new CheckTester(exitedCheck);
const exited: TesterCase = { name: 'exited', facts: { containers: [container({ name: 'web', exitCode: 1 })] } };
const running: TesterCase = { name: 'running', facts: { containers: [container({ name: 'web', state: 'running' })] } };

describe('CheckTester', () => {
  new CheckTester(exitedCheck).run({
    healthy: [running],
    broken: [
      { ...exited, findings: [{ code: 'exited', severity: 'error', subject: 'web', fixes: ['docker compose up -d'] }] },
      { ...exited, name: 'subject as file:line', findings: [{ code: 'kit-demo/exited', severity: 'error', subject: 'compose.yaml:7' }] },
    ],
    skipped: [{ name: 'no containers', facts: {}, reason: 'no containers' }],
  });

  it('declares one test per case, under the check id, with the describe and it it is given', () => {
    const names: string[] = [];
    const saved = { describe: CheckTester.describe, it: CheckTester.it };
    CheckTester.describe = (name, body) => (names.push(`describe ${name}`), body());
    CheckTester.it = (name) => names.push(`it ${name}`);
    try {
      tester.run({ healthy: [running], broken: [{ ...exited, findings: [] }], skipped: [{ ...running, reason: 'x' }] });
    } finally {
      Object.assign(CheckTester, saved);
    }
    expect(names).toEqual(['describe kit-demo', 'it healthy: running', 'it broken: exited', 'it skipped: running']);
  });
});

describe('CheckTester: what fails a case', () => {
  it('fails a healthy case that reports, is skipped, or crashes', async () => {
    await expect(tester.expectHealthy(exited)).rejects.toThrow(AssertionError);
    await expect(tester.expectHealthy({ name: 'none', facts: {} })).rejects.toThrow(/no containers/);
    const throwing = new CheckTester({ ...exitedCheck, run: () => Promise.reject(new Error('fell over')) });
    await expect(throwing.expectHealthy(running)).rejects.toThrow(/fell over/);
  });

  it('fails a broken case on another code, severity, subject, title or fix, and on a missing or extra finding', async () => {
    const wrong: ExpectedFinding[][] = [
      [{ code: 'other', severity: 'error' }],
      [{ code: 'exited', severity: 'warning' }],
      [{ code: 'exited', severity: 'error', subject: 'api' }],
      [{ code: 'exited', severity: 'error', subject: 'compose.yaml:70' }],
      [{ code: 'exited', severity: 'error', title: 'web exited' }],
      [{ code: 'exited', severity: 'error', fixes: ['docker start web'] }],
      [],
      [
        { code: 'exited', severity: 'error' },
        { code: 'exited', severity: 'error' },
      ],
    ];
    for (const findings of wrong) await expect(tester.expectBroken({ ...exited, findings })).rejects.toThrow();
    await expect(tester.expectBroken({ ...running, findings: [{ code: 'exited', severity: 'error' }] })).rejects.toThrow();
  });

  it('runs as the CLI does: findings redacted, fixes placed for where the user stands', async () => {
    await tester.expectBroken({
      ...exited,
      cwd: '/',
      findings: [
        { code: 'exited', severity: 'error', title: /^web exited \(PASSWORD=\[redacted\]/, fixes: ['cd project && docker compose up -d'] },
      ],
    });
    const result = await tester.result(exited);
    expect(result.findings[0]!.title).not.toContain('hunter2');
  });

  it('fails a skipped case with another reason, or that ran', async () => {
    await expect(tester.expectSkipped({ name: 'none', facts: {}, reason: 'no daemon' })).rejects.toThrow(AssertionError);
    await expect(tester.expectSkipped({ ...running, reason: /containers/ })).rejects.toThrow(AssertionError);
    await tester.expectSkipped({ name: 'pattern', facts: {}, reason: /^no cont/ });
  });

  it('runs without a test framework, and says how to give it one', () => {
    const saved = { describe: CheckTester.describe, it: CheckTester.it };
    const globals = globalThis as Record<string, unknown>;
    CheckTester.describe = undefined;
    CheckTester.it = undefined;
    try {
      if (!('describe' in globals)) expect(() => tester.run({})).toThrow(/set CheckTester.describe and CheckTester.it/);
    } finally {
      Object.assign(CheckTester, saved);
    }
  });
});

describe('fact builders', () => {
  it('container() gives the list entry and the inspect document from a few fields', () => {
    const web = container({ name: 'web', state: 'running', ports: ['8080:80', '127.0.0.1:53:53/udp'] });
    expect(web.id).toMatch(/^[0-9a-f]{64}$/);
    expect(web.summary).toMatchObject({ Names: ['/web'], State: 'running', Status: 'Up 2 hours' });
    expect(web.summary.Ports).toEqual([
      { IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
      { IP: '127.0.0.1', PrivatePort: 53, PublicPort: 53, Type: 'udp' },
    ]);
    expect(web.inspect.HostConfig.PortBindings).toEqual({
      '80/tcp': [{ HostIp: '', HostPort: '8080' }],
      '53/udp': [{ HostIp: '127.0.0.1', HostPort: '53' }],
    });
    const job = container({ name: 'job', exitCode: 3, ports: ['9000:9000'] });
    expect(job.summary).toMatchObject({ State: 'exited', Status: 'Exited (3) 2 minutes ago', Ports: [{ PrivatePort: 9000, Type: 'tcp' }] });
    expect(job.inspect.State).toMatchObject({ ExitCode: 3, Running: false });
    expect(() => container({ name: 'x', ports: ['eighty'] })).toThrow(/docker run -p/);
  });

  it('fakeFacts serves the containers through the real providers', async () => {
    const facts = fakeFacts({ containers: [container({ name: 'web', logs: 'boom\n' })] });
    const [web] = await facts.containers();
    expect((await facts.inspectContainer(web!.Id)).Name).toBe('/web');
    expect(await facts.containerLogs(web!.Id)).toContain('boom');
  });

  it('listener() reaches the real /proc reader, IPv4 and IPv6', async () => {
    const facts = fakeFacts({
      listeners: [listener({ port: 8080, pid: 4242, command: 'python3' }), listener({ port: 5353, address: '::1', protocol: 'udp' })],
    });
    expect(await facts.listeners()).toEqual([
      { protocol: 'tcp', address: '0.0.0.0', port: 8080, inode: 18080, pid: 4242, process: 'python3' },
      { protocol: 'udp', address: '::1', port: 5353, inode: 15353 },
    ]);
  });
});

describe('fact builders: projects and files', () => {
  it('composeProject() loads YAML text with the real loader: interpolation and line numbers', async () => {
    const project = await composeProject('services:\n  web:\n    image: nginx:${TAG:-1.27}\n    ports: ["8080:80"]\n', { dir: '/srv/app' });
    expect(project.dir).toBe('/srv/app');
    expect(project.services[0]).toMatchObject({ name: 'web', image: 'nginx:1.27', at: { file: 'compose.yaml', line: 2 } });
    expect(project.services[0]!.ports[0]).toMatchObject({ published: { from: 8080, to: 8080 }, at: { line: 4 } });
    expect((await composeProject('services:\n  web: [\n')).problems[0]).toMatchObject({ file: 'compose.yaml', kind: 'yaml' });
  });

  it('dockerfile() parses text with the real parser', () => {
    const parsed = dockerfile('FROM node:22 AS build\nCOPY . .\nRUN npm ci\n', 'app/Dockerfile');
    expect(parsed.file).toBe('app/Dockerfile');
    expect(parsed.stages).toEqual([{ image: 'node:22', name: 'build', line: 1 }]);
    expect(parsed.instructions.map((i) => [i.keyword, i.line])).toEqual([
      ['FROM', 1],
      ['COPY', 2],
      ['RUN', 3],
    ]);
  });

  it('memoryFs() and the project field back stat, hostFile and listDir', async () => {
    const facts = fakeFacts({
      files: { '/srv/data': { stat: { type: 'directory', mode: 0o700, uid: 1000 } }, '/etc/hosts': '127.0.0.1 localhost\n' },
      project: { 'compose.yaml': 'services: {}\n' },
    });
    expect(await facts.stat('/srv/data')).toMatchObject({ type: 'directory', mode: 0o700, uid: 1000 });
    expect(await facts.hostFile('/etc/hosts')).toBe('127.0.0.1 localhost\n');
    expect(await facts.listDir('/project')).toEqual(['compose.yaml']);
    expect(await facts.stat('/nowhere')).toBeNull();
    await expect(memoryFs({ '/secret': { stat: { mode: 0 } } }).readText('/secret')).rejects.toMatchObject({ code: 'EACCES' });
  });
});
