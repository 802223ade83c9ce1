import { describe, it } from 'vitest';
import { CheckTester, HEALTHY_ENGINE } from '@docker-doctor/cli/testing';
import pinnedImages, { tagOf } from '../pinned-images.js';

// Without vitest's globals the tester is told which describe/it to declare its cases with.
CheckTester.describe = describe;
CheckTester.it = it;

/** A fake world whose project holds this compose file. */
const withCompose = (yaml, extra = {}) => ({ project: { 'compose.yaml': yaml }, ...extra });

new CheckTester(pinnedImages).run({
  healthy: [
    { name: 'a version tag', facts: withCompose('services:\n  web:\n    image: nginx:1.27\n') },
    { name: 'a digest', facts: withCompose('services:\n  web:\n    image: nginx@sha256:' + 'a'.repeat(64) + '\n') },
    { name: 'a registry port is not a tag', facts: withCompose('services:\n  app:\n    image: localhost:5000/app:2.1\n') },
    { name: 'a service that builds its image', facts: withCompose('services:\n  app:\n    build: .\n    image: app\n') },
    {
      name: 'a tag set through interpolation',
      facts: withCompose('services:\n  db:\n    image: postgres:${PG:-16}\n'),
    },
  ],
  broken: [
    {
      name: 'no tag',
      facts: withCompose('services:\n  web:\n    ports: ["8080:80"]\n    image: nginx\n'),
      findings: [
        {
          code: 'pinned-images/untagged',
          severity: 'warning',
          subject: 'compose.yaml:4',
          title:
            'Service web runs image nginx without a tag (compose.yaml:4), which means nginx:latest: each pull may start another version',
          fixes: ['image: nginx:<version>'],
        },
      ],
    },
    {
      name: ':latest, with the version and digest of the image this host has',
      facts: withCompose('services:\n  cache:\n    image: redis:latest\n', {
        engine: {
          ...HEALTHY_ENGINE,
          '/images/redis%3Alatest/json': {
            Id: 'sha256:1',
            RepoDigests: ['redis@sha256:' + 'b'.repeat(64)],
            Config: { Labels: { 'org.opencontainers.image.version': '7.4.1' } },
          },
        },
      }),
      findings: [
        {
          code: 'latest',
          severity: 'warning',
          subject: 'cache',
          fixes: ['image: redis:7.4.1', 'image: redis@sha256:' + 'b'.repeat(64)],
        },
      ],
    },
    {
      name: 'each unpinned service, at its own line',
      facts: withCompose('services:\n  a:\n    image: busybox\n  b:\n    image: ghcr.io/acme/api:latest\n  c:\n    image: alpine:3.20\n'),
      findings: [
        { code: 'untagged', severity: 'warning', subject: 'compose.yaml:3' },
        { code: 'latest', severity: 'warning', subject: 'compose.yaml:5' },
      ],
    },
  ],
  skipped: [
    { name: 'no compose file', facts: { project: { Dockerfile: 'FROM scratch\n' } }, reason: 'no compose file in the project' },
    {
      name: 'a compose file compose refuses',
      facts: withCompose('services:\n  web:\n    image: [nginx\n'),
      reason: /^compose refuses the file \(compose\.yaml:\d+\)/,
    },
  ],
});

describe('tagOf', () => {
  it('reads the tag from the last path component only', ({ expect }) => {
    expect([tagOf('nginx'), tagOf('nginx:1.27'), tagOf('localhost:5000/app'), tagOf('a@sha256:00')]).toEqual([
      undefined,
      '1.27',
      undefined,
      '',
    ]);
  });
});
