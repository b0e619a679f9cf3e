import { parentPort, workerData } from 'node:worker_threads';
import { type CalibrationJob, calibrate } from './calibration.js';

// Calibrates off the main thread, which builds the sentences' BM25 index meanwhile.
const job = workerData as CalibrationJob;
parentPort?.postMessage(calibrate(job.papers, new Float32Array(job.vectors), job.dimension, job.probes));
