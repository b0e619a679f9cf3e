import { PaperscopeError } from '../../core/errors.js';
import { multiply, rightSingularVectors, type TermMatrix } from './text-view.js';

export interface NmfOptions {
  seed: number;
  maxIterations?: number;
  /** Stop once an iteration lowers the reconstruction error by less than this share. */
  tolerance?: number;
}

export interface Factorization {
  /** n rows of k non-negative weights: how much of each topic a paper holds. */
  weights: Float64Array[];
  /** k rows over the vocabulary: each topic's words. */
  components: Float64Array[];
  iterations: number;
}

const MAX_ITERATIONS = 200;
const TOLERANCE = 1e-4;
/** HALS passes of a fold-in: with H fixed each pass is a coordinate sweep of a convex problem. */
const FOLD_IN_ITERATIONS = 10;
/** Keeps a weight that HALS would set to exactly 0 able to grow again (scikit-learn's floor). */
const FLOOR = 1e-16;

/**
 * Non-negative matrix factorisation X ≈ W·H of a sparse TF-IDF matrix (Frobenius loss), by
 * hierarchical alternating least squares (Cichocki & Phan 2009; scikit-learn's coordinate descent
 * does the same column updates), from an NNDSVDa start (Boutsidis & Gallopoulos 2008) on a seeded
 * randomized SVD, so the same matrix, k and seed give the same factors. No maintained npm library
 * offers NMF; each iteration costs O(nnz·k + (n + vocabulary)·k²).
 *
 * @example nmf(tfIdfMatrix(counted), 8, { seed: 42 }).weights[0] // → Float64Array(8) [0, 0.31, …]
 */
export function nmf(matrix: TermMatrix, k: number, options: NmfOptions): Factorization {
  const n = matrix.rows.length;
  const m = matrix.vocabularySize;
  if (!Number.isInteger(k) || k < 1)
    throw new PaperscopeError('INVALID_PARAMETER', `k must be a positive integer, got ${k}`, { field: 'k' });
  const maxIterations = options.maxIterations ?? MAX_ITERATIONS;
  const tolerance = options.tolerance ?? TOLERANCE;
  const { weights, byColumn } = nndsvda(matrix, k, options.seed);
  let iteration = 0;
  if (n > 0 && m > 0) {
    let squaredNorm = 0;
    for (const row of matrix.rows) for (const value of row.weights) squaredNorm += value * value;
    const cross = new Float64Array(m * k);
    let previousError = Number.POSITIVE_INFINITY;
    while (iteration < maxIterations) {
      iteration++;
      updateComponents(matrix, weights, byColumn, cross);
      const error = updateWeights(matrix, weights, byColumn, squaredNorm);
      if (previousError - error < tolerance * Math.max(previousError, Number.MIN_VALUE) && iteration > 1) break;
      previousError = error;
    }
  }
  return { weights: rowsOf(weights, n, k), components: componentRows(byColumn, k), iterations: iteration };
}

/**
 * Topic weights of papers the factorisation was not fitted on: W for fixed components H, by the
 * same HALS updates from zero (a non-negative least-squares fit per row).
 *
 * @example foldIn(tfIdfMatrix(counted), fitted.components)[0] // → Float64Array(8) [0, 0.27, …]
 */
export function foldIn(matrix: TermMatrix, components: readonly Float64Array[], iterations = FOLD_IN_ITERATIONS): Float64Array[] {
  const k = components.length;
  const byColumn = columnMajor(components);
  const gram = componentGram(byColumn, k);
  const cross = new Float64Array(k);
  // H is fixed, so a row's XHᵀ is too: found once, then its passes (rows do not interact).
  return matrix.rows.map(({ columns, weights: values }) => {
    const w = new Float64Array(k);
    crossRow(columns, values, byColumn, cross);
    for (let iteration = 0; iteration < iterations; iteration++) sweepRow(w, 0, cross, gram);
    return w;
  });
}

/** Each paper's strongest topic (lowest index on ties; a paper with no weight goes to topic 0). */
export function dominantTopics(weights: readonly Float64Array[]): number[] {
  return weights.map((row) => {
    let best = 0;
    for (let j = 1; j < row.length; j++) if ((row[j] as number) > (row[best] as number)) best = j;
    return best;
  });
}

/**
 * H, Gauss–Seidel column by column: Hⱼ ← max(0, Hⱼ + ((WᵀX)ⱼ − (WᵀW)ⱼ·H) / (WᵀW)ⱼⱼ). A column's updates
 * read only that column, so this is the same sequence of values as topic by topic. W is n rows of k
 * and H column-major (`byColumn`), both flat: a row's entries and a column's update read k adjacent
 * values, in place. `cross` (m·k) is reused from pass to pass.
 */
function updateComponents(matrix: TermMatrix, weights: Float64Array, byColumn: Float64Array, cross: Float64Array): void {
  const k = byColumn.length / matrix.vocabularySize;
  const m = matrix.vocabularySize;
  // WᵀX, column-major.
  cross.fill(0);
  const { rows } = matrix;
  for (let i = 0; i < rows.length; i++) {
    const { columns, weights: values } = rows[i] as TermMatrix['rows'][number];
    const row = i * k;
    for (let e = 0; e < columns.length; e++) {
      const at = (columns[e] as number) * k;
      const value = values[e] as number;
      for (let j = 0; j < k; j++) cross[at + j] = (cross[at + j] as number) + (weights[row + j] as number) * value;
    }
  }
  const gram = gramOf(weights, rows.length, k);
  for (let column = 0; column < m; column++) {
    const at = column * k;
    for (let j = 0; j < k; j++) {
      const diagonal = gram[j * k + j] as number;
      if (diagonal <= 0) continue;
      let product = 0;
      for (let l = 0; l < k; l++) product += (gram[j * k + l] as number) * (byColumn[at + l] as number);
      byColumn[at + j] = Math.max(FLOOR, (byColumn[at + j] as number) + ((cross[at + j] as number) - product) / diagonal);
    }
  }
}

/** W rows, likewise with XHᵀ and HHᵀ; returns ‖X − WH‖² after the update. */
function updateWeights(matrix: TermMatrix, weights: Float64Array, byColumn: Float64Array, squaredNorm: number): number {
  const k = byColumn.length / matrix.vocabularySize;
  const gram = componentGram(byColumn, k);
  let error = squaredNorm;
  const cross = new Float64Array(k);
  const { rows } = matrix;
  for (let i = 0; i < rows.length; i++) {
    const { columns, weights: values } = rows[i] as TermMatrix['rows'][number];
    crossRow(columns, values, byColumn, cross);
    const row = i * k;
    sweepRow(weights, row, cross, gram);
    // ‖x − wH‖² = ‖x‖² − 2 w·(xHᵀ) + w·(HHᵀ)·w
    for (let j = 0; j < k; j++) {
      let quadratic = 0;
      for (let l = 0; l < k; l++) quadratic += (weights[row + l] as number) * (gram[j * k + l] as number);
      error += (weights[row + j] as number) * (quadratic - 2 * (cross[j] as number));
    }
  }
  return error;
}

/**
 * HHᵀ (k × k, row-major) of column-major H: each entry summed over the vocabulary in order, as a
 * dot product of two topic rows would, once per pair and mirrored (the same products in the same order).
 */
function componentGram(byColumn: Float64Array, k: number): Float64Array {
  const gram = new Float64Array(k * k);
  for (let a = 0; a < k; a++) {
    for (let b = a; b < k; b++) {
      let sum = 0;
      for (let at = 0; at < byColumn.length; at += k) sum += (byColumn[at + a] as number) * (byColumn[at + b] as number);
      gram[a * k + b] = sum;
      gram[b * k + a] = sum;
    }
  }
  return gram;
}

/** k topic rows over the vocabulary as one column-major array (see `updateComponents`). */
function columnMajor(components: readonly Float64Array[]): Float64Array {
  const k = components.length;
  const byColumn = new Float64Array((components[0]?.length ?? 0) * k);
  components.forEach((component, j) => {
    for (let column = 0; column < component.length; column++) byColumn[column * k + j] = component[column] as number;
  });
  return byColumn;
}

/** The topic rows of column-major H: what `Factorization.components` holds. */
function componentRows(byColumn: Float64Array, k: number): Float64Array[] {
  const m = k === 0 ? 0 : byColumn.length / k;
  return Array.from({ length: k }, (_, j) => {
    const row = new Float64Array(m);
    for (let column = 0; column < m; column++) row[column] = byColumn[column * k + j] as number;
    return row;
  });
}

function rowsOf(flat: Float64Array, count: number, width: number): Float64Array[] {
  return Array.from({ length: count }, (_, r) => flat.subarray(r * width, (r + 1) * width));
}

/** `cross` ← the row's xHᵀ. */
function crossRow(columns: Int32Array, values: Float32Array, byColumn: Float64Array, cross: Float64Array): void {
  const k = cross.length;
  cross.fill(0);
  for (let e = 0; e < columns.length; e++) {
    const at = (columns[e] as number) * k;
    const value = values[e] as number;
    for (let j = 0; j < k; j++) cross[j] = (cross[j] as number) + value * (byColumn[at + j] as number);
  }
}

/** One HALS sweep of the row of k weights at `w[row…]`: wⱼ ← max(0, wⱼ + ((xHᵀ)ⱼ − w·(HHᵀ)ⱼ) / (HHᵀ)ⱼⱼ). */
function sweepRow(w: Float64Array, row: number, cross: Float64Array, gram: Float64Array): void {
  const k = cross.length;
  for (let j = 0; j < k; j++) {
    const diagonal = gram[j * k + j] as number;
    if (diagonal <= 0) continue;
    let product = 0;
    for (let l = 0; l < k; l++) product += (w[row + l] as number) * (gram[l * k + j] as number);
    w[row + j] = Math.max(FLOOR, (w[row + j] as number) + ((cross[j] as number) - product) / diagonal);
  }
}

/** WᵀW of W's n flat rows of k (row-major k × k). */
function gramOf(weights: Float64Array, n: number, k: number): Float64Array {
  const gram = new Float64Array(k * k);
  for (let i = 0; i < n; i++) {
    const row = i * k;
    for (let a = 0; a < k; a++) {
      const value = weights[row + a] as number;
      if (value === 0) continue;
      for (let b = 0; b < k; b++) gram[a * k + b] = (gram[a * k + b] as number) + value * (weights[row + b] as number);
    }
  }
  return gram;
}

/**
 * NNDSVDa: each singular pair (u, σ, v) split into its positive and negative parts, the larger
 * kept and scaled by √σ; zeros are filled with the matrix' mean so no factor starts dead.
 */
function nndsvda(matrix: TermMatrix, k: number, seed: number): { weights: Float64Array; byColumn: Float64Array } {
  const n = matrix.rows.length;
  const m = matrix.vocabularySize;
  const { directions, values } = rightSingularVectors(matrix, k, seed);
  // u = A·v / σ, as n rows of k.
  const projected = multiply(matrix, directions);
  // W as n flat rows of k, H column-major (see `updateComponents`).
  const weights = new Float64Array(n * k);
  const byColumn = new Float64Array(m * k);
  for (let j = 0; j < k; j++) {
    const sigma = values[j] as number;
    if (sigma <= 0) continue;
    const u = Float64Array.from(projected, (row) => (row[j] as number) / sigma);
    const v = Float64Array.from(directions, (row) => row[j] as number);
    const parts = (vector: Float64Array, sign: 1 | -1) => {
      const part = vector.map((value) => Math.max(0, sign * value));
      let squares = 0;
      for (const value of part) squares += value * value;
      return { part, norm: Math.sqrt(squares) };
    };
    const [uPlus, uMinus, vPlus, vMinus] = [parts(u, 1), parts(u, -1), parts(v, 1), parts(v, -1)];
    const positive = uPlus.norm * vPlus.norm >= uMinus.norm * vMinus.norm;
    const [left, right] = positive ? [uPlus, vPlus] : [uMinus, vMinus];
    const scale = Math.sqrt(sigma * left.norm * right.norm);
    if (scale === 0) continue;
    left.part.forEach((value, i) => {
      weights[i * k + j] = (scale * value) / left.norm;
    });
    right.part.forEach((value, column) => {
      byColumn[column * k + j] = (scale * value) / right.norm;
    });
  }
  let sum = 0;
  for (const row of matrix.rows) for (const value of row.weights) sum += value;
  const mean = n * m === 0 ? 0 : sum / (n * m);
  for (const factor of [weights, byColumn]) {
    for (let at = 0; at < factor.length; at++) if (factor[at] === 0) factor[at] = mean;
  }
  return { weights, byColumn };
}
