import { parentPort, workerData } from 'node:worker_threads';
import { docsOf } from '../../core/shared-texts.js';
import { measureCost } from '../timings.js';
import { countCorpusTerms } from './corpus-terms.js';
import type { TermsJob, TermsResult } from './terms-job.js';

// Counts a corpus' terms off the indexer's thread, which embeds the papers meanwhile.
const job = workerData as TermsJob;
const { result: counted, cost } = measureCost(() => countCorpusTerms(docsOf(job.texts), { positions: job.positions }));
// The lists in shared memory are shared; the others (per document and per term) are handed over, not copied.
const owned = [counted.documentFrequency, counted.titleLengths, counted.abstractLengths, counted.starts, counted.positionStarts]
  .map((array) => array?.buffer)
  .filter((buffer): buffer is ArrayBuffer => buffer instanceof ArrayBuffer);
parentPort?.postMessage({ counted, cost } satisfies TermsResult, owned);
