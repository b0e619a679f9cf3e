import { docsOf } from '../../core/shared-texts.js';
import type { TaskOutput } from '../../core/worker.js';
import { measureCost } from '../timings.js';
import { type CorpusTerms, countCorpusAndSentenceTerms, countCorpusTerms } from './corpus-terms.js';
import type { TermsJob, TermsResult } from './terms-job.js';

/** Counts a corpus' terms (and its sentences', when asked) off the indexer's thread, which embeds the papers meanwhile. */
export default function termsTask(job: TermsJob): TaskOutput<TermsResult> {
  const docs = docsOf(job.texts);
  const { sentences: ranges } = job;
  const { result, cost } = measureCost(() =>
    ranges
      ? countCorpusAndSentenceTerms(docs, ranges, { positions: job.positions })
      : { papers: countCorpusTerms(docs, { positions: job.positions }), sentences: undefined },
  );
  // The lists in shared memory are shared; the others (per document and per term) are handed over, not copied.
  const owned = (counted: CorpusTerms | undefined) =>
    counted ? [counted.documentFrequency, counted.titleLengths, counted.abstractLengths, counted.starts, counted.positionStarts] : [];
  const transfer = [...owned(result.papers), ...owned(result.sentences)]
    .map((array) => array?.buffer)
    .filter((buffer): buffer is ArrayBuffer => buffer instanceof ArrayBuffer);
  return {
    result: { counted: result.papers, ...(result.sentences ? { sentences: result.sentences } : {}), cost },
    transfer,
  };
}
