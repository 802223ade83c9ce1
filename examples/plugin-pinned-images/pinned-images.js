// A docker-doctor check in plain JavaScript (no build step); the JSDoc types come from the CLI's declarations.
import path from 'node:path';
import { defineCheck } from '@docker-doctor/cli';

/** @typedef {import('@docker-doctor/cli').CheckContext} CheckContext */

const EXPLANATION =
  'An image without a tag means :latest, and :latest is whatever the registry holds when the image is pulled: ' +
  'a new machine, a CI runner or `docker compose pull` can start a different version from the one you tested, ' +
  'and a rollback has nothing to go back to. A version tag (nginx:1.27) or a digest (nginx@sha256:…) pins it.';

export default defineCheck({
  meta: {
    id: 'pinned-images',
    title: 'Compose images are pinned to a version',
    category: 'compose',
    description:
      'Warns on compose services whose `image:` has no tag or the tag latest, so every pull may start another ' +
      'version. Services that build their image, and images pinned by tag or digest, are fine. Read-only: it ' +
      'reads the compose file and, when the daemon answers, the image this host already has.',
    requires: [],
    codes: {
      untagged: { severity: 'warning', summary: 'a service image has no tag', explanation: EXPLANATION },
      latest: { severity: 'warning', summary: 'a service image uses the tag latest', explanation: EXPLANATION },
    },
  },
  /** @param {CheckContext} ctx */
  async run(ctx) {
    const compose = await ctx.facts.compose();
    if (!compose) return ctx.skip('no compose file in the project');
    const problem = compose.problems[0];
    if (problem) return ctx.skip(`compose refuses the file (${problem.file}:${problem.line}); the built-in checks say why`);
    for (const service of compose.services) {
      // With `build:`, image names what compose builds: nothing is pulled.
      if (!service.image || service.build) continue;
      const tag = tagOf(service.image);
      if (tag !== undefined && tag !== 'latest') continue;
      await reportUnpinned(ctx, compose.dir, service, tag);
    }
  },
});

/**
 * The tag of an image reference; undefined when it has none, '' for a digest (pinned). A registry port
 * (localhost:5000/app) is not a tag: only the last path component can carry one.
 * @param {string} image
 */
export function tagOf(image) {
  if (image.includes('@')) return '';
  const name = image.slice(image.lastIndexOf('/') + 1);
  const colon = name.indexOf(':');
  return colon === -1 ? undefined : name.slice(colon + 1);
}

/**
 * @param {CheckContext} ctx
 * @param {string} dir
 * @param {import('@docker-doctor/cli').ComposeService} service
 * @param {string | undefined} tag
 */
async function reportUnpinned(ctx, dir, service, tag) {
  const at = (await imageLine(ctx, dir, service)) ?? service.at;
  const where = `${at.file}:${at.line}`;
  const repository = tag === undefined ? service.image : service.image.slice(0, -':latest'.length);
  const title =
    tag === undefined
      ? `Service ${service.name} runs image ${service.image} without a tag (${where}), which means ${repository}:latest`
      : `Service ${service.name} runs ${service.image} (${where})`;
  ctx.report({
    cause: tag === undefined ? 'untagged' : 'latest',
    title: `${title}: each pull may start another version`,
    subject: { kind: 'service', name: service.name },
    location: at,
    fixes: await pinFixes(ctx, repository, where),
    evidence: { image: service.image },
  });
}

/**
 * What to pin: the version the local image says it is, else a placeholder; and, when this host has pulled the
 * image, its exact digest. Lines to paste into the compose file, never a command that edits it.
 * @param {CheckContext} ctx
 * @param {string} repository
 * @param {string} where
 */
async function pinFixes(ctx, repository, where) {
  const local = await ctx.facts.imageInspect(`${repository}:latest`).catch(() => null);
  const version = local?.Config?.Labels?.['org.opencontainers.image.version'];
  const fixes = [
    version
      ? {
          title: `Pin the version this host runs (its image says ${version}): replace the line at ${where} with`,
          command: `image: ${repository}:${version}`,
        }
      : {
          title: `Pin the version you test with (see the tags the image publishes): replace the line at ${where} with`,
          command: `image: ${repository}:<version>`,
        },
  ];
  const digest = local?.RepoDigests?.[0];
  if (digest) fixes.push({ title: `Or pin exactly the image this host has now, by its digest`, command: `image: ${digest}` });
  return fixes;
}

/**
 * Where the service's `image:` key is written, read from the compose file itself (the model keeps the service's line);
 * undefined when it comes from elsewhere (an anchor, `extends`, flow style).
 * @param {CheckContext} ctx
 * @param {string} dir
 * @param {import('@docker-doctor/cli').ComposeService} service
 */
async function imageLine(ctx, dir, service) {
  const text = await ctx.facts.hostFile(path.join(dir, service.at.file));
  const lines = (text ?? '').split('\n');
  let childIndent;
  for (let i = service.at.line; i < lines.length; i++) {
    const line = lines[i];
    if (/^\s*(#|$)/.test(line)) continue;
    const indent = line.length - line.trimStart().length;
    if (indent < service.at.column) return undefined;
    childIndent ??= indent;
    const key = /^(\s*)image\s*:/.exec(line);
    if (indent === childIndent && key) return { file: service.at.file, line: i + 1, column: indent + 1 };
  }
  return undefined;
}
