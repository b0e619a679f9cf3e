import { docsOf } from '../../core/shared-texts.js';
import type { LaneTask } from '../../core/worker.js';
import { countCorpusTerms, type FieldedText } from '../lexical/index.js';
import { measureCost, type StageCost } from '../timings.js';
import type { SentenceCountsJob, SentenceCountsResult, SentenceCountsSplit } from './build.js';
import { splitAbstracts } from './split.js';

/**
 * Splits the indexer's papers (their texts read in place) into the sentence index's sentences, shares
 * each paper's count and the offsets as soon as they are known, then counts the sentences' terms
 * (`countSentenceTerms`): the sentences' strings live and die in this thread.
 */
const countSentences: LaneTask<SentenceCountsJob, unknown, SentenceCountsResult> = (job, _next, share) => {
  const { docs, cost: splitCost } = shareSplit(job, share);
  const { result: counted, cost } = measureCost(() => countCorpusTerms(docs, { positions: false }));
  // The lists in shared memory are shared; the others are handed over, not copied.
  const transfer = new Set<ArrayBuffer>();
  for (const value of Object.values(counted))
    if (ArrayBuffer.isView(value) && value.buffer instanceof ArrayBuffer) transfer.add(value.buffer);
  return { result: { counted, split: splitCost, cost }, transfer: [...transfer] };
};

/** The split, its counts and offsets shared (handed over): only the sentences' texts stay here, for their counts. */
function shareSplit(
  job: SentenceCountsJob,
  share: (value: unknown, transfer?: ArrayBuffer[]) => void,
): { docs: FieldedText[]; cost: StageCost } {
  const { result: docs, cost } = measureCost(() => {
    const split = splitAbstracts(docsOf(job.texts));
    const shared: SentenceCountsSplit = { counts: split.counts, offsets: Uint32Array.from(split.offsets) };
    share(shared, [shared.counts.buffer as ArrayBuffer, shared.offsets.buffer as ArrayBuffer]);
    return split.docs;
  });
  return { docs, cost };
}

export default countSentences;
