import { kmeans } from 'ml-kmeans';
import { PaperscopeError } from '../../core/errors.js';
import { adjustedRandIndex, cosineDistanceMatrix, silhouetteFromDistances } from './metrics.js';
import { createRandom, DEFAULT_CLUSTER_SEED, sampleIndices, TOPIC_SAMPLE_SIZE } from './random.js';
import { nearestCentroid, normalizeVectors, squaredDistance } from './vectors.js';

export interface ClusterInput {
  vectors: readonly Float32Array[];
  /** Seed for sampling and k-means++ initialisation; the same seed gives the same topics. */
  seed?: number;
  /** A fixed number of topics, or 'auto' (default) to choose it by silhouette and stability. */
  k?: number | 'auto';
  minK?: number;
  maxK?: number;
  /**
   * A first partition of (a sample of) the papers k-means is fitted on (their indices into `vectors`), for
   * the chosen k: Lloyd starts from its centroids instead of k-means++ seeds. Ignored when it has
   * fewer than k topics.
   */
  start?: (fitted: readonly number[], k: number) => readonly number[];
  /** Runs 'auto''s k-means runs on its sample: here by default; `shareChoiceRuns` splits them with a worker lane. */
  runChoices?: ChoiceRunner;
}

/** The papers 'auto' compares values of k on (unit vectors) and their cosine distance matrix, row after row. */
export interface ChoiceSample {
  points: Float32Array[];
  distances: Float32Array;
}

/** One k-means run of 'auto': k, and the offset of its k-means++ seed from the clustering's seed. */
export interface ChoiceRun {
  k: number;
  run: number;
}

/** What a run of 'auto' gives: each sampled paper's cluster and the clusters' mean silhouette. */
export interface ChoiceOutcome {
  clusters: number[];
  silhouette: number;
}

/**
 * The outcomes of `runs` on `sample` in their order, each `measureChoiceRun(sample, run, seed)`: they
 * do not depend on one another, so another thread may run some of them.
 */
export type ChoiceRunner = (sample: ChoiceSample, runs: readonly ChoiceRun[], seed: number) => ChoiceOutcome[];

export interface Clustering {
  k: number;
  /** Topic id of each vector; id 0 is the largest topic. */
  assignments: number[];
  /** Mean of each topic's unit vectors, indexed by topic id. */
  centroids: number[][];
  /** Mean cosine silhouette of the result (on a seeded sample of at most 2,000 papers). */
  silhouette: number;
}

/**
 * K-means and its first partition (`start`, NMF, whose cost grows with the papers it factorises)
 * run on at most this many papers; the rest are assigned to the nearest centroid. With at most 12
 * topics that leaves a hundred or more papers per centroid, so the centres barely move with more.
 */
const FIT_SAMPLE_SIZE = TOPIC_SAMPLE_SIZE;
/** Silhouettes are quadratic, so they are measured on at most this many papers (the same sample). */
const SILHOUETTE_SAMPLE_SIZE = TOPIC_SAMPLE_SIZE;
/**
 * 'auto' compares values of k on at most this many of the silhouette sample's papers: thirty k-means
 * runs and their silhouettes, most of the clustering's cost. On arXiv-2007 and SciFact 700 choose
 * k = 8 and 11 (1,000: 8 and 10; 500: 9 and 8) in two thirds of the time of 1,000.
 */
export const CHOICE_SAMPLE_SIZE = 700;
const STABILITY_RUNS = 3;
/**
 * The final fit keeps the best (lowest inertia) of a few seeded k-means++ starts: more on small
 * corpora, where one start's local optimum matters and a start is cheap.
 */
const FIT_RESTARTS = { small: 5, large: 3 } as const;
/** Lloyd stops once no centre moves more than this squared distance (centres of unit vectors). */
const CONVERGENCE_TOLERANCE = 1e-5;
const MAX_ITERATIONS = 50;
/** Values of k whose silhouette is this close to the best one compete on stability instead. */
const SILHOUETTE_TOLERANCE = 0.01;
const STABILITY_TIE = 0.01;
const MAX_AUTO_K = 12;
/**
 * From this many papers 'auto' chooses at least `BROWSABLE_MIN_K` topics, unless fewer topics
 * have a silhouette higher by more than `BROWSABLE_TOLERANCE` (well-separated groups).
 */
const BROWSABLE_CORPUS = 1_000;
const BROWSABLE_MIN_K = 8;
const BROWSABLE_TOLERANCE = 0.05;

/**
 * Groups paper vectors into topics with k-means (k-means++ initialisation, fixed seed) on unit
 * vectors, so distances are cosine distances. With `k: 'auto'` the number of topics is the one
 * with the best mean silhouette, preferring among near-best values the most stable across seeds,
 * then the smallest. Topic ids are ordered by size (largest first), then by first member.
 *
 * @example clusterPapers({ vectors, k: 'auto' }) // → { k: 6, assignments: [2, 0, …], … }
 */
export function clusterPapers(input: ClusterInput): Clustering {
  const seed = input.seed ?? DEFAULT_CLUSTER_SEED;
  if (!Number.isInteger(seed)) throw invalidParameter('seed', `seed must be an integer, got ${seed}`);
  const unit = normalizeVectors(input.vectors, 'vectors');
  const n = unit.length;
  if (n === 0) return { k: 0, assignments: [], centroids: [], silhouette: 0 };

  const silhouetteIndices = sampleIndices(n, SILHOUETTE_SAMPLE_SIZE, seed);
  const silhouetteSample = silhouetteIndices.map((index) => unit[index] as Float32Array);
  const distances = cosineDistanceMatrix(silhouetteSample);

  const requested = input.k ?? 'auto';
  const k =
    requested === 'auto'
      ? chooseK(choiceSample(silhouetteSample, distances, seed), seed, kRange(n, input), input.runChoices ?? runChoicesHere)
      : checkK(requested, n);

  const fitted = sampleIndices(n, FIT_SAMPLE_SIZE, seed);
  const fitSample = fitted.map((index) => unit[index] as Float32Array);
  const fitK = Math.min(k, countDistinct(fitSample));
  const started = input.start ? startCentroids(fitSample, input.start(fitted, fitK), fitK) : undefined;
  const { centroids } = started ? lloydFrom(fitSample, started) : bestOfRestarts(fitSample, fitK, seed);
  const ordered = orderTopics(
    unit.map((vector) => nearestCentroid(vector, centroids)),
    centroids,
  );
  const silhouette = silhouetteFromDistances(
    distances,
    silhouetteIndices.map((index) => ordered.assignments[index] as number),
  );
  return { k: ordered.centroids.length, ...ordered, silhouette };
}

/** For each topic, the indices of its `count` papers nearest to the centroid, nearest first. */
export function representatives(
  vectors: readonly ArrayLike<number>[],
  assignments: readonly number[],
  centroids: readonly ArrayLike<number>[],
  count = 3,
): number[][] {
  if (vectors.length !== assignments.length) {
    throw new PaperscopeError('INVALID_INPUT', `${vectors.length} vectors but ${assignments.length} assignments`, {
      field: 'assignments',
    });
  }
  const unit = normalizeVectors(vectors, 'vectors');
  const members: Array<Array<{ index: number; distance: number }>> = centroids.map(() => []);
  assignments.forEach((topic, index) => {
    const list = members[topic];
    if (!list) {
      throw new PaperscopeError('INVALID_INPUT', `assignments[${index}] is ${topic}, not a topic id below ${centroids.length}`, {
        field: 'assignments',
        index,
      });
    }
    list.push({ index, distance: squaredDistance(unit[index] as Float32Array, centroids[topic] as ArrayLike<number>) });
  });
  return members.map((list) =>
    list
      .sort((a, b) => a.distance - b.distance || a.index - b.index)
      .slice(0, count)
      .map((member) => member.index),
  );
}

interface KRange {
  low: number;
  high: number;
  /** Prefer at least this many topics unless fewer fit the data clearly better. */
  browsable?: number;
}

/**
 * The k values tried by 'auto'. Below 3 topics a map is not worth exploring, and silhouettes in
 * high dimensions tend to favour a coarse split, so corpora of 30+ papers start at 3; corpora of
 * 1,000+ prefer 8 or more: a person browses a thousand papers through topics of at most a few
 * hundred. The top grows with √n and stops at 12, which is about as many topics as a legend can show.
 */
function kRange(n: number, input: ClusterInput): KRange {
  const minK = input.minK ?? (n >= 30 ? 3 : 2);
  const maxK = input.maxK ?? Math.max(minK, Math.min(MAX_AUTO_K, Math.floor(Math.sqrt(n / 2)) + 4));
  if (!Number.isInteger(minK) || minK < 1) throw invalidParameter('minK', `minK must be a positive integer, got ${minK}`);
  if (!Number.isInteger(maxK) || maxK < minK) {
    throw invalidParameter('maxK', `maxK must be an integer at least minK (${minK}), got ${maxK}`);
  }
  // A silhouette needs at least two topics and one topic with two papers.
  const high = Math.min(maxK, n - 1);
  const browsable = input.minK === undefined && n >= BROWSABLE_CORPUS ? BROWSABLE_MIN_K : undefined;
  return { low: Math.max(2, Math.min(minK, high)), high, browsable };
}

/** A seeded subset of the silhouette sample with its part of the distance matrix. */
function choiceSample(sample: Float32Array[], distances: Float32Array, seed: number): ChoiceSample {
  if (sample.length <= CHOICE_SAMPLE_SIZE) return { points: sample, distances };
  const chosen = sampleIndices(sample.length, CHOICE_SAMPLE_SIZE, seed);
  const size = chosen.length;
  const subset = new Float32Array(size * size);
  chosen.forEach((row, i) => {
    chosen.forEach((column, j) => {
      subset[i * size + j] = distances[row * sample.length + column] as number;
    });
  });
  return { points: chosen.map((index) => sample[index] as Float32Array), distances: subset };
}

function chooseK(sample: ChoiceSample, seed: number, range: KRange, runChoices: ChoiceRunner): number {
  const distinct = countDistinct(sample.points);
  const high = Math.min(range.high, distinct - 1);
  if (high < 2) return Math.max(1, Math.min(distinct, range.high));
  const ks = Array.from({ length: high - Math.min(range.low, high) + 1 }, (_, index) => Math.min(range.low, high) + index);
  const outcomes = runChoices(
    sample,
    ks.flatMap((k) => Array.from({ length: STABILITY_RUNS }, (_, run) => ({ k, run }))),
    seed,
  );
  const scores = ks.map((k, index) => {
    const runs = outcomes.slice(index * STABILITY_RUNS, (index + 1) * STABILITY_RUNS);
    const agreements: number[] = [];
    for (let i = 0; i < runs.length; i++) {
      for (let j = i + 1; j < runs.length; j++)
        agreements.push(adjustedRandIndex((runs[i] as ChoiceOutcome).clusters, (runs[j] as ChoiceOutcome).clusters));
    }
    return { k, silhouette: mean(runs.map((outcome) => outcome.silhouette)), stability: mean(agreements) };
  });
  const overall = Math.max(...scores.map((score) => score.silhouette));
  const browsable = scores.filter((score) => score.k >= (range.browsable ?? Number.POSITIVE_INFINITY));
  const browsableBest = Math.max(...browsable.map((score) => score.silhouette));
  const candidates = browsableBest >= overall - BROWSABLE_TOLERANCE ? browsable : scores;
  const best = Math.max(...candidates.map((score) => score.silhouette));
  const nearBest = candidates.filter((score) => score.silhouette >= best - SILHOUETTE_TOLERANCE);
  const mostStable = Math.max(...nearBest.map((score) => score.stability));
  // Scores are in ascending k, so the first stable one is the smallest.
  const chosen = nearBest.find((score) => score.stability >= mostStable - STABILITY_TIE);
  return chosen?.k ?? range.low;
}

/** Every run of 'auto' on this thread, one after another. */
function runChoicesHere(sample: ChoiceSample, runs: readonly ChoiceRun[], seed: number): ChoiceOutcome[] {
  const prepared = prepareChoiceRuns(sample);
  return runs.map((run) => measureChoiceRun(prepared, run, seed));
}

/** A choice sample with what every run on it reuses: its points as ml-kmeans' arrays, and the seeding's distances. */
export interface PreparedChoiceSample extends ChoiceSample {
  arrays: number[][];
  seedDistances: SeedDistances;
}

/** Converts and measures once for the thirty-odd runs of 'auto' on one sample, not once per run (per thread). */
export function prepareChoiceRuns(sample: ChoiceSample): PreparedChoiceSample {
  return { ...sample, arrays: toArrays(sample.points), seedDistances: new SeedDistances(sample.points) };
}

/** One run of 'auto': k-means at `run.k` seeded by `seed + run.run`, and its silhouette on the sample. */
export function measureChoiceRun(sample: PreparedChoiceSample, { k, run }: ChoiceRun, seed: number): ChoiceOutcome {
  const { clusters } = runKmeans(sample.points, k, seed + run, sample.arrays, sample.seedDistances);
  return { clusters, silhouette: silhouetteFromDistances(sample.distances, clusters) };
}

/**
 * Lloyd iterations by ml-kmeans from k-means++ seeds chosen here: ml-kmeans' own k-means++ copies
 * matrix rows for every candidate and takes 11 s on 10,000 × 384 vectors, this takes 0.2 s.
 */
function runKmeans(
  points: readonly Float32Array[],
  k: number,
  seed: number,
  arrays: number[][] = toArrays(points),
  distances = new SeedDistances(points),
): { clusters: number[]; centroids: number[][] } {
  const initialization = kmeansPlusPlus(points, k, seed, distances).map((point) => Array.from(point));
  const result = kmeans(arrays, k, { initialization, maxIterations: MAX_ITERATIONS, tolerance: CONVERGENCE_TOLERANCE });
  return { clusters: result.clusters, centroids: result.centroids };
}

/** Mean of each start topic's vectors; undefined when the start leaves a topic empty. */
function startCentroids(points: readonly Float32Array[], start: readonly number[], k: number): number[][] | undefined {
  if (start.length !== points.length)
    throw new PaperscopeError('INVALID_INPUT', `start has ${start.length} topics for ${points.length} papers`, { field: 'start' });
  const dimension = points[0]?.length ?? 0;
  const sums = Array.from({ length: k }, () => new Array<number>(dimension).fill(0));
  const sizes = new Array<number>(k).fill(0);
  start.forEach((topic, index) => {
    const sum = sums[topic];
    if (!sum) return;
    sizes[topic] = (sizes[topic] as number) + 1;
    (points[index] as Float32Array).forEach((value, d) => {
      sum[d] = (sum[d] as number) + value;
    });
  });
  if (sizes.some((size) => size === 0)) return undefined;
  return sums.map((sum, topic) => sum.map((value) => value / (sizes[topic] as number)));
}

function lloydFrom(points: readonly Float32Array[], initialization: number[][]): { clusters: number[]; centroids: number[][] } {
  const result = kmeans(toArrays(points), initialization.length, {
    initialization,
    maxIterations: MAX_ITERATIONS,
    tolerance: CONVERGENCE_TOLERANCE,
  });
  return { clusters: result.clusters, centroids: result.centroids };
}

/** Lloyd's algorithm converges to a local optimum that depends on the seeds: keep the tightest of a few. */
function bestOfRestarts(points: readonly Float32Array[], k: number, seed: number): { clusters: number[]; centroids: number[][] } {
  let best: { result: { clusters: number[]; centroids: number[][] }; inertia: number } | undefined;
  const restarts = points.length > SILHOUETTE_SAMPLE_SIZE ? FIT_RESTARTS.large : FIT_RESTARTS.small;
  const arrays = toArrays(points);
  const seedDistances = new SeedDistances(points);
  for (let restart = 0; restart < restarts; restart++) {
    const result = runKmeans(points, k, seed + restart, arrays, seedDistances);
    const inertia = points.reduce(
      (sum, point, index) => sum + squaredDistance(point, result.centroids[result.clusters[index] as number] as number[]),
      0,
    );
    if (!best || inertia < best.inertia - 1e-9) best = { result, inertia };
  }
  return (best as { result: { clusters: number[]; centroids: number[][] } }).result;
}

/**
 * Squared distances from each point to the others, a row per point computed on its first use and
 * kept: k-means++ measures every point against each candidate seed, and the thirty-odd runs of
 * 'auto' on one sample draw the same candidates again and again (at most n rows of n: 4 MB at 700).
 */
export class SeedDistances {
  readonly #points: readonly Float32Array[];
  readonly #rows = new Map<number, Float64Array>();

  constructor(points: readonly Float32Array[]) {
    this.#points = points;
  }

  /** `squaredDistance32(points[i], points[index])` for every i; the caller must not change it. */
  row(index: number): Float64Array {
    let row = this.#rows.get(index);
    if (row === undefined) {
      const points = this.#points;
      const candidate = points[index] as Float32Array;
      row = new Float64Array(points.length);
      for (let i = 0; i < points.length; i++) row[i] = squaredDistance32(points[i] as Float32Array, candidate);
      this.#rows.set(index, row);
    }
    return row;
  }
}

/**
 * Greedy k-means++ seeding (Arthur & Vassilvitskii 2007, with scikit-learn's 2 + ln k local
 * trials): each next seed is the best of a few candidates drawn in proportion to squared distance.
 */
function kmeansPlusPlus(points: readonly Float32Array[], k: number, seed: number, distances = new SeedDistances(points)): Float32Array[] {
  const random = createRandom(seed);
  const n = points.length;
  const trials = 2 + Math.floor(Math.log(k));
  const first = Math.floor(random() * n);
  const seeds = [points[first] as Float32Array];
  let closest = distances.row(first);
  while (seeds.length < k) {
    const potential = sum(closest);
    let best: { index: number; distances: Float64Array; potential: number } | undefined;
    for (let trial = 0; trial < trials; trial++) {
      const index = drawProportional(closest, potential * random());
      const toCandidate = distances.row(index);
      const nearer = new Float64Array(n);
      for (let i = 0; i < n; i++) nearer[i] = Math.min(closest[i] as number, toCandidate[i] as number);
      const total = sum(nearer);
      if (!best || total < best.potential) best = { index, distances: nearer, potential: total };
    }
    if (!best) break;
    seeds.push(points[best.index] as Float32Array);
    closest = best.distances;
  }
  return seeds;
}

/** The values added in order (as `reduce` would, without a call per value). */
function sum(values: Float64Array): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) total += values[i] as number;
  return total;
}

/** The index where the running sum of `weights` passes `target`. */
function drawProportional(weights: Float64Array, target: number): number {
  let sum = 0;
  for (let i = 0; i < weights.length; i++) {
    sum += weights[i] as number;
    if (sum > target) return i;
  }
  // Rounding can leave the target just above the total: take the last point with weight.
  for (let i = weights.length - 1; i >= 0; i--) if ((weights[i] as number) > 0) return i;
  return weights.length - 1;
}

/** Renumbers topics by size (largest first), then by first member, and drops empty ones. */
function orderTopics(raw: number[], centroids: number[][]): { assignments: number[]; centroids: number[][] } {
  const sizes = new Array<number>(centroids.length).fill(0);
  const firstMember = new Array<number>(centroids.length).fill(Number.POSITIVE_INFINITY);
  raw.forEach((topic, index) => {
    sizes[topic] = (sizes[topic] as number) + 1;
    firstMember[topic] = Math.min(firstMember[topic] as number, index);
  });
  const order = centroids
    .map((_, topic) => topic)
    .filter((topic) => (sizes[topic] as number) > 0)
    .sort((a, b) => (sizes[b] as number) - (sizes[a] as number) || (firstMember[a] as number) - (firstMember[b] as number));
  const newId = new Map(order.map((topic, id) => [topic, id]));
  return {
    assignments: raw.map((topic) => newId.get(topic) as number),
    centroids: order.map((topic) => centroids[topic] as number[]),
  };
}

function checkK(k: number, n: number): number {
  if (!Number.isInteger(k) || k < 1 || k > n) {
    throw invalidParameter('k', `k must be 'auto' or an integer from 1 to the number of papers (${n}), got ${k}`);
  }
  return k;
}

/** k-means++ cannot seed more centres than there are distinct points. */
function countDistinct(points: readonly Float32Array[]): number {
  return new Set(points.map((point) => Buffer.from(point.buffer, point.byteOffset, point.byteLength).toString('base64'))).size;
}

/** `squaredDistance` of two Float32Arrays: a call site that only ever sees them stays fast (the shared one also takes arrays of numbers). */
function squaredDistance32(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const difference = (a[i] as number) - (b[i] as number);
    sum += difference * difference;
  }
  return sum;
}

function toArrays(points: readonly Float32Array[]): number[][] {
  return points.map((point) => Array.from(point));
}

function mean(values: number[]): number {
  return values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length;
}

function invalidParameter(field: string, message: string): PaperscopeError {
  return new PaperscopeError('INVALID_PARAMETER', message, { field });
}
