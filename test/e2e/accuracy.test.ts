import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/engine/report.js';
import type { Finding } from '../../src/engine/types.js';
import {
  applyFixes,
  compareRuns,
  copyProject,
  describeFinding,
  diagnose,
  dockerBuild,
  findingKey,
  fixViolations,
  isProjectFinding,
  loadCases,
  parseCommand,
  planFix,
  projectFindings,
  projectStatus,
  snapshotTree,
  type AccuracyCase,
  type AppliedFix,
} from '../helpers/accuracy.js';
import { cleanEnv } from '../helpers/cli.js';
import { docker, engineAvailable, ensureTestImage, TEST_LABEL } from '../helpers/engine.js';
import { tempDir } from '../helpers/sockets.js';

/*
 * The accuracy corpus (test/fixtures/accuracy/<case>/, see docs/writing-checks.md): each case's project is copied to a
 * temporary directory, diagnosed by the built CLI on the real engine, its printed fixes applied and the doctor run
 * again. Every fix printed along the way is scanned against the rules for fixes.
 */

const SCOPE = 'accuracy';
const cases = loadCases();
const temps: string[] = [];
const temp = (prefix: string) => {
  const dir = tempDir(prefix);
  temps.push(dir);
  return dir;
};

const warned = new Set<string>();

/**
 * Every fix the report prints keeps the rules for fixes; `projectDir` answers "does it exist yet". Fixes of the
 * project's findings must; fixes of findings about other tests' containers on the shared engine come and go with
 * those tests, so their violations are printed loudly rather than failing this case.
 */
function expectSafeFixes(report: Report, projectDir: string): void {
  const violations = (project: boolean) =>
    report.checks.flatMap((check) =>
      check.findings
        .filter((finding) => isProjectFinding(finding, projectDir) === project)
        .flatMap((finding) =>
          finding.fixes.flatMap((fix) =>
            fixViolations(fix, (file) => existsSync(path.resolve(projectDir, file))).map((v) => `${finding.code}: \`${fix.command}\` ${v}`),
          ),
        ),
    );
  for (const violation of violations(false)) {
    const shape = violation.replace(/`[^`]*`/, '`…`');
    if (!warned.has(shape)) console.warn(`!!! a fix printed on this engine breaks the rules for fixes: ${violation}`);
    warned.add(shape);
  }
  expect(violations(true)).toEqual([]);
}

function expectCase(c: AccuracyCase, report: Report, projectDir: string): void {
  for (const check of report.checks) expect.soft(check.status, `${check.id} crashed: ${check.error?.message}`).not.toBe('crashed');
  const findings = projectFindings(report, projectDir);
  const shown = findings.map(describeFinding);
  for (const [id, status] of Object.entries(c.expect.status)) {
    expect.soft(projectStatus(report, id, projectDir), `status of ${id}; findings: ${JSON.stringify(shown)}`).toBe(status);
  }
  for (const wanted of c.expect.present) {
    const match = findings.some(
      (f) =>
        f.code === wanted.code &&
        (!wanted.severity || f.severity === wanted.severity) &&
        (!wanted.subject || f.subject.name === wanted.subject),
    );
    expect.soft(match, `expected ${JSON.stringify(wanted)} among ${JSON.stringify(shown)}`).toBe(true);
  }
  for (const code of c.expect.absent) {
    expect.soft(findings.filter((f) => f.code === code).map(describeFinding), `${code} must not be reported`).toEqual([]);
  }
}

async function expectBuilds(c: AccuracyCase, projectDir: string): Promise<void> {
  if (!c.build) return;
  const tag = `docker-doctor-test/accuracy-${c.name}:${process.pid}`;
  const built = await dockerBuild(projectDir, c.build, tag, `${TEST_LABEL}=${SCOPE}`);
  expect(built.exitCode, `docker build -f ${c.build} failed:\n${built.output}`).toBe(0);
}

describe('the fix-safety scan', () => {
  const violations = (command: string, title = 'Fix it', exists: string[] = []) =>
    fixViolations({ title, command }, (f) => exists.includes(f));

  it('splits commands into simple commands, keeping quotes and redirections apart and here-document bodies out', () => {
    expect(parseCommand("cd 'my app' && printf '%s\\n' '**/node_modules' >> .dockerignore")).toEqual([
      { words: ['cd', 'my app'], redirects: [], sudo: false },
      { words: ['printf', '%s\\n', '**/node_modules'], redirects: [{ op: '>>', target: '.dockerignore' }], sudo: false },
    ]);
    expect(parseCommand("cat > .dockerignore <<'EOF'\nrm -rf /\nEOF")).toEqual([
      { words: ['cat'], redirects: [{ op: '>', target: '.dockerignore' }], sudo: false },
    ]);
    expect(parseCommand('echo x | sudo tee -a /etc/hosts')[1]).toEqual({ words: ['tee', '-a', '/etc/hosts'], redirects: [], sudo: true });
  });

  it('accepts the fixes checks print today', () => {
    for (const command of [
      'mkdir -p data',
      'cd app && touch config.yml',
      "printf '%s\\n' '.env' >> .dockerignore",
      'docker compose -p shop down',
      'sudo systemctl restart docker',
      'systemctl --user restart docker',
      'sudo usermod -aG docker dev',
      'python3 -m json.tool /etc/docker/daemon.json',
      "echo 'net.ipv4.ip_forward = 1' | sudo tee -a /etc/sysctl.d/99-docker.conf",
      'sudo mkdir -p /var/lib/app',
    ]) {
      expect(violations(command), command).toEqual([]);
    }
    expect(violations("cat > .dockerignore <<'EOF'\n**/node_modules\nEOF")).toEqual([]);
    expect(violations('docker rm web', 'Remove the container the failed start left behind')).toEqual([]);
    expect(violations('docker compose down -v', 'Remove the containers and delete the volumes (their data is lost)')).toEqual([]);
  });

  it('reads Dockerfile and compose snippets as lines to paste, not commands: what they delete is in the image', () => {
    for (const command of [
      'RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*',
      '&& rm -rf /var/lib/apt/lists/*',
      '- "8081:80"',
      'ports: ["80"]',
      '"mtu": 1400',
    ]) {
      expect(violations(command), command).toEqual([]);
    }
  });

  it('flags deletions of user data', () => {
    expect(violations('rm -rf data && mkdir data')).toEqual(['deletes a tree (rm -rf data)']);
    expect(violations('sudo rm -r /srv/app/uploads')).toEqual(['deletes a tree (rm -r /srv/app/uploads)']);
    expect(violations('rm .dockerignore')).toEqual(['deletes files (rm .dockerignore)']);
    expect(violations('find . -name "*.log" -delete')).toEqual(['deletes files (find -delete)']);
    expect(violations('git clean -fdx')).toEqual(['discards work (git clean -fdx)']);
  });

  it('flags overwrites: > onto an existing file, tee without -a', () => {
    expect(violations("cat > .dockerignore <<'EOF'\nx\nEOF", 'Add this', ['.dockerignore'])).toEqual([
      'overwrites .dockerignore (use >> or a new file)',
    ]);
    // The shape that replaced a whole daemon.json to set one key.
    expect(violations(`echo '{"dns": ["10.0.0.2"]}' | sudo tee /etc/docker/daemon.json && sudo systemctl restart docker`)).toEqual([
      'overwrites /etc/docker/daemon.json (tee without -a replaces what is there; merge or append instead)',
    ]);
  });

  it('flags ../ chains to host paths', () => {
    expect(violations('chmod 644 ../../../../etc/app.conf')).toEqual([
      'reaches a host path through a chain of ../ (absolute host paths stay absolute)',
    ]);
    expect(violations('mkdir -p ../shared')).toEqual([]);
  });

  it('flags removals whose title does not say what is lost', () => {
    expect(violations('docker rm -f web', 'Start over')).toEqual(['removes containers but its title does not say so ("Start over")']);
    expect(violations('docker volume rm shop_db', 'Remove the volume')).toEqual([
      'removes volumes but its title does not say their data is lost ("Remove the volume")',
    ]);
    expect(violations('docker system prune -a', 'Free space')).toEqual([
      'removes system prune but its title does not say so ("Free space")',
    ]);
    expect(violations('docker compose -p shop down -v', 'Stop the project')).toEqual([
      'removes compose volumes but its title does not say so ("Stop the project")',
      'removes volumes but its title does not say their data is lost ("Stop the project")',
    ]);
  });

  it('flags host writes and systemctl without sudo, and redirects into /etc', () => {
    expect(violations('systemctl restart docker')).toEqual(['runs systemctl without sudo']);
    expect(violations('mkdir -p /etc/docker')).toEqual(['writes under /etc or /var without sudo (mkdir /etc/docker)']);
    expect(violations("sudo echo '{}' > /etc/docker/daemon.json")).toEqual([
      'redirects into /etc/docker/daemon.json, which needs root: a redirect is not run by sudo (use sudo tee -a)',
    ]);
  });
});

describe('which fixes the harness applies', () => {
  const root = '/tmp/p/app';

  it('runs file fixes inside the project, following cd', () => {
    expect(planFix('mkdir -p data', root, root)).toEqual({ run: true });
    expect(planFix('cd app && mkdir -p data', '/tmp/p', '/tmp/p')).toEqual({ run: true });
    expect(planFix("printf '%s\\n' '.env' >> .dockerignore", root, root)).toEqual({ run: true });
    expect(planFix("cat > .dockerignore <<'EOF'\n**/node_modules\nEOF", root, root)).toEqual({ run: true });
  });

  it('leaves alone what is not a project file fix, and says why', () => {
    expect(planFix('docker rm web', root, root)).toEqual({ run: false, reason: 'not a file fix (docker)' });
    expect(planFix('sudo mkdir -p /srv/data', root, root)).toEqual({
      run: false,
      reason: 'needs root: it changes the host, not the project',
    });
    expect(planFix('mkdir -p /srv/data', root, root)).toEqual({ run: false, reason: 'acts outside the project (/srv/data)' });
    expect(planFix('cd .. && touch x', root, root)).toEqual({ run: false, reason: 'acts outside the project (..)' });
    expect(planFix('mkdir -p ~/appdata', root, root)).toEqual({ run: false, reason: 'acts outside the project (~/appdata)' });
    expect(planFix('mkdir -p "$HOME/appdata"', root, root)).toEqual({ run: false, reason: 'acts outside the project ($HOME/appdata)' });
    expect(planFix('docker run -p 8081:80 … web', root, root)).toEqual({ run: false, reason: 'has a placeholder to fill in' });
    expect(planFix('- "8081:80"', root, root)).toEqual({ run: false, reason: 'not a file fix (-)' });
  });
});

describe('comparing two runs (rule 3)', () => {
  const finding = (code: string, name: string, command?: string): Finding => ({
    code,
    severity: 'warning',
    title: `${code} on ${name}`,
    subject: { kind: 'service', name },
    explanation: '',
    fixes: command ? [{ title: 'fix', command }] : [],
  });
  const report = (...findings: Finding[]) =>
    ({ checks: [{ id: 'x', title: 'X', category: 'c', status: 'warned', durationMs: 0, findings }] }) as unknown as Report;

  it('reports findings that appeared, and findings whose main fix ran but which stayed', () => {
    const before = report(finding('x/missing', 'app', 'mkdir -p data'), finding('x/other', 'db', 'touch db.env'));
    const after = report(finding('x/missing', 'app', 'mkdir -p data'), finding('x/new', 'app'));
    const applied = [
      { code: 'x/missing', command: 'mkdir -p data', ran: true },
      { code: 'x/other', command: 'touch db.env', ran: true },
    ];
    expect(compareRuns(before, after, applied, '/p')).toEqual({
      added: ['x/new service:app (warning): x/new on app'],
      notFixed: ['x/missing service:app (warning): x/missing on app'],
    });
  });

  it('compares findings that share a key by count: one of two fixed and gone is fixed', () => {
    const sent = finding('x/secret', 'Dockerfile', "printf '%s\\n' a.key >> .dockerignore");
    const copied = finding('x/secret', 'Dockerfile');
    const applied = [{ code: 'x/secret', command: sent.fixes[0]!.command!, ran: true }];
    expect(compareRuns(report(sent, copied), report(copied), applied, '/p')).toEqual({ added: [], notFixed: [] });
    expect(compareRuns(report(sent, copied), report(copied, copied), applied, '/p').notFixed).toEqual([
      'x/secret service:Dockerfile (warning): x/secret on Dockerfile',
    ]);
  });

  it('does not hold a finding to a fix that did not run, nor count findings about containers', () => {
    const container = { ...finding('x/exited', 'web-1'), subject: { kind: 'container' as const, name: 'web-1' } };
    const before = report(finding('x/missing', 'app', 'docker compose up'));
    const after = report(finding('x/missing', 'app', 'docker compose up'), container);
    expect(
      compareRuns(
        before,
        after,
        [{ code: 'x/missing', command: 'docker compose up', ran: false, reason: 'not a file fix (docker)' }],
        '/p',
      ),
    ).toEqual({ added: [], notFixed: [] });
  });
});

describe('the accuracy corpus', () => {
  it('holds the generic cases, each with a description', () => {
    expect(cases.map((c) => c.name)).toEqual(
      expect.arrayContaining([
        'generic-fixes-printed',
        'generic-healthy-compose',
        'generic-ignore-lines-appended',
        'generic-no-docker-files',
      ]),
    );
  });
});

describe.skipIf(!engineAvailable())('the accuracy corpus on the real engine', () => {
  let env: Record<string, string | undefined>;

  beforeAll(async () => {
    env = cleanEnv();
    if (cases.some((c) => c.build)) await ensureTestImage();
  });

  afterAll(async () => {
    for (const dir of [...temps, env?.DOCKER_CONFIG]) if (dir) rmSync(dir, { recursive: true, force: true });
    // Builds remove their image; this catches one left by a build that was interrupted.
    const images = (await docker('images', '-q', '--filter', `label=${TEST_LABEL}=${SCOPE}`)).split('\n').filter(Boolean);
    if (images.length) await docker('image', 'rm', '-f', ...new Set(images));
  });

  describe.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    // The first run, and the fixes applied after it, are shared by the tests below (each asks; the first to ask runs
    // them), so a case costs three CLI runs and any one test still runs alone with -t.
    let first: Promise<{ dir: string; report: Report }> | undefined;
    const firstRun = () =>
      (first ??= (async () => {
        const dir = copyProject(c, temp('dd-acc-'));
        return { dir, report: await diagnose(c, dir, dir, env) };
      })());
    let fixed: Promise<{ applied: AppliedFix[]; tree: Record<string, string> }> | undefined;
    const fixedInside = () =>
      (fixed ??= (async () => {
        const { dir, report } = await firstRun();
        expectSafeFixes(report, dir); // Refuses to run anything that breaks the rules.
        const applied = await applyFixes(report, dir, dir, dir);
        return { applied, tree: snapshotTree(path.dirname(dir)) };
      })());

    it(`diagnoses it as expected: ${c.description}`, async () => {
      const { dir, report } = await firstRun();
      expectCase(c, report, dir);
      expectSafeFixes(report, dir);
      if (!c.applyFixes) await expectBuilds(c, dir);
    });

    it.runIf(c.applyFixes)(
      'its printed fixes, applied, create no new finding and fix what they address' + (c.build ? `; ${c.build} still builds` : ''),
      async () => {
        const { dir, report: before } = await firstRun();
        const { applied } = await fixedInside();
        const after = await diagnose(c, dir, dir, env);
        expectSafeFixes(after, dir);
        const { added, notFixed } = compareRuns(before, after, applied, dir);
        expect(added, 'new findings after the fixes').toEqual([]);
        expect(notFixed, 'findings still there after their main fix ran').toEqual([]);
        for (const check of after.checks) expect.soft(check.status, `${check.id} after the fixes`).not.toBe('crashed');
        await expectBuilds(c, dir);
      },
    );

    it.runIf(c.applyFixes)('its fixes do the same when typed from the parent directory with -C', async () => {
      // Inside: docker-doctor run in the project. Outside: a second copy, run from its parent as `-C <name>`, where
      // fixes that need the project directory must start with `cd <name> &&`. Applied, both must leave the same tree,
      // and nothing beside it.
      const { dir: inside, report: fromInside } = await firstRun();
      const { tree } = await fixedInside();
      const outsideParent = temp('dd-acc-out-');
      const outside = copyProject(c, outsideParent);
      const fromOutside = await diagnose(c, c.name, outsideParent, env);
      expectSafeFixes(fromOutside, outside);
      expect(
        projectFindings(fromOutside, outside).map((f) => findingKey(f, outside)),
        'the same findings from the parent directory',
      ).toEqual(projectFindings(fromInside, inside).map((f) => findingKey(f, inside)));
      const ran = await applyFixes(fromOutside, outside, outsideParent, outsideParent);
      expect(
        snapshotTree(outsideParent),
        `fixes typed from the parent directory: ${JSON.stringify(ran.filter((a) => a.ran).map((a) => a.command))}`,
      ).toEqual(tree);
    });
  });
});
