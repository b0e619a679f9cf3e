/**
 * Live sources: papers read from the arXiv API and Hugging Face's daily papers, matched to the
 * stored ones and indexed incrementally.
 *
 * - arxiv.ts, hf-daily.ts, merge.ts, retry.ts: pure (URLs, parsing, matching, retry policy).
 * - http.ts: the polite HTTP client (pause, timeout, bounded retries honouring `Retry-After`).
 * - fetch.ts: `fetchSource` and `syncSources`; registry.ts: the data dir's sources file.
 */
export { type ArxivQuery, arxivPageUrl, parseArxivPage } from './arxiv.js';
export { type FetchContext, type FetchSummary, fetchSource, syncRequest, syncSources, workerIndexer } from './fetch.js';
export { dailyPapersUrl, daysBetween, parseDailyPapers } from './hf-daily.js';
export { reconcile } from './merge.js';
export { type LatestRun, readLatestRun, readSources, type SourceEntry, type SourceSpec, sourceSpecSchema } from './registry.js';
export { parseRetryAfter, type RetryPolicy, retryDelay } from './retry.js';
