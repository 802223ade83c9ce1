import { defineConfig } from 'vitest/config';

/**
 * The files that measure the CLI's own peak memory and its deadlines on hostile input. They run last and one at a time,
 * so that what they measure is the CLI's own work, not the engine tests beside it on a 2-core machine.
 */
const MEASURED = ['test/e2e/hostile-dockerfiles.test.ts', 'test/e2e/memory-hostile.test.ts', 'test/e2e/hostile-big-context.test.ts'];

export default defineConfig({
  test: {
    setupFiles: ['test/setup/cleanup.ts', 'test/setup/check-tester.ts'],
    // Links each example's `@docker-doctor/cli` to this repository, as `npm install` in the example would.
    globalSetup: ['test/setup/link-examples.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Engine tests build images and start containers; two workers fit the 2-core CI machine.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'suite',
          // The example plugins' own tests run here too, written in plain JavaScript against the published kit.
          include: ['test/**/*.test.ts', 'examples/**/test/**/*.test.js'],
          exclude: [...MEASURED, '**/node_modules/**'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: { name: 'measured', include: MEASURED, fileParallelism: false, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
