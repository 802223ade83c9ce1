#!/usr/bin/env node
// Routes `docker-doctor [checks…]` to the hidden `doctor` command, so the bare command diagnoses while `list`,
// `explain`, `help` and plugin commands keep their names.
import { Config, run, handle, flush } from '@oclif/core';

const argv = process.argv.slice(2);
const config = await Config.load(import.meta.url);
const first = argv[0];
const passthrough = first === '--version' || first === 'help' || (first !== undefined && !first.startsWith('-') && (config.findCommand(first) || config.findTopic(first)));
try {
  await run(passthrough ? argv : ['doctor', ...argv], config);
  await flush();
} catch (error) {
  await handle(error);
}
