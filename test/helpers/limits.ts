/** Named time limits for tests, in milliseconds. */
export const UNIT_TEST_MS = 10_000;
export const INDEX_SAMPLE_MS = 180_000;
export const BROWSER_TEST_MS = 120_000;
/** Ten kill -9 rounds of the indexer on a few hundred papers, each followed by a reopen. */
export const CRASH_TEST_MS = 600_000;
