import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The example plugins' own tests run here too, written in plain JavaScript against the published kit.
    include: ['test/**/*.test.ts', 'examples/**/test/**/*.test.js'],
    setupFiles: ['test/setup/cleanup.ts', 'test/setup/check-tester.ts'],
    // Links each example's `@docker-doctor/cli` to this repository, as `npm install` in the example would.
    globalSetup: ['test/setup/link-examples.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Engine tests build images and start containers; two workers fit the 2-core CI machine.
    maxWorkers: 2,
  },
});
