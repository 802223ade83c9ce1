import type { DoctorFlags } from './run-doctor.js';

/**
 * The parser of the lean path (src/lean-cli.ts) for everyday invocations: `docker-doctor [CHECK...]` with the common
 * flags. It accepts only what it parses exactly as oclif does (test/unit/lean-argv.test.ts compares the two on a
 * table of command lines) and answers undefined for anything else: help, other commands, words that are not check
 * ids, unknown or repeated flags, bad or missing values, the probe options. Those go through oclif unchanged, so the
 * user sees oclif's own parsing and messages.
 */

const BOOLEAN_FLAGS = new Map<string, keyof DoctorFlags>([
  ['--json', 'json'],
  ['-v', 'verbose'],
  ['--verbose', 'verbose'],
  ['--probe', 'probe'],
  ['--fix', 'fix'],
  ['--no-color', 'no-color'],
]);

const VALUE_FLAGS = new Map<string, keyof DoctorFlags>([
  ['-C', 'project'],
  ['--project', 'project'],
  ['-H', 'host'],
  ['--host', 'host'],
  ['--context', 'context'],
  ['--fail-on', 'fail-on'],
  ['--timeout', 'timeout'],
  ['--context-max-mb', 'context-max-mb'],
  ['--context-max-files', 'context-max-files'],
]);

const FAIL_ON = new Set(['error', 'warning', 'info', 'never']);

export interface LeanArgv {
  flags: DoctorFlags;
  ids: string[];
}

export function parseLeanArgv(argv: readonly string[], checkIds: ReadonlySet<string>): LeanArgv | undefined {
  const given = new Map<keyof DoctorFlags, string | true>();
  const ids: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (!token.startsWith('-')) {
      if (!checkIds.has(token)) return undefined; // A command, a typo (oclif suggests), or an empty word.
      ids.push(token);
      continue;
    }
    const equals = token.startsWith('--') ? token.indexOf('=') : -1;
    const name = equals > 0 ? token.slice(0, equals) : token;
    const boolean = equals < 0 ? BOOLEAN_FLAGS.get(name) : undefined;
    const valued = VALUE_FLAGS.get(name);
    const key = boolean ?? valued;
    if (key === undefined || given.has(key)) return undefined;
    const value = boolean ? true : equals > 0 ? token.slice(equals + 1) : argv[++i];
    if (value === undefined || value === '' || (value !== true && value.startsWith('-'))) return undefined;
    given.set(key, value);
  }
  const flags = toFlags(given);
  return flags && { flags, ids };
}

/** The flags with oclif's defaults, or undefined when a value is one oclif refuses. */
function toFlags(given: Map<keyof DoctorFlags, string | true>): DoctorFlags | undefined {
  const failOn = (given.get('fail-on') as string | undefined) ?? 'error';
  const maxMb = positiveInteger(given.get('context-max-mb') ?? '100');
  const maxFiles = positiveInteger(given.get('context-max-files') ?? '10000');
  if (!FAIL_ON.has(failOn) || maxMb === undefined || maxFiles === undefined) return undefined;
  return {
    ...Object.fromEntries(given),
    'fail-on': failOn,
    timeout: (given.get('timeout') as string | undefined) ?? '10',
    'context-max-mb': maxMb,
    'context-max-files': maxFiles,
  };
}

function positiveInteger(value: string | true): number | undefined {
  if (value === true || !/^\d+$/.test(value)) return undefined;
  const number = Number.parseInt(value, 10);
  return number >= 1 ? number : undefined;
}
