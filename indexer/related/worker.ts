import { docsOf } from '../../core/shared-texts.js';
import type { TaskOutput } from '../../core/worker.js';
import { addCosts, measureCost } from '../timings.js';
import type { RelatedJob, RelatedResult } from './job.js';
import { finishRelatedView, prepareRelatedView } from './view.js';

/**
 * Fits the related-papers view off the calling thread: the indexer's other stages, or a server's requests, go on.
 * What does not depend on the topic count is computed while the caller is still clustering the topics.
 */
export default async function relatedTask(job: RelatedJob, topicCount: Promise<number>): Promise<TaskOutput<RelatedResult>> {
  const prepared = measureCost(() => prepareRelatedView(docsOf(job.docs)));
  const count = await topicCount;
  const { result: view, cost } = measureCost(() => finishRelatedView(prepared.result, count));
  const { offsets, columns, weights } = view.tfIdf;
  return {
    result: { view, cost: addCosts(prepared.cost, cost) },
    transfer: [offsets.buffer, columns.buffer, weights.buffer, view.mixtures.buffer] as ArrayBuffer[],
  };
}
