import { startModuleWorker } from '../../core/worker.js';
import type { Embedder, EmbedderCopySpec, EmbedProgress, PieceWindows } from '../embed/index.js';
import { recordStage, type StageCost, type StageTimings } from '../timings.js';
import { embedPapers, type FreshSentenceVectors, type SentenceSource } from './build.js';

type EmbedSource = Pick<SentenceSource, 'id' | 'title' | 'abstract' | 'contentHash'>;

/** What the embedding worker receives: the embedder to make again, its papers, and a counter of those done (one Int32). */
export interface EmbedBesideJob {
  spec: EmbedderCopySpec;
  papers: EmbedSource[];
  windows: Exclude<PieceWindows, 'rest'>;
  done: SharedArrayBuffer;
}

/** What it sends back: its papers' vectors one after another, their sentence vectors, its own cost. */
export interface EmbedBesideResult {
  vectors: Float32Array;
  sentences: FreshSentenceVectors;
  cost: StageCost;
}

/**
 * `embedPapers` over two threads: this one embeds the first half of `papers`, a worker with the
 * embedder made again from `spec` (`Embedder.copySpec`) the second, and the halves are joined in
 * order, so the vectors are those one thread makes. At a million papers the embedding was ≈ 380 s of
 * one core while the other built the HNSW graph from it at two-thirds of that pace; now both embed,
 * and the graph is built from the finished vectors beside the table's write, where the second core
 * idles. The worker's own time goes into `timings['embed: beside']`.
 */
export async function embedPapersOnTwoThreads(
  embedder: Embedder,
  spec: EmbedderCopySpec,
  papers: readonly EmbedSource[],
  onProgress?: EmbedProgress,
  windows: Exclude<PieceWindows, 'rest'> = 'all',
  timings?: StageTimings,
): Promise<{ vectors: Float32Array[]; sentences: FreshSentenceVectors }> {
  const half = Math.ceil(papers.length / 2);
  const done = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT);
  const theirs = new Int32Array(done);
  const job: EmbedBesideJob = {
    spec,
    // Only the fields embedded: the indexer's papers carry every parsed field.
    papers: papers.slice(half).map(({ id, title, abstract, contentHash }) => ({ id, title, abstract, contentHash })),
    windows,
    done,
  };
  const worker = startModuleWorker(import.meta.url, './embed-worker', job);
  try {
    const besides = new Promise<EmbedBesideResult>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the embedding worker exited with code ${code} before finishing`)));
    });
    // Observed at once: it may fail while this thread embeds.
    besides.catch(() => {});
    const mine = await embedPapers(
      embedder,
      papers.slice(0, half),
      onProgress && ((count) => onProgress(count + Atomics.load(theirs, 0), papers.length)),
      windows,
    );
    const rest = await besides;
    recordStage(timings, 'embed: beside', rest.cost);
    const { dimension } = embedder.info;
    for (let row = 0; row < papers.length - half; row++) mine.vectors.push(rest.vectors.subarray(row * dimension, (row + 1) * dimension));
    for (const [key, rows] of rest.sentences) mine.sentences.set(key, rows);
    onProgress?.(papers.length, papers.length);
    return mine;
  } finally {
    await worker.terminate();
  }
}
