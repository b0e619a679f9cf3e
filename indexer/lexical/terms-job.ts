import { type SharedTexts, shareDocs } from '../../core/shared-texts.js';
import { runTask, type WorkerLane } from '../../core/worker.js';
import { recordStage, type StageCost, type StageTimings } from '../timings.js';
import type { CorpusTerms, FieldedText, SentenceRanges } from './corpus-terms.js';

export interface TermsJob {
  texts: SharedTexts;
  positions: boolean;
  /** Given, the sentences' terms are counted in the same pass (`countCorpusAndSentenceTerms`). */
  sentences?: SentenceRanges;
}

export interface TermsResult {
  counted: CorpusTerms;
  sentences?: CorpusTerms;
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
  return (await countOffThread({ texts: shareDocs(docs), positions: options.positions }, timings, lane)).counted;
}

/**
 * `countCorpusAndSentenceTerms(docs, sentences, { positions: true })` on a worker thread (on `lane`
 * when given): each text is tokenized once for both. Its whole time goes into `timings.terms`.
 */
export function countCorpusAndSentenceTermsOffThread(
  docs: readonly FieldedText[],
  sentences: SentenceRanges,
  timings?: StageTimings,
  lane?: WorkerLane,
): { papers: Promise<CorpusTerms>; sentences: Promise<CorpusTerms> } {
  const counting = countOffThread({ texts: shareDocs(docs), positions: true, sentences }, timings, lane);
  return { papers: counting.then(({ counted }) => counted), sentences: counting.then(({ sentences }) => sentences as CorpusTerms) };
}

async function countOffThread(job: TermsJob, timings: StageTimings | undefined, lane: WorkerLane | undefined): Promise<TermsResult> {
  const result = await runTask<TermsResult>(lane, import.meta.url, './terms-worker', job);
  recordStage(timings, 'terms', result.cost);
  return result;
}
