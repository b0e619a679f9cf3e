import hnswlib from 'hnswlib-node';
import { measureCost, type StageCost } from '../timings.js';

/**
 * HNSW parameters. At 100k × 384-d (bench vectors: clustered, with isotropic noise, the hard case
 * for a graph search) ef=100 gives recall@10 0.993 at ~1,900 queries/s and ef=80 0.984 at ~2,350;
 * the graph is as good built with efConstruction 100 as with 200, and builds in 41 s, not 63 s.
 */
export const DEFAULT_ANN_OPTIONS = { m: 16, efConstruction: 100, efSearch: 80, seed: 100 } as const;

/** What a build worker receives: `count` vectors of `dimension` floats, one after another. */
export interface GraphBuildJob {
  vectors: SharedArrayBuffer;
  count: number;
  dimension: number;
  /** Where the worker writes the finished graph. */
  file: string;
  /**
   * One Int32: how many of the rows are written so far (−1: given up). The worker adds each row as
   * it arrives, so the graph is built while the vectors are still being made.
   */
  ready: SharedArrayBuffer;
}

/**
 * A cosine HNSW graph of `count` row-major vectors, label = row. hnswlib-node adds points one at a
 * time on the calling thread; the same seed and order give the same graph on any thread. With
 * `ready` (a worker's), rows are added as that counter says they are written, waiting for more.
 */
export function buildGraph(rows: Float32Array, count: number, dimension: number, ready?: Int32Array): hnswlib.HierarchicalNSW {
  const index = new hnswlib.HierarchicalNSW('cosine', dimension);
  const { m, efConstruction, seed, efSearch } = DEFAULT_ANN_OPTIONS;
  index.initIndex({ maxElements: Math.max(1, count), m, efConstruction, randomSeed: seed });
  let available = ready ? 0 : count;
  for (let label = 0; label < count; label++) {
    if (label >= available) available = rowsReady(ready as Int32Array, label);
    index.addPoint(Array.from(rows.subarray(label * dimension, (label + 1) * dimension)), label);
  }
  index.setEf(efSearch);
  return index;
}

/** How many rows are written, once more than `added` are (blocks this thread until then). */
function rowsReady(ready: Int32Array, added: number): number {
  for (;;) {
    const available = Atomics.load(ready, 0);
    if (available < 0) throw new Error('the graph build was given up: its vectors will not come');
    if (available > added) return available;
    Atomics.wait(ready, 0, available);
  }
}

/** Builds the graph of `job` (as its rows arrive) and writes it to `job.file`: a build worker's or a lane task's work, with its own cost. */
export async function buildGraphFile(job: GraphBuildJob): Promise<StageCost> {
  const { result: graph, cost } = measureCost(() =>
    buildGraph(new Float32Array(job.vectors), job.count, job.dimension, new Int32Array(job.ready)),
  );
  await graph.writeIndex(job.file);
  return cost;
}

/** Up to this many papers a search's breadth is `DEFAULT_ANN_OPTIONS.efSearch`, as tuned (and SciFact's answers as before). */
const EF_TUNED_PAPERS = 100_000;
/** How steeply ef grows past that: ×5.6 a decade, 450 at a million papers (docs/scaling.md, h26h). */
const EF_GROWTH_EXPONENT = 0.75;

/**
 * The graph search's breadth (hnswlib's ef) for a graph of `count` papers. At a fixed ef recall
 * falls as the graph grows: with word vectors, recall@10 against an exact scan was 0.91 at 100k
 * and 0.84 at a million at ef 80; ef 450 brings the million's to 0.954 for ≈ 1.1 ms of CPU a search (0.8 at ef 100).
 */
export function efSearchFor(count: number): number {
  const { efSearch } = DEFAULT_ANN_OPTIONS;
  if (count <= EF_TUNED_PAPERS) return efSearch;
  return Math.round(efSearch * (count / EF_TUNED_PAPERS) ** EF_GROWTH_EXPONENT);
}
