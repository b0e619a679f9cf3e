import { type SharedTexts, shareDocs } from '../../core/shared-texts.js';
import { runTask, type WorkerLane } from '../../core/worker.js';
import { recordStage, type StageCost, type StageTimings } from '../timings.js';
import type { CorpusTerms, FieldedText } from './corpus-terms.js';

export interface TermsJob {
  texts: SharedTexts;
  positions: boolean;
}

export interface TermsResult {
  counted: CorpusTerms;
  cost: StageCost;
}

/**
 * `countCorpusTerms(docs, { positions })` on a worker thread, which reads the texts in place: the
 * indexer counts a new corpus' terms there while this thread embeds it (at a million papers ≈ 3.5
 * minutes of CPU taken off the critical path). The lists come back in shared memory, not copied.
 * The worker's own time goes into `timings.terms`. On `lane`, when given, rather than a worker of its own.
 */
export async function countCorpusTermsOffThread(
  docs: readonly FieldedText[],
  options: { positions: boolean },
  timings?: StageTimings,
  lane?: WorkerLane,
): Promise<CorpusTerms> {
  const job: TermsJob = { texts: shareDocs(docs), positions: options.positions };
  const { counted, cost } = await runTask<TermsResult>(lane, import.meta.url, './terms-worker', job);
  recordStage(timings, 'terms', cost);
  return counted;
}
