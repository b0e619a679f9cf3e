import type { TaskOutput } from '../../core/worker.js';
import type { StageCost } from '../timings.js';
import { buildGraphFile, type GraphBuildJob } from './graph.js';

/** The HNSW graph built on a worker lane (`GraphStream` with a lane): the build worker's work as a lane task. */
export default async function graphTask(job: GraphBuildJob): Promise<TaskOutput<StageCost>> {
  return { result: await buildGraphFile(job) };
}
