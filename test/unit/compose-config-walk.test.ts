import { describe, expect, it } from 'vitest';
import { schemaErrors } from '../../checks/compose-config/schema.js';
import { composeProject } from '../../src/testing/index.js';

/** The compose model's unset variables and documents (src/facts/project/compose-walk.ts), and the schema's errors. */
describe('unset variables in the compose model', () => {
  const unset = async (yaml: string, options: Parameters<typeof composeProject>[1] = {}) =>
    (await composeProject(yaml, options)).unsetVariables.map((v) => [v.name, v.uses.map((u) => `${u.file}:${u.line}`)]);

  it('in any value, not only the keys the model reads; keys are not interpolated', async () => {
    expect(await unset('services:\n  web:\n    image: x\n    labels:\n      $KEY: "${A}"\n    x-note: "$B"\nx-top: "${C}"\n')).toEqual([
      ['A', ['compose.yaml:5']],
      ['B', ['compose.yaml:6']],
      ['C', ['compose.yaml:7']],
    ]);
  });

  it('from .env and the environment; a shared anchor is reported once, where it is written', async () => {
    const yaml = 'x-base: &base\n  image: "x:${TAG}"\nservices:\n  a:\n    <<: *base\n  b:\n    <<: *base\n    command: "$SET $FROM_ENV"\n';
    expect(await unset(yaml, { files: { '.env': 'SET=1\n' }, env: { FROM_ENV: 'y' } })).toEqual([['TAG', ['compose.yaml:2']]]);
  });

  it('in included and extended files, with the variables of the project that reads them', async () => {
    const yaml = 'include:\n  - sub/compose.yaml\nservices:\n  web:\n    extends:\n      file: base.yaml\n      service: base\n';
    const files = {
      'sub/compose.yaml': 'services:\n  api:\n    image: "api:${API_TAG}"\n    command: "${OWN}"\n',
      'sub/.env': 'OWN=1\n',
      'base.yaml': 'services:\n  base:\n    image: "base:${BASE_TAG}"\n',
    };
    expect(await unset(yaml, { files })).toEqual([
      ['BASE_TAG', ['base.yaml:3']],
      ['API_TAG', ['sub/compose.yaml:3']],
    ]);
  });

  it('none for a required variable (compose refuses that: a problem) or a malformed ${', async () => {
    const project = await composeProject('services:\n  web:\n    image: "${A:?set A}"\n    command: "${B"\n');
    expect(project.unsetVariables).toEqual([]);
    expect(project.problems.length).toBe(2);
  });
});

describe('documents for the schema', () => {
  it('are interpolated data, with their locations', async () => {
    const project = await composeProject('services:\n  web:\n    image: "x:${TAG:-1}"\n    ports:\n      - 80\n');
    const [document] = project.documents;
    expect(document!.data).toEqual({ services: { web: { image: 'x:1', ports: [80] } } });
    expect(document!.locate(['services', 'web', 'ports', '0'])).toEqual({ at: { file: 'compose.yaml', line: 5, column: 9 } });
    expect(document!.locate(['services', 'web', 'image'])?.raw).toBe('x:${TAG:-1}');
    expect(document!.locate(['services', 'web'], { key: true })?.at.line).toBe(2);
  });

  it('a !reset value is left out, as compose leaves it', async () => {
    const project = await composeProject('services:\n  web:\n    image: x\n    ports: !reset []\n');
    expect(project.documents[0]!.data).toEqual({ services: { web: { image: 'x' } } });
  });

  it('a file that expands past any hand-written size (a YAML bomb) is not validated', async () => {
    const levels = ['a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]'];
    for (let i = 1; i < 7; i++)
      levels.push(
        `${'bcdefgh'[i - 1]}: &${'bcdefgh'[i - 1]} [${Array(10)
          .fill(`*${'abcdefg'[i - 1]}`)
          .join(', ')}]`,
      );
    const project = await composeProject(`x-bomb:\n${levels.map((l) => `  ${l}`).join('\n')}\nservices:\n  web:\n    image: x\n`);
    expect(project.documents[0]!.data).toBeUndefined();
  });
});

describe('the Compose Specification schema', () => {
  it('accepts what compose accepts: extensions, long and short syntax, variables typed as strings', () => {
    expect(
      schemaErrors({
        'x-anything': { a: 1 },
        services: {
          web: {
            image: 'x',
            ports: [80, '8080:80', { target: 80, published: '8081' }],
            environment: { A: 1, B: null, C: true },
            depends_on: { db: { condition: 'service_healthy' } },
            deploy: { resources: { limits: { cpus: '0.5' } } },
            'x-own': true,
          },
          db: { build: { context: '.', dockerfile: 'Dockerfile' } },
        },
        networks: { front: null },
        volumes: { data: { external: true } },
      }),
    ).toEqual([]);
  });

  it('one error per place: the unknown key (with the key meant), not every oneOf branch', () => {
    expect(schemaErrors({ services: { web: { build: { context: '.', dockrfile: 'x' } } } })).toEqual([
      {
        path: ['services', 'web', 'build', 'dockrfile'],
        message: 'unknown key dockrfile',
        unknownKey: { key: 'dockrfile', suggestion: 'dockerfile' },
      },
    ]);
  });

  it('a type error names what was expected, a value outside an enum what is allowed', () => {
    expect(schemaErrors({ services: { web: { image: 'x', user: 1000, restart: 5 } } })).toEqual([
      { path: ['services', 'web', 'restart'], message: 'must be a string, not a whole number', expected: ['string'] },
      { path: ['services', 'web', 'user'], message: 'must be a string, not a whole number', expected: ['string'] },
    ]);
    expect(schemaErrors({ services: { web: { image: 'x', depends_on: { db: { condition: 'started' } } } } })).toEqual([
      {
        path: ['services', 'web', 'depends_on', 'db', 'condition'],
        message: 'must be one of service_started, service_healthy, service_completed_successfully',
      },
    ]);
  });

  it('an unknown key far from every known one gets no suggestion', () => {
    expect(schemaErrors({ services: { web: { image: 'x', frobnicate: 1 } } })[0]!.unknownKey).toEqual({ key: 'frobnicate' });
  });
});
