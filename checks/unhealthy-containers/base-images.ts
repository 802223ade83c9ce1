import type { DockerfileInstruction, ParsedDockerfile } from '../../src/facts/project/dockerfile.js';

/** What a base image is known to ship: a shell for CMD-SHELL checks, and the two HTTP clients health checks call. */
export interface BaseTools {
  /** How to name the image in a message: "alpine", "a slim Debian image", "distroless". */
  family: string;
  shell: boolean;
  curl: boolean;
  wget: boolean;
  /** The package manager line that installs a tool, where the image has one. */
  install?: (tool: string) => string;
}

const APK = (tool: string) => `RUN apk add --no-cache ${tool}`;
const APT = (tool: string) => `RUN apt-get update && apt-get install -y --no-install-recommends ${tool} && rm -rf /var/lib/apt/lists/*`;

/** Official language images whose -alpine and -slim variants are the plain alpine and Debian slim bases underneath. */
const LANGUAGE_IMAGES = new Set(['node', 'python']);

/**
 * What an image is known to have, from its name alone; undefined when not sure (the full language images, nginx,
 * anything else): only these bases are documented or built without curl or wget.
 */
export function knownBase(image: string): BaseTools | undefined {
  const ref = image.toLowerCase().replace(/@sha256:[0-9a-f]+$/, '');
  if (ref === 'scratch') return { family: 'scratch', shell: false, curl: false, wget: false };
  const [repoPart, tag = 'latest'] = splitTag(ref);
  if (repoPart.startsWith('gcr.io/distroless/')) {
    // The :debug variants add a busybox shell (and its wget).
    const debug = tag.includes('debug');
    return { family: 'distroless', shell: debug, curl: false, wget: debug };
  }
  const repo = repoPart.replace(/^(docker\.io\/)?(library\/)?/, '');
  if (repo === 'alpine' || repo === 'busybox')
    return { family: repo, shell: true, curl: false, wget: true, ...(repo === 'alpine' ? { install: APK } : {}) };
  if (repo === 'debian' || repo === 'ubuntu')
    return { family: `the ${repo} base image`, shell: true, curl: false, wget: false, install: APT };
  if (LANGUAGE_IMAGES.has(repo) && /(^|-)alpine/.test(tag))
    return { family: `${repo}'s alpine image`, shell: true, curl: false, wget: true, install: APK };
  if (LANGUAGE_IMAGES.has(repo) && /(^|-)slim/.test(tag))
    return { family: `${repo}'s slim image`, shell: true, curl: false, wget: false, install: APT };
  return undefined;
}

function splitTag(ref: string): [string, string | undefined] {
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  return colon > slash ? [ref.slice(0, colon), ref.slice(colon + 1)] : [ref, undefined];
}

/** The stages a stage is built on, root first: `FROM build AS final` follows `build` back to its base image. */
export function stageChain(dockerfile: ParsedDockerfile, stage: number): number[] {
  const chain: number[] = [];
  for (let current: number | undefined = stage; current !== undefined && !chain.includes(current);) {
    chain.unshift(current);
    const image = dockerfile.stages[current]!.image.toLowerCase();
    const parent = dockerfile.stages.findIndex((s, i) => i < current! && s.name?.toLowerCase() === image);
    current = parent >= 0 ? parent : undefined;
  }
  return chain;
}

/** The stage's base image and the instructions of every stage in its chain (what ends up in the image). */
export function stageContents(dockerfile: ParsedDockerfile, stage: number): { base: string; instructions: DockerfileInstruction[] } {
  const chain = stageChain(dockerfile, stage);
  return {
    base: dockerfile.stages[chain[0]!]!.image,
    instructions: dockerfile.instructions.filter((i) => chain.includes(i.stage)),
  };
}

/** Whether any RUN, COPY or ADD of the stage's chain names the tool: installed, downloaded or copied in; then say nothing. */
export function mayHaveTool(instructions: DockerfileInstruction[], tool: string): boolean {
  const word = new RegExp(`(^|[^A-Za-z0-9_-])${tool}([^A-Za-z0-9_-]|$)`);
  return instructions.some((i) => ['RUN', 'COPY', 'ADD'].includes(i.keyword) && word.test(i.args));
}
