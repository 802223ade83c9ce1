import type { Fix, Location } from '../../src/engine/types.js';
import type { ContainerInspect } from '../../src/facts/docker/types.js';
import type { DockerfileInstruction, ParsedDockerfile } from '../../src/facts/project/dockerfile.js';
import type { Facts } from '../../src/facts/types.js';
import { composeLabels } from '../shared/containers.js';
import { builtDockerfile, composeServiceOf, locationOf } from '../shared/project-source.js';
import { probeOfInstruction, probeOfTest, type Probe } from './probe.js';

/** Where the health check a container runs is written, so a fix edits that line. */
export type HealthSource =
  | { kind: 'compose'; service: string; location: Location; build: boolean }
  | { kind: 'dockerfile'; location: Location; instruction: DockerfileInstruction; service?: string }
  | { kind: 'run' };

/**
 * The compose `test:` line of the container's service, else the HEALTHCHECK of the Dockerfile it was built from, when
 * that text is the test the container runs (a file edited since would send the user to the wrong line); else `run`.
 */
export async function healthSource(facts: Facts, inspect: ContainerInspect, running: Probe): Promise<HealthSource> {
  const labels = inspect.Config.Labels;
  if (composeLabels(labels)?.oneoff) return { kind: 'run' };
  const found = await composeServiceOf(facts, labels).catch(() => undefined);
  if (!found) return { kind: 'run' };
  const { service, project } = found;
  const test = service.healthcheck?.test;
  if (test) {
    const written = probeOfTest(test.value);
    if (!written || written.text !== running.text) return { kind: 'run' };
    return { kind: 'compose', service: service.name, location: locationOf(test.at), build: !!service.build };
  }
  const dockerfile = await builtDockerfile(facts, project, service);
  const instruction = dockerfile && finalHealthcheck(dockerfile, targetStage(dockerfile, service.build?.target));
  if (!instruction || probeOfInstruction(instruction.args)?.text !== running.text) return { kind: 'run' };
  return { kind: 'dockerfile', location: { file: dockerfile.file, line: instruction.line }, instruction, service: service.name };
}

/** The stage a build ends with: its target when named, else the last. */
export function targetStage(dockerfile: ParsedDockerfile, target: string | undefined): number {
  const named = target ? dockerfile.stages.findIndex((s) => s.name?.toLowerCase() === target.toLowerCase()) : -1;
  return named >= 0 ? named : dockerfile.stages.length - 1;
}

/** The HEALTHCHECK the image of a stage ends with (a later one replaces an earlier; stages built on others inherit it). */
export function finalHealthcheck(dockerfile: ParsedDockerfile, stage: number, chain?: number[]): DockerfileInstruction | undefined {
  const stages = chain ?? [stage];
  return dockerfile.instructions.filter((i) => i.keyword === 'HEALTHCHECK' && stages.includes(i.stage)).at(-1);
}

/** A new test, as the source writes it: compose `test:`, a Dockerfile HEALTHCHECK, or a `docker run` flag. */
export function testSnippet(source: HealthSource, probe: { exec: string[] } | { shell: string }): string {
  // Compose interpolates the file: a literal $ is written $$.
  if (source.kind === 'compose')
    return `test: ${('exec' in probe ? listOf(['CMD', ...probe.exec]) : listOf(['CMD-SHELL', probe.shell])).replace(/\$/g, '$$$$')}`;
  if (source.kind === 'dockerfile') {
    const flags = source.instruction.flags.map((f) => (f.value === null ? `--${f.name}` : `--${f.name}=${f.value}`));
    return ['HEALTHCHECK', ...flags, 'CMD', 'exec' in probe ? listOf(probe.exec) : probe.shell].join(' ');
  }
  const line = 'exec' in probe ? probe.exec.map(shellQuoted).join(' ') : probe.shell;
  return `--health-cmd ${singleQuoted(line)}`;
}

/**
 * The probe as a host shell line that runs it inside the container: a shell-form line goes to the container's sh in
 * single quotes, so `||` or `$PORT` never run or expand on the host; exec-form words are quoted one by one.
 */
export function probeInContainer(container: string, probe: Probe): string {
  const argv = probe.form === 'shell' ? `sh -c ${singleQuoted(probe.text)}` : probe.words.map(shellQuoted).join(' ');
  return `exec ${shellQuoted(container)} ${argv}`;
}

/** The fix that replaces a container's test, with how to apply it. */
export function replaceTestFixes(source: HealthSource, probe: { exec: string[] } | { shell: string }, why: string, compose: string): Fix[] {
  const snippet = testSnippet(source, probe);
  if (source.kind === 'run')
    return [
      {
        title: `${why}: create the container again with this health check (its docker run flag; in compose, healthcheck.test)`,
        command: snippet,
      },
    ];
  const at = `${source.location.file}:${source.location.line}`;
  const fixes: Fix[] = [
    { title: `${why}: ${source.kind === 'compose' ? 'set the test' : 'replace the HEALTHCHECK'} at ${at}`, command: snippet },
  ];
  const rebuild = source.kind === 'dockerfile' || source.build;
  if ('service' in source && source.service)
    fixes.push({
      title: `Then recreate ${source.service} with the new health check (its volumes are kept)`,
      command: `${compose} up -d ${rebuild && source.kind === 'dockerfile' ? '--build ' : ''}${source.service}`,
      runIn: 'project',
    });
  return fixes;
}

function listOf(items: string[]): string {
  return `[${items.map((i) => JSON.stringify(i)).join(', ')}]`;
}

export function shellQuoted(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : singleQuoted(word);
}

export function singleQuoted(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
