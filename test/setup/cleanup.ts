import { afterAll } from 'vitest';
import { removeTempDirs } from '../helpers/sockets.js';

// Every test file leaves /tmp as it found it: the temporary projects, configs and trees it made are removed.
afterAll(() => removeTempDirs());
