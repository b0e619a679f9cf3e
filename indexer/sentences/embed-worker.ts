import { parentPort, workerData } from 'node:worker_threads';
import { uncountedBuffer } from '../../core/uncounted-buffer.js';
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
// One buffer handed over, not a message of hundreds of thousands of small arrays; in shared memory, as the
// sentence rows are (views on a few arrays per chunk of papers): shared with the indexer's thread, neither
// copied nor counted there as its external memory (`uncountedBuffer`).
const packed = new Float32Array(uncountedBuffer(vectors.length * dimension * Float32Array.BYTES_PER_ELEMENT).buffer);
vectors.forEach((vector, row) => {
  packed.set(vector, row * dimension);
});
const used = threadCpuMs();
const result: EmbedBesideResult = {
  vectors: packed,
  sentences,
  cost: { wallMs: performance.now() - started, cpuMs: cpu === undefined || used === undefined ? undefined : used - cpu },
};
parentPort?.postMessage(result);
