import { describe, expect, it } from 'vitest';
import { loadCompose, runTogether, type ComposeProject } from '../../src/facts/project/compose.js';
import { findComposeFiles } from '../../src/facts/project/compose-files.js';
import { commandSource } from '../../checks/shared/project-source.js';
import { fakeClients, fakeFacts, fakeFs, type FakeFile } from '../helpers/fakes.js';

const DIR = '/project';
async function load(files: Record<string, string | FakeFile>, env: Record<string, string> = {}): Promise<ComposeProject> {
  const project = await loadCompose(fakeFs(prefixed(files)), DIR, env);
  expect(project).not.toBeNull();
  return project!;
}
const prefixed = (files: Record<string, string | FakeFile>) =>
  Object.fromEntries(Object.entries(files).map(([p, f]) => [p.startsWith('/') ? p : `${DIR}/${p}`, f]));
const service = (project: ComposeProject, name: string) => project.services.find((s) => s.name === name)!;

describe('compose files compose would read', () => {
  it('prefers compose.yaml over docker-compose.yml, and takes the first override file by compose-go order', async () => {
    const sources = await findComposeFiles(
      fakeFs(prefixed({ 'docker-compose.yml': '', 'compose.yaml': '', 'docker-compose.override.yml': '', 'compose.override.yml': '' })),
      DIR,
      {},
    );
    expect(sources?.files).toEqual(['/project/compose.yaml', '/project/compose.override.yml']);
  });

  it('takes COMPOSE_FILE from .env, with COMPOSE_PATH_SEPARATOR, instead of discovery', async () => {
    const project = await load({
      'compose.yaml': 'services:\n  ignored: {image: x}\n',
      '.env': 'COMPOSE_FILE=base.yml;deploy/prod.yml\nCOMPOSE_PATH_SEPARATOR=;\n',
      'base.yml': 'services:\n  web:\n    image: web\n',
      'deploy/prod.yml': 'services:\n  web:\n    ports: ["80:80"]\n',
    });
    expect(project.files).toEqual(['base.yml', 'deploy/prod.yml']);
    expect(project.services.map((s) => s.name)).toEqual(['web']);
    expect(service(project, 'web').ports[0]!.at).toEqual({ file: 'deploy/prod.yml', line: 3, column: 13 });
  });

  it('has no project without a compose file', async () => {
    expect(await loadCompose(fakeFs(prefixed({ Dockerfile: 'FROM scratch\n' })), DIR, {})).toBeNull();
  });
});

describe('project name', () => {
  const files = { 'compose.yaml': 'name: declared\nservices:\n  web: {image: x}\n' };
  it('COMPOSE_PROJECT_NAME from the environment wins over name:', async () => {
    expect((await load({ ...files, '.env': 'COMPOSE_PROJECT_NAME=fromdotenv\n' }, { COMPOSE_PROJECT_NAME: 'FromEnv' })).name).toBe(
      'fromenv',
    );
  });
  it('COMPOSE_PROJECT_NAME from .env wins over name:', async () => {
    expect((await load({ ...files, '.env': 'COMPOSE_PROJECT_NAME=fromdotenv\n' })).name).toBe('fromdotenv');
  });
  it('name: wins over the directory, and the directory is the last resort', async () => {
    expect((await load(files)).name).toBe('declared');
    expect((await load({ 'compose.yaml': 'services:\n  web: {image: x}\n' })).name).toBe('project');
  });
});

describe('YAML anchors and merge keys', () => {
  const yaml = [
    'x-base: &base', //                     1
    '  image: app', //                      2
    '  ports:', //                          3
    '    - "8080:80"', //                   4
    '  environment: &env', //               5
    '    A: "1"', //                        6
    'services:', //                         7
    '  web:', //                            8
    '    <<: *base', //                     9
    '    command: ["serve"]', //            10
    '  worker:', //                         11
    '    <<: [*base]', //                   12
    '    image: worker', //                 13
    '    ports: []', //                     14
    '    environment: *env', //             15
    '',
  ].join('\n');

  it('merges keys the service does not set, at the lines where the anchor writes them', async () => {
    const project = await load({ 'compose.yaml': yaml });
    const web = service(project, 'web');
    expect(web.image).toBe('app');
    expect(web.ports.map((p) => [p.raw, p.at.line])).toEqual([['8080:80', 4]]);
    expect(web.command).toEqual({ value: 'serve', at: { file: 'compose.yaml', line: 10, column: 14 } });
    const worker = service(project, 'worker');
    expect(worker.image).toBe('worker');
    expect(worker.ports).toEqual([]);
    expect(worker.environment.map((e) => [e.name, e.value, e.at.line])).toEqual([['A', '1', 6]]);
    expect(project.problems).toEqual([]);
  });

  it('reports an alias to an unknown anchor, and survives an anchor that refers to itself', async () => {
    const project = await load({ 'compose.yaml': 'x: &loop [*loop]\nservices:\n  web:\n    ports: *nope\n' });
    expect(project.problems).toEqual([expect.objectContaining({ file: 'compose.yaml', line: 4, message: 'unknown anchor: *nope' })]);
  });

  // Review s6 F6: each `<<` copied every inherited pair, n²/2 along a chain (6,000 levels: 1.25 GB).
  it('reads a merge chain a hand-written file could have, and refuses one whose merges copy too much', async () => {
    const chain = (levels: number) =>
      'x-b0: &b0\n  image: nginx\n' +
      Array.from({ length: levels - 1 }, (_, i) => `x-b${i + 1}: &b${i + 1}\n  <<: *b${i}\n  k${i + 1}: v\n`).join('') +
      `services:\n  web:\n    <<: *b${levels - 1}\n`;
    const small = await load({ 'compose.yaml': chain(100) });
    expect(service(small, 'web').image).toBe('nginx');
    expect(small.problems).toEqual([]);
    const started = performance.now();
    const large = await load({ 'compose.yaml': chain(6_000) });
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(large.services).toEqual([]);
    expect(large.problems).toEqual([
      expect.objectContaining({ file: 'compose.yaml', message: expect.stringMatching(/^is too large to read once its merge keys/) }),
    ]);
  });
});

describe('files too large to read', () => {
  // Review s6 F4: a 770 KB file of 160,000 depends_on names took 225 MB to parse, over the 200 MB budget of issue 11.
  it('refuses a file of more than 100,000 values before parsing it, and reads one just under', async () => {
    const names = (count: number) => Array.from({ length: count }, (_, i) => `s${i}`).join(',');
    const text = (count: number) => `services:\n  web:\n    image: nginx\n    depends_on: [${names(count)}]\n`;
    const under = await load({ 'compose.yaml': text(99_990) });
    expect(service(under, 'web').dependsOn).toHaveLength(99_990);
    const over = await load({ 'compose.yaml': text(100_000) });
    expect(over.services).toEqual([]);
    expect(over.problems).toEqual([
      expect.objectContaining({ file: 'compose.yaml', line: 1, message: 'is too large to read (more than 100000 values)' }),
    ]);
  });
});

describe('extends', () => {
  it("takes the base service from the same file, then the service's own keys", async () => {
    const project = await load({
      'compose.yaml': 'services:\n  base:\n    image: app\n    ports: ["9000:9000"]\n  web:\n    extends: base\n    ports: ["8080:80"]\n',
    });
    expect(service(project, 'web').image).toBe('app');
    expect(service(project, 'web').ports.map((p) => p.raw)).toEqual(['9000:9000', '8080:80']);
  });

  it("takes it from another file, with that file's locations and relative paths", async () => {
    const project = await load({
      'compose.yaml': 'services:\n  web:\n    extends:\n      file: common/base.yml\n      service: app\n',
      'common/base.yml': 'services:\n  app:\n    build: ./src\n    command: run\n    volumes: ["./data:/data"]\n',
    });
    const web = service(project, 'web');
    expect(web.build?.context).toBe('/project/common/src');
    expect(web.command?.at).toEqual({ file: 'common/base.yml', line: 4, column: 14 });
    expect(web.volumes[0]!.source).toBe('/project/common/data');
  });

  it('reports a missing base service and a cycle instead of hanging', async () => {
    const project = await load({ 'compose.yaml': 'services:\n  a:\n    extends: b\n  b:\n    extends: a\n  c:\n    extends: nowhere\n' });
    expect(project.problems.map((p) => p.message)).toEqual(
      expect.arrayContaining([
        'extends cycle: service a extends itself',
        'extends cycle: service b extends itself',
        'extends: there is no service nowhere in compose.yaml',
      ]),
    );
  });

  // Review s6 F5: each service re-read its whole chain, copying the chain's set at every level (1,000 levels: 14 s).
  it('resolves a long chain once per service, each with every level of its chain', async () => {
    const levels = 1_000;
    const text =
      'services:\n  s0:\n    image: nginx\n    ports: ["80"]\n' +
      Array.from({ length: levels - 1 }, (_, i) => `  s${i + 1}:\n    extends: s${i}\n`).join('') +
      '  s1000:\n    extends: s999\n    ports: ["81"]\n  t:\n    extends: s1000\n    ports: ["82"]\n';
    const started = performance.now();
    const project = await load({ 'compose.yaml': text });
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(service(project, 's999').image).toBe('nginx');
    expect(service(project, 't').ports.map((p) => p.raw)).toEqual(['80', '81', '82']);
    expect(project.problems).toEqual([]);
  });

  it('gives each service its own copy of a shared base, and reads an override onto what the first file set', async () => {
    const project = await load({
      'compose.yaml': 'services:\n  base:\n    image: app\n    ports: ["9000:9000"]\n  a:\n    extends: base\n  b:\n    extends: base\n',
      'compose.override.yaml': 'services:\n  a:\n    extends: base\n    ports: ["8080:80"]\n  base:\n    image: other\n',
    });
    service(project, 'b').ports.push(service(project, 'b').ports[0]!);
    expect(service(project, 'base').ports.map((p) => p.raw)).toEqual(['9000:9000']);
    expect(service(project, 'a').ports.map((p) => p.raw)).toEqual(['9000:9000', '8080:80']);
    expect(service(project, 'a').image).toBe('other');
  });
});

describe('include', () => {
  it("adds the included project's services, relative to its own directory and .env", async () => {
    const project = await load(
      {
        'compose.yaml': 'include:\n  - db/compose.yaml\nservices:\n  web: {image: web}\n',
        'db/compose.yaml': 'services:\n  db:\n    build: .\n    ports: ["${DB_PORT}:5432"]\n',
        'db/.env': 'DB_PORT=5433\nAPP=db\n',
      },
      {},
    );
    const db = service(project, 'db');
    expect(db.build?.context).toBe('/project/db');
    expect(db.ports[0]).toMatchObject({ published: { from: 5433, to: 5433 }, at: { file: 'db/compose.yaml', line: 4 } });
  });

  it("lets the including project's variables win over the included .env", async () => {
    const project = await load({
      'compose.yaml': 'include:\n  - path: db/compose.yaml\n    env_file: db/custom.env\n',
      '.env': 'DB_PORT=7000\n',
      'db/compose.yaml': 'services:\n  db:\n    ports: ["${DB_PORT}:5432"]\n',
      'db/custom.env': 'DB_PORT=5433\n',
    });
    expect(service(project, 'db').ports[0]!.published).toEqual({ from: 7000, to: 7000 });
  });

  it('reports a service defined both here and in the included file', async () => {
    const project = await load({
      'compose.yaml': 'include:\n  - other.yml\nservices:\n  web: {image: a}\n',
      'other.yml': 'services:\n  web: {image: b}\n',
    });
    expect(project.problems).toEqual([
      expect.objectContaining({
        file: 'compose.yaml',
        line: 2,
        message: 'services.web conflicts with the service of that name in other.yml',
      }),
    ]);
    expect(service(project, 'web').image).toBe('a');
  });
});

describe('profiles', () => {
  const yaml =
    'services:\n  web: {image: a}\n  debug:\n    image: b\n    profiles: [debug]\n  tools:\n    image: c\n    profiles: [tools, ci]\n';
  it('starts only services without profiles by default', async () => {
    const project = await load({ 'compose.yaml': yaml });
    expect(project.services.map((s) => [s.name, s.active])).toEqual([
      ['web', true],
      ['debug', false],
      ['tools', false],
    ]);
  });
  it('honours COMPOSE_PROFILES from .env and from the environment, and *', async () => {
    expect((await load({ 'compose.yaml': yaml, '.env': 'COMPOSE_PROFILES=ci\n' })).services.map((s) => s.active)).toEqual([
      true,
      false,
      true,
    ]);
    expect((await load({ 'compose.yaml': yaml }, { COMPOSE_PROFILES: 'debug,tools' })).services.map((s) => s.active)).toEqual([
      true,
      true,
      true,
    ]);
    expect((await load({ 'compose.yaml': yaml }, { COMPOSE_PROFILES: '*' })).services.every((s) => s.active)).toBe(true);
  });
});

it("expands ~ in bind sources from the injected HOME, not this process's", async () => {
  const project = await load({ 'compose.yaml': 'services:\n  web:\n    volumes: ["~/data:/data"]\n' }, { HOME: '/home/someone' });
  expect(service(project, 'web').volumes[0]!.source).toBe('/home/someone/data');
});

describe('containers a compose project made', () => {
  const labels = (extra: Record<string, string>) => ({
    'com.docker.compose.project': 'stack',
    'com.docker.compose.service': 'web',
    'com.docker.compose.project.working_dir': DIR,
    ...extra,
  });
  const facts = () =>
    fakeFacts(
      fakeClients({
        files: prefixed({
          'compose.yaml': 'services:\n  web:\n    image: a\n    command: from-compose-yaml\n',
          'stack.yml': 'services:\n  web:\n    image: a\n    command: from-stack\n',
        }),
      }),
    );

  it("takes the files from the container's labels (compose -f stack.yml), v1 relative or v2 absolute", async () => {
    expect(await commandSource(facts(), labels({ 'com.docker.compose.project.config_files': 'stack.yml' }))).toEqual({
      file: 'stack.yml',
      line: 4,
      column: 14,
    });
    expect(await commandSource(facts(), labels({ 'com.docker.compose.project.config_files': '/project/stack.yml' }))).toEqual({
      file: 'stack.yml',
      line: 4,
      column: 14,
    });
    expect(await commandSource(facts(), labels({ 'com.docker.compose.project.config_files': '/project/compose.yaml' }))).toEqual({
      file: 'compose.yaml',
      line: 4,
      column: 14,
    });
  });

  it("never attributes a one-off (docker compose run) container to the service's command line", async () => {
    expect(
      await commandSource(facts(), labels({ 'com.docker.compose.oneoff': 'True', 'com.docker.compose.project.config_files': 'stack.yml' })),
    ).toBeUndefined();
  });

  it('ignores a container of another project in another directory', async () => {
    expect(
      await commandSource(facts(), {
        ...labels({}),
        'com.docker.compose.project.working_dir': '/elsewhere',
        'com.docker.compose.project': 'other',
      }),
    ).toBeUndefined();
  });
});

describe('.env and the files themselves', () => {
  it('expands ${VAR} in .env values from earlier keys, then the environment; single quotes stay literal', async () => {
    const project = await load(
      {
        '.env': "BASE=80\nWEB_PORT=${BASE}81\nNAME=${USER_NAME}-dev\nRAW='${BASE}'\n",
        'compose.yaml': 'services:\n  web:\n    ports: ["${WEB_PORT}:80"]\n    environment: ["RAW=${RAW}"]\n',
      },
      { USER_NAME: 'ana', COMPOSE_PROJECT_NAME: '' },
    );
    expect(service(project, 'web').ports[0]!.published).toEqual({ from: 8081, to: 8081 });
    expect(service(project, 'web').environment[0]!.value).toBe('${BASE}');
  });

  it('refuses a compose file that is not a regular file (a FIFO would block the read), and names a missing COMPOSE_FILE', async () => {
    const fifo = await load({ 'compose.yaml': { stat: { type: 'other' } } });
    expect(fifo.problems).toEqual([{ file: 'compose.yaml', line: 1, column: 1, message: 'is not a regular file' }]);
    const missing = await load({ 'compose.yaml': 'services: {}\n' }, { COMPOSE_FILE: 'gone.yml' });
    expect(missing.problems).toEqual([{ file: 'gone.yml', line: 1, column: 1, message: 'does not exist' }]);
  });
});

describe('override files', () => {
  it('append ports, and drop or replace them with !reset and !override', async () => {
    const base =
      'services:\n  web:\n    image: a\n    ports: ["8080:80"]\n  api:\n    image: b\n    ports: ["9000:9000"]\n  db:\n    image: c\n    ports: ["5432:5432"]\n';
    const override =
      'services:\n  web:\n    ports: ["8443:443"]\n  api:\n    ports: !reset []\n  db:\n    ports: !override ["15432:5432"]\n';
    const project = await load({ 'compose.yaml': base, 'compose.override.yaml': override });
    expect(project.services.map((s) => [s.name, s.ports.map((p) => p.raw)])).toEqual([
      ['web', ['8080:80', '8443:443']],
      ['api', []],
      ['db', ['15432:5432']],
    ]);
    expect(project.problems).toEqual([]);
  });
});

describe('problems compose refuses the project for', () => {
  it('names every required variable without a value, each at its line, even several in one value', async () => {
    const project = await load({
      'compose.yaml': 'services:\n  web:\n    image: ${REG:?}/${IMG?no image}:${TAG:-latest}\n    command: ${REG:?}\n',
    });
    expect(project.problems.map((p) => [p.kind, p.variable, p.line])).toEqual([
      ['variable', 'REG', 3],
      ['variable', 'IMG', 3],
      ['variable', 'REG', 4],
    ]);
  });

  it('marks a YAML syntax error as such, and an invalid value as neither', async () => {
    const yaml = await load({ 'compose.yaml': 'services:\n  web:\n    image: "x\n' });
    expect(yaml.problems.map((p) => p.kind)).toEqual(['yaml']);
    const port = await load({ 'compose.yaml': 'services:\n  web:\n    ports: ["1:2:3:4"]\n' });
    expect(port.problems.map((p) => [p.kind, p.message])).toEqual([[undefined, 'invalid port "1:2:3:4"']]);
  });

  it('leaves out a build whose context cannot be interpolated, rather than measure a guessed one', async () => {
    const project = await load({
      'compose.yaml': 'services:\n  app:\n    build:\n      context: ${APP_DIR:?}\n  web:\n    build: ./web\n',
    });
    expect(service(project, 'app').build).toBeUndefined();
    expect(service(project, 'web').build?.context).toBe('/project/web');
  });
});

describe('services that run together', () => {
  const yaml =
    'services:\n  app: {image: x}\n  web: {image: x, profiles: [aio]}\n  api: {image: x, profiles: [aio, split]}\n  backend: {image: x, profiles: [split]}\n';
  it('with `up`: the active ones; for a service whose profile is off: those its profile would start with it', async () => {
    const project = await load({ 'compose.yaml': yaml });
    const with_ = (name: string) =>
      project.services.filter((s) => s.name !== name && runTogether(service(project, name), s)).map((s) => s.name);
    expect(with_('app')).toEqual([]);
    expect(with_('web')).toEqual(['app', 'api']);
    expect(with_('backend')).toEqual(['app', 'api']);
    const enabled = await load({ 'compose.yaml': yaml }, { COMPOSE_PROFILES: 'split' });
    expect(enabled.services.filter((s) => s.name !== 'app' && runTogether(enabled.services[0]!, s)).map((s) => s.name)).toEqual([
      'api',
      'backend',
    ]);
  });
});

describe('compose files that are large or set a key twice', () => {
  it('finds a duplicate key at its line, in one pass over 40,000 keys', async () => {
    const keys = Array.from({ length: 40_000 }, (_, i) => `      K${i}: v${i}`).join('\n');
    const text = `services:\n  web:\n    image: x\n    environment:\n${keys}\n      K7: again\n`;
    const project = await loadCompose(fakeFs({ '/p/compose.yaml': text }), '/p', {});
    expect(project!.problems).toEqual([
      expect.objectContaining({ file: 'compose.yaml', line: 40_005, message: 'mapping key "K7" already defined at line 12', kind: 'yaml' }),
    ]);
  });
});

describe('ports compose would refuse', () => {
  it('are problems at their lines; host port 0 means any free port', async () => {
    const text =
      'services:\n  web:\n    image: x\n    ports:\n      - "0:80"\n      - "70000:80"\n      - "123456789012345678901:80"\n      - "8080:0"\n      - "3000-2000:3000-2000"\n      - target: 99999\n        published: 8081\n      - "1000-3000:1000-3000"\n';
    const project = await loadCompose(fakeFs({ '/p/compose.yaml': text }), '/p', {});
    expect(project!.problems.map((p) => [p.line, p.message])).toEqual([
      [6, 'a port above 65535 in port "70000:80"'],
      [7, 'a port above 65535 in port "123456789012345678901:80"'],
      [8, 'container port 0 in port "8080:0"'],
      [9, 'a port range that runs backwards in port "3000-2000:3000-2000"'],
      [10, 'a port above 65535 in port "8081:99999"'],
    ]);
    expect(project!.services[0]!.ports.map((p) => [p.raw, p.published])).toEqual([
      ['0:80', undefined],
      ['1000-3000:1000-3000', { from: 1000, to: 3000 }],
    ]);
  });
});

describe('a .env that exists but cannot be read', () => {
  it('is a problem naming it, not silently empty variables', async () => {
    const fs = fakeFs({ '/p/compose.yaml': 'services:\n  web:\n    image: x\n', '/p/.env': { stat: { type: 'other' } } });
    const project = await loadCompose(fs, '/p', {});
    expect(project!.problems).toEqual([
      expect.objectContaining({ file: '.env', line: 1, message: '.env is not a regular file, so compose cannot read its variables' }),
    ]);
  });
});

describe('attributing a container to this project', () => {
  it('never by name alone when the container says it came from another directory', async () => {
    const clients = fakeClients({
      files: {
        '/project/compose.yaml': 'services:\n  web:\n    image: x\n    command: ["serve"]\n',
        '/elsewhere/project/compose.yaml': 'services:\n  web:\n    image: y\n    command: ["other"]\n',
      },
    });
    const facts = fakeFacts(clients);
    const labels = {
      'com.docker.compose.project': 'project',
      'com.docker.compose.service': 'web',
      'com.docker.compose.project.working_dir': '/elsewhere/project',
      'com.docker.compose.project.config_files': '/elsewhere/project/compose.yaml',
    };
    expect(await commandSource(facts, labels)).toBeUndefined();
    expect(
      await commandSource(facts, {
        ...labels,
        'com.docker.compose.project.working_dir': '/project',
        'com.docker.compose.project.config_files': '/project/compose.yaml',
      }),
    ).toMatchObject({ file: 'compose.yaml', line: 4 });
  });
});
