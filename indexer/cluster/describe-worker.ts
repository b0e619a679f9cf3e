import { docsOf } from '../../core/shared-texts.js';
import type { TaskOutput } from '../../core/worker.js';
import { addCosts, measureCost } from '../timings.js';
import { type DescribeJob, type DescribeNext, type DescribeResult, topicIdsOf } from './describe-job.js';
import { prepareLabels } from './labels.js';
import { claimSecondLevel } from './subtopics.js';
import { describeFirstLevel } from './topic-set.js';

/**
 * Labels the topics and splits their second level off the main thread, which builds the sentence index meanwhile.
 * The label sample's phrases are extracted while the caller is still clustering the topics. The
 * second level is split topic by topic, the caller taking the topics this thread has not claimed
 * yet once it is free.
 */
export default async function describeTask(job: DescribeJob, next: Promise<DescribeNext>): Promise<TaskOutput<DescribeResult>> {
  const docs = docsOf(job.texts);
  const prepared = measureCost(() => prepareLabels(docs));
  const { papers: rest, partition, counted } = await next;
  // The same objects: the phrases extracted above are cached on them.
  const papers = docs.map((doc, row) => Object.assign(doc, rest[row]));
  const claims = new Int32Array(job.claims);
  const { result: topics, cost } = measureCost(() => ({
    ...describeFirstLevel(papers, partition),
    subtopics: claimSecondLevel(papers, topicIdsOf(partition), partition.meta.seed, counted, () => Atomics.add(claims, 0, 1)),
  }));
  return { result: { topics, cost: addCosts(prepared.cost, cost) } };
}
