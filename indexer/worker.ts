import { startModuleWorker } from '../core/worker.js';
import { type ErrorCode, PaperscopeError } from '../core/errors.js';
import type { IndexEvent, IndexSummary, PipelineOptions } from './index.js';
import type { Paper } from './parse/index.js';

/**
 * Options that cross the thread boundary: everything but the callbacks. `matchStored` stands for
 * `reconcile` with the live sources' matching (indexer/sources), which a function cannot cross.
 */
export type WorkerIndexOptions = Omit<PipelineOptions, 'onEvent'> & { source: string; matchStored?: boolean };

/** Papers to add or update, or (`remove`) ids of stored papers to remove. */
export type WorkerIndexJob = { papers: Paper[]; options: WorkerIndexOptions } | { remove: string[]; options: WorkerIndexOptions };

export type WorkerIndexMessage =
  | { type: 'event'; event: IndexEvent }
  | { type: 'done'; summary: IndexSummary }
  | { type: 'error'; code: ErrorCode; message: string; details: Record<string, unknown> | undefined };

/**
 * `indexPapers` in a worker thread, so that a server adding papers keeps answering searches while
 * the papers are embedded and the indexes rebuilt (k-means, UMAP and BM25 are CPU-bound).
 */
export function indexPapersInWorker(
  papers: Paper[],
  options: WorkerIndexOptions,
  onEvent?: (event: IndexEvent) => void,
): Promise<IndexSummary> {
  return runInWorker({ papers, options }, onEvent);
}

/** `removePapers` in a worker thread: the topics, map and derived indexes are rebuilt off the server's thread. */
export function removePapersInWorker(
  ids: string[],
  options: WorkerIndexOptions,
  onEvent?: (event: IndexEvent) => void,
): Promise<IndexSummary> {
  return runInWorker({ remove: ids, options }, onEvent);
}

function runInWorker(job: WorkerIndexJob, onEvent?: (event: IndexEvent) => void): Promise<IndexSummary> {
  const worker = startModuleWorker(import.meta.url, './worker-entry', job);
  return new Promise<IndexSummary>((resolve, reject) => {
    let settled = false;
    worker.on('message', (message: WorkerIndexMessage) => {
      if (message.type === 'event') onEvent?.(message.event);
      else {
        settled = true;
        if (message.type === 'done') resolve(message.summary);
        else reject(new PaperscopeError(message.code, message.message, message.details));
        void worker.terminate();
      }
    });
    worker.on('error', (error) => {
      settled = true;
      reject(new PaperscopeError('INTERNAL', `The indexing worker failed: ${error.message}`, undefined, { cause: error }));
    });
    worker.on('exit', (code) => {
      if (!settled) reject(new PaperscopeError('INTERNAL', `The indexing worker exited with code ${code} before finishing.`));
    });
  });
}
