import { PaperscopeError } from '../../core/errors.js';
import { type SharedTexts, shareDocs } from '../../core/shared-texts.js';
import { deferred, runTask, type WorkerLane } from '../../core/worker.js';
import { recordStage, type StageCost, type StageTimings, timeStage } from '../timings.js';
import { buildRelatedView, finishRelatedView, type RelatedView, readSharedView, type SharedPreparedView } from './view.js';

export interface RelatedJob {
  /** The papers' titles and abstracts, read in place by the worker. */
  docs: SharedTexts;
  /**
   * When the caller may fit the view itself (`fitHereIfWaiting`): one Int32 that whoever fits it
   * first sets from 0, the worker sharing its prepared view (`SharedPreparedView`) meanwhile.
   */
  claim?: SharedArrayBuffer;
}

export interface RelatedResult {
  /** None when the caller fitted it. */
  view?: RelatedView;
  cost: StageCost;
}

/** Who fitted the view, in `RelatedJob.claim`. */
export const FITTED_BY = { worker: 1, caller: 2 } as const;

/**
 * From this many papers the view is fitted on a worker thread (a second or more of CPU); below it,
 * in a fraction of a second, less than starting a worker costs.
 */
const WORKER_MIN_PAPERS = 2_000;

/** The related-papers view being built: see `startRelatedView`. */
export interface RelatedViewBuild {
  view: Promise<RelatedView>;
  /**
   * Fits the view on this thread, if the worker has not begun to (on a shared lane it may still be
   * running the tasks before it): call it when this thread is free. Says whether it did.
   */
  fitHereIfWaiting: () => Promise<boolean>;
  /**
   * Takes the fit for this thread now, unless the worker has begun it or has not shared its prepared
   * view yet: `fitHereIfWaiting` then fits it here. Says whether the fit is this thread's.
   */
  claimFit: () => boolean;
}

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
  return startRelatedView(docs, topicCount, { timings, lane }).view;
}

/**
 * `buildRelatedViewOffThread`, and with `mayFitHere` the calling thread may take the fit over
 * (`fitHereIfWaiting`): on a lane shared with the topics' description, the worker reaches the fit
 * only once the topics are described, while the indexer's thread, done with the sentence index,
 * would wait for both. The worker shares its prepared view in shared memory for that; whichever
 * thread claims the fit first does it, so the two cores finish together.
 */
export function startRelatedView(
  docs: ReadonlyArray<{ title: string; abstract: string }>,
  topicCount: number | Promise<number>,
  options: { timings?: StageTimings; lane?: WorkerLane; mayFitHere?: boolean } = {},
): RelatedViewBuild {
  const { timings, lane } = options;
  if (docs.length < WORKER_MIN_PAPERS) {
    const view = Promise.resolve(topicCount).then((count) => timeStage(timings, 'related', () => buildRelatedView(docs, count)));
    return { view, fitHereIfWaiting: async () => false, claimFit: () => false };
  }
  const claim = options.mayFitHere ? new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT)) : undefined;
  let prepared: SharedPreparedView | undefined;
  const job: RelatedJob = { docs: shareDocs(docs), claim: claim?.buffer as SharedArrayBuffer | undefined };
  const onShare = (value: unknown) => {
    prepared = value as SharedPreparedView;
  };
  // This thread's fit, once it has claimed it: the worker's reply may be read before the fit has run
  // (a loaded machine can hold this thread past the worker's wait between the claim and the fit).
  const fittedHere = deferred<RelatedView>();
  // A failed fit here reaches the caller through `fitHereIfWaiting`; the view waits on it only when the worker left the fit.
  fittedHere.promise.catch(() => undefined);
  let claimedHere = false;
  const view = runTask<RelatedResult>(lane, import.meta.url, './worker', job, Promise.resolve(topicCount), onShare).then(
    ({ view, cost }) => {
      recordStage(timings, 'related', cost);
      if (view) return view;
      // The worker leaves the fit only to this thread, and only once it has claimed it.
      if (!claimedHere) throw new PaperscopeError('INTERNAL', 'The related-papers view was fitted by neither thread.');
      return fittedHere.promise;
    },
  );
  const claimFit = (): boolean => {
    claimedHere ||= claim !== undefined && prepared !== undefined && Atomics.compareExchange(claim, 0, 0, FITTED_BY.caller) === 0;
    return claimedHere;
  };
  const fitHereIfWaiting = async (): Promise<boolean> => {
    const count = await topicCount;
    const shared = prepared;
    if (!shared || !claimFit()) return false;
    prepared = undefined;
    try {
      fittedHere.resolve(timeStage(timings, 'related', () => finishRelatedView(readSharedView(shared), count)));
    } catch (error) {
      fittedHere.reject(error);
      throw error;
    }
    return true;
  };
  return { view, fitHereIfWaiting, claimFit };
}
