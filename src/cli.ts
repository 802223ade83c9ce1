import { Config, flush, handle, Help, run, type Command } from '@oclif/core';

import { COMMANDS } from './commands/index.js';

export { COMMANDS };

/** Commands that take no arguments: `list bogus` is a usage error that says so, not "command list:bogus not found". */
const NO_ARGUMENTS = new Set(['list']);

/**
 * Help for the hidden `doctor` command is the help of the bare `docker-doctor [CHECK...]`, followed by the other
 * commands, since that is what a user types.
 */
class DoctorHelp extends Help {
  protected override formatCommand(command: Command.Loadable): string {
    const text = super.formatCommand(command);
    if (command.id !== 'doctor') return text;
    const others = this.sortedCommands.filter((c) => c.id !== 'doctor');
    return `${text.replaceAll(`${this.config.bin} doctor`, this.config.bin)}\n\n${this.section('COMMANDS', this.formatCommands(others))}`;
  }
}

/**
 * Routes `docker-doctor [checks…]` to the hidden `doctor` command, so the bare command diagnoses while
 * `list`, `explain`, `help`, `plugins` and plugin commands keep their names.
 */
export async function main(root: string, rawArgv: string[] = process.argv.slice(2)): Promise<void> {
  try {
    const config = await Config.load(root);
    const argv = rawArgv.map((a) => (a === '-h' ? '--help' : a));
    const first = argv[0];
    if (first === 'help' || (argv.includes('--help') && !isCommand(config, first))) {
      const topic = first === 'help' ? argv.slice(1).filter((a) => !a.startsWith('-')) : [];
      await new DoctorHelp(config).showHelp(topic.length > 0 && isCommand(config, topic[0]) ? topic : ['doctor']);
    } else if (first !== undefined && NO_ARGUMENTS.has(first) && argv.slice(1).some((a) => !a.startsWith('-'))) {
      const extra = argv.slice(1).find((a) => !a.startsWith('-'))!;
      throw Object.assign(
        new Error(
          `\`${config.bin} ${first}\` takes no arguments (got "${extra}"): it lists every check. ` +
            `To run checks, name them: ${config.bin} <id>…`,
        ),
        { oclif: { exit: 2 } },
      );
    } else if (first === '--version' || isCommand(config, first)) {
      await run(argv, config);
    } else {
      // run() and Command.run() each load the whole configuration again; the diagnose path reuses this one.
      await COMMANDS.doctor.runWithConfig(argv, config);
    }
    await flush();
  } catch (error) {
    await handle(error as Error);
  }
}

function isCommand(config: Config, word: string | undefined): boolean {
  return word !== undefined && !word.startsWith('-') && (config.findCommand(word) !== undefined || config.findTopic(word) !== undefined);
}
