import { type SharedTexts, shareDocs } from '../../core/shared-texts.js';
import { runTask, type WorkerLane } from '../../core/worker.js';
import { type CorpusTerms, withoutPositions } from '../lexical/index.js';
import { recordStage, type StageCost, type StageTimings } from '../timings.js';
import type { TopicPartition, TopicSet } from './topic-set.js';
import type { TopicDoc } from './topics.js';

/** What the worker describes: `describePartition(papers, partition, counted)`, the partition and counts sent once clustered. */
export interface DescribeJob {
  /** The papers without their texts, which are in `texts`, read in place by the worker (labels read a sample of them). */
  papers: ReadonlyArray<Omit<TopicDoc, 'title' | 'abstract'>>;
  texts: SharedTexts;
}

/** What the worker waits for: the topics, and the counts the second level reads. */
export interface DescribeNext {
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
  const job: DescribeJob = { papers: papers.map(({ id, date, vector }) => ({ id, date, vector })), texts: shareDocs(papers) };
  // Only what describing reads goes across: the word positions (most of the counts' size) are BM25's.
  const next = Promise.all([partition, counted]).then(
    ([known, terms]): DescribeNext => ({ partition: known, counted: withoutPositions(terms) }),
  );
  const { topics, cost } = await runTask<DescribeResult>(lane, import.meta.url, './describe-worker', job, next);
  recordStage(timings, DESCRIBE_STAGE, cost);
  return topics;
}
