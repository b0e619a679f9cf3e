import { parentPort, workerData } from 'node:worker_threads';
import { buildGraphFile, type GraphBuildJob } from './graph.js';

// Builds the HNSW graph off the main thread (as its rows arrive) and writes it to `job.file`; the parent reads it back.
// Its own cost goes back with it: the parent sees the message only when its thread is free.
parentPort?.postMessage(await buildGraphFile(workerData as GraphBuildJob));
