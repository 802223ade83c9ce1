import { describe, expect, it } from 'vitest';
import { builtinChecks } from '../../checks/index.js';
import { selectChecks } from '../../src/engine/select.js';
import { runChecks } from '../../src/engine/runner.js';
import type { CheckResult } from '../../src/engine/types.js';
import { EngineError } from '../../src/facts/docker/engine-client.js';
import { engineWith } from '../helpers/containers.js';
import { fakeClients, fakeFacts, HEALTHY_ENGINE, SOCKET, type EngineRoutes, type FakeFile } from '../helpers/fakes.js';

const THREE_UNSET = [
  'services:',
  '  web:',
  '    image: busybox',
  '    environment:',
  '      A: ${A:?set A in .env}',
  '      B: ${B:?}',
  '    ports: ["8080:80"]',
  '  worker:',
  '    image: busybox',
  '    command: run ${C?} ${A:?set A in .env}',
  '',
].join('\n');

/** The run a user gets with `docker-doctor <ids>` on a project whose only file is compose.yaml. */
async function run(
  ids: string[],
  files: Record<string, FakeFile | string>,
  { daemon = true, env = {}, routes = {} }: { daemon?: boolean; env?: Record<string, string>; routes?: EngineRoutes } = {},
): Promise<CheckResult[]> {
  const engine = {
    ...engineWith([], { '/info': { ...(HEALTHY_ENGINE['/info'] as object), IPv4Forwarding: true }, '/networks': [] }),
    ...routes,
  };
  const clients = fakeClients({ engine, files: { ...(daemon ? { '/var/run/docker.sock': { stat: SOCKET } } : {}), ...files }, env });
  return runChecks(selectChecks(builtinChecks, ids), fakeFacts(clients), { probe: false, verbose: false, timeoutMs: 5000 });
}

const composeInvalid = (results: CheckResult[]) =>
  results.flatMap((r) => r.findings.filter((f) => f.code.endsWith('/compose-invalid')).map((f) => ({ check: r.id, finding: f })));
const byId = (results: CheckResult[], id: string) => results.find((r) => r.id === id)!;

describe('compose-file problems: one finding per cause, once per run', () => {
  it('aggregates the required variables without a value into one finding, reported by the first compose reader only', async () => {
    const results = await run([], { '/project/compose.yaml': THREE_UNSET });
    const reported = composeInvalid(results);
    expect(reported.map((r) => [r.check, r.finding.code, r.finding.severity])).toEqual([
      ['port-conflicts', 'port-conflicts/compose-invalid', 'error'],
    ]);
    const { finding } = reported[0]!;
    expect(finding.title).toBe('3 required variables have no value: A, B, C, so compose refuses the project (first at compose.yaml:5)');
    expect(finding).toMatchObject({ subject: { kind: 'file', name: 'compose.yaml' }, location: { file: 'compose.yaml', line: 5 } });
    expect(finding.evidence).toEqual({
      variables: [
        { name: 'A', at: ['compose.yaml:5', 'compose.yaml:10'], message: 'required variable A is missing a value: set A in .env' },
        { name: 'B', at: ['compose.yaml:6'], message: 'required variable B is missing a value' },
        { name: 'C', at: ['compose.yaml:10'], message: 'required variable C is missing a value' },
      ],
      envFile: '.env',
      envFileExists: false,
    });
    expect(finding.fixes).toEqual([
      { title: 'Create .env in /project with a line NAME=value for each of A, B, C (or export them in the shell that runs compose)' },
      {
        title: 'Then check that compose accepts the project (it prints only what it refuses)',
        command: 'docker compose config --quiet',
        runIn: 'project',
      },
    ]);
    // The others say nothing about it and judge none of the services compose refuses.
    expect(byId(results, 'bind-mounts').status).toBe('passed');
    expect(byId(results, 'dns').status).toBe('passed');
    expect(byId(results, 'build-context')).toMatchObject({
      status: 'skipped',
      skipReason: 'no Dockerfile in the project, and compose refuses compose.yaml (reported by port-conflicts)',
    });
  });

  it.each([['bind-mounts'], ['dns'], ['build-context']])('still reports it when %s runs alone', async (id) => {
    const results = await run([id], { '/project/compose.yaml': THREE_UNSET });
    expect(composeInvalid(results).map((r) => [r.check, r.finding.subject.name])).toEqual([[id, 'compose.yaml']]);
    expect(results[0]!.status).toBe('failed');
  });

  it('goes to the first selected reader in catalogue order, whatever order the ids were given in', async () => {
    const results = await run(['build-context', 'dns'], { '/project/compose.yaml': THREE_UNSET });
    expect(composeInvalid(results).map((r) => r.check)).toEqual(['dns']);
  });

  it('goes to build-context when the daemon is down and the checks before it are skipped', async () => {
    const results = await run([], { '/project/compose.yaml': THREE_UNSET }, { daemon: false });
    expect(['port-conflicts', 'bind-mounts', 'dns'].map((id) => byId(results, id).status)).toEqual(['skipped', 'skipped', 'skipped']);
    expect(composeInvalid(results).map((r) => r.check)).toEqual(['build-context']);
  });

  it('goes to build-context when the daemon answers but its container list cannot be read', async () => {
    const results = await run(
      [],
      { '/project/compose.yaml': THREE_UNSET },
      { routes: { '/containers/json': new EngineError('http', 'answered HTTP 500', { statusCode: 500 }) } },
    );
    expect(byId(results, 'port-conflicts').status).toBe('skipped');
    expect(composeInvalid(results).map((r) => r.check)).toEqual(['build-context']);
  });

  it('names only the variables still missing, and never a value from .env', async () => {
    const results = await run(['port-conflicts'], {
      '/project/compose.yaml': THREE_UNSET,
      '/project/.env': 'A=hunter2-secret-value\nB=\n',
    });
    const { finding } = composeInvalid(results)[0]!;
    // B is set but empty: `:?` still refuses it; C is set by nobody.
    expect(finding.title).toBe('2 required variables have no value: B, C, so compose refuses the project (first at compose.yaml:6)');
    expect(finding.fixes[0]).toEqual({
      title: 'Add a line NAME=value to .env in /project for each of B, C (or export them in the shell that runs compose)',
    });
    expect(JSON.stringify(results)).not.toContain('hunter2');
  });

  it('names secret-looking variables whole (a name is not a value), and the value of one that is set nowhere', async () => {
    const yaml =
      'services:\n  db:\n    image: busybox\n    environment:\n      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?}\n      API_TOKEN: ${API_TOKEN:?}\n';
    const results = await run(['port-conflicts'], { '/project/compose.yaml': yaml, '/project/.env': 'OTHER_SECRET=s3cr3t-value\n' });
    const { finding } = composeInvalid(results)[0]!;
    expect(finding.title).toBe(
      '2 required variables have no value: POSTGRES_PASSWORD, API_TOKEN, so compose refuses the project (first at compose.yaml:5)',
    );
    expect(finding.fixes[0]!.title).toBe(
      'Add a line NAME=value to .env in /project for each of POSTGRES_PASSWORD, API_TOKEN (or export them in the shell that runs compose)',
    );
    expect(JSON.stringify(results)).not.toContain('s3cr3t');
  });

  it('says "Required variable X" for one, with every line it is used at', async () => {
    const yaml = 'services:\n  web:\n    image: ${TAG:?}\n    command: ${TAG:?}\n';
    const [result] = await run(['dns'], { '/project/compose.yaml': yaml });
    expect(result!.findings.map((f) => f.title)).toEqual([
      'Required variable TAG has no value, so compose refuses the project (compose.yaml:3, compose.yaml:4)',
    ]);
  });

  it('reports a file that is not valid YAML once, at its first error, by one check', async () => {
    const results = await run([], { '/project/compose.yaml': 'services:\n  web:\n    image: busybox\n   ports:\n      - "1:1"\n' });
    const reported = composeInvalid(results);
    expect(reported.map((r) => [r.check, r.finding.location])).toEqual([['port-conflicts', { file: 'compose.yaml', line: 4, column: 1 }]]);
    expect(reported[0]!.finding.title).toBe(
      'Compose cannot read compose.yaml: All mapping items must start at the same column (compose.yaml:4:1)',
    );
    expect(reported[0]!.finding.fixes).toEqual([
      {
        title: 'Correct compose.yaml:4, then check that compose accepts the project (it prints only what it refuses)',
        command: 'docker compose config --quiet',
        runIn: 'project',
      },
    ]);
  });

  it('judges no service of a file compose refuses: a duplicate port and a localhost reference wait until it is fixed', async () => {
    const yaml = [
      'services:',
      '  a:',
      '    image: busybox',
      '    ports: ["8080:80"]',
      '    environment:',
      '      API_URL: http://localhost:8081',
      '      TOKEN: ${TOKEN:?}',
      '  b:',
      '    image: busybox',
      '    ports: ["8080:80", "8081:8081"]',
      '    volumes: ["./missing.conf:/etc/b.conf"]',
      '',
    ].join('\n');
    const results = await run([], { '/project/compose.yaml': yaml });
    expect(results.flatMap((r) => r.findings.map((f) => f.code))).toEqual(['port-conflicts/compose-invalid']);
    // With the variable set, the same file has its findings.
    const fixed = await run([], { '/project/compose.yaml': yaml }, { env: { TOKEN: 't' } });
    expect(fixed.flatMap((r) => r.findings.map((f) => f.code)).sort()).toEqual([
      'bind-mounts/compose-source-missing',
      'dns/compose-localhost',
      'port-conflicts/compose-duplicate-port',
    ]);
  });

  it('keeps a distinct problem as its own finding beside the variables', async () => {
    const yaml = 'services:\n  web:\n    image: busybox\n    ports: ["${PORT:?}:80", "1:2:3:4"]\n';
    const results = await run(['port-conflicts'], { '/project/compose.yaml': yaml });
    expect(results[0]!.findings.map((f) => f.title)).toEqual([
      'Required variable PORT has no value, so compose refuses the project (compose.yaml:4)',
      'Compose cannot read compose.yaml: invalid port "1:2:3:4" (compose.yaml:4:29)',
    ]);
  });
});
