import { describe, it } from 'vitest';
import { CheckTester } from '../../src/testing/index.js';

// vitest runs without globals here: CheckTester tables declare their cases with vitest's describe and it.
CheckTester.describe = describe;
CheckTester.it = it;
