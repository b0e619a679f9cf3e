import { parentPort, workerData } from 'node:worker_threads';
import { embedderCopy } from '../embed/index.js';
import { threadCpuMs } from '../timings.js';
import { embedPapers } from './build.js';
import type { EmbedBesideJob, EmbedBesideResult } from './embed-beside.js';

// Embeds the second half of the indexer's papers beside its own thread (`embedPapersOnTwoThreads`).
const job = workerData as EmbedBesideJob;
const started = performance.now();
const cpu = threadCpuMs();
const embedder = await embedderCopy(job.spec);
const done = new Int32Array(job.done);
const { vectors, sentences } = await embedPapers(embedder, job.papers, (count) => Atomics.store(done, 0, count), job.windows);
const { dimension } = embedder.info;
// One buffer handed over, not a message of hundreds of thousands of small arrays.
const packed = new Float32Array(vectors.length * dimension);
vectors.forEach((vector, row) => {
  packed.set(vector, row * dimension);
});
// The sentence rows are views on a few arrays per chunk of papers: those are handed over, not copied.
const buffers = new Set<ArrayBuffer>();
for (const { codes, scales } of sentences.values()) {
  buffers.add(codes.buffer as ArrayBuffer);
  buffers.add(scales.buffer as ArrayBuffer);
}
const used = threadCpuMs();
const result: EmbedBesideResult = {
  vectors: packed,
  sentences,
  cost: { wallMs: performance.now() - started, cpuMs: cpu === undefined || used === undefined ? undefined : used - cpu },
};
parentPort?.postMessage(result, [packed.buffer, ...buffers]);
