import { parentPort, workerData } from 'node:worker_threads';
import { measureCost } from '../timings.js';
import { buildGraph, type GraphBuildJob } from './graph.js';

// Builds the HNSW graph off the main thread (as its rows arrive) and writes it to `job.file`; the parent reads it back.
// Its own cost goes back with it: the parent sees the message only when its thread is free.
const job = workerData as GraphBuildJob;
const { result: graph, cost } = measureCost(() =>
  buildGraph(new Float32Array(job.vectors), job.count, job.dimension, new Int32Array(job.ready)),
);
await graph.writeIndex(job.file);
parentPort?.postMessage(cost);
