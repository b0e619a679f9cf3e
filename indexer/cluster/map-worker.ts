import type { TaskOutput } from '../../core/worker.js';
import { measureCost } from '../timings.js';
import { extendMap } from './layout.js';
import type { MapJob, MapResult } from './map-job.js';

/** Lays the map out off the main thread, which clusters the topics meanwhile. */
export default function mapTask(job: MapJob): TaskOutput<MapResult> {
  const rows = new Float32Array(job.vectors);
  const vectors = Array.from({ length: job.count }, (_, row) => rows.subarray(row * job.dimension, (row + 1) * job.dimension));
  const { result: points, cost } = measureCost(() => extendMap(vectors, job.known, { seed: job.seed }));
  return { result: { points, cost } };
}
