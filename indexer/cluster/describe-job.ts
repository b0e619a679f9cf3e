import { type SharedTexts, shareDocs } from '../../core/shared-texts.js';
import { runTask, type WorkerLane } from '../../core/worker.js';
import { type CorpusTerms, withoutPositions } from '../lexical/index.js';
import { recordStage, type StageCost, type StageTimings } from '../timings.js';
import type { TopicPartition, TopicSet } from './topic-set.js';
import type { TopicDoc } from './topics.js';

/** What the worker describes: the papers' texts, read in place (labels read a sample of them). */
export interface DescribeJob {
  texts: SharedTexts;
}

/** The rest of a paper, beside its text. */
export type DescribedPaper = Omit<TopicDoc, 'title' | 'abstract'>;

/** What the worker waits for: the rest of the papers (their vectors), the topics, and the counts the second level reads. */
export interface DescribeNext {
  papers: readonly DescribedPaper[];
  partition: TopicPartition;
  counted?: CorpusTerms;
}

/** What the worker sends back: the described topics and what describing them cost it. */
export interface DescribeResult {
  topics: TopicSet;
  cost: StageCost;
}

/** The stage the worker's time goes into. */
export const DESCRIBE_STAGE = 'labels, second level';

/**
 * `describePartition(papers, partition, counted)` on a worker thread, so that the caller's thread
 * builds the sentence index meanwhile: the same topics, as every step is seeded. The worker starts
 * at once and, while `partition` is still being clustered (and the terms counted), extracts the
 * phrases of the papers the label sample always holds (`prepareLabels`); if the partition fails, it
 * is stopped. The worker's own time goes into `timings['labels, second level']`. On `lane`, when
 * given, rather than a worker of its own.
 */
export async function describeInWorker(
  papers: readonly TopicDoc[],
  partition: Promise<TopicPartition>,
  counted?: CorpusTerms | Promise<CorpusTerms | undefined>,
  timings?: StageTimings,
  lane?: WorkerLane,
): Promise<TopicSet> {
  const rest = papers.map(({ id, date, vector }) => ({ id, date, vector }));
  const next = Promise.all([partition, counted]).then(([known, terms]) => ({ papers: rest, partition: known, counted: terms }));
  return describeTextsInWorker(papers, next, timings, lane);
}

/**
 * `describeInWorker` started from the texts alone: the label sample's phrases are extracted while
 * the papers are still being embedded; their vectors come with the partition (`next`).
 */
export async function describeTextsInWorker(
  docs: ReadonlyArray<{ title: string; abstract: string }>,
  next: Promise<DescribeNext>,
  timings?: StageTimings,
  lane?: WorkerLane,
): Promise<TopicSet> {
  const job: DescribeJob = { texts: shareDocs(docs) };
  // Only what describing reads goes across: the word positions (most of the counts' size) are BM25's.
  const sent = next.then((value): DescribeNext => ({ ...value, counted: withoutPositions(value.counted) }));
  const { topics, cost } = await runTask<DescribeResult>(lane, import.meta.url, './describe-worker', job, sent);
  recordStage(timings, DESCRIBE_STAGE, cost);
  return topics;
}
