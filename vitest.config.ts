import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // integration tests share one throwaway server; files run in parallel on separate databases
    fileParallelism: true,
    maxWorkers: 2,
  },
});
