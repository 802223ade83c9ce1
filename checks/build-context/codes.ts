import type { FindingCodeMeta } from '../../src/engine/types.js';
import { prose } from '../../src/util/text.js';

const IGNORE_DOCS = 'https://docs.docker.com/build/concepts/context/#dockerignore-files';
const CACHE_DOCS = 'https://docs.docker.com/build/cache/optimize/';

export const buildContextCodes = {
  'no-dockerignore': {
    severity: 'warning',
    summary: 'no .dockerignore, and the context holds heavy paths the image can do without',
    explanation: prose`
      Without a .dockerignore, the whole directory is the build context: .git, node_modules, virtualenvs, build output and logs are sent to
      the builder on every build ("transferring context: 1.2GB"), \`COPY . .\` copies them into the image, and any change in them
      invalidates the layer cache.
    `,
    docsUrl: IGNORE_DOCS,
  },
  'heavy-paths-sent': {
    severity: 'warning',
    summary: 'the .dockerignore lets heavy or volatile paths through',
    explanation: prose`
      The ignore file exists but still sends heavy or volatile paths. Patterns are anchored at the context root: \`node_modules\` excludes
      only ./node_modules, \`**/node_modules\` every one; \`*.log\` only matches at the root.
    `,
    docsUrl: IGNORE_DOCS,
  },
  'context-large': {
    severity: 'warning',
    summary: 'the build context is very large',
    explanation: prose`
      The builder receives every file of the context that the ignore file does not exclude. Above roughly 100 MB or 10,000 files, sending it
      dominates build time; the largest directories are usually the ones to exclude.
    `,
    docsUrl: IGNORE_DOCS,
  },
  'secrets-sent': {
    severity: 'error',
    summary: 'secret-looking files are sent to the builder',
    explanation: prose`
      Files such as an .env with secret values, private keys, registry tokens and cloud credentials are in the build context (judged by what
      they hold: certificates, public keys and settings are not secrets). Even when the Dockerfile does not COPY them by name, \`COPY . .\`
      puts them into an image layer, where anyone who can pull the image can read them (an error when that copy is in the final image, a
      warning when it is in a build stage a COPY --from can carry them from). Sent but never copied, they only reach the builder (a note).
      Files the Dockerfile copies by name, or that a COPY --from carries into the image from a stage that copied them (\`COPY . /src\`, then
      \`COPY --from=build /src/keys/. …\`), are needed by the build: excluding them would break it, so they are a note, fine for test
      fixtures and not for real credentials. Keystores (.p12, .pfx) under example, sample, test or fixture directories, whose bytes cannot
      tell a sample from a real one, are a note too. Use build secrets (\`RUN --mount=type=secret\`) for what the build needs.
    `,
    docsUrl: 'https://docs.docker.com/build/building/secrets/',
  },
  'copy-source-ignored': {
    severity: 'error',
    summary: 'a COPY/ADD source is excluded by the ignore file',
    explanation: prose`
      The ignore file excludes a path the Dockerfile copies, so the build fails with \`failed to compute cache key: … "/<path>": not found\`
      (or BuildKit's CopyIgnoredFile check warns).
    `,
    docsUrl: 'https://docs.docker.com/reference/build-checks/copy-ignored-file/',
  },
  'copy-source-missing': {
    severity: 'error',
    summary: 'a COPY/ADD source is not in the build context',
    explanation: prose`
      The builder only sees the build context, so a source that is not there fails the build: \`COPY failed: file not found in build
      context or excluded by .dockerignore: stat x: file does not exist\` (classic builder) or \`failed to compute cache key: "/x": not
      found\` (BuildKit). Names are case-sensitive (\`requirements.TXT\` is not \`requirements.txt\`), an absolute source is read from the
      context root and never from the host, and a compose \`build.context\` set to a subdirectory hides the files above it. A warning when
      an ARG default gave the path (a --build-arg may give another); a note when the file looks like build output (dist/, target/*.jar, a
      file .gitignore names), which a step before \`docker build\` may make.
    `,
    docsUrl: 'https://docs.docker.com/reference/dockerfile/#copy',
  },
  'copy-source-outside': {
    severity: 'error',
    summary: 'a COPY/ADD source climbs out of the build context with ../',
    explanation: prose`
      The context is all the builder receives: the classic builder refuses \`COPY ../x\` with "forbidden path outside the build context",
      and BuildKit stops the climb at the context root, reading \`x\` from the context (not found, or another file than meant). To copy a
      file from above, build from a directory that holds both (compose \`build.context: ..\` with \`dockerfile:\` relative to it), or
      copy the file into the context. A warning when the path inside the context exists, since BuildKit then builds.
    `,
    docsUrl: 'https://docs.docker.com/build/concepts/context/',
  },
  'copy-glob-empty': {
    severity: 'warning',
    summary: 'a COPY/ADD wildcard matches nothing in the build context',
    explanation: prose`
      A source such as \`*.json\` that matches no file of the context, on a line where no other source matches either: the classic builder
      fails with "COPY failed: no source files were specified", and BuildKit (on Docker 20.10) copies nothing and goes on, so the image
      lacks what the line was for. The idiom \`COPY package.json package-lock.json* ./\`, whose other source exists, is not reported.
    `,
    docsUrl: 'https://docs.docker.com/reference/dockerfile/#copy',
  },
  'copy-from-unknown': {
    severity: 'error',
    summary: 'a COPY --from names no earlier build stage',
    explanation: prose`
      \`COPY --from=<name>\` takes files from an earlier stage (\`FROM … AS <name>\`, or its index counted from 0), else from an image of
      that name: a stage name that does not exist (\`--from=builder\` without \`AS builder\`, or a misspelt name) makes the builder pull
      an image called so ("pull access denied for builder"), an index past the last stage fails ("invalid stage index"), and a stage
      naming itself fails ("circular dependency detected"). A stage defined later is a warning: BuildKit builds it first, the classic
      builder looks for an image and fails. A bare word that may be an image (\`--from=composer\`) is left alone.
    `,
    docsUrl: 'https://docs.docker.com/build/building/multi-stage/',
  },
  'ignore-invalid': {
    severity: 'error',
    summary: 'a .dockerignore line is not a valid pattern',
    explanation: prose`
      The docker CLI and BuildKit refuse the whole ignore file when one pattern is malformed (an unterminated [ class, a dangling \\ escape,
      a lone !), so the build fails before it starts.
    `,
    docsUrl: IGNORE_DOCS,
  },
  'file-unreadable': {
    severity: 'error',
    summary: 'a Dockerfile, ignore file or the project directory exists but cannot be read',
    explanation: prose`
      A Dockerfile or .dockerignore that is a FIFO, socket or device (or a link to one), too large to be a real one, or unreadable for this
      user cannot be read by the docker CLI either: a FIFO blocks the build forever, the others fail it. A project directory this user
      cannot list hides every build file. docker-doctor reads only regular files and never blocks on one.
    `,
  },
  'copy-before-install': {
    severity: 'warning',
    summary: 'the whole context is copied before the dependency install',
    explanation: prose`
      A \`COPY . .\` (or any copy of the whole context) comes before the step that installs dependencies, so every source edit changes that
      layer and reruns the install (npm ci, pip install, go mod download…). Copy only the manifests first, install, then copy the rest.
    `,
    docsUrl: CACHE_DOCS,
  },
  'apt-update-alone': {
    severity: 'warning',
    summary: 'apt-get update in its own RUN',
    explanation: prose`
      \`RUN apt-get update\` on its own is cached as a layer, so a later \`apt-get install\` (in another RUN) keeps using a stale package
      index and fails or installs old versions. Docker's best practices: always combine apt-get update and apt-get install in the same RUN.
    `,
    docsUrl: 'https://docs.docker.com/build/building/best-practices/#apt-get',
  },
  'apt-lists-kept': {
    severity: 'info',
    summary: 'apt package lists left in the image',
    explanation: prose`
      The RUN that runs apt-get update and install does not remove /var/lib/apt/lists, which adds tens of MB to a layer of the image. Only
      that RUN can remove them for free (a later RUN only hides them), and only when no later RUN installs from them, in this stage or any
      stage built FROM it (then nothing is reported: the fix would need an apt-get update there too); stages the image only copies files
      from do not pass their lists on, and a RUN --mount cache or tmpfs on /var/lib/apt keeps them out of the layer.
    `,
    docsUrl: 'https://docs.docker.com/build/building/best-practices/#apt-get',
  },
  'scan-incomplete': {
    severity: 'info',
    summary: 'part of the context could not be measured',
    explanation: prose`
      The walk stopped at its time budget or could not read some directories (the builder would fail on those too), so the sizes are lower
      bounds.
    `,
    docsUrl: IGNORE_DOCS,
  },
} satisfies Record<string, FindingCodeMeta>;
