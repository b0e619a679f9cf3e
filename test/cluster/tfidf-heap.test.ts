import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';

/** Runs the worker module beside this file in a heap of `heapMb` (tsx registered in it first); resolves with its message. */
function inSmallHeap(papers: number, heapMb: number): Promise<number> {
  const entry = new URL('./tfidf-heap-worker.ts', import.meta.url).href;
  const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  const worker = new Worker(boot, { eval: true, workerData: { papers }, resourceLimits: { maxOldGenerationSizeMb: heapMb } });
  return new Promise<number>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  }).finally(() => worker.terminate());
}

describe('classicTfIdf at scale', () => {
  it('counts 6,000 papers in a 32 MB heap: their words are numbered in two arrays, not a Map per paper', async () => {
    // A Map of each paper's words (≈ 5 GB at a million papers) ran out of this heap at 6,000.
    expect(await inSmallHeap(6_000, 32)).toBeGreaterThan(5_000);
  }, 30_000);
});
