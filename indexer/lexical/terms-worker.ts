import { docsOf } from '../../core/shared-texts.js';
import type { TaskOutput } from '../../core/worker.js';
import { measureCost } from '../timings.js';
import { type CorpusTerms, countCorpusAndSentenceTerms, countCorpusTerms, countCorpusTermsPart } from './corpus-terms.js';
import type { TermsJob, TermsResult } from './terms-job.js';

/** Counts a corpus' terms (and its sentences', when asked) off the indexer's thread, which embeds the papers meanwhile. */
export default function termsTask(job: TermsJob): TaskOutput<TermsResult> {
  const docs = docsOf(job.texts);
  const { sentences: ranges, from } = job;
  const { result, cost } = measureCost(() => {
    if (from !== undefined) {
      const part = countCorpusTermsPart(docs.slice(from), { positions: job.positions });
      return { papers: part.counted, sentences: undefined, forms: part.forms };
    }
    return ranges
      ? { ...countCorpusAndSentenceTerms(docs, ranges, { positions: job.positions }), forms: undefined }
      : { papers: countCorpusTerms(docs, { positions: job.positions }), sentences: undefined, forms: undefined };
  });
  // The lists in shared memory are shared; the others (per document and per term) are handed over, not copied.
  const owned = (counted: CorpusTerms | undefined) =>
    counted ? [counted.documentFrequency, counted.titleLengths, counted.abstractLengths, counted.starts, counted.positionStarts] : [];
  const forms = result.forms ? [result.forms.counts, result.forms.starts] : [];
  const transfer = [...owned(result.papers), ...owned(result.sentences), ...forms]
    .map((array) => array?.buffer)
    .filter((buffer): buffer is ArrayBuffer => buffer instanceof ArrayBuffer);
  return {
    result: {
      counted: result.papers,
      ...(result.sentences ? { sentences: result.sentences } : {}),
      ...(result.forms ? { forms: result.forms } : {}),
      cost,
    },
    transfer,
  };
}
