import { PaperscopeError } from '../../core/errors.js';
import { normalizeVectors } from './vectors.js';

/** Pairwise cosine distances (1 − cosine) of unit vectors, as a dense row-major n×n matrix. */
export function cosineDistanceMatrix(unit: readonly Float32Array[]): Float32Array {
  const n = unit.length;
  const matrix = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    const a = unit[i] as Float32Array;
    for (let j = i + 1; j < n; j++) {
      const distance = 1 - dotFloat32(a, unit[j] as Float32Array);
      matrix[i * n + j] = distance;
      matrix[j * n + i] = distance;
    }
  }
  return matrix;
}

/** Typed to Float32Array so the n² loop above stays monomorphic: several times faster than over ArrayLike. */
function dotFloat32(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] as number) * (b[i] as number);
  return sum;
}

/** Mean silhouette over a precomputed distance matrix; 0 when fewer than two clusters are used. */
export function silhouetteFromDistances(distances: Float32Array, assignments: readonly number[]): number {
  const n = assignments.length;
  const { labels, count: k } = compactLabels(assignments);
  if (k < 2) return 0;
  const sizes = new Array<number>(k).fill(0);
  for (const label of labels) sizes[label] = (sizes[label] as number) + 1;
  const sums = new Float64Array(k);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const own = labels[i] as number;
    // A point alone in its cluster scores 0 by convention (Rousseeuw 1987).
    if ((sizes[own] as number) < 2) continue;
    sums.fill(0);
    const row = i * n;
    for (let j = 0; j < n; j++) {
      const label = labels[j] as number;
      sums[label] = (sums[label] as number) + (distances[row + j] as number);
    }
    const a = (sums[own] as number) / ((sizes[own] as number) - 1);
    let b = Number.POSITIVE_INFINITY;
    for (let c = 0; c < k; c++) {
      if (c !== own) b = Math.min(b, (sums[c] as number) / (sizes[c] as number));
    }
    const spread = Math.max(a, b);
    total += spread > 0 ? (b - a) / spread : 0;
  }
  return total / n;
}

/**
 * Mean silhouette coefficient with cosine distance, in [−1, 1]: how much closer each paper is to
 * its own topic than to the nearest other one. Quadratic in n; sample large corpora first.
 */
export function silhouetteScore(vectors: readonly ArrayLike<number>[], assignments: readonly number[]): number {
  checkSameLength(vectors.length, assignments.length, 'vectors', 'assignments');
  return silhouetteFromDistances(cosineDistanceMatrix(normalizeVectors(vectors, 'vectors')), assignments);
}

/** Adjusted Rand index of two partitions of the same items: 1 when identical, ≈0 when independent. */
export function adjustedRandIndex(a: readonly number[], b: readonly number[]): number {
  checkSameLength(a.length, b.length, 'a', 'b');
  const n = a.length;
  const { table, rowSums, columnSums } = contingency(a, b);
  const pairs = (count: number) => (count * (count - 1)) / 2;
  let index = 0;
  for (const count of table.values()) index += pairs(count);
  const rowPairs = rowSums.reduce((sum, count) => sum + pairs(count), 0);
  const columnPairs = columnSums.reduce((sum, count) => sum + pairs(count), 0);
  const expected = n < 2 ? 0 : (rowPairs * columnPairs) / pairs(n);
  const maximum = (rowPairs + columnPairs) / 2;
  // Both partitions trivial (one cluster, or all singletons): they agree perfectly.
  if (maximum === expected) return 1;
  return (index - expected) / (maximum - expected);
}

/**
 * Normalised mutual information (arithmetic-mean normalisation, as scikit-learn's default):
 * 1 when the partitions match up to renaming, ≈0 when independent.
 */
export function normalizedMutualInfo(a: readonly number[], b: readonly number[]): number {
  checkSameLength(a.length, b.length, 'a', 'b');
  const n = a.length;
  if (n === 0) return 1;
  const { table, rowSums, columnSums } = contingency(a, b);
  const entropy = (sums: number[]) => -sums.reduce((sum, count) => (count > 0 ? sum + (count / n) * Math.log(count / n) : sum), 0);
  const rowEntropy = entropy(rowSums);
  const columnEntropy = entropy(columnSums);
  if (rowEntropy === 0 && columnEntropy === 0) return 1;
  let mutual = 0;
  for (const [key, count] of table) {
    const [row, column] = key.split(',').map(Number) as [number, number];
    mutual += (count / n) * Math.log((count * n) / ((rowSums[row] as number) * (columnSums[column] as number)));
  }
  const normaliser = (rowEntropy + columnEntropy) / 2;
  return Math.max(0, Math.min(1, mutual / normaliser));
}

function contingency(a: readonly number[], b: readonly number[]) {
  const { labels: rows, count: rowCount } = compactLabels(a);
  const { labels: columns, count: columnCount } = compactLabels(b);
  const table = new Map<string, number>();
  const rowSums = new Array<number>(rowCount).fill(0);
  const columnSums = new Array<number>(columnCount).fill(0);
  rows.forEach((row, i) => {
    const column = columns[i] as number;
    const key = `${row},${column}`;
    table.set(key, (table.get(key) ?? 0) + 1);
    rowSums[row] = (rowSums[row] as number) + 1;
    columnSums[column] = (columnSums[column] as number) + 1;
  });
  return { table, rowSums, columnSums };
}

/** Renames arbitrary labels to 0..m−1 in order of first appearance. */
export function compactLabels(labels: readonly number[]): { labels: number[]; count: number } {
  const ids = new Map<number, number>();
  const compact = labels.map((label) => {
    let id = ids.get(label);
    if (id === undefined) {
      id = ids.size;
      ids.set(label, id);
    }
    return id;
  });
  return { labels: compact, count: ids.size };
}

function checkSameLength(left: number, right: number, leftName: string, rightName: string): void {
  if (left !== right) {
    throw new PaperscopeError('INVALID_INPUT', `${leftName} has ${left} items but ${rightName} has ${right}`, {
      [leftName]: left,
      [rightName]: right,
    });
  }
}
