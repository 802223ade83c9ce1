import { lstatSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.join(import.meta.dirname, '..', '..');
const EXAMPLES = path.join(ROOT, 'examples');

/**
 * The example plugins import the CLI by its published name, as a plugin author's package does. What `npm install`
 * does in an example (its devDependency `"@docker-doctor/cli": "file:../.."` is a symlink to this repository), this
 * does once before the suite, so the root vitest run needs neither the registry nor an install step per example.
 */
export default function linkExamples(): void {
  for (const name of readdirSync(EXAMPLES)) {
    const scope = path.join(EXAMPLES, name, 'node_modules', '@docker-doctor');
    const link = path.join(scope, 'cli');
    if (exists(link)) continue;
    mkdirSync(scope, { recursive: true });
    symlinkSync(path.relative(scope, ROOT), link, 'dir');
  }
}

function exists(file: string): boolean {
  try {
    lstatSync(file);
    return true;
  } catch {
    return false;
  }
}
