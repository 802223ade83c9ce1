import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findingsOf, runCli } from '../helpers/cli.js';
import { buildkitClient, dockerMayFail, engineAvailable, TEST_LABEL } from '../helpers/engine.js';
import { tempDir } from '../helpers/sockets.js';
import { writeTree } from '../helpers/tree.js';

/*
 * Each broken project is built for real with the classic builder and with BuildKit, and the builder's own error is
 * asserted beside the doctor's finding on the same project. Every build is FROM scratch and needs no registry: the
 * `--from` cases that would make the builder look an image up (a name with no stage) are unit-tested only, since that
 * lookup would send a DNS query off this machine.
 */

const scope = `srcs-${process.pid}-${Date.now().toString(36)}`;
const SOURCE_CODES = /build-context\/(copy-source-missing|copy-source-outside|copy-glob-empty|copy-from-unknown)/;

const BUILDKIT = engineAvailable() ? buildkitClient() : undefined;

/** Builds a project's Dockerfile with one builder, without the network; the output is the builder's, both streams. */
async function build(dir: string, builder: 'classic' | 'buildkit', dockerfile = 'Dockerfile', context = '.') {
  const client = builder === 'classic' ? 'docker' : BUILDKIT!;
  const tag = `docker-doctor-test/${scope}:${builder}`;
  const args = ['build', '--no-cache', '--network', 'none', '--label', `${TEST_LABEL}=${scope}`, '-t', tag, '-f', dockerfile, context];
  const result = await execa(client, args, {
    cwd: dir,
    reject: false,
    all: true,
    timeout: 120_000,
    env: { DOCKER_BUILDKIT: builder === 'classic' ? '0' : '1' },
  });
  return { exitCode: result.exitCode, output: String(result.all) };
}

/** The doctor's source findings for one project, as the built CLI reports them. */
async function diagnose(dir: string) {
  const run = await runCli(['build-context', '--json', '-C', dir]);
  return findingsOf(run.report, 'build-context').filter((f) => SOURCE_CODES.test(f.code));
}

const project = (files: Record<string, string>) => writeTree(tempDir('dd-sources-e2e-'), files);

interface Scenario {
  name: string;
  files: Record<string, string>;
  dockerfile?: string;
  context?: string;
  classic: RegExp;
  /** BuildKit's error, or null when BuildKit (on Engine 20.10) builds it. */
  buildkit: RegExp | null;
  finding: { code: string; severity: string; line: number; title: RegExp; dockerfile?: string };
  /** The corrected line the first fix gives; pasted over the Dockerfile's line, both builders build the project. */
  fixedLine?: string;
}

const SCENARIOS: Scenario[] = [
  {
    name: 'a file that is not in the context',
    files: { Dockerfile: 'FROM scratch\nCOPY app.py /app/\nCOPY settings.toml /app/\n', 'app.py': 'x' },
    classic: /COPY failed: file not found in build context or excluded by \.dockerignore: stat settings\.toml: file does not exist/,
    buildkit: /"\/settings\.toml" not found/,
    finding: { code: 'copy-source-missing', severity: 'error', line: 3, title: /there is no settings\.toml in the context/ },
  },
  {
    name: 'a name whose letter case differs from the file on disk',
    files: { Dockerfile: 'FROM scratch\nCOPY requirements.TXT /app/\n', 'requirements.txt': 'flask\n' },
    classic: /stat requirements\.TXT: file does not exist/,
    buildkit: /"\/requirements\.TXT" not found/,
    finding: {
      code: 'copy-source-missing',
      severity: 'error',
      line: 2,
      title: /the context has requirements\.txt \(names are case-sensitive\)/,
    },
  },
  {
    name: 'a compose context set to a subdirectory while the Dockerfile copies from the parent',
    files: {
      'docker-compose.yml': 'services:\n  api:\n    build:\n      context: ./api\n',
      'api/Dockerfile': 'FROM scratch\nCOPY main.py /app/\nCOPY shared/util.py /app/\n',
      'api/main.py': 'x',
      'shared/util.py': 'x',
    },
    dockerfile: 'api/Dockerfile',
    context: 'api',
    classic: /stat shared\/util\.py: file does not exist/,
    buildkit: /"\/shared\/util\.py" not found/,
    finding: {
      code: 'copy-source-missing',
      severity: 'error',
      line: 3,
      title: /it is in \., above the context/,
      dockerfile: 'api/Dockerfile',
    },
  },
  {
    name: 'a directory written with a trailing slash that is not in the context (another directory beside it)',
    files: { Dockerfile: 'FROM scratch\nCOPY config-y/ /app/\n', 'config-x/app.yaml': 'x' },
    classic: /COPY failed: file not found in build context or excluded by \.dockerignore: stat config-y\/: file does not exist/,
    buildkit: /"\/config-y" not found/,
    finding: {
      code: 'copy-source-missing',
      severity: 'error',
      line: 2,
      title: /^Dockerfile:2: COPY config-y\/ will fail with "not found": there is no config-y in the context \.$/,
    },
  },
  {
    name: 'a directory written with a trailing slash whose letter case differs',
    files: { Dockerfile: 'FROM scratch\nCOPY Config-X/ /app/\n', 'config-x/app.yaml': 'x' },
    classic: /stat Config-X\/: file does not exist/,
    buildkit: /"\/Config-X" not found/,
    finding: {
      code: 'copy-source-missing',
      severity: 'error',
      line: 2,
      title: /there is no Config-X in the context \.; the context has config-x \(names are case-sensitive\)$/,
    },
    fixedLine: 'COPY config-x/ /app/',
  },
  {
    name: 'a ../ source outside the context',
    files: {
      'docker-compose.yml': 'services:\n  api:\n    build:\n      context: ./api\n',
      'api/Dockerfile': 'FROM scratch\nCOPY ../shared/util.py /app/\n',
      'shared/util.py': 'x',
    },
    dockerfile: 'api/Dockerfile',
    context: 'api',
    classic: /forbidden path outside the build context: \.\.\/shared\/util\.py/,
    buildkit: /"\/shared\/util\.py" not found/,
    finding: {
      code: 'copy-source-outside',
      severity: 'error',
      line: 2,
      title: /points outside the context api/,
      dockerfile: 'api/Dockerfile',
    },
  },
  {
    name: 'a ../ source whose path inside the context exists (BuildKit copies that one)',
    files: { Dockerfile: 'FROM scratch\nCOPY ../app.py /app/\n', 'app.py': 'x' },
    classic: /forbidden path outside the build context: \.\.\/app\.py/,
    buildkit: null,
    finding: { code: 'copy-source-outside', severity: 'warning', line: 2, title: /BuildKit copies app\.py from the context instead/ },
  },
  {
    name: 'a wildcard that matches nothing',
    files: { Dockerfile: 'FROM scratch\nCOPY *.json /app/\n', 'app.py': 'x' },
    classic: /COPY failed: no source files were specified/,
    buildkit: null,
    finding: { code: 'copy-glob-empty', severity: 'warning', line: 2, title: /COPY \*\.json matches nothing in the context/ },
  },
  {
    name: 'COPY --from a stage index past the last stage',
    files: { Dockerfile: 'FROM scratch\nCOPY --from=3 /a /a\n' },
    classic: /invalid from flag value 3: index out of bounds/,
    buildkit: /invalid stage index 3/,
    finding: { code: 'copy-from-unknown', severity: 'error', line: 2, title: /names stage 3, and the Dockerfile has no such stage/ },
  },
  {
    name: 'COPY --from the stage it is in',
    files: { Dockerfile: 'FROM scratch\nCOPY --from=0 /a /a\n' },
    classic: /invalid from flag value 0: refers to current build stage/,
    buildkit: /circular dependency detected/,
    finding: { code: 'copy-from-unknown', severity: 'error', line: 2, title: /names the stage it is in/ },
  },
];

describe.runIf(engineAvailable())('COPY/ADD sources on a real engine', () => {
  afterAll(async () => {
    await dockerMayFail('rmi', '-f', `docker-doctor-test/${scope}:classic`, `docker-doctor-test/${scope}:buildkit`);
  });

  describe.each(SCENARIOS)('$name', (scenario) => {
    // Made when the block runs, not when it is collected: a skipped block leaves nothing in /tmp.
    let dir = '';
    beforeAll(() => {
      dir = project(scenario.files);
    });

    it('the classic builder fails with its own error', async () => {
      const result = await build(dir, 'classic', scenario.dockerfile, scenario.context);
      expect(result.exitCode, result.output).not.toBe(0);
      expect(result.output).toMatch(scenario.classic);
    });

    it.runIf(BUILDKIT !== undefined)(`BuildKit ${scenario.buildkit ? 'fails with its own error' : 'builds it'}`, async () => {
      const result = await build(dir, 'buildkit', scenario.dockerfile, scenario.context);
      if (scenario.buildkit) {
        expect(result.exitCode, result.output).not.toBe(0);
        expect(result.output).toMatch(scenario.buildkit);
      } else expect(result.exitCode, result.output).toBe(0);
    });

    it('docker-doctor reports it at the Dockerfile line', async () => {
      const { finding } = scenario;
      const dockerfile = finding.dockerfile ?? 'Dockerfile';
      const findings = await diagnose(dir);
      expect(findings.map((f) => f.code)).toEqual([`build-context/${finding.code}`]);
      expect(findings[0]).toMatchObject({ severity: finding.severity, location: { file: dockerfile, line: finding.line } });
      expect(findings[0]!.title).toMatch(finding.title);
      if (scenario.fixedLine) expect(findings[0]!.fixes[0]!.command).toBe(scenario.fixedLine);
    });

    if (scenario.fixedLine !== undefined)
      it('the corrected line, pasted over it, builds and leaves no finding', async () => {
        const { finding } = scenario;
        const file = path.join(dir, finding.dockerfile ?? 'Dockerfile');
        const lines = readFileSync(file, 'utf8').split('\n');
        lines[finding.line - 1] = scenario.fixedLine!;
        writeFileSync(file, lines.join('\n'));
        for (const builder of BUILDKIT ? (['classic', 'buildkit'] as const) : (['classic'] as const)) {
          const result = await build(dir, builder, scenario.dockerfile, scenario.context);
          expect(result.exitCode, result.output).toBe(0);
        }
        expect(await diagnose(dir)).toEqual([]);
      });
  });

  it('a project whose build works with both builders gets nothing, and the check passes', async () => {
    const dir = project({
      Dockerfile: [
        'FROM scratch AS assets',
        'ARG SITE=web',
        'COPY ${SITE}/ /www/',
        'FROM scratch',
        'COPY package.json package-lock.json* /app/',
        'COPY ["src", "/app/src/"]',
        'COPY /conf/app.ini /etc/',
        'COPY --from=assets /www /www',
        'COPY --from=0 /www/index.html /index.html',
        '',
      ].join('\n'),
      'web/index.html': '<p>x</p>',
      'package.json': '{}',
      'src/main.js': 'x',
      'conf/app.ini': 'x',
    });
    const classic = await build(dir, 'classic');
    expect(classic.exitCode, classic.output).toBe(0);
    if (BUILDKIT) {
      const buildkit = await build(dir, 'buildkit');
      expect(buildkit.exitCode, buildkit.output).toBe(0);
    }
    const run = await runCli(['build-context', '--json', '-C', dir]);
    expect(findingsOf(run.report, 'build-context')).toEqual([]);
    expect(run.report!.checks.find((c) => c.id === 'build-context')!.status).toBe('passed');
  });
});
