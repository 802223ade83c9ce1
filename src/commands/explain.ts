import { Args, Command } from '@oclif/core';
import { explain, ExplainNotFound } from '../engine/explain.js';
import { builtinChecks } from '../../checks/index.js';
import { loadRegistry } from '../engine/registry.js';

export default class Explain extends Command {
  static override summary = 'Explain a check or a finding code (offline).';
  static override args = {
    target: Args.string({
      description: 'a check id (daemon) or a finding code (daemon/permission-denied)',
      required: true,
      ignoreStdin: true,
    }),
  };
  static override examples = ['<%= config.bin %> explain daemon', '<%= config.bin %> explain daemon/permission-denied'];

  async run(): Promise<void> {
    const { args } = await this.parse(Explain);
    const { checks } = await loadRegistry(builtinChecks, this.config);
    try {
      process.stdout.write(explain(checks, args.target));
    } catch (error) {
      if (error instanceof ExplainNotFound) this.error(error.message, { exit: 2 });
      throw error;
    }
  }
}
