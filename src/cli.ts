import { Config, flush, handle, run } from '@oclif/core';

import { COMMANDS } from './commands/index.js';

export { COMMANDS };

/**
 * Routes `docker-doctor [checks…]` to the hidden `doctor` command, so the bare command diagnoses while
 * `list`, `explain`, `help`, `plugins` and plugin commands keep their names.
 */
export async function main(root: string, argv: string[] = process.argv.slice(2)): Promise<void> {
  try {
    const config = await Config.load(root);
    const first = argv[0];
    const passthrough =
      first === '--version' || first === 'help' || (first !== undefined && !first.startsWith('-') && (config.findCommand(first) !== undefined || config.findTopic(first) !== undefined));
    const wantsHelp = argv.some((a) => a === '--help' || a === '-h');
    if (!passthrough && !wantsHelp) {
      // run() and Command.run() each load the whole configuration again; the diagnose path reuses this one.
      await COMMANDS.doctor.runWithConfig(argv, config);
    } else {
      await run(passthrough ? argv : ['doctor', ...argv], config);
    }
    await flush();
  } catch (error) {
    await handle(error as Error);
  }
}
