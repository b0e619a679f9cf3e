import { type SharedTexts, shareDocs } from '../../core/shared-texts.js';
import { runTask, type WorkerLane } from '../../core/worker.js';
import { recordStage, type StageCost, type StageTimings, timeStage } from '../timings.js';
import { buildRelatedView, type RelatedView } from './view.js';

export interface RelatedJob {
  /** The papers' titles and abstracts, read in place by the worker. */
  docs: SharedTexts;
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
 * `topicCount` may still be coming (the topics being clustered): the worker starts at once on what
 * does not depend on it (the TF-IDF), and is stopped if it never comes. Its time (the
 * worker's own, when on a worker) goes into `timings.related`. On `lane`, when given, rather than a worker of its own.
 */
export async function buildRelatedViewOffThread(
  docs: ReadonlyArray<{ title: string; abstract: string }>,
  topicCount: number | Promise<number>,
  timings?: StageTimings,
  lane?: WorkerLane,
): Promise<RelatedView> {
  if (docs.length < WORKER_MIN_PAPERS) {
    const count = await topicCount;
    return timeStage(timings, 'related', () => buildRelatedView(docs, count));
  }
  const job: RelatedJob = { docs: shareDocs(docs) };
  const { view, cost } = await runTask<RelatedResult>(lane, import.meta.url, './worker', job, Promise.resolve(topicCount));
  recordStage(timings, 'related', cost);
  return view;
}
