import { statSync } from 'node:fs';
import path from 'node:path';
import { Args, Command, Flags, type Config } from '@oclif/core';
import { diagnose } from '../engine/diagnose.js';
import { builtinChecks } from '../../checks/index.js';
import { loadRegistry } from '../engine/registry.js';
import { exitCodeFor, type FailOn } from '../engine/report.js';
import { nearestIds, selectChecks, UnknownCheckError } from '../engine/select.js';
import { realClients } from '../facts/clients.js';
import { colorEnabled, palette } from '../render/colors.js';
import { renderHuman } from '../render/human.js';
import { renderJson } from '../render/json.js';
import { applyFixes } from '../engine/apply-fixes.js';

export default class Doctor extends Command {
  static override hidden = true;
  static override strict = false;
  static override summary = 'Diagnose why Docker is broken and print the fix.';
  static override description = `Runs every check (or only the named ones) against the Docker daemon, this host and the project in the current directory, and prints each problem with why it happens and the commands that fix it.

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
    if (flags.host && flags.context) {
      this.error('conflicting options: either specify --host or --context, not both', { exit: 2 });
    }
    const timeoutSeconds = Number(flags.timeout);
    if (!Number.isFinite(timeoutSeconds) || timeoutSeconds < 0.1 || timeoutSeconds > 3600) {
      this.error(`--timeout must be a number of seconds from 0.1 to 3600, not "${flags.timeout}"`, { exit: 2 });
    }
    const projectDir = path.resolve(flags.project ?? process.cwd());
    if (!statSync(projectDir, { throwIfNoEntry: false })?.isDirectory()) {
      this.error(`-C/--project: ${projectDir} is not a directory`, { exit: 2 });
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

    const controller = new AbortController();
    const stopInterrupts = onInterrupt(controller);

    const useProgress = !flags.json && process.stdout.isTTY === true && process.stderr.isTTY === true;
    const progress = useProgress ? (await import('../render/progress.js')).startProgress(checks, process.stderr) : undefined;

    const report = await diagnose(
      checks,
      realClients(),
      {
        version: this.config.version,
        hostFlag: flags.host,
        contextFlag: flags.context,
        projectDir,
        cwd: process.cwd(),
        timeoutMs: Math.round(timeoutSeconds * 1000),
        probe: flags.probe,
        probeName: flags['probe-name'],
        probeDns: flags['probe-dns'],
        contextMaxBytes: flags['context-max-mb'] * 1024 * 1024,
        contextMaxFiles: flags['context-max-files'],
        verbose: flags.verbose,
        signal: controller.signal,
      },
      progress?.events,
    );
    await progress?.finished;
    stopInterrupts();

    if (flags.fix) for (const line of applyFixes(report)) this.logToStderr(line);
    if (flags.json) {
      process.stdout.write(renderJson(report));
    } else {
      const colors = palette(colorEnabled({ noColorFlag: flags['no-color'], env: process.env, isTTY: process.stdout.isTTY === true }));
      process.stdout.write(renderHuman(report, { verbose: flags.verbose, colors }));
    }
    process.exitCode = exitCodeFor(report, flags['fail-on'] as FailOn);
  }
}

const INTERRUPTS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
/** Time allowed after an interrupt for probe containers to be removed before the process gives up and exits. */
const CLEANUP_GRACE_MS = 15_000;

/**
 * Ctrl-C, a kill or a closed terminal abort the run, so probe containers are removed before exiting; a second
 * signal does not cut that cleanup short (it would leave containers behind), but a hung cleanup cannot keep the
 * process alive past the grace period.
 */
function onInterrupt(controller: AbortController): () => void {
  let received = 0;
  const handler = (signal: NodeJS.Signals) => {
    received++;
    if (received === 1) {
      controller.abort(new Error(`interrupted (${signal})`));
      setTimeout(() => process.exit(130), CLEANUP_GRACE_MS).unref();
    } else {
      process.stderr.write('docker-doctor: removing probe containers before exiting…\n');
    }
  };
  for (const signal of INTERRUPTS) process.on(signal, handler);
  return () => {
    for (const signal of INTERRUPTS) process.removeListener(signal, handler);
  };
}

/** `docker-doctor lst` is a typo of a command, not of a check: say so. */
function withCommandSuggestion(error: UnknownCheckError, config: Config): string {
  const commands = config.commands.filter((c) => !c.hidden).map((c) => c.id.split(':')[0]!);
  const near = [...new Set(error.unknown.flatMap((id) => nearestIds(id, [...new Set(commands)], 1)))];
  return near.length > 0 ? `${error.message}\nOr did you mean the command \`${config.bin} ${near[0]}\`?` : error.message;
}
