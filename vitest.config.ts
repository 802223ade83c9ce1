import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup/cleanup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Engine tests build images and start containers; two workers fit the 2-core CI machine.
    maxWorkers: 2,
  },
});
