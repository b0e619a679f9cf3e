import { runModuleWorker } from '../../core/worker.js';
import { type CorpusTerms, withoutPositions } from '../lexical/index.js';
import { recordStage, type StageCost, type StageTimings } from '../timings.js';
import type { TopicPartition, TopicSet } from './topic-set.js';
import type { TopicDoc } from './topics.js';

/** What the worker describes: `describePartition(papers, partition, counted)`. */
export interface DescribeJob {
  papers: ReadonlyArray<TopicDoc>;
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
 * builds the sentence index meanwhile: the same topics, as every step is seeded. The worker's own
 * time goes into `timings['labels, second level']`.
 */
export async function describeInWorker(
  papers: readonly TopicDoc[],
  partition: TopicPartition,
  counted?: CorpusTerms,
  timings?: StageTimings,
): Promise<TopicSet> {
  // Only what describing reads goes across: the word positions (most of the counts' size) are BM25's.
  const job: DescribeJob = {
    papers: papers.map(({ id, title, abstract, date, vector }) => ({ id, title, abstract, date, vector })),
    partition,
    counted: withoutPositions(counted),
  };
  const { topics, cost } = await runModuleWorker<DescribeResult>(import.meta.url, './describe-worker', job);
  recordStage(timings, DESCRIBE_STAGE, cost);
  return topics;
}
