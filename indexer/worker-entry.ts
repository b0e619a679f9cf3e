import { parentPort, workerData } from 'node:worker_threads';
import { toPaperscopeError } from '../core/errors.js';
import { type IndexEvent, indexPapers, removePapers } from './index.js';
import { reconcile } from './sources/merge.js';
import type { WorkerIndexJob, WorkerIndexMessage } from './worker.js';

/** Runs one `indexPapers` or `removePapers` job off the caller's thread and reports back. */
const job = workerData as WorkerIndexJob;
const post = (message: WorkerIndexMessage) => parentPort?.postMessage(message);

const { matchStored, ...options } = job.options;

const onEvent = (event: IndexEvent) => post({ type: 'event', event });
const run =
  'remove' in job
    ? removePapers(job.remove, { ...options, onEvent })
    : indexPapers(job.papers, { ...options, reconcile: matchStored ? reconcile : undefined, onEvent });

run.then(
  (summary) => post({ type: 'done', summary }),
  (error: unknown) => {
    const failure = toPaperscopeError(error);
    post({ type: 'error', code: failure.code, message: failure.message, details: failure.details });
  },
);
