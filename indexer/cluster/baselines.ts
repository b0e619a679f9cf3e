import { dominantTopics, nmf } from './nmf.js';
import { createRandom } from './random.js';
import type { TermMatrix } from './text-view.js';

const RESTARTS = 3;
const MAX_ITERATIONS = 50;

/** The classic topic model: each paper's strongest NMF component of the TF-IDF matrix (`maxIterations`: HALS passes, 200 by default). */
export function nmfTopics(matrix: TermMatrix, k: number, seed: number, maxIterations?: number): number[] {
  return dominantTopics(nmf(matrix, k, { seed, maxIterations }).weights);
}

/**
 * Spherical k-means on sparse TF-IDF rows (k-means++ seeds, Lloyd, best of three seeded starts by
 * total cosine to the centres): the same clustering as k-means on the dense unit rows, at
 * O(nnz·k) per iteration instead of O(n·vocabulary·k), which made the report take 80 s at 2,000 papers.
 */
export function sparseKmeans(matrix: TermMatrix, k: number, seed: number): number[] {
  let best: { assignments: number[]; cohesion: number } | undefined;
  for (let restart = 0; restart < RESTARTS; restart++) {
    const run = lloyd(matrix, Math.min(k, matrix.rows.length), seed + restart);
    if (!best || run.cohesion > best.cohesion + 1e-9) best = run;
  }
  return best?.assignments ?? [];
}

function lloyd(matrix: TermMatrix, k: number, seed: number): { assignments: number[]; cohesion: number } {
  const { rows, vocabularySize } = matrix;
  const random = createRandom(seed);
  // k-means++ on cosine distance: each next seed drawn in proportion to 1 − its best similarity.
  const seeds = [Math.floor(random() * rows.length)];
  const closest = rows.map((row) => 1 - sparseCosine(row, rows[seeds[0] as number] as TermMatrix['rows'][number]));
  while (seeds.length < k) {
    const total = closest.reduce((sum, value) => sum + Math.max(0, value), 0);
    const target = random() * total;
    let running = 0;
    let chosen = closest.findIndex((value) => {
      running += Math.max(0, value);
      return running > target;
    });
    if (chosen < 0) chosen = closest.findIndex((value, index) => value > 0 && !seeds.includes(index));
    if (chosen < 0) break;
    seeds.push(chosen);
    rows.forEach((row, index) => {
      closest[index] = Math.min(closest[index] as number, 1 - sparseCosine(row, rows[chosen] as TermMatrix['rows'][number]));
    });
  }
  let centres = seeds.map((index) => densify(rows[index] as TermMatrix['rows'][number], vocabularySize));
  let assignments = new Array<number>(rows.length).fill(-1);
  let cohesion = 0;
  for (let iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
    cohesion = 0;
    let moved = 0;
    const next = rows.map((row, index) => {
      let bestTopic = 0;
      let bestSimilarity = Number.NEGATIVE_INFINITY;
      centres.forEach((centre, topic) => {
        const similarity = dotDense(row, centre);
        if (similarity > bestSimilarity) {
          bestSimilarity = similarity;
          bestTopic = topic;
        }
      });
      cohesion += bestSimilarity;
      if (bestTopic !== assignments[index]) moved++;
      return bestTopic;
    });
    assignments = next;
    if (moved === 0) break;
    centres = centres.map(() => new Float64Array(vocabularySize));
    rows.forEach(({ columns, weights }, index) => {
      const centre = centres[assignments[index] as number] as Float64Array;
      columns.forEach((column, entry) => {
        centre[column] = (centre[column] as number) + (weights[entry] as number);
      });
    });
    centres = centres.map((centre) => {
      let norm = 0;
      for (const value of centre) norm += value * value;
      norm = Math.sqrt(norm) || 1;
      return centre.map((value) => value / norm);
    });
  }
  return { assignments, cohesion };
}

function densify({ columns, weights }: TermMatrix['rows'][number], size: number): Float64Array {
  const dense = new Float64Array(size);
  columns.forEach((column, entry) => {
    dense[column] = weights[entry] as number;
  });
  return dense;
}

function dotDense({ columns, weights }: TermMatrix['rows'][number], dense: Float64Array): number {
  let sum = 0;
  for (let entry = 0; entry < columns.length; entry++) sum += (weights[entry] as number) * (dense[columns[entry] as number] as number);
  return sum;
}

/** Cosine of two unit-length sparse rows (ascending columns). */
export function sparseCosine(a: TermMatrix['rows'][number], b: TermMatrix['rows'][number]): number {
  let i = 0;
  let j = 0;
  let sum = 0;
  while (i < a.columns.length && j < b.columns.length) {
    const left = a.columns[i] as number;
    const right = b.columns[j] as number;
    if (left === right) sum += (a.weights[i++] as number) * (b.weights[j++] as number);
    else if (left < right) i++;
    else j++;
  }
  return sum;
}
