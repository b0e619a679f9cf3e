import hnswlib from 'hnswlib-node';
import { UMAP } from 'umap-js';
import { PaperscopeError } from '../../core/errors.js';
import { createRandom, DEFAULT_CLUSTER_SEED, sampleIndices, TOPIC_SAMPLE_SIZE } from './random.js';
import { checkDimensions, normalizeVector, normalizeVectors } from './vectors.js';

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
 * UMAP's cost grows with the fitted sample while a few hundred papers already fix where the topics
 * and their neighbourhoods lie; the rest are placed among their neighbours in the sample. Half the
 * topics' sample (`TOPIC_SAMPLE_SIZE`, which holds it), at the same 200 epochs: on SciFact and
 * arXiv-2007 the 2-D silhouette by topic was 0.172 / 0.322 against 0.172 / 0.309 for 1,000 papers
 * (means of two seeds; seed to seed ±0.02), for half the layout's CPU (docs/scaling.md).
 */
export const DEFAULT_MAP_SAMPLE_SIZE = TOPIC_SAMPLE_SIZE / 2;
const PLACEMENT_NEIGHBOURS = 5;
const UMAP_NEIGHBOURS = 15;
const MAX_EPOCHS = 500;
/**
 * The default sample's 500 papers get 100 epochs: with the other papers placed among them, the 2-D
 * silhouette by topic was the same as at 200 within seed noise on SciFact and arXiv-2007 (five seeds
 * each), for a quarter less of the map's CPU (docs/scaling.md, h24k). Fitted alone, a 3,000-paper
 * sample needed more (0.17 against 0.23 at 200).
 */
const MIN_EPOCHS = 100;
const EPOCH_BUDGET = 50_000;
/** Search breadth for placement: approximate neighbours are enough to average a position. */
const PLACEMENT_EF = 20;
/** Search breadth for UMAP's neighbour graph of the sample, which shapes the whole map. */
const GRAPH_EF = 60;

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
  const n = vectors.length;
  // UMAP needs more points than neighbours; one or two papers have an obvious layout.
  if (n <= 2) return normalizeVectors(vectors, 'vectors').map((_, index) => ({ x: n === 1 ? 0 : index * 2 - 1, y: 0 }));

  const unitOf = unitRows(vectors);
  const sampled = sampleIndices(n, sampleSize, seed);
  const sample = sampled.map((index) => [...unitOf(index)]);
  const neighbours = Math.min(UMAP_NEIGHBOURS, sample.length - 1);
  const umap = new UMAP({
    nComponents: 2,
    nNeighbors: neighbours,
    nEpochs: options.epochs ?? defaultEpochs(sample.length),
    random: createRandom(seed),
  });
  // One native HNSW graph of the sample gives UMAP its neighbours (umap-js' own NN-descent in plain
  // JS cost as much as a third of the layout) and then places the other papers.
  const anchors = anchorGraph(unitOf, sampled, seed);
  umap.setPrecomputedKNN(...sampleNeighbours(anchors, sample, neighbours));
  const fitted = umap.fit(sample);
  const positions: number[][] = new Array(n);
  sampled.forEach((index, row) => {
    positions[index] = fitted[row] as number[];
  });
  if (sampled.length < n) placeAmongAnchors(unitOf, n, sampled, positions, anchors);
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
  if (anchors.length < vectors.length) {
    const unitOf = unitRows(vectors);
    placeAmongAnchors(unitOf, vectors.length, anchors, positions, anchorGraph(unitOf, anchors, options.seed ?? DEFAULT_CLUSTER_SEED));
  }
  return positions.map(([x = 0, y = 0]) => ({ x, y }));
}

/**
 * Each paper's unit vector as hnswlib takes it, a plain array, and in one array reused from call
 * to call: a unit copy and an array per paper were a quarter of the map's CPU at 100k papers.
 */
function unitRows(vectors: readonly Float32Array[]): (paper: number) => number[] {
  const dimension = checkDimensions(vectors, 'vectors');
  const unit = new Float32Array(dimension);
  const values = new Array<number>(dimension).fill(0);
  return (paper) => {
    normalizeVector(vectors[paper] as Float32Array, `vectors[${paper}]`, unit);
    for (let i = 0; i < dimension; i++) values[i] = unit[i] as number;
    return values;
  };
}

/** A cosine HNSW graph of the anchor papers, label = position in `anchors`. */
function anchorGraph(unitOf: (paper: number) => number[], anchors: readonly number[], seed: number): hnswlib.HierarchicalNSW {
  const first = anchors[0] === undefined ? [] : unitOf(anchors[0]);
  const index = new hnswlib.HierarchicalNSW('cosine', first.length);
  index.initIndex(anchors.length, 16, 100, seed);
  anchors.forEach((paper, row) => {
    index.addPoint(unitOf(paper), row);
  });
  return index;
}

/**
 * Each sampled paper's `count` nearest papers of the sample (itself first, as UMAP expects) with
 * their Euclidean distances: for unit vectors √(2 · cosine distance).
 */
function sampleNeighbours(graph: hnswlib.HierarchicalNSW, sample: readonly number[][], count: number): [number[][], number[][]] {
  graph.setEf(Math.max(GRAPH_EF, count));
  const indices: number[][] = [];
  const distances: number[][] = [];
  sample.forEach((vector, row) => {
    const found = graph.searchKnn(vector, count);
    // The paper itself leads even when a duplicate ties with it.
    const order = found.neighbors.map((_, rank) => rank);
    const own = found.neighbors.indexOf(row);
    if (own > 0) order.unshift(...order.splice(own, 1));
    indices.push(order.map((rank) => found.neighbors[rank] as number));
    distances.push(order.map((rank) => (found.neighbors[rank] === row ? 0 : Math.sqrt(2 * Math.max(0, found.distances[rank] as number)))));
  });
  return [indices, distances];
}

/** Puts each of the `n` papers that is not an anchor at the mean position of its nearest anchors (`graph`: see `anchorGraph`). */
function placeAmongAnchors(
  unitOf: (paper: number) => number[],
  n: number,
  anchors: number[],
  positions: number[][],
  index: hnswlib.HierarchicalNSW,
): void {
  index.setEf(PLACEMENT_EF);
  const isAnchor = new Set(anchors);
  for (let paper = 0; paper < n; paper++) {
    if (isAnchor.has(paper)) continue;
    const { neighbors } = index.searchKnn(unitOf(paper), Math.min(PLACEMENT_NEIGHBOURS, anchors.length));
    let x = 0;
    let y = 0;
    for (const row of neighbors) {
      const position = positions[anchors[row] as number] as number[];
      x += position[0] as number;
      y += position[1] as number;
    }
    positions[paper] = [x / neighbors.length, y / neighbors.length];
  }
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
