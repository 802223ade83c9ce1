import { describe, expect, it } from 'vitest';
import { composeProject } from '../../src/testing/index.js';

const YAML = `version: "3.8"
services:
  web:
    build: .
    env_file:
      - .env.web
      - path: ./optional.env
        required: false
    depends_on:
      - db
    extra_hosts:
      - "host.docker.internal:host-gateway"
    networks: [front, back]
  worker:
    image: worker:\${TAG:-1}
    depends_on:
      db:
        condition: service_healthy
        restart: true
  db:
    image: postgres:16
    healthcheck:
      test: ["CMD-SHELL", "pg_isready -U postgres"]
      interval: 5s
      retries: 5
      start_period: "30"
networks:
  front:
  back:
    external: true
volumes:
  data:
    name: shared-data
`;

describe('the compose model: keys the health, readiness, volume and configuration checks read', () => {
  it('reads healthcheck, depends_on, env_file, extra_hosts and network references with their lines', async () => {
    const project = await composeProject(YAML);
    const [web, worker, db] = ['web', 'worker', 'db'].map((n) => project.services.find((s) => s.name === n)!);
    expect(web!.dependsOn).toEqual([
      { service: 'db', condition: 'service_started', required: true, form: 'short', at: expect.objectContaining({ line: 10 }) },
    ]);
    expect(worker!.dependsOn[0]).toMatchObject({ service: 'db', condition: 'service_healthy', restart: true, form: 'long' });
    expect(web!.envFiles.map((f) => [f.path, f.required, f.at.line])).toEqual([
      ['/project/.env.web', true, 6],
      ['/project/optional.env', false, 7],
    ]);
    expect(web!.extraHosts.map((h) => h.value)).toEqual(['host.docker.internal:host-gateway']);
    expect(web!.networkRefs.map((n) => `${n.name}@${n.at.line}`)).toEqual(['front@13', 'back@13']);
    expect(web!.declaresBuild).toBe(true);
    expect(db!.healthcheck).toMatchObject({
      test: { value: ['CMD-SHELL', 'pg_isready -U postgres'] },
      interval: { value: '5s' },
      disable: false,
    });
    expect(db!.healthcheck!.startPeriod).toMatchObject({ value: '30', at: { line: 26 } });
    expect(worker!.healthcheck).toBeUndefined();
  });

  it('reads top-level networks and volumes with their engine names, and the obsolete version', async () => {
    const project = await composeProject(YAML);
    expect(project.networks.map((n) => [n.key, n.name, n.external])).toEqual([
      ['front', 'project_front', false],
      ['back', 'back', true],
    ]);
    expect(project.volumes.map((v) => [v.key, v.name])).toEqual([['data', 'shared-data']]);
    expect(project.version).toMatchObject({ value: '3.8', at: { line: 1 } });
  });

  it('lets a later file replace a dependency and reset a healthcheck', async () => {
    const project = await composeProject(YAML, {
      files: {
        'compose.override.yaml':
          'services:\n  worker:\n    depends_on:\n      db:\n        condition: service_started\n  db:\n    healthcheck: !reset {}\n',
      },
    });
    const worker = project.services.find((s) => s.name === 'worker')!;
    expect(worker.dependsOn.map((d) => d.condition)).toEqual(['service_started']);
    expect(project.services.find((s) => s.name === 'db')!.healthcheck).toBeUndefined();
  });
});

describe('environment across files', () => {
  it("keeps one entry per variable: the override file's value replaces the base file's", async () => {
    const project = await composeProject('services:\n  web:\n    image: x\n    environment:\n      SMTP_HOST: localhost\n      A: "1"\n', {
      files: { 'compose.override.yaml': 'services:\n  web:\n    environment:\n      - SMTP_HOST=mailpit\n' },
    });
    const env = project.services[0]!.environment.map((e) => `${e.name}=${e.value}@${e.at.file}`);
    expect(env).toEqual(['A=1@compose.yaml', 'SMTP_HOST=mailpit@compose.override.yaml']);
  });
});
