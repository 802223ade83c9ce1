// The second thread of a large context walk (see context-scan.ts): walks the directories it is handed and posts back.
import { parentPort, workerData } from 'node:worker_threads';
import { walk } from './context-scan.js';
import { parseIgnoreFile } from './ignore.js';

const input = workerData as { root: string; stack: string[]; rules?: string; always: string[]; deadline: number };
const part = walk(input.root, input.stack, {
  always: new Set(input.always),
  deadline: performance.now() + Math.max(0, input.deadline - Date.now()),
  ...(input.rules !== undefined ? { rules: parseIgnoreFile(input.rules) } : {}),
});
// Two flat arrays clone across threads much faster than one object per file.
parentPort?.postMessage({ ...part, files: [], paths: part.files.map((f) => f.path), sizes: Float64Array.from(part.files, (f) => f.size) });
