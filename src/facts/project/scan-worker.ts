// The second thread of a large context walk (see context-scan.ts): claims directories from the shared queue and posts back.
import { parentPort, workerData } from 'node:worker_threads';
import { helperWalk, type WorkerInput } from './context-scan.js';
import { DirQueue } from './context-walk.js';

const input = workerData as WorkerInput;
const part = helperWalk(input, [], new DirQueue(input.dirs, input.buffer));
parentPort?.postMessage(part);
