import { runTask, type WorkerLane } from '../../core/worker.js';
import { recordStage, type StageCost, type StageTimings } from '../timings.js';
import type { MapPoint } from './layout.js';

export interface MapJob {
  /** The vectors, row after row. */
  vectors: SharedArrayBuffer;
  count: number;
  dimension: number;
  /** Positions papers keep (see `extendMap`); all undefined for a fresh layout. */
  known: ReadonlyArray<MapPoint | undefined>;
  seed: number;
}

/** What the worker sends back: the points and what laying them out cost it. */
export interface MapResult {
  points: MapPoint[];
  cost: StageCost;
}

/**
 * `extendMap(vectors, known, { seed })` run on a worker thread, so that the caller's thread can
 * cluster the topics meanwhile: the same points, since the layout is seeded. The worker's own time
 * goes into `timings.map`. On `lane`, when given, rather than a worker of its own.
 */
export async function extendMapInWorker(
  vectors: readonly Float32Array[],
  known: ReadonlyArray<MapPoint | undefined>,
  seed: number,
  timings?: StageTimings,
  lane?: WorkerLane,
): Promise<MapPoint[]> {
  const dimension = vectors[0]?.length ?? 0;
  const shared = new SharedArrayBuffer(vectors.length * dimension * Float32Array.BYTES_PER_ELEMENT);
  const rows = new Float32Array(shared);
  vectors.forEach((vector, row) => {
    rows.set(vector, row * dimension);
  });
  const job: MapJob = { vectors: shared, count: vectors.length, dimension, known, seed };
  const { points, cost } = await runTask<MapResult>(lane, import.meta.url, './map-worker', job);
  recordStage(timings, 'map', cost);
  return points;
}
