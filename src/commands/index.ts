import Doctor from './doctor.js';
import Explain from './explain.js';
import List from './list.js';

/** oclif's explicit command strategy: commands are listed here rather than found by scanning a directory. */
export const COMMANDS = { doctor: Doctor, list: List, explain: Explain };
