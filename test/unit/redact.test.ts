import { describe, expect, it } from 'vitest';
import { builtinChecks } from '../../checks/index.js';
import { envPairs, isSecretName, redactArgv, redactText, redactValue, REDACTED, secretValues } from '../../src/engine/redact.js';
import { runChecks } from '../../src/engine/runner.js';
import { selectChecks } from '../../src/engine/select.js';
import { engineWith } from '../helpers/containers.js';
import { fakeClients, fakeFacts, HEALTHY_ENGINE, SOCKET } from '../helpers/fakes.js';

describe('secret names', () => {
  it.each([
    'DB_PASSWORD',
    'MYSQL_ROOT_PASSWORD',
    'GITHUB_TOKEN',
    'client_secret',
    'apiKey',
    'API_KEY',
    'AWS_SECRET_ACCESS_KEY',
    'BASIC_AUTH',
    'auth',
    'DB_PASS',
    'REDIS_PWD',
    'SESSION_COOKIE',
    'private-key',
    'KEY',
    'APP_KEY',
    'credentials',
    'Authorization',
    'PGPASSWORD',
    'HTPASSWD',
    'JWTSECRET',
    'SSH_KEY',
    'GPG_KEY',
  ])('%s holds a secret', (name) => {
    expect(isSecretName(name)).toBe(true);
  });
  it.each([
    'PWD',
    'OLDPWD',
    'SSH_AUTH_SOCK',
    'TOKENIZERS_PARALLELISM',
    'COOKIE_DOMAIN',
    'primary_key',
    'SORT_KEY',
    'TOKEN_TTL',
    'DB_PASSWORD_FILE',
    'PASSWORD_MIN_LENGTH',
    'AUTH_URL',
    'PORT',
    'HOST',
    'KEYBOARD',
    'MONKEY',
    'PASSENGER_APP_ENV',
    'SECRETS_DIR',
  ])('%s does not', (name) => {
    expect(isSecretName(name)).toBe(false);
  });
});

describe('redaction', () => {
  it.each([
    ['postgres://app:Passw0rd@db:5432/app', `postgres://app:${REDACTED}@db:5432/app`],
    ['ssh://me:pw@build-box', `ssh://me:${REDACTED}@build-box`],
    ['mysqld --user=mysql --password hunter2 --port 3306', `mysqld --user=mysql --password ${REDACTED} --port 3306`],
    ['app --api-key=abc123 --verbose', `app --api-key=${REDACTED} --verbose`],
    ['mysql -h db -uroot -pS3cret app', `mysql -h db -uroot -p${REDACTED} app`],
    ['docker run -p 8081:80 web', 'docker run -p 8081:80 web'],
    ['MYSQL_PASSWORD=correct horse battery staple', `MYSQL_PASSWORD=${REDACTED}`],
    ['DB_PASSWORD=one two PORT=5432', `DB_PASSWORD=${REDACTED} PORT=5432`],
    ['pushed with ghp_abcdefghijklmnopqrstuvwxyz0123 ok', `pushed with ${REDACTED} ok`],
    ['xoxb-1234567890-abcdefghij', REDACTED],
    ['key AKIAABCDEFGHIJKLMNOP', `key ${REDACTED}`],
    ['wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', REDACTED],
    ['sudo mkdir -p /srv/Data2024/MyProject/uploads/Images12 && x', 'sudo mkdir -p /srv/Data2024/MyProject/uploads/Images12 && x'],
    ['PGPASSWORD=hunter2 -h db', `PGPASSWORD=${REDACTED} -h db`],
    ['token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U', `token ${REDACTED}`],
    ['sk-abcdefghijklmnopqrstuvwx', REDACTED],
    ['commit 0123456789abcdef0123456789abcdef01234567', 'commit 0123456789abcdef0123456789abcdef01234567'],
    ['TOKENIZERS_PARALLELISM=false COOKIE_DOMAIN=example.test', 'TOKENIZERS_PARALLELISM=false COOKIE_DOMAIN=example.test'],
    ['PWD=/home/me SSH_AUTH_SOCK=/tmp/agent.1', 'PWD=/home/me SSH_AUTH_SOCK=/tmp/agent.1'],
    ['POSTGRES_PASSWORD=\nNEXTAUTH_SECRET=\nPORT=1', 'POSTGRES_PASSWORD=\nNEXTAUTH_SECRET=\nPORT=1'],
    ['POSTGRES_PASSWORD=\nNEXTAUTH_SECRET=abc', `POSTGRES_PASSWORD=\nNEXTAUTH_SECRET=${REDACTED}`],
    // Short flags that mean a password for one tool only, and curl's user:password.
    ['redis-cli -h cache -a S3cretPass ping', `redis-cli -h cache -a ${REDACTED} ping`],
    ['sshpass -p S3cretPass ssh me@box', `sshpass -p ${REDACTED} ssh me@box`],
    ['mongosh --host db -u root -p S3cretPass', `mongosh --host db -u root -p ${REDACTED}`],
    [
      'redis-server --requirepass S3cretPass --masterauth S3cretPass --port 6379',
      `redis-server --requirepass ${REDACTED} --masterauth ${REDACTED} --port 6379`,
    ],
    ['curl -fsS -u admin:S3cretPass http://localhost/', `curl -fsS -u admin:${REDACTED} http://localhost/`],
    ['curl --user=admin:S3cretPass http://localhost/', `curl --user=admin:${REDACTED} http://localhost/`],
    ['docker run -u 1000:1000 -p 8080:80 web', 'docker run -u 1000:1000 -p 8080:80 web'],
    ['mysql -p app -e "select 1"', 'mysql -p app -e "select 1"'],
    ['curl -a x -p 8080 http://localhost/', 'curl -a x -p 8080 http://localhost/'],
    // Exec-form lists written out: the value is the next element.
    [
      'test: ["CMD", "app-check", "--password", "S3cretPass", "--token=S3cretPass"]',
      `test: ["CMD", "app-check", "--password", "${REDACTED}", "--token=${REDACTED}"]`,
    ],
    ['test: ["CMD", "redis-cli", "-a", "S3cretPass", "ping"]', `test: ["CMD", "redis-cli", "-a", "${REDACTED}", "ping"]`],
    ['["CMD", "curl", "-f", "http://localhost/"]', '["CMD", "curl", "-f", "http://localhost/"]'],
  ])('%s', (input, output) => {
    expect(redactText(input)).toBe(output);
  });

  it('ends an unquoted value at the first space in a command, where the rest is more of the command', () => {
    const command = 'docker run -d -e AUTH_SERVER=http://localhost:8080 -e MODE=dev web:1';
    expect(redactText(command, { shell: true })).toBe(`docker run -d -e AUTH_SERVER=${REDACTED} -e MODE=dev web:1`);
    expect(redactText('AUTH_SERVER=one two', { shell: false })).toBe(`AUTH_SERVER=${REDACTED}`);
  });

  it('removes known secret values wherever they are, before anything can shorten them', () => {
    const known = secretValues(envPairs(['DB_PASS=Sup3rS3cretValue9', 'POSTGRES_PASSWORD=postgres', 'PORT=5432', 'API_TOKEN=123456']));
    expect(known).toEqual(['Sup3rS3cretValue9']);
    expect(redactText('connecting to db with Sup3rS3cretValue9 as app on postgres', { known })).toBe(
      `connecting to db with ${REDACTED} as app on postgres`,
    );
  });

  it('redacts an argument vector element by element', () => {
    expect(redactArgv(['app', '--password', 'x1', '--verbose', '--token', '${TOKEN}'])).toEqual([
      'app',
      '--password',
      REDACTED,
      '--verbose',
      '--token',
      '${TOKEN}',
    ]);
    expect(redactArgv(['redis-cli', '-a', 'x1', 'ping'])).toEqual(['redis-cli', '-a', REDACTED, 'ping']);
    expect(redactArgv(['/usr/bin/curl', '-u', 'me:x1', 'http://localhost/'])).toEqual([
      '/usr/bin/curl',
      '-u',
      `me:${REDACTED}`,
      'http://localhost/',
    ]);
    expect(redactArgv(['docker', 'run', '-u', '1000:1000', '-p', '80:80'])).toEqual(['docker', 'run', '-u', '1000:1000', '-p', '80:80']);
    expect(redactValue({ test: ['CMD', 'app', '--api-key', 'k1'] })).toEqual({ test: ['CMD', 'app', '--api-key', REDACTED] });
  });

  it.each([
    // runc's error for a file mounted onto a directory names both sides as source:target.
    'error mounting "/srv/app/passwd.conf" to rootfs at "/etc/passwd": mount /srv/app/passwd.conf:/etc/passwd (via /proc/self/fd/6), flags: 0x5000: not a directory',
    "error while creating mount source path '/srv/secrets': mkdir /srv/secrets: read-only file system",
    'volumes: ./secrets:/run/secrets:ro and ./token.txt:/run/token.txt',
    'a named volume auth:/data/auth, and file:/etc/passwd',
  ])('keeps mount paths whose names look like secret words: %s', (text) => {
    expect(redactText(text)).toBe(text);
  });

  it.each([
    ['password: hunter2 secret:abc TOKEN=/starts/with/a/slash', `password: ${REDACTED} secret:${REDACTED} TOKEN=${REDACTED}`],
    ['app.password=abc my-token=xyz', `app.password=${REDACTED} my-token=${REDACTED}`],
  ])('still redacts secret values next to those rules: %s', (input, output) => {
    expect(redactText(input)).toBe(output);
  });

  it('removes a whole private key block, and the body of one whose BEGIN line fell outside the tail', () => {
    const body =
      'MIIEowIBAAKCAQEA1234567890abcdefghijklmnopqrstuvwxyzABCDEFGHIJKL\nQWERTYUIOPasdfghjklzxcvbnm1234567890QWERTYUIOPasdfghjklzxcvbnm12\n';
    const whole = redactText(`start\n-----BEGIN OPENSSH PRIVATE KEY-----\n${body}-----END OPENSSH PRIVATE KEY-----\nend`);
    expect(whole).not.toContain('MIIEow');
    expect(whole).toContain('end');
    const tail = redactText(`${body}-----END RSA PRIVATE KEY-----\nnext line`);
    expect(tail).not.toContain('QWERTY');
    expect(tail).toContain('next line');
  });

  it('redacts values under secret keys and whole NAME=value strings in evidence', () => {
    expect(redactValue({ env: ['DB_PASSWORD=a b c', 'PORT=1'], apiKey: 'x', primary_key: 'id' })).toEqual({
      env: [`DB_PASSWORD=${REDACTED}`, 'PORT=1'],
      apiKey: REDACTED,
      primary_key: 'id',
    });
  });

  it('leaves the static explanation texts alone', () => {
    const text = 'Set DB_PASSWORD through an env_file or a secret, and keep the token out of the image.';
    expect(redactText(text)).toBe(text);
  });
});

describe('redaction time', () => {
  it('stays linear in text a faulty engine makes long: runs of scheme characters, a line of many curl, mysql or redis-cli', () => {
    // Each of these took from 0.1 s to 0.6 s at 40,000 characters before, growing with the square of the length: four
    // times the text took sixteen times as long. Linear, it takes about four times (the best of three runs, with slack).
    const bestMs = (text: string) => {
      let best = Infinity;
      for (let i = 0; i < 3; i++) {
        const started = performance.now();
        redactText(text);
        redactText(text, { shell: true });
        best = Math.min(best, performance.now() - started);
      }
      return best;
    };
    for (const unit of ['a-', 'curl ', 'mysql ', 'redis-cli ']) {
      const of = (length: number) => unit.repeat(Math.ceil(length / unit.length));
      expect(bestMs(of(80_000)), unit).toBeLessThan(8 * bestMs(of(20_000)) + 30);
    }
    expect(redactText('curl -x curl -u me:pw1234 http://h')).toBe(`curl -x curl -u me:${REDACTED} http://h`);
    expect(redactText('mysql mysql -h db -pS3cret')).toBe(`mysql mysql -h db -p${REDACTED}`);
    expect(redactText('x-git+ssh://me:pw@host/r')).toBe(`x-git+ssh://me:${REDACTED}@host/r`);
  });
});

describe('log excerpts', () => {
  it('are redacted before they are split and shortened', async () => {
    const { logLines, logTail } = await import('../../checks/shared/logs.js');
    const secret = 'Passw0rd-that-is-long';
    const logs = `${'x'.repeat(180)} connecting to postgres://app:${secret}@db:5432/app\nMIIEowIBAAKCAQEA1234567890abcdefghijklmnopqrstuvwxyzABCDEFGHIJKL\n`;
    const text = [...logLines(logs), ...logTail(logs)].join('\n');
    expect(text).not.toContain('Passw');
    expect(text).not.toContain('MIIEow');
  });
});

describe('interpolation errors that echo a compose value', () => {
  const SECRET = 'Sup3rS3cretValue42';
  /** The findings a user gets for a compose file, with the fake daemon healthy so every compose reader runs. */
  async function findingsFor(compose: string) {
    const engine = engineWith([], { '/info': { ...(HEALTHY_ENGINE['/info'] as object), IPv4Forwarding: true }, '/networks': [] });
    const clients = fakeClients({ engine, files: { '/var/run/docker.sock': { stat: SOCKET }, '/project/compose.yaml': compose } });
    const results = await runChecks(selectChecks(builtinChecks, []), fakeFacts(clients), { probe: false, verbose: true, timeoutMs: 5000 });
    return results.flatMap((r) => r.findings).filter((f) => f.code.endsWith('/compose-invalid'));
  }

  it.each([
    ['an unclosed ${ inside a password', `DB_PASSWORD: "Sup3r\${${SECRET}"`],
    ['an invalid ${…} inside a secret-named value', `API_TOKEN: "\${${SECRET} x}"`],
    ['a URL whose password is a required variable', `DB_URL: "postgres://u:\${PASS:?${SECRET}}@db/x"`],
    ['a required variable whose message is the token itself', 'TOKEN: ${TOKEN:?sk-live-4f9a8b7c6d5e4f3a2b1c0d9e}'],
    ['a required variable inside a default', `DB_PASSWORD: "\${X:-\${Y:?${SECRET}}}"`],
  ])('%s: the finding names the file:line, and no output holds the value', async (_name, line) => {
    const findings = await findingsFor(`services:\n  web:\n    image: busybox\n    environment:\n      ${line}\n`);
    expect(findings).toHaveLength(1);
    expect(findings[0]!.location).toMatchObject({ file: 'compose.yaml', line: 5 });
    const text = JSON.stringify(findings);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('4f9a8b7c6d5e4f3a2b1c0d9e');
  });

  it('still shows a required variable message that reads as words, and names the variable', async () => {
    const [finding] = await findingsFor('services:\n  web:\n    image: busybox\n    environment:\n      DB_URL: "${PASS:?must be set}"\n');
    expect(finding!.title).toContain('PASS');
    expect(JSON.stringify(finding!.evidence)).toContain('required variable PASS is missing a value: must be set');
  });
});

describe('values of secret-named variables, wherever a check puts them', () => {
  const SECRET = 'Sup3rS3cretValue9';

  it('are gone from health output, logs and COPY sources, even where a check shortens them', async () => {
    const { diagnose } = await import('../../src/engine/diagnose.js');
    const { container } = await import('../../src/testing/containers.js');
    // Without the container's own values removed first, the cut at 160 characters would leave the secret's first half.
    const probe = { Start: '', End: '', ExitCode: 1, Output: `${'x'.repeat(130)} connecting with ${SECRET} as app` };
    const fields = {
      name: 'db-client',
      state: 'running' as const,
      status: 'Up 2 hours (unhealthy)',
      pid: 4242,
      env: [`DB_PASS=${SECRET}`, 'PORT=5432'],
      healthcheck: { Test: ['CMD-SHELL', 'check'], Interval: 1e9, Retries: 1 },
      health: { status: 'unhealthy', failingStreak: 5, log: [probe] },
    };
    const engine = engineWith([fields]);
    const clients = fakeClients({
      engine,
      files: {
        '/var/run/docker.sock': { stat: SOCKET },
        '/project/Dockerfile': `FROM busybox\nARG TOKEN=${SECRET}\nCOPY config-\${TOKEN}/ /app/\n`,
      },
    });
    const report = await diagnose(selectChecks(builtinChecks, ['unhealthy-containers', 'build-context']), clients, {
      version: '0',
      projectDir: '/project',
      cwd: '/project',
      probe: false,
      verbose: true,
      timeoutMs: 5000,
    });
    const codes = report.checks.flatMap((c) => c.findings.map((f) => f.code));
    expect(codes).toEqual(expect.arrayContaining(['unhealthy-containers/failing', 'build-context/copy-source-missing']));
    const text = JSON.stringify(report);
    expect(text).not.toContain(SECRET.slice(0, 8));
    expect(text).toContain(`connecting with ${REDACTED}`);
    expect(text).toContain(`config-${REDACTED} in the context`);
    expect(container(fields).inspect.Config.Env).toContain(`DB_PASS=${SECRET}`);
  });
});
