import { docsOf } from '../../core/shared-texts.js';
import type { TaskOutput } from '../../core/worker.js';
import { addCosts, measureCost } from '../timings.js';
import { FITTED_BY, type RelatedJob, type RelatedResult } from './job.js';
import { finishRelatedView, prepareRelatedView, readSharedView, sharePreparedView } from './view.js';

/** How long the fit waits for values sent with the topic count to other tasks on the lane. */
const YIELD_MS = 100;

/**
 * Fits the related-papers view off the calling thread: the indexer's other stages, or a server's requests, go on.
 * What does not depend on the topic count is computed while the caller is still clustering the topics.
 * With a claim, the prepared part goes to shared memory and the fit is the caller's if it claims it first.
 */
export default async function relatedTask(
  job: RelatedJob,
  topicCount: Promise<number>,
  share: (value: unknown) => void,
): Promise<TaskOutput<RelatedResult>> {
  const claim = job.claim ? new Int32Array(job.claim) : undefined;
  const prepared = measureCost(() => {
    const view = prepareRelatedView(docsOf(job.docs));
    if (!claim) return view;
    const shared = sharePreparedView(view);
    share(shared);
    // Read back from shared memory: the rows made here are then free.
    return readSharedView(shared);
  });
  const count = await topicCount;
  if (claim) {
    // The fit is the one task either thread can do: tasks whose values come with the count (the
    // topics' description, whose partition and term counts take a while to copy across) go first,
    // and the caller, once free, may claim the fit meanwhile. If none comes, the lane idled briefly.
    await new Promise((resolve) => setTimeout(resolve, YIELD_MS));
    if (Atomics.compareExchange(claim, 0, 0, FITTED_BY.worker) !== 0) return { result: { cost: prepared.cost } };
  }
  const { result: view, cost } = measureCost(() => finishRelatedView(prepared.result, count));
  const { offsets, columns, weights } = view.tfIdf;
  return {
    result: { view, cost: addCosts(prepared.cost, cost) },
    transfer: [offsets.buffer, columns.buffer, weights.buffer, view.mixtures.buffer] as ArrayBuffer[],
  };
}
