import { Args, Command, Flags, type Config } from '@oclif/core';
import { builtinChecks } from '../../checks/index.js';
import { loadRegistry } from '../engine/registry.js';
import { nearestIds, selectChecks, UnknownCheckError } from '../engine/select.js';
import { checkFlags, runDoctor, UsageError } from './run-doctor.js';

export default class Doctor extends Command {
  static override hidden = true;
  static override strict = false;
  static override summary = 'Diagnose why Docker is broken and print the fix.';
  static override description =
    'Runs every check (or only the named ones) against the Docker daemon, this host and the project in the current directory, ' +
    `and prints each problem with why it happens and the commands that fix it.

Other commands:
  docker-doctor list               the check catalogue
  docker-doctor explain <id|code>  the long explanation of a check or finding code

Exit codes: 0 nothing at or above --fail-on, 1 a finding at or above it, 2 usage error, 3 a check crashed.`;
  static override usage = ['[CHECK...] [--json] [-C <dir>] [-H <host> | --context <name>] [--fail-on error|warning|info|never] [-v]'];
  static override examples = [
    '<%= config.bin %>',
    '<%= config.bin %> port-conflicts dns',
    '<%= config.bin %> --json --fail-on warning',
    '<%= config.bin %> -H ssh://me@build-box daemon',
  ];

  static override args = {
    // ignoreStdin: oclif would otherwise take piped input as the list of checks.
    checks: Args.string({ description: 'check ids to run (default: all)', required: false, ignoreStdin: true }),
  };

  static override flags = {
    json: Flags.boolean({ description: 'print one JSON report on stdout and nothing else' }),
    project: Flags.string({ char: 'C', description: 'project directory to inspect [default: current directory]' }),
    host: Flags.string({ char: 'H', description: 'daemon socket to connect to, as for the docker CLI (unix://, tcp://, ssh://)' }),
    context: Flags.string({ description: 'docker context to use (overrides DOCKER_HOST and the current context)' }),
    'fail-on': Flags.option({
      options: ['error', 'warning', 'info', 'never'] as const,
      default: 'error',
      description: 'lowest severity that makes the exit code 1',
    })(),
    verbose: Flags.boolean({ char: 'v', description: 'show evidence, notes and timings' }),
    timeout: Flags.string({ description: 'seconds each check may take (fractions allowed)', default: '10' }),
    probe: Flags.boolean({ description: 'allow active probes that start short-lived, labelled containers from local images' }),
    'probe-name': Flags.string({ description: 'host name the dns probe resolves [default: registry-1.docker.io]', dependsOn: ['probe'] }),
    'probe-dns': Flags.string({
      description: 'DNS server for the probe containers (repeatable; default: what Docker gives containers)',
      multiple: true,
      dependsOn: ['probe'],
    }),
    'context-max-mb': Flags.integer({ description: 'build-context: warn above this many MB sent to the builder', default: 100, min: 1 }),
    'context-max-files': Flags.integer({
      description: 'build-context: warn above this many files sent to the builder',
      default: 10_000,
      min: 1,
    }),
    fix: Flags.boolean({ description: 'write the .dockerignore that build-context proposes (never over an existing file)' }),
    'no-color': Flags.boolean({ description: 'disable colours (also NO_COLOR)' }),
  };

  /** Command.run() without its second Config.load(): the entry point already has the configuration. */
  static async runWithConfig(argv: string[], config: Config): Promise<void> {
    const command = new Doctor(argv, config);
    command.id = 'doctor';
    await command._run();
  }

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Doctor);
    const ids = (argv as string[]).filter((a) => a.length > 0);
    let settings;
    try {
      settings = checkFlags(flags);
    } catch (error) {
      if (error instanceof UsageError) this.error(error.message, { exit: 2 });
      throw error;
    }
    const registry = await loadRegistry(builtinChecks, this.config);
    for (const problem of registry.problems) this.logToStderr(`warning: ${problem}`);
    let checks;
    try {
      checks = selectChecks(registry.checks, ids);
    } catch (error) {
      if (error instanceof UnknownCheckError) this.error(withCommandSuggestion(error, this.config), { exit: 2 });
      throw error;
    }
    await runDoctor(checks, flags, { ...settings, version: this.config.version });
  }
}

/** `docker-doctor lst` is a typo of a command, not of a check: say so. */
function withCommandSuggestion(error: UnknownCheckError, config: Config): string {
  const commands = config.commands.filter((c) => !c.hidden).map((c) => c.id.split(':')[0]!);
  const near = [...new Set(error.unknown.flatMap((id) => nearestIds(id, [...new Set(commands)], 1)))];
  return near.length > 0 ? `${error.message}\nOr did you mean the command \`${config.bin} ${near[0]}\`?` : error.message;
}
