import path from 'node:path';
import type { CheckContext, Fix, FindingInput } from '../../src/engine/types.js';
import type { ComposeProject, UnsetVariable } from '../../src/facts/project/compose.js';
import { parseDotEnv } from '../../src/facts/project/interpolate.js';
import { prose, shellWord } from '../../src/util/text.js';
import { locationOf } from '../shared/project-source.js';
import { splitSecretVariables, type SpoiledSecret } from './secret-dollars.js';

/*
 * Variables compose replaces with an empty string. All of them are one finding (one cause, one fix: give them values in
 * .env), naming each variable and every file:line it is used at, never a value. Those a .env beside the user sets,
 * where that is not the .env compose reads, are a finding of their own: the fix there is to move them.
 */

/** Sample env files projects ship for .env, in the order they are offered. */
const SAMPLES = ['.env.example', '.env.sample', '.env.dist', '.env.template', '.env.defaults', 'env.example', 'example.env', 'sample.env'];

const MAX_NAMED = 6;

export async function reportUnsetVariables(ctx: CheckContext, compose: ComposeProject): Promise<void> {
  if (compose.unsetVariables.length === 0) return;
  // A `$` inside a password reads part of the password as a variable: that "name" is never said, only the key it spoils.
  const { named, spoiled } = splitSecretVariables(compose, compose.unsetVariables);
  await reportNamed(ctx, compose, named);
  for (const secret of spoiled) ctx.report(spoiledFinding(compose, secret));
}

async function reportNamed(ctx: CheckContext, compose: ComposeProject, variables: UnsetVariable[]): Promise<void> {
  if (variables.length === 0) return;
  const here = ctx.facts.workingDirectory();
  let remaining = variables;
  if (path.resolve(here) !== path.resolve(compose.dir)) {
    const nearby = await envKeys(ctx, path.join(here, '.env'));
    const setNearby = remaining.filter((v) => nearby?.has(v.name));
    if (setNearby.length > 0) {
      ctx.report(await elsewhereFinding(ctx, compose, here, setNearby));
      remaining = remaining.filter((v) => !nearby?.has(v.name));
    }
  }
  if (remaining.length > 0) ctx.report(await unsetFinding(ctx, compose, remaining));
}

/** The keys an env file sets, or undefined when it is not there (or is not a regular, readable file). */
async function envKeys(ctx: CheckContext, file: string): Promise<Set<string> | undefined> {
  const stat = await ctx.facts.stat(file).catch(() => null);
  if (stat?.type !== 'file') return undefined;
  const text = await ctx.facts.hostFile(file);
  return text === undefined ? undefined : new Set(Object.keys(parseDotEnv(text)));
}

function uses(variable: UnsetVariable): string {
  return variable.uses.map((u) => `${u.file}:${u.line}`).join(', ');
}

function named(variables: UnsetVariable[]): string {
  const shown = variables.slice(0, MAX_NAMED).map((v) => `${v.name} (${uses(v)})`);
  return variables.length > MAX_NAMED ? `${shown.join(', ')} and ${variables.length - MAX_NAMED} more` : shown.join(', ');
}

async function unsetFinding(ctx: CheckContext, compose: ComposeProject, variables: UnsetVariable[]): Promise<FindingInput> {
  const first = variables[0]!.uses[0]!;
  const dotEnv = path.join(compose.dir, '.env');
  const envExists = (await envKeys(ctx, dotEnv)) !== undefined;
  const sample = envExists ? undefined : await sampleSetting(ctx, compose.dir, variables);
  const names = variables.map((v) => v.name);
  const one = variables.length === 1;
  const fixes: Fix[] = [];
  if (sample)
    fixes.push({
      title: `Create .env from the project's sample ${sample}, which sets ${one ? names[0] : 'them'}; then put your own values in it`,
      command: `cp -n ${shellWord(sample)} .env`,
      runIn: 'project',
    });
  // A variable the container itself has (a service's environment: sets it) is usually meant for the container's shell:
  // a healthcheck's `pg_isready -U $POSTGRES_USER`. Compose expands it first; $$ hands it to the container.
  // `POSTGRES_USER: ${POSTGRES_USER}` passes the variable through: that line is not one for the container's shell ($$ there
  // would set the literal text), so only uses elsewhere (a healthcheck, a command) are.
  const definedAt = new Set(compose.services.flatMap((service) => service.environment.map((e) => `${e.name}@${e.at.file}:${e.at.line}`)));
  const containerVars = new Set(compose.services.flatMap((service) => service.environment.map((e) => e.name)));
  const forContainer = variables
    .filter((v) => containerVars.has(v.name))
    .map((v) => ({ ...v, uses: v.uses.filter((u) => !definedAt.has(`${v.name}@${u.file}:${u.line}`)) }))
    .filter((v) => v.uses.length > 0);
  if (forContainer.length > 0)
    fixes.push({
      title: prose`
        If ${forContainer.map((v) => `$${v.name}`).join(', ')} ${forContainer.length === 1 ? 'is' : 'are'} meant for the container's
        shell (a service's environment: sets ${forContainer.length === 1 ? 'it' : 'them'}), write
        ${forContainer.map((v) => `$$${v.name}`).join(', ')} at ${forContainer.map(uses).join(', ')}: compose then leaves
        ${forContainer.length === 1 ? 'it' : 'them'} to the container
      `,
    });
  // No command otherwise: what it would write are the values, which only the user knows (and must never appear here).
  fixes.push({
    title: prose`
      ${envExists ? `Add a line NAME=value to .env in ${compose.dir}` : `Create .env in ${compose.dir} with a line NAME=value`} for
      ${one ? names[0] : `each of ${names.join(', ')}`} (or export ${one ? 'it' : 'them'} in the shell that runs compose), or give
      ${one ? 'it a default where it is used' : 'each a default where it is used'}: \${${names[0]}:-value}
    `,
  });
  return {
    cause: 'unset-variable',
    title: one
      ? `Variable ${names[0]} is set nowhere, so compose puts an empty string in its place (${uses(variables[0]!)})`
      : `${variables.length} variables are set nowhere, so compose puts empty strings in their place: ${named(variables)}`,
    subject: { kind: 'file', name: first.file },
    location: locationOf(first),
    fixes,
    evidence: {
      variables: variables.map((v) => ({ name: v.name, at: v.uses.map((u) => `${u.file}:${u.line}`) })),
      envFile: dotEnv,
      envFileExists: envExists,
      ...(sample ? { sample } : {}),
    },
  };
}

function spoiledFinding(compose: ComposeProject, secret: SpoiledSecret): FindingInput {
  const where = `${secret.at.file}:${secret.at.line}`;
  const one = secret.unsetReads === 1;
  return {
    cause: 'dollar-in-secret',
    title: prose`
      A $ in the value of ${secret.key} (${where}) makes compose read ${one ? 'a variable, which is' : 'variables, which are'} set
      nowhere, so ${one ? 'that part of the value becomes' : 'those parts of the value become'} empty
    `,
    subject: secret.service ? { kind: 'service', name: secret.service } : { kind: 'file', name: secret.at.file },
    location: locationOf(secret.at),
    // No command: it would have to print the value.
    fixes: [
      { title: `Write $$ for each $ in the value of ${secret.key} at ${where}: compose reads $$ as one literal $` },
      {
        title: prose`
          If a $ there is meant to read a variable, set that variable in .env in ${compose.dir} (or in the shell that runs compose), or
          give it a default: \${NAME:-value}
        `,
      },
    ],
    evidence: { setting: secret.key, at: where, unsetReads: secret.unsetReads },
  };
}

/** A sample env file in the project directory that sets every one of the variables (a partial one would leave some empty). */
async function sampleSetting(ctx: CheckContext, dir: string, variables: UnsetVariable[]): Promise<string | undefined> {
  for (const name of SAMPLES) {
    const keys = await envKeys(ctx, path.join(dir, name));
    if (keys && variables.every((v) => keys.has(v.name))) return name;
  }
  return undefined;
}

async function elsewhereFinding(
  ctx: CheckContext,
  compose: ComposeProject,
  here: string,
  variables: UnsetVariable[],
): Promise<FindingInput> {
  const first = variables[0]!.uses[0]!;
  const target = path.join(compose.dir, '.env');
  const targetExists = (await envKeys(ctx, target)) !== undefined;
  const names = variables.map((v) => v.name).join(', ');
  const relativeTarget = path.relative(here, target);
  const shown = relativeTarget.startsWith('..') ? target : relativeTarget;
  const fix: Fix = targetExists
    ? { title: `Copy the lines for ${names} from ${path.join(here, '.env')} into ${target}, the .env compose reads` }
    : {
        title: `Copy ${path.join(here, '.env')} to ${target}, the .env compose reads (cp -n never overwrites)`,
        command: `cp -n .env ${shellWord(shown)}`,
      };
  return {
    cause: 'dotenv-elsewhere',
    title: prose`
      ${variables.length === 1 ? `Variable ${names} is` : `Variables ${names} are`} set in .env here (${here}), but compose reads
      ${target}, so ${variables.length === 1 ? 'it is' : 'they are'} empty (${uses(variables[0]!)})
    `,
    subject: { kind: 'file', name: first.file },
    location: locationOf(first),
    fixes: [fix],
    evidence: { variables: variables.map((v) => v.name), readBy: target, besideYou: path.join(here, '.env') },
  };
}
