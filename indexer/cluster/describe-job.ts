import { type SharedTexts, shareDocs } from '../../core/shared-texts.js';
import { runTask, type WorkerLane } from '../../core/worker.js';
import { type CorpusTerms, withoutPositions } from '../lexical/index.js';
import type { SubtopicSet } from '../store/topics-file.js';
import { recordStage, type StageCost, type StageTimings, timeStage } from '../timings.js';
import { claimSecondLevel, mergeSecondLevels } from './subtopics.js';
import type { TopicPartition, TopicSet } from './topic-set.js';
import type { TopicDoc } from './topics.js';

/** What the worker describes: the papers' texts, read in place (labels read a sample of them). */
export interface DescribeJob {
  texts: SharedTexts;
  /** One Int32: the next topic whose second level is to be split, claimed by the worker and the caller in turn (`claimSecondLevel`). */
  claims: SharedArrayBuffer;
}

/** The rest of a paper, beside its text. */
export type DescribedPaper = Omit<TopicDoc, 'title' | 'abstract'>;

/** What the worker waits for: the rest of the papers (their vectors), the topics, and the counts the second level reads. */
export interface DescribeNext {
  papers: readonly DescribedPaper[];
  partition: TopicPartition;
  counted?: CorpusTerms;
}

/** What the worker sends back: the described topics (with the second levels it split) and what describing them cost it. */
export interface DescribeResult {
  topics: TopicSet;
  cost: StageCost;
}

/** The stage the worker's time goes into. */
export const DESCRIBE_STAGE = 'labels, second level';

/** The topics being described on a worker. */
export interface DescribeBuild {
  topics: Promise<TopicSet>;
  /**
   * Splits, on this thread, the second level of the topics the worker has not claimed yet, once the
   * partition is known (`papers`: all of them, with their texts): call it when this thread would
   * otherwise wait for the worker. The topics are the same whichever thread splits them. Says how many it split.
   */
  splitHere: (papers: readonly TopicDoc[]) => number;
}

/**
 * `describePartition(papers, partition, counted)` on a worker thread, so that the caller's thread
 * builds the sentence index meanwhile: the same topics, as every step is seeded. The worker starts
 * at once and, while `partition` is still being clustered (and the terms counted), extracts the
 * phrases of the papers the label sample always holds (`prepareLabels`); if the partition fails, it
 * is stopped. The worker's own time goes into `timings['labels, second level']`, as does this
 * thread's when it splits part of the second level (`DescribeBuild.splitHere`). On `lane`, when
 * given, rather than a worker of its own.
 */
export function describeInWorker(
  papers: readonly TopicDoc[],
  partition: Promise<TopicPartition>,
  counted?: CorpusTerms | Promise<CorpusTerms | undefined>,
  timings?: StageTimings,
  lane?: WorkerLane,
): DescribeBuild {
  const rest = papers.map(({ id, date, vector }) => ({ id, date, vector }));
  const next = Promise.all([partition, counted]).then(([known, terms]) => ({ papers: rest, partition: known, counted: terms }));
  return describeTextsInWorker(papers, next, timings, lane);
}

/**
 * `describeInWorker` started from the texts alone: the label sample's phrases are extracted while
 * the papers are still being embedded; their vectors come with the partition (`next`).
 */
export function describeTextsInWorker(
  docs: ReadonlyArray<{ title: string; abstract: string }>,
  next: Promise<DescribeNext>,
  timings?: StageTimings,
  lane?: WorkerLane,
): DescribeBuild {
  const claims = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
  const job: DescribeJob = { texts: shareDocs(docs), claims: claims.buffer as SharedArrayBuffer };
  let known: DescribeNext | undefined;
  // Only what describing reads goes across: the word positions (most of the counts' size) are BM25's.
  const sent = next.then((value): DescribeNext => {
    known = value;
    return { ...value, counted: withoutPositions(value.counted) };
  });
  let here: Record<string, SubtopicSet> = {};
  const topics = runTask<DescribeResult>(lane, import.meta.url, './describe-worker', job, sent).then(({ topics, cost }) => {
    recordStage(timings, DESCRIBE_STAGE, cost);
    // This thread splits synchronously: by the time the worker's reply is read, what it claimed is done.
    return { ...topics, subtopics: mergeSecondLevels(topics.subtopics ?? {}, here) };
  });
  const splitHere = (papers: readonly TopicDoc[]): number => {
    if (!known) return 0;
    const { partition, counted } = known;
    const split = timeStage(timings, DESCRIBE_STAGE, () =>
      claimSecondLevel(papers, topicIdsOf(partition), partition.meta.seed, counted, () => Atomics.add(claims, 0, 1)),
    );
    here = mergeSecondLevels(here, split);
    return Object.keys(split).length;
  };
  return { topics, splitHere };
}

/** Each paper's topic id in `partition`. */
export function topicIdsOf({ local, ids }: TopicPartition): number[] {
  return local.map((topic) => ids[topic] as number);
}
