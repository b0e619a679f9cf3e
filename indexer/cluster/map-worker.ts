import { parentPort, workerData } from 'node:worker_threads';
import { measureCost } from '../timings.js';
import { extendMap } from './layout.js';
import type { MapJob, MapResult } from './map-job.js';

// Lays the map out off the main thread, which clusters the topics meanwhile.
const job = workerData as MapJob;
const rows = new Float32Array(job.vectors);
const vectors = Array.from({ length: job.count }, (_, row) => rows.subarray(row * job.dimension, (row + 1) * job.dimension));
const { result: points, cost } = measureCost(() => extendMap(vectors, job.known, { seed: job.seed }));
parentPort?.postMessage({ points, cost } satisfies MapResult);
