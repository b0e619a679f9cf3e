import { type SharedTexts, shareDocs } from '../../core/shared-texts.js';
import { runTask, type WorkerLane } from '../../core/worker.js';
import { recordStage, type StageCost, type StageTimings } from '../timings.js';
import { type CorpusTerms, countCorpusTermsPart, type FieldedText, type SentenceRanges, type TermForms } from './corpus-terms.js';
import { joinCorpusTerms } from './join-terms.js';

export interface TermsJob {
  texts: SharedTexts;
  positions: boolean;
  /** Given, the sentences' terms are counted in the same pass (`countCorpusAndSentenceTerms`). */
  sentences?: SentenceRanges;
  /** Given, only the documents from this one on are counted, as a part for `joinCorpusTerms` (with `forms`). */
  from?: number;
}

export interface TermsResult {
  counted: CorpusTerms;
  sentences?: CorpusTerms;
  forms?: TermForms;
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

/**
 * `countCorpusTerms(docs, options)` on two threads: this one counts the first half of `docs`, a worker
 * of its own (reading the texts in place) the second, and the halves are joined (`joinCorpusTerms`)
 * into the counts one pass gives. The indexer counts a large corpus' terms after its sentence index,
 * with nothing else for the second core to do (at a million papers ≈ 200 s of this thread's CPU); the
 * counts are not made before, where they would be held through that index's memory peak. The worker's
 * own time goes into `timings['terms: beside']`.
 */
export async function countCorpusTermsOnTwoThreads(
  docs: readonly FieldedText[],
  options: { positions: boolean },
  timings?: StageTimings,
): Promise<CorpusTerms> {
  const half = Math.ceil(docs.length / 2);
  const besides = runTask<TermsResult>(undefined, import.meta.url, './terms-worker', {
    texts: shareDocs(docs),
    positions: options.positions,
    from: half,
  } satisfies TermsJob);
  // Observed at once: it may fail while this thread counts.
  besides.catch(() => {});
  const mine = countCorpusTermsPart(docs.slice(0, half), options);
  const theirs = await besides;
  recordStage(timings, 'terms: beside', theirs.cost);
  return joinCorpusTerms(mine, { counted: theirs.counted, forms: theirs.forms as TermForms });
}

async function countOffThread(job: TermsJob, timings: StageTimings | undefined, lane: WorkerLane | undefined): Promise<TermsResult> {
  const result = await runTask<TermsResult>(lane, import.meta.url, './terms-worker', job);
  recordStage(timings, 'terms', result.cost);
  return result;
}
