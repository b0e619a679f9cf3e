import { parentPort, workerData } from 'node:worker_threads';
import { type CalibrationJob, calibrate } from './calibration.js';

// Calibrates off the main thread, which builds the sentences' BM25 index meanwhile.
const job = workerData as CalibrationJob;
const vectors = { codes: new Int8Array(job.codes), scales: new Float32Array(job.scales) };
parentPort?.postMessage(calibrate(job.papers, vectors, job.dimension, job.probes));
