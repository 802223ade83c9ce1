import { Command, Flags } from '@oclif/core';
import { builtinChecks } from '../../checks/index.js';
import { loadRegistry } from '../engine/registry.js';
import { renderJson } from '../render/json.js';

export default class List extends Command {
  static override summary = 'List the checks: id, category and title.';
  static override flags = {
    json: Flags.boolean({ description: 'print the catalogue as JSON' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(List);
    const { checks, problems } = await loadRegistry(builtinChecks, this.config);
    for (const problem of problems) this.logToStderr(`warning: ${problem}`);
    if (flags.json) {
      const catalogue = checks.map(({ meta }) => ({
        id: meta.id,
        category: meta.category,
        title: meta.title,
        codes: Object.entries(meta.codes).map(([cause, code]) => ({
          code: `${meta.id}/${cause}`,
          severity: code.severity,
          summary: code.summary,
        })),
      }));
      process.stdout.write(renderJson({ schemaVersion: 1, checks: catalogue }));
      return;
    }
    const idWidth = Math.max(2, ...checks.map((c) => c.meta.id.length));
    const catWidth = Math.max(8, ...checks.map((c) => c.meta.category.length));
    const lines = [`${'ID'.padEnd(idWidth)}  ${'CATEGORY'.padEnd(catWidth)}  TITLE`];
    for (const { meta } of checks) lines.push(`${meta.id.padEnd(idWidth)}  ${meta.category.padEnd(catWidth)}  ${meta.title}`);
    process.stdout.write(lines.join('\n') + '\n');
  }
}
