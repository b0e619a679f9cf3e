import hnswlib from 'hnswlib-node';
import { UMAP } from 'umap-js';
import { PaperscopeError } from '../../core/errors.js';
import { createRandom, DEFAULT_CLUSTER_SEED, sampleIndices } from './random.js';
import { normalizeVectors } from './vectors.js';

export interface MapOptions {
  seed?: number;
  /** UMAP is fitted on at most this many papers; the others are placed among their neighbours. */
  sampleSize?: number;
  /** UMAP's optimisation epochs (default: `defaultEpochs` of the fitted sample). */
  epochs?: number;
}

export interface MapPoint {
  x: number;
  y: number;
}

/**
 * UMAP's cost grows with the fitted sample while a few thousand papers already fix where the topics
 * and their neighbourhoods lie; the rest are placed among their neighbours in the sample.
 */
export const DEFAULT_MAP_SAMPLE_SIZE = 3_000;
const PLACEMENT_NEIGHBOURS = 5;
const MAX_EPOCHS = 500;
/** On SciFact 100 epochs of the 3,000-paper sample cost nearly as much as 200 and drew topics apart less (2-D silhouette 0.17 against 0.23). */
const MIN_EPOCHS = 200;
const EPOCH_BUDGET = 600_000;
/** Search breadth for placement: approximate neighbours are enough to average a position. */
const PLACEMENT_EF = 20;

/**
 * Like the reference UMAP, larger samples need fewer epochs to settle: the epochs fall with the
 * sample so that the optimisation's cost (epochs × points) stays at most `EPOCH_BUDGET`.
 */
export function defaultEpochs(points: number): number {
  return Math.max(MIN_EPOCHS, Math.min(MAX_EPOCHS, Math.round(EPOCH_BUDGET / Math.max(1, points))));
}

/**
 * A 2-D map of the papers (UMAP on unit vectors, seeded, so the same input gives the same map).
 * Coordinates are centred and scaled uniformly so that the wider axis spans [−1, 1].
 *
 * @example layoutMap(vectors) // → [{ x: -0.42, y: 0.17 }, …], one point per vector
 */
export function layoutMap(vectors: readonly Float32Array[], options: MapOptions = {}): MapPoint[] {
  const seed = options.seed ?? DEFAULT_CLUSTER_SEED;
  const sampleSize = options.sampleSize ?? DEFAULT_MAP_SAMPLE_SIZE;
  if (!Number.isInteger(seed)) throw new PaperscopeError('INVALID_PARAMETER', `seed must be an integer, got ${seed}`, { field: 'seed' });
  if (!Number.isInteger(sampleSize) || sampleSize < 3) {
    throw new PaperscopeError('INVALID_PARAMETER', `sampleSize must be an integer of at least 3, got ${sampleSize}`, {
      field: 'sampleSize',
    });
  }
  const unit = normalizeVectors(vectors, 'vectors');
  const n = unit.length;
  // UMAP needs more points than neighbours; one or two papers have an obvious layout.
  if (n <= 2) return unit.map((_, index) => ({ x: n === 1 ? 0 : index * 2 - 1, y: 0 }));

  const sampled = sampleIndices(n, sampleSize, seed);
  const sample = sampled.map((index) => Array.from(unit[index] as Float32Array));
  const umap = new UMAP({
    nComponents: 2,
    nNeighbors: Math.min(15, sample.length - 1),
    nEpochs: options.epochs ?? defaultEpochs(sample.length),
    random: createRandom(seed),
  });
  const fitted = umap.fit(sample);
  const positions: number[][] = new Array(n);
  sampled.forEach((index, row) => {
    positions[index] = fitted[row] as number[];
  });
  if (sampled.length < n) placeAmongAnchors(unit, sampled, positions, seed);
  return scaleToUnitSquare(positions);
}

/**
 * The map with papers added: papers that had a position keep it, so the map a reader knows does
 * not move; each new paper is placed at the mean position of its nearest placed papers.
 *
 * @example extendMap(vectors, [{ x: 0.1, y: 0.2 }, undefined]) // → [{ x: 0.1, y: 0.2 }, { x: 0.1, y: 0.2 }]
 */
export function extendMap(
  vectors: readonly Float32Array[],
  known: ReadonlyArray<MapPoint | undefined>,
  options: Pick<MapOptions, 'seed'> = {},
): MapPoint[] {
  if (known.length !== vectors.length) {
    throw new PaperscopeError('INVALID_INPUT', `${vectors.length} vectors but ${known.length} known positions`, { field: 'known' });
  }
  const anchors = known.flatMap((point, index) => (point ? [index] : []));
  if (anchors.length === 0) return layoutMap(vectors, options);
  const positions = known.map((point) => (point ? [point.x, point.y] : []));
  if (anchors.length < vectors.length)
    placeAmongAnchors(normalizeVectors(vectors, 'vectors'), anchors, positions, options.seed ?? DEFAULT_CLUSTER_SEED);
  return positions.map(([x = 0, y = 0]) => ({ x, y }));
}

/** Puts each paper that is not an anchor at the mean position of its nearest anchors. */
function placeAmongAnchors(unit: Float32Array[], anchors: number[], positions: number[][], seed: number): void {
  const index = new hnswlib.HierarchicalNSW('cosine', unit[0]?.length ?? 0);
  index.initIndex(anchors.length, 16, 100, seed);
  anchors.forEach((paper, row) => {
    index.addPoint(Array.from(unit[paper] as Float32Array), row);
  });
  index.setEf(PLACEMENT_EF);
  const isAnchor = new Set(anchors);
  unit.forEach((vector, paper) => {
    if (isAnchor.has(paper)) return;
    const { neighbors } = index.searchKnn(Array.from(vector), Math.min(PLACEMENT_NEIGHBOURS, anchors.length));
    let x = 0;
    let y = 0;
    for (const row of neighbors) {
      const position = positions[anchors[row] as number] as number[];
      x += position[0] as number;
      y += position[1] as number;
    }
    positions[paper] = [x / neighbors.length, y / neighbors.length];
  });
}

function scaleToUnitSquare(positions: number[][]): MapPoint[] {
  let minX = Number.POSITIVE_INFINITY;
  let maxX = Number.NEGATIVE_INFINITY;
  let minY = Number.POSITIVE_INFINITY;
  let maxY = Number.NEGATIVE_INFINITY;
  for (const [x = 0, y = 0] of positions) {
    minX = Math.min(minX, x);
    maxX = Math.max(maxX, x);
    minY = Math.min(minY, y);
    maxY = Math.max(maxY, y);
  }
  const halfRange = Math.max(maxX - minX, maxY - minY) / 2;
  if (!Number.isFinite(halfRange)) throw new PaperscopeError('INTERNAL', 'UMAP produced non-finite coordinates');
  const scale = halfRange > 0 ? 1 / halfRange : 0;
  const centreX = (minX + maxX) / 2;
  const centreY = (minY + maxY) / 2;
  return positions.map(([x = 0, y = 0]) => ({ x: (x - centreX) * scale, y: (y - centreY) * scale }));
}
