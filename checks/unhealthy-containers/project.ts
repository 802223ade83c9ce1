import { prose } from '../../src/util/text.js';
import type { CheckContext, Fix } from '../../src/engine/types.js';
import type { ComposeHealthcheck, ComposeProject, ComposeService } from '../../src/facts/project/compose.js';
import type { ParsedDockerfile } from '../../src/facts/project/dockerfile.js';
import { builtDockerfile, locationOf } from '../shared/project-source.js';
import { knownBase, mayHaveTool, stageChain, stageContents } from './base-images.js';
import { probeOfInstruction, probeOfTest, programOf, shellSyntaxIn, targetsOf, type Probe } from './probe.js';
import { finalHealthcheck, targetStage } from './source.js';

/** A Go duration as compose reads it: one or more number+unit pairs (`30s`, `1m30s`, `500ms`). */
const DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;
const DURATION_KEYS = [
  ['interval', 'interval'],
  ['timeout', 'timeout'],
  ['startPeriod', 'start_period'],
  ['startInterval', 'start_interval'],
] as const;

/** The compose healthcheck mistakes of every service, each at its line. */
export async function judgeComposeHealthchecks(ctx: CheckContext, compose: ComposeProject): Promise<void> {
  for (const service of compose.services) {
    const check = service.healthcheck;
    if (!check) continue;
    testForm(ctx, service, check);
    durations(ctx, service, check);
    if (check.disable && check.test && !isNone(check.test.value)) {
      ctx.report({
        cause: 'compose-disable-with-test',
        title: `Service ${service.name}'s healthcheck sets disable: true, so its test never runs (${lineOf(check.test.at)})`,
        subject: { kind: 'service', name: service.name },
        location: locationOf(check.test.at),
        fixes: [
          {
            title: `Remove disable: true if the check should run, or the test if it is off on purpose (${check.at.file}:${check.at.line})`,
          },
        ],
        evidence: { test: check.test.value },
      });
    }
    await composeTool(ctx, compose, service, check);
  }
}

const lineOf = (at: { file: string; line: number }) => `${at.file}:${at.line}`;

const isNone = (test: string[] | string) => Array.isArray(test) && test[0] === 'NONE';

function testForm(ctx: CheckContext, service: ComposeService, check: ComposeHealthcheck): void {
  const test = check.test;
  if (!test || !Array.isArray(test.value) || test.value.length === 0) return;
  const first = test.value[0]!;
  if (['CMD', 'CMD-SHELL', 'NONE'].includes(first)) return;
  const exec = probeOfTest(['CMD', ...test.value])!;
  const fixed = shellSyntaxIn(exec) ? ['CMD-SHELL', test.value.join(' ')] : ['CMD', ...test.value];
  ctx.report({
    cause: 'compose-test-form',
    title: prose`
      Service ${service.name}'s healthcheck test is a list starting with "${first}", not CMD, CMD-SHELL or NONE, so compose refuses it
      (${lineOf(test.at)})
    `,
    subject: { kind: 'service', name: service.name },
    location: locationOf(test.at),
    fixes: [
      {
        title: `Say how to run it at ${test.at.file}:${test.at.line}`,
        command: `test: [${fixed.map((i) => JSON.stringify(i)).join(', ')}]`,
      },
    ],
    evidence: { test: test.value },
  });
}

function durations(ctx: CheckContext, service: ComposeService, check: ComposeHealthcheck): void {
  for (const [field, key] of DURATION_KEYS) {
    const value = check[field];
    if (!value || DURATION.test(value.value.trim())) continue;
    const number = /^\d+(\.\d+)?$/.test(value.value.trim());
    const fixes: Fix[] = number
      ? [
          {
            title: `Write the unit at ${value.at.file}:${value.at.line} (a bare number was meant as seconds)`,
            command: `${key}: ${value.value.trim()}s`,
          },
        ]
      : [{ title: `Write a duration with its unit at ${value.at.file}:${value.at.line}, e.g. 30s, 1m30s or 500ms` }];
    ctx.report({
      cause: 'compose-duration',
      title: `Service ${service.name}'s healthcheck ${key}: ${value.value} has no unit, so compose refuses it (${lineOf(value.at)})`,
      subject: { kind: 'service', name: service.name },
      location: locationOf(value.at),
      fixes,
      evidence: { key, value: value.value },
    });
  }
}

/** A compose healthcheck of a service built here that calls a tool the build's final stage does not have. */
async function composeTool(ctx: CheckContext, compose: ComposeProject, service: ComposeService, check: ComposeHealthcheck): Promise<void> {
  if (!service.build || !check.test || check.disable) return;
  const probe = probeOfTest(check.test.value);
  const dockerfile = probe && (await builtDockerfile(ctx.facts, compose, service));
  if (!probe || !dockerfile) return;
  const lack = lackingTool(dockerfile, targetStage(dockerfile, service.build.target), probe);
  if (!lack) return;
  const at = check.test.at;
  const fixed = lack.fixedProbe ? `test: [${['CMD', ...lack.fixedProbe].map((i) => JSON.stringify(i)).join(', ')}]` : undefined;
  ctx.report({
    cause: 'image-lacks-tool',
    title: `Service ${service.name}'s healthcheck runs ${lack.what}, which its image (FROM ${lack.base}) does not have (${lineOf(at)})`,
    subject: { kind: 'service', name: service.name },
    location: locationOf(at),
    fixes: lackFixes(lack, fixed, `${at.file}:${at.line}`, dockerfile.file),
    evidence: { base: lack.base, tool: lack.what, dockerfile: dockerfile.file },
  });
}

/** Every Dockerfile's final HEALTHCHECK that calls a tool its base does not have. */
export function judgeDockerfileHealthchecks(ctx: CheckContext, dockerfiles: ParsedDockerfile[]): void {
  for (const dockerfile of dockerfiles) {
    const stage = dockerfile.stages.length - 1;
    if (stage < 0) continue;
    const instruction = finalHealthcheck(dockerfile, stage, stageChain(dockerfile, stage));
    const probe = instruction && probeOfInstruction(instruction.args);
    if (!instruction || !probe) continue;
    const lack = lackingTool(dockerfile, stage, probe);
    if (!lack) continue;
    const at = `${dockerfile.file}:${instruction.line}`;
    const flags = instruction.flags.map((f) => (f.value === null ? `--${f.name}` : `--${f.name}=${f.value}`));
    const fixed = lack.fixedProbe
      ? ['HEALTHCHECK', ...flags, 'CMD', `[${lack.fixedProbe.map((i) => JSON.stringify(i)).join(', ')}]`].join(' ')
      : undefined;
    ctx.report({
      cause: 'image-lacks-tool',
      title: `The HEALTHCHECK runs ${lack.what}, which the final stage (FROM ${lack.base}) does not have (${at})`,
      subject: { kind: 'file', name: dockerfile.file },
      location: { file: dockerfile.file, line: instruction.line },
      fixes: lackFixes(lack, fixed, at, dockerfile.file),
      evidence: { base: lack.base, tool: lack.what },
    });
  }
}

interface Lack {
  /** "curl", or "a shell (/bin/sh)" for a shell-form check on an image without one. */
  what: string;
  base: string;
  family: string;
  /** The same request with a tool the base has (wget for curl on alpine), in exec form. */
  fixedProbe?: string[];
  /** The RUN line that installs the tool, where the base has a package manager. */
  install?: string;
}

/** What the probe needs that the stage's base lacks and no instruction of the stage's chain brings in. */
function lackingTool(dockerfile: ParsedDockerfile, stage: number, probe: Probe): Lack | undefined {
  if (!dockerfile.stages[stage]) return undefined;
  const { base, instructions } = stageContents(dockerfile, stage);
  const tools = knownBase(base);
  if (!tools) return undefined;
  if (probe.form === 'shell' && !tools.shell && !mayHaveTool(instructions, 'sh'))
    return { what: 'a shell (/bin/sh, for the shell form)', base, family: tools.family };
  const program = programOf(probe)?.split('/').pop();
  if (program !== 'curl' && program !== 'wget') return undefined;
  if (tools[program] || mayHaveTool(instructions, program)) return undefined;
  const url = targetsOf(probe).targets.find((t) => t.url)?.url;
  const fixedProbe = program === 'curl' && tools.wget && url ? ['wget', '-q', '--spider', url] : undefined;
  return {
    what: program,
    base,
    family: tools.family,
    ...(fixedProbe ? { fixedProbe } : {}),
    ...(tools.install ? { install: tools.install(program) } : {}),
  };
}

function lackFixes(lack: Lack, fixed: string | undefined, at: string, dockerfile: string): Fix[] {
  const fixes: Fix[] = [];
  if (fixed) fixes.push({ title: `Probe with wget, which ${lack.family} has (${at})`, command: fixed });
  if (lack.install)
    fixes.push({ title: `Or install ${lack.what} in the final stage of ${dockerfile}, before the HEALTHCHECK`, command: lack.install });
  if (fixes.length === 0)
    fixes.push({
      title: `Probe with a program the image has (${lack.family} has no shell, curl or wget): the app's own health command, in exec form`,
    });
  return fixes;
}
