import { parentPort, workerData } from 'node:worker_threads';
import { measureCost } from '../timings.js';
import type { DescribeJob, DescribeResult } from './describe-job.js';
import { describePartition } from './topic-set.js';

// Labels the topics and splits their second level off the main thread, which builds the sentence index meanwhile.
const job = workerData as DescribeJob;
const { result: topics, cost } = measureCost(() => describePartition(job.papers, job.partition, job.counted));
parentPort?.postMessage({ topics, cost } satisfies DescribeResult);
