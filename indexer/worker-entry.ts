import { parentPort, workerData } from 'node:worker_threads';
import { toPaperscopeError } from '../core/errors.js';
import { indexPapers } from './index.js';
import { reconcile } from './sources/merge.js';
import type { WorkerIndexJob, WorkerIndexMessage } from './worker.js';

/** Runs one `indexPapers` job off the caller's thread and reports back. */
const job = workerData as WorkerIndexJob;
const post = (message: WorkerIndexMessage) => parentPort?.postMessage(message);

const { matchStored, ...options } = job.options;

indexPapers(job.papers, {
  ...options,
  reconcile: matchStored ? reconcile : undefined,
  onEvent: (event) => post({ type: 'event', event }),
}).then(
  (summary) => post({ type: 'done', summary }),
  (error: unknown) => {
    const failure = toPaperscopeError(error);
    post({ type: 'error', code: failure.code, message: failure.message, details: failure.details });
  },
);
