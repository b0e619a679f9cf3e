import { docsOf } from '../../core/shared-texts.js';
import type { TaskOutput } from '../../core/worker.js';
import { measureCost } from '../timings.js';
import { countCorpusTerms } from './corpus-terms.js';
import type { TermsJob, TermsResult } from './terms-job.js';

/** Counts a corpus' terms off the indexer's thread, which embeds the papers meanwhile. */
export default function termsTask(job: TermsJob): TaskOutput<TermsResult> {
  const { result: counted, cost } = measureCost(() => countCorpusTerms(docsOf(job.texts), { positions: job.positions }));
  // The lists in shared memory are shared; the others (per document and per term) are handed over, not copied.
  const owned = [counted.documentFrequency, counted.titleLengths, counted.abstractLengths, counted.starts, counted.positionStarts]
    .map((array) => array?.buffer)
    .filter((buffer): buffer is ArrayBuffer => buffer instanceof ArrayBuffer);
  return { result: { counted, cost }, transfer: owned };
}
