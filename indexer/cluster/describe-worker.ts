import { parentPort, workerData } from 'node:worker_threads';
import { SharedDoc } from '../../core/shared-texts.js';
import { addCosts, measureCost } from '../timings.js';
import type { DescribeJob, DescribeResult } from './describe-job.js';
import { prepareLabels } from './labels.js';
import { describePartition, type TopicPartition } from './topic-set.js';

// Labels the topics and splits their second level off the main thread, which builds the sentence index meanwhile.
// The label sample's phrases are extracted while the caller is still clustering the topics.
const job = workerData as DescribeJob;
const papers = job.papers.map((paper, row) => Object.assign(new SharedDoc(job.texts, row), paper));
const prepared = measureCost(() => prepareLabels(papers));
parentPort?.once('message', (partition: TopicPartition) => {
  const { result: topics, cost } = measureCost(() => describePartition(papers, partition, job.counted));
  parentPort?.postMessage({ topics, cost: addCosts(prepared.cost, cost) } satisfies DescribeResult);
});
