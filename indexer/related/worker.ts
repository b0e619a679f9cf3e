import { parentPort, workerData } from 'node:worker_threads';
import { measureCost } from '../timings.js';
import type { RelatedJob, RelatedResult } from './job.js';
import { buildRelatedView } from './view.js';

// Fits the related-papers view off the calling thread: the indexer's other stages, or a server's requests, go on.
const job = workerData as RelatedJob;
const { result: view, cost } = measureCost(() => buildRelatedView(job.docs, job.topicCount));
const { offsets, columns, weights } = view.tfIdf;
parentPort?.postMessage({ view, cost } satisfies RelatedResult, [
  offsets.buffer,
  columns.buffer,
  weights.buffer,
  view.mixtures.buffer,
] as ArrayBuffer[]);
