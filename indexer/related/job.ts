import { runModuleWorker } from '../../core/worker.js';
import { recordStage, type StageCost, type StageTimings, timeStage } from '../timings.js';
import { buildRelatedView, type RelatedView } from './view.js';

export interface RelatedJob {
  docs: ReadonlyArray<{ title: string; abstract: string }>;
  topicCount: number;
}

export interface RelatedResult {
  view: RelatedView;
  cost: StageCost;
}

/**
 * From this many papers the view is fitted on a worker thread (a second or more of CPU); below it,
 * in a fraction of a second, less than starting a worker costs.
 */
const WORKER_MIN_PAPERS = 2_000;

/**
 * `buildRelatedView`, on a worker thread for a large corpus: the same view, as the fit is seeded.
 * Its time (the worker's own, when on a worker) goes into `timings.related`.
 */
export async function buildRelatedViewOffThread(
  docs: RelatedJob['docs'],
  topicCount: number,
  timings?: StageTimings,
): Promise<RelatedView> {
  if (docs.length < WORKER_MIN_PAPERS) return timeStage(timings, 'related', () => buildRelatedView(docs, topicCount));
  const job: RelatedJob = { docs: docs.map(({ title, abstract }) => ({ title, abstract })), topicCount };
  const { view, cost } = await runModuleWorker<RelatedResult>(import.meta.url, './worker', job);
  recordStage(timings, 'related', cost);
  return view;
}
