import { runModuleWorker } from '../../core/worker.js';
import { buildRelatedView, type RelatedView } from './view.js';

export interface RelatedJob {
  docs: ReadonlyArray<{ title: string; abstract: string }>;
  topicCount: number;
}

/**
 * From this many papers the view is fitted on a worker thread (a second or more of CPU); below it,
 * in a fraction of a second, less than starting a worker costs.
 */
const WORKER_MIN_PAPERS = 2_000;

/** `buildRelatedView`, on a worker thread for a large corpus: the same view, as the fit is seeded. */
export function buildRelatedViewOffThread(docs: RelatedJob['docs'], topicCount: number): Promise<RelatedView> {
  if (docs.length < WORKER_MIN_PAPERS) return Promise.resolve(buildRelatedView(docs, topicCount));
  const job: RelatedJob = { docs: docs.map(({ title, abstract }) => ({ title, abstract })), topicCount };
  return runModuleWorker<RelatedView>(import.meta.url, './worker', job);
}
