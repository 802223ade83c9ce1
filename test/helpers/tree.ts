import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from './sockets.js';

/** Writes files (relative path → content) under root, making their directories. */
export function writeTree(root: string, files: Record<string, string>): string {
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), content);
  }
  return root;
}

/** A new temporary directory holding the files. */
export function tempTree(files: Record<string, string>, prefix = 'dd-tree-'): string {
  return writeTree(tempDir(prefix), files);
}
