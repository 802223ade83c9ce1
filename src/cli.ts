import { Config, flush, handle, run } from '@oclif/core';

export { COMMANDS } from './commands/index.js';

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
    // run() would load the whole configuration a second time; the diagnose path goes straight to the command.
    if (!passthrough && !wantsHelp) await config.runCommand('doctor', argv);
    else await run(passthrough ? argv : ['doctor', ...argv], config);
    await flush();
  } catch (error) {
    await handle(error as Error);
  }
}
