import { describe, expect, it } from 'vitest';
import { cacheFindings } from '../../checks/build-context/dockerfile-rules.js';
import { holdsSecret } from '../../checks/build-context/secret-content.js';
import { parseDockerfile } from '../../src/facts/project/dockerfile.js';

// Each case would take seconds to minutes with a backtracking regex; vitest's timeout catches a regression.
describe('build-context rules stay linear on hostile text', () => {
  it('a RUN with forty `-o` options, before a subcommand or before none', () => {
    const dockerfile = parseDockerfile(
      'Dockerfile',
      `FROM debian\nRUN apt-get update && apt-get ${'-o '.repeat(40)}install x\nRUN apt-get update && apt-get ${'-o '.repeat(40)}x\n`,
    );
    expect(cacheFindings(dockerfile).map((f) => [f.cause, f.line])).toEqual([
      ['apt-lists-kept', 2],
      ['apt-update-alone', 3],
    ]);
  });

  it('.npmrc and .env lines of 200,000 spaces', () => {
    const spaces = ' '.repeat(200_000);
    expect(holdsSecret('.npmrc', `registry${spaces}=${spaces}x${spaces}y\n`)).toBe(false);
    expect(holdsSecret('.env', `APP${spaces}=${spaces}x${spaces}y\n`)).toBe(false);
  });

  it('still finds the secrets', () => {
    expect(holdsSecret('.npmrc', '//registry.npmjs.org/:_authToken = abc123\n')).toBe(true);
    expect(holdsSecret('.pypirc', '[pypi]\npassword: hunter2\n')).toBe(true);
    expect(holdsSecret('.env', 'export DB_PASSWORD="x"\n')).toBe(true);
    expect(holdsSecret('.env', 'DATABASE_URL=postgres://u:p@db/app\n')).toBe(true);
    expect(holdsSecret('.npmrc', '//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n')).toBe(false);
  });
});
