import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // A scratch cache dir and TMPDIR for the run, removed at its end (test/global-setup.ts).
    globalSetup: ['test/global-setup.ts'],
    // Integration tests build real indexes; the limits are named in test/helpers/limits.ts.
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // Native addons (LanceDB, HNSW, ONNX) want processes, not threads: one per core.
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
    // Test files run one after another in each process, sharing its loaded modules (the word vectors
    // among them) instead of importing everything again per file, a fifth of the suite's time. So a
    // test must leave no global state behind: it restores spies and environment variables, and works
    // in data dirs of its own.
    isolate: false,
  },
});
