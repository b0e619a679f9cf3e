import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Takes longer than any other file: with two workers, it must start first or it ends the run alone. */
const LONGEST = 'test/reliability/crash.test.ts';

/**
 * Vitest starts the files that took longest in the previous run first; without one (a fresh clone)
 * it starts larger files first, and the short crash test, the longest, would start last.
 */
class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const longest = (file: TestSpecification) => file.moduleId.endsWith(LONGEST);
    return [...sorted.filter(longest), ...sorted.filter((file) => !longest(file))];
  }
}

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
    sequence: { sequencer: LongestFirst },
    reporters: ['default', './test/helpers/unfinished-reporter.ts'],
  },
});
