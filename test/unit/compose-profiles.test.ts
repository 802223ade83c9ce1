import { describe, expect, it } from 'vitest';
import { builtinChecks } from '../../checks/index.js';
import { selectChecks } from '../../src/engine/select.js';
import { runChecks } from '../../src/engine/runner.js';
import type { CheckResult } from '../../src/engine/types.js';
import { engineWith } from '../helpers/containers.js';
import { fakeClients, fakeFacts, HEALTHY_ENGINE, SOCKET } from '../helpers/fakes.js';

/** `docker-doctor <ids>` on a project whose only file is compose.yaml, on an engine with no containers. */
async function run(
  ids: string[],
  files: Record<string, string>,
  { env = {} }: { env?: Record<string, string> } = {},
): Promise<CheckResult[]> {
  const engine = engineWith([], { '/info': { ...(HEALTHY_ENGINE['/info'] as object), IPv4Forwarding: true }, '/networks': [] });
  const clients = fakeClients({ engine, files: { '/var/run/docker.sock': { stat: SOCKET }, ...files }, env });
  return runChecks(selectChecks(builtinChecks, ids), fakeFacts(clients), { probe: false, verbose: false, timeoutMs: 5000 });
}

describe('compose services in profiles that are not enabled', () => {
  it('bind-mounts: a missing source of a service `up` does not start is not reported', async () => {
    const yaml =
      'services:\n  app:\n    image: busybox\n  tools:\n    image: busybox\n    profiles: [tools]\n    volumes: ["./missing.conf:/etc/tools.conf"]\n';
    const [quiet] = await run(['bind-mounts'], { '/project/compose.yaml': yaml });
    expect(quiet).toMatchObject({ status: 'passed', findings: [] });
    const [enabled] = await run(['bind-mounts'], { '/project/compose.yaml': yaml }, { env: { COMPOSE_PROFILES: 'tools' } });
    expect(enabled!.findings.map((f) => [f.code, f.subject.name])).toEqual([['bind-mounts/compose-source-missing', 'tools']]);
  });

  it('dns: localhost is matched only with services that run together with the one that uses it', async () => {
    // Two exclusive profiles each bring their own API on 3000; the web service of one reaches localhost:3000.
    const yaml = [
      'services:',
      '  web:',
      '    image: busybox',
      '    profiles: [aio]',
      '    environment: { API_URL: "http://localhost:3000" }',
      '  aio-api:',
      '    image: busybox',
      '    profiles: [aio]',
      '    expose: ["3000"]',
      '  backend:',
      '    image: busybox',
      '    profiles: [split]',
      '    expose: ["3000"]',
      '',
    ].join('\n');
    const [result] = await run(['dns'], { '/project/compose.yaml': yaml });
    expect(result!.findings.map((f) => [f.code, f.subject.name, f.fixes[0]!.command])).toEqual([
      ['dns/compose-localhost', 'web', 'API_URL: http://aio-api:3000'],
    ]);
  });

  it('dns: an active service is not pointed at a service whose profile is off', async () => {
    const yaml =
      'services:\n  app:\n    image: busybox\n    environment: { DATABASE_URL: "postgres://localhost:5432/app" }\n  db:\n    image: busybox\n    profiles: [db]\n    expose: ["5432"]\n';
    const [result] = await run(['dns'], { '/project/compose.yaml': yaml });
    expect(result).toMatchObject({ status: 'passed', findings: [] });
  });
});
