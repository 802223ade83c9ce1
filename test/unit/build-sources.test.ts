import { describe, expect, it } from 'vitest';
import buildContext from '../../checks/build-context.js';
import { partPattern } from '../../checks/build-context/source-resolve.js';
import { expand, MAX_EXPANDED, varsAt } from '../../checks/build-context/source-vars.js';
import { parseDockerfile } from '../../src/facts/project/dockerfile.js';
import { nodeFs } from '../../src/facts/clients.js';
import { CheckTester, fakeClients, type FakeWorld } from '../../src/testing/index.js';
import { tempTree } from '../helpers/tree.js';

/** Real files in a temporary directory, read through the real file system; the host stays fake. */
const inProject = (files: Record<string, string>) => (): FakeWorld => ({
  clients: { ...fakeClients(), fs: nodeFs },
  projectDir: tempTree(files, 'dd-sources-'),
  timeoutMs: 10_000,
});

const tester = new CheckTester(buildContext, { timeoutMs: 10_000 });

const COMPOSE_SUBDIR = 'services:\n  api:\n    build:\n      context: ./api\n';

tester.run({
  healthy: [
    {
      name: 'every source is in the context: files, directories, exec form, wildcards that match, absolute paths read from the context',
      facts: inProject({
        Dockerfile: [
          'FROM scratch',
          'COPY app.py /app/',
          'COPY ["src", "/src/"]',
          'COPY *.txt /txt/',
          'ADD /conf/app.ini /etc/',
          'COPY --link --chmod=644 conf /conf',
          'COPY . /all/',
          'COPY "app.py" \'src\' /quoted/',
          '',
        ].join('\n'),
        'app.py': 'x',
        'src/main.py': 'x',
        'a.txt': 'x',
        'conf/app.ini': 'x',
      }),
    },
    {
      // Review s6 F2: the class went straight into a RegExp and the check crashed; the builder refuses the pattern too.
      name: 'a wildcard the builder refuses ([z-a], an unclosed class) is left unresolved, and the line gets no finding from it',
      facts: inProject({ Dockerfile: 'FROM scratch\nCOPY [z-a] /w\nCOPY [abc *.none /v\n' }),
    },
    {
      name: 'the optional-file idiom: package-lock.json* matches nothing, but package.json on the same line does',
      facts: inProject({ Dockerfile: 'FROM scratch\nCOPY package.json package-lock.json* /app/\n', 'package.json': '{}' }),
    },
    {
      name: 'not context files: ADD of a URL or a git repository, a heredoc, COPY --from an earlier stage by name and by index, an image',
      facts: inProject({
        Dockerfile: [
          'FROM scratch AS builder',
          'ADD https://example.com/tool.tar.gz /tmp/',
          'ADD git@github.com:moby/buildkit.git /bk',
          'COPY <<EOF /etc/motd',
          'hello',
          'EOF',
          'FROM scratch',
          'COPY --from=builder /tmp /tmp',
          'COPY --from=0 /bk /bk',
          'COPY --from=composer:2 /usr/bin/composer /usr/bin/',
          'COPY --from=golang /usr/local/go /go',
          'RUN --mount=type=bind,from=builder,target=/b true',
          '',
        ].join('\n'),
      }),
    },
    {
      name: 'build args and ENV: a default that names a file there is resolved; an ARG without a value is left alone',
      facts: inProject({
        Dockerfile: [
          'ARG APP=web',
          'FROM scratch',
          'ARG APP',
          'ENV CONF=conf',
          'ARG MODULE',
          'COPY ${APP}/ /app/',
          'COPY $CONF/app.ini /etc/',
          'COPY ${MODULE}/main.go /src/',
          'COPY ${FLAVOUR:-web}/index.html /www/',
          '',
        ].join('\n'),
        'web/index.html': 'x',
        'conf/app.ini': 'x',
      }),
    },
    {
      name: 'a stage the build does not run may copy what is missing (BuildKit skips it)',
      facts: inProject({
        Dockerfile: 'FROM scratch AS docs\nCOPY site/ /site/\nFROM scratch\nCOPY app.py /\n',
        'app.py': 'x',
      }),
    },
    {
      name: 'a Dockerfile found in a subdirectory whose sources are mostly not in its directory: its context is unknown, nothing said',
      facts: inProject({
        'deploy/Dockerfile': 'FROM scratch\nCOPY server.py /\nCOPY worker.py /\nCOPY requirements.txt /\n',
        'deploy/README.md': 'x',
      }),
    },
    {
      name: 'a source the ignore file excludes is the ignore finding alone, never "not in the context" as well',
      facts: inProject({ Dockerfile: 'FROM scratch\nCOPY notes.md /\n', 'notes.md': 'x', '.dockerignore': 'docs\n' }),
    },
  ],
  broken: [
    {
      name: 'a file that is not in the context at all',
      facts: inProject({ Dockerfile: 'FROM scratch\nCOPY app.py /app/\nCOPY settings.toml /app/\n', 'app.py': 'x' }),
      findings: [
        {
          code: 'copy-source-missing',
          severity: 'error',
          subject: 'Dockerfile:3',
          title: 'Dockerfile:3: COPY settings.toml will fail with "not found": there is no settings.toml in the context .',
          fixes: ['ls -la .'],
        },
      ],
    },
    {
      name: 'a directory written with a trailing slash says and suggests what the same source without it does',
      facts: inProject({ Dockerfile: 'FROM scratch\nCOPY config-y/ /app/\n', 'config-x/a.yaml': 'x' }),
      findings: [
        {
          code: 'copy-source-missing',
          severity: 'error',
          subject: 'Dockerfile:2',
          title: 'Dockerfile:2: COPY config-y/ will fail with "not found": there is no config-y in the context .',
          fixes: ['ls -la .'],
        },
      ],
      assert: (result) => expect(result.findings[0]!.evidence).toMatchObject({ source: 'config-y/', path: 'config-y' }),
    },
    {
      name: 'a trailing-slash directory whose letter case differs: the corrected line keeps the slash',
      facts: inProject({ Dockerfile: 'FROM scratch\nCOPY Config-X/ /app/\n', 'config-x/a.yaml': 'x' }),
      findings: [
        {
          code: 'copy-source-missing',
          severity: 'error',
          subject: 'Dockerfile:2',
          title:
            /COPY Config-X\/ will fail with "not found": there is no Config-X in the context \.; the context has config-x \(names are case-sensitive\)$/,
          fixes: ['COPY config-x/ /app/'],
        },
      ],
    },
    {
      name: 'a trailing-slash directory that is elsewhere in the context, in exec form: the path there, with the slash',
      facts: inProject({ Dockerfile: 'FROM scratch\nCOPY ["config-y/", "/app/"]\n', 'deploy/config-y/a.yaml': 'x' }),
      findings: [
        {
          code: 'copy-source-missing',
          severity: 'error',
          subject: 'Dockerfile:2',
          title: /there is no config-y in the context \.; the context has deploy\/config-y$/,
          fixes: ['COPY ["deploy/config-y/","/app/"]'],
        },
      ],
    },
    {
      name: 'the same directory copied with and without a trailing slash in two stages is one missing path',
      facts: inProject({ Dockerfile: 'FROM scratch AS a\nCOPY conf/ /a/\nFROM scratch\nCOPY --from=a /a /a\nCOPY conf /b/\n' }),
      findings: [
        { code: 'copy-source-missing', severity: 'error', subject: 'Dockerfile:2', title: /COPY conf\/ \(and at line 5\) will fail/ },
      ],
    },
    {
      name: 'only the letter case differs: the name on disk, and the corrected line to paste',
      facts: inProject({ Dockerfile: 'FROM scratch\nCOPY --chown=1000 requirements.TXT /app/\n', 'requirements.txt': 'x' }),
      findings: [
        {
          code: 'copy-source-missing',
          severity: 'error',
          subject: 'Dockerfile:2',
          title: /requirements.TXT will fail with "not found": .*; the context has requirements.txt \(names are case-sensitive\)$/,
          fixes: ['COPY --chown=1000 requirements.txt /app/'],
        },
      ],
    },
    {
      name: 'the file is in a subdirectory of the context',
      facts: inProject({ Dockerfile: 'FROM scratch\nCOPY ["config.yaml", "/etc/app/"]\n', 'deploy/config.yaml': 'x' }),
      findings: [
        {
          code: 'copy-source-missing',
          severity: 'error',
          subject: 'Dockerfile:2',
          title: /; the context has deploy\/config.yaml$/,
          fixes: ['COPY ["deploy/config.yaml","/etc/app/"]'],
        },
      ],
    },
    {
      name: 'compose sets the context to a subdirectory and the Dockerfile copies a file from the parent',
      facts: inProject({
        'docker-compose.yml': COMPOSE_SUBDIR,
        'api/Dockerfile': 'FROM scratch\nCOPY main.py /app/\nCOPY shared/util.py /app/\n',
        'api/main.py': 'x',
        'shared/util.py': 'x',
      }),
      findings: [
        {
          code: 'copy-source-missing',
          severity: 'error',
          subject: 'api/Dockerfile:3',
          title: /COPY shared\/util.py will fail with "not found": there is no shared\/util.py in the context api; it is in ., above/,
          fixes: ['context: .\ndockerfile: api/Dockerfile', 'ls -la api/shared'],
        },
      ],
    },
    {
      name: 'the same missing lock file copied by every stage is one finding naming each line',
      facts: inProject({
        Dockerfile: 'FROM scratch AS deps\nCOPY package.json bun.lockb /app/\nFROM deps\nCOPY package.json bun.lockb /app/\n',
        'package.json': '{}',
      }),
      findings: [{ code: 'copy-source-missing', severity: 'error', title: /^Dockerfile:2: COPY bun.lockb \(and at line 4\) will fail/ }],
    },
    {
      name: 'an absolute source is read from the context, not the host',
      facts: inProject({ Dockerfile: 'FROM scratch\nCOPY /etc/hostname /etc/\n' }),
      findings: [
        {
          code: 'copy-source-missing',
          severity: 'error',
          title: /sources are read from the context, never from the host: \/etc\/hostname means .\/etc\/hostname, which does not exist/,
        },
      ],
    },
    {
      name: 'an ARG default names a path that is not there: a warning, since a --build-arg may name another',
      facts: inProject({ Dockerfile: 'FROM scratch\nARG APP=web\nCOPY ${APP}/index.html /www/\n', 'site/index.html': 'x' }),
      findings: [
        {
          code: 'copy-source-missing',
          severity: 'warning',
          title: /there is no web\/index.html in the context . \(with ARG APP's default: a --build-arg may name another path\)/,
        },
      ],
    },
    {
      name: 'build output (a jar under target/) is a note: a step before docker build may make it',
      facts: inProject({ Dockerfile: 'FROM scratch\nCOPY target/app.jar /app.jar\n', 'pom.xml': 'x' }),
      findings: [{ code: 'copy-source-missing', severity: 'info', title: /it looks like build output/ }],
    },
    {
      name: 'a file .gitignore names is a note too',
      facts: inProject({ Dockerfile: 'FROM scratch\nCOPY .env /app/\n', '.gitignore': '.env\nnode_modules/\n' }),
      findings: [{ code: 'copy-source-missing', severity: 'info', title: /the repository keeps it out of git/ }],
    },
    {
      name: '../ climbs out of the context to a file that exists there: the compose change and a copy into the context',
      facts: inProject({
        'docker-compose.yml': COMPOSE_SUBDIR,
        'api/Dockerfile': 'FROM scratch\nCOPY ../shared/util.py /app/\n',
        'shared/util.py': 'x',
      }),
      findings: [
        {
          code: 'copy-source-outside',
          severity: 'error',
          subject: 'api/Dockerfile:2',
          title: /COPY ..\/shared\/util.py points outside the context api \(at shared\/util.py\)/,
          fixes: ['context: .\ndockerfile: api/Dockerfile', 'cp -Rn shared/util.py api/util.py'],
        },
      ],
    },
    {
      name: '../ whose path inside the context exists: BuildKit copies that, the classic builder refuses',
      facts: inProject({ Dockerfile: 'FROM scratch\nCOPY ../app.py /app/\n', 'app.py': 'x' }),
      findings: [
        {
          code: 'copy-source-outside',
          severity: 'warning',
          title: /climbs out of the context .: the classic builder fails .*BuildKit copies app.py/,
          fixes: ['COPY app.py /app/'],
        },
      ],
    },
    {
      name: 'a wildcard that matches nothing, alone on its line',
      facts: inProject({ Dockerfile: 'FROM scratch\nCOPY *.json /app/\nCOPY conf/*.ini /etc/\n', 'conf/a.conf': 'x' }),
      findings: [
        { code: 'copy-glob-empty', severity: 'warning', subject: 'Dockerfile:2', title: /COPY \*.json matches nothing in the context ./ },
        { code: 'copy-glob-empty', severity: 'warning', subject: 'Dockerfile:3' },
      ],
    },
    {
      name: 'COPY --from: no stage named builder, a misspelt name, an index past the end, itself, and a stage defined later',
      facts: inProject({
        Dockerfile: [
          'FROM scratch AS compile',
          'COPY --from=builder /out /out',
          'FROM compile AS assets',
          'COPY --from=compiel /out /out',
          'COPY --from=7 /out /out',
          'COPY --from=1 /out /out',
          'COPY --from=final /x /x',
          'FROM scratch AS final',
          'COPY --from=assets /out /out',
          '',
        ].join('\n'),
      }),
      findings: [
        { code: 'copy-from-unknown', severity: 'error', subject: 'Dockerfile:2', title: /no stage before it is named builder/ },
        {
          code: 'copy-from-unknown',
          severity: 'error',
          subject: 'Dockerfile:4',
          title: /named compiel.*the stage at line 1 is named compile$/,
          fixes: ['COPY --from=compile /out /out'],
        },
        { code: 'copy-from-unknown', severity: 'error', subject: 'Dockerfile:5', title: /invalid stage index 7/ },
        { code: 'copy-from-unknown', severity: 'error', subject: 'Dockerfile:6', title: /names the stage it is in/ },
        { code: 'copy-from-unknown', severity: 'warning', subject: 'Dockerfile:7', title: /names a stage defined later \(line 8\)/ },
      ],
    },
  ],
});

describe('build argument expansion', () => {
  const vars = new Map([
    ['A', { value: 'web', fromArg: true }],
    ['E', { value: 'conf', fromArg: false }],
    ['N', { value: null, fromArg: true }],
    ['EMPTY', { value: '', fromArg: false }],
  ]);
  it('expands the forms the builder knows, and says when an ARG default went in', () => {
    expect(expand('${A}/x', vars)).toEqual({ text: 'web/x', viaArg: 'A' });
    expect(expand('$E/x', vars)).toEqual({ text: 'conf/x' });
    expect(expand('${EMPTY:-d}/${EMPTY-d}', vars)).toEqual({ text: 'd/' });
    expect(expand('${E:+on}${MISSING:+on}', vars)).toEqual({ text: 'on' });
    expect(expand('${UNSET:-dflt}', vars)).toEqual({ text: 'dflt' });
    expect(expand('${N:-dflt}', vars)).toEqual({ text: 'dflt', viaArg: 'N' });
  });
  it('gives up on a value only a --build-arg gives, or an escape', () => {
    expect(expand('${N}/x', vars)).toBeUndefined();
    expect(expand('$UNSET', vars)).toBeUndefined();
    expect(expand('\\$A', vars)).toBeUndefined();
  });
  // Review s6 F1: 63 doublings of `ab` built 2^64 characters and crashed the check with "Invalid string length".
  it('stops at MAX_EXPANDED: a doubled value is unknown, even where a default would otherwise stand in', () => {
    const lines = ['FROM scratch', 'ENV X0=ab', ...Array.from({ length: 63 }, (_, i) => `ENV X${i + 1}=\${X${i}}\${X${i}}`)];
    const dockerfile = parseDockerfile('Dockerfile', `${lines.join('\n')}\nCOPY \${X63} /x\n`);
    const at = [...varsAt(dockerfile).values()][0]!;
    expect(expand('${X63}', at)).toBeUndefined();
    expect(expand('${X63:-fallback}', at)).toBeUndefined();
    expect(expand('${X11}', at)!.text).toHaveLength(4096);
    expect(expand('${X12}', at)).toBeUndefined();
    expect(expand('$E'.repeat(MAX_EXPANDED / 4 + 1), vars)).toBeUndefined();
    expect(expand('x'.repeat(MAX_EXPANDED + 1), vars)).toBeUndefined();
  });
});

describe("COPY source wildcards, as Go's filepath.Match", () => {
  it('matches *, ?, classes, negated classes, ranges and escapes within one part of a path', () => {
    const matches = (pattern: string, name: string) => partPattern(pattern)!(name);
    expect(matches('*.txt', 'a.txt')).toBe(true);
    expect(matches('*.txt', 'a.txt.bak')).toBe(false);
    expect(matches('package-lock.json*', 'package-lock.json')).toBe(true);
    expect(matches('?.py', 'a.py')).toBe(true);
    expect(matches('?.py', 'ab.py')).toBe(false);
    expect(matches('[abc].ini', 'b.ini')).toBe(true);
    expect(matches('[^abc].ini', 'b.ini')).toBe(false);
    expect(matches('[!abc].ini', 'd.ini')).toBe(true);
    expect(matches('v[0-9]*', 'v12')).toBe(true);
    expect(matches('v[0-9]*', 'vx')).toBe(false);
    expect(matches('a\\*', 'a*')).toBe(true);
    expect(matches('a\\*', 'ab')).toBe(false);
    expect(matches('*a*b', 'xaxxb')).toBe(true);
    expect(matches('*', '')).toBe(true);
  });
  // Review s6 F2: `COPY [z-a] /w` crashed the check with "Range out of order in character class".
  it('refuses what the builder refuses: a range out of order, an unclosed or empty class, a trailing escape', () => {
    for (const bad of ['[z-a]', '[abc', '[]', '[]]', 'a\\', '[a-]', '[-a]']) expect(partPattern(bad), bad).toBeUndefined();
  });
  // Review s6 F3: each `*` was `[^/]*` in one backtracking RegExp, so this never finished. The cost is now at most
  // the pattern's length times the name's: 41 × 200 steps.
  it('a pattern of many stars against a long name that nearly matches is answered', () => {
    const stars = partPattern(`${'*a'.repeat(30)}*b`)!;
    expect(stars('a'.repeat(200))).toBe(false);
    expect(stars(`${'a'.repeat(200)}b`)).toBe(true);
  });
});

describe('many sources', () => {
  it('a compose context that does not exist fails the build before any COPY: nothing is said of its sources', async () => {
    const compose = 'services:\n  api:\n    build:\n      context: ./api\n      dockerfile: ../Dockerfile\n';
    const files = { 'docker-compose.yml': compose, Dockerfile: 'FROM scratch\nCOPY a /a\n' };
    const result = await tester.result({ name: 'no context', facts: inProject(files) });
    expect(result.findings.filter((f) => /copy-(source|glob|from)/.test(f.code))).toEqual([]);
  });

  it('1,500 distinct missing sources give 100 findings and one that sums up the rest', async () => {
    const lines = Array.from({ length: 1_500 }, (_, i) => `COPY src/f${i} /a/\n`).join('');
    const result = await tester.result({ name: 'many', facts: inProject({ Dockerfile: `FROM scratch\n${lines}` }) });
    const missing = result.findings.filter((f) => f.code === 'build-context/copy-source-missing');
    expect(missing).toHaveLength(101);
    expect(missing[100]!.title).toBe(
      'Dockerfile: 1,400 more COPY/ADD sources or --from names cannot be resolved (lines 102, 103, 104, 105, 106, …)',
    );
  });

  it('past 2,000 instructions the rest is left unresolved, and the note says the checks stopped', async () => {
    const lines = Array.from({ length: 2_500 }, (_, i) => `COPY src/f${i} /a/\n`).join('');
    const result = await tester.result({ name: 'many', facts: inProject({ Dockerfile: `FROM scratch\n${lines}` }) });
    const missing = result.findings.filter((f) => f.code === 'build-context/copy-source-missing');
    expect(missing[100]!.evidence).toMatchObject({ count: 1_899 });
    expect(result.findings.map((f) => f.code)).toContain('build-context/scan-incomplete');
  });

  it('one missing file copied by 1,000 lines is one finding naming the first few', async () => {
    const result = await tester.result({ name: 'same', facts: inProject({ Dockerfile: `FROM scratch\n${'COPY a /a\n'.repeat(1_000)}` }) });
    expect(result.findings.map((f) => f.title)).toEqual([
      'Dockerfile:2: COPY a (and at lines 3, 4, 5, 6, 7 and 994 more) will fail with "not found": there is no a in the context .',
    ]);
  });
});
