import { parentPort, workerData } from 'node:worker_threads';
import { docsOf } from '../../core/shared-texts.js';
import { addCosts, measureCost } from '../timings.js';
import type { RelatedJob, RelatedResult } from './job.js';
import { finishRelatedView, prepareRelatedView } from './view.js';

// Fits the related-papers view off the calling thread: the indexer's other stages, or a server's requests, go on.
// What does not depend on the topic count is computed while the caller is still clustering the topics.
const job = workerData as RelatedJob;
const prepared = measureCost(() => prepareRelatedView(docsOf(job.docs)));
parentPort?.once('message', (topicCount: number) => {
  const { result: view, cost } = measureCost(() => finishRelatedView(prepared.result, topicCount));
  const { offsets, columns, weights } = view.tfIdf;
  parentPort?.postMessage({ view, cost: addCosts(prepared.cost, cost) } satisfies RelatedResult, [
    offsets.buffer,
    columns.buffer,
    weights.buffer,
    view.mixtures.buffer,
  ] as ArrayBuffer[]);
});
