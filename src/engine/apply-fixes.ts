import { writeFileSync } from 'node:fs';
import type { Report } from './report.js';
import { prose } from '../util/text.js';

/**
 * --fix: the only writes docker-doctor makes, and only when asked. Writes each proposed .dockerignore with the
 * exclusive flag, so an existing file is never overwritten. Returns what it did, for stderr.
 */
export function applyFixes(report: Report): string[] {
  const done: string[] = [];
  for (const check of report.checks) {
    for (const finding of check.findings) {
      if (finding.code !== 'build-context/no-dockerignore') continue;
      const target = finding.evidence?.proposalPath;
      const text = finding.evidence?.proposal;
      if (typeof target !== 'string' || typeof text !== 'string') continue;
      try {
        writeFileSync(target, text, { flag: 'wx' });
        done.push(`fix: wrote ${target}`);
      } catch (error) {
        done.push(
          prose`
            fix: did not write ${target}:
            ${(error as NodeJS.ErrnoException).code === 'EEXIST' ? 'it already exists' : (error as Error).message}
          `,
        );
      }
    }
  }
  if (done.length === 0) done.push('fix: nothing to write');
  return done;
}
