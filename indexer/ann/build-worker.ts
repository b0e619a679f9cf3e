import { parentPort, workerData } from 'node:worker_threads';
import { buildGraph, type GraphBuildJob } from './graph.js';

// Builds the HNSW graph off the main thread and writes it to `job.file`; the parent reads it back.
const job = workerData as GraphBuildJob;
const graph = buildGraph(new Float32Array(job.vectors), job.count, job.dimension);
await graph.writeIndex(job.file);
parentPort?.postMessage('built');
