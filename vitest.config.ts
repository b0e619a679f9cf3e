import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // A scratch cache dir and TMPDIR for the run, removed at its end (test/global-setup.ts).
    globalSetup: ['test/global-setup.ts'],
    // Integration tests build real indexes; the limits are named in test/helpers/limits.ts.
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
  },
});
