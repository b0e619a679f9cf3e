import { docsOf } from '../../core/shared-texts.js';
import type { LaneTask } from '../../core/worker.js';
import { type CorpusTerms, countCorpusAndSentenceTerms, countCorpusTerms, type FieldedText } from '../lexical/index.js';
import { measureCost } from '../timings.js';
import type { SentenceCountsJob, SentenceCountsResult, SentenceCountsSplit } from './build.js';
import { firstSentences, type SplitTexts, splitAbstracts } from './split.js';

/**
 * Splits the indexer's papers (their texts read in place) into the sentence index's sentences, shares
 * each paper's count and the offsets as soon as they are known, then counts the sentences' terms
 * (`countSentenceTerms`): the sentences' strings live and die in this thread. With `job.papers`, the
 * papers' own terms (with positions) are counted in the same pass over each abstract
 * (`countCorpusAndSentenceTerms`), and no sentence string is kept.
 */
const countSentences: LaneTask<SentenceCountsJob, unknown, SentenceCountsResult> = (job, _next, share) => {
  const papers = docsOf(job.texts);
  const { result: split, cost: splitCost } = measureCost(() => shareSplit(papers, share));
  const { result, cost } = measureCost(() => {
    if (!job.papers) return { sentences: countCorpusTerms(split.docs, { positions: false }), papers: undefined };
    const ranges = { first: firstSentences(split.counts), offsets: Uint32Array.from(split.offsets) };
    split.docs = [];
    return countCorpusAndSentenceTerms(papers, ranges, { positions: true });
  });
  // The lists in shared memory are shared; the others are handed over, not copied.
  const transfer = new Set<ArrayBuffer>();
  const handOver = (counted: CorpusTerms | undefined) => {
    for (const value of Object.values(counted ?? {}))
      if (ArrayBuffer.isView(value) && value.buffer instanceof ArrayBuffer) transfer.add(value.buffer);
  };
  handOver(result.sentences);
  handOver(result.papers);
  return {
    result: { counted: result.sentences, ...(result.papers ? { papers: result.papers } : {}), split: splitCost, cost },
    transfer: [...transfer],
  };
};

/** The split, its counts and offsets shared (a copy handed over): the sentences' texts stay here, for their counts. */
function shareSplit(papers: readonly FieldedText[], share: (value: unknown, transfer?: ArrayBuffer[]) => void): SplitTexts {
  const split = splitAbstracts(papers);
  const shared: SentenceCountsSplit = { counts: split.counts.slice(), offsets: Uint32Array.from(split.offsets) };
  share(shared, [shared.counts.buffer as ArrayBuffer, shared.offsets.buffer as ArrayBuffer]);
  return split;
}

export default countSentences;
