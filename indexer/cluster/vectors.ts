import { PaperscopeError } from '../../core/errors.js';

/**
 * Unit-length copies of the vectors, so that squared Euclidean distance is 2 − 2·cosine and
 * plain k-means works in cosine geometry. Zero vectors stay zero. `field` names the input in errors.
 */
export function normalizeVectors(vectors: readonly ArrayLike<number>[], field: string): Float32Array[] {
  checkDimensions(vectors, field);
  return vectors.map((vector, index) => normalizeVector(vector, `${field}[${index}]`));
}

/** Throws unless every vector has the dimension of the first; returns it. */
export function checkDimensions(vectors: readonly ArrayLike<number>[], field: string): number {
  const dimension = vectors[0]?.length ?? 0;
  vectors.forEach((vector, index) => {
    if (vector.length !== dimension) {
      throw new PaperscopeError(
        'INVALID_INPUT',
        `${field}[${index}] has ${vector.length} dimensions, expected ${dimension} like ${field}[0]`,
        { field, index },
      );
    }
  });
  return dimension;
}

/** The vector at unit length, written into `unit` when given (a reused array); zero stays zero. */
export function normalizeVector(vector: ArrayLike<number>, field: string, unit = new Float32Array(vector.length)): Float32Array {
  let norm = 0;
  for (let i = 0; i < vector.length; i++) {
    const value = vector[i] as number;
    if (!Number.isFinite(value)) {
      throw new PaperscopeError('INVALID_INPUT', `${field} has a non-finite value at dimension ${i}`, { field, dimension: i });
    }
    norm += value * value;
  }
  if (norm === 0) return unit.fill(0);
  const scale = 1 / Math.sqrt(norm);
  for (let i = 0; i < vector.length; i++) unit[i] = (vector[i] as number) * scale;
  return unit;
}

export function squaredDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const difference = (a[i] as number) - (b[i] as number);
    sum += difference * difference;
  }
  return sum;
}

/** Index of the centroid nearest to `vector` (squared Euclidean); the lowest index wins ties. */
export function nearestCentroid(vector: ArrayLike<number>, centroids: readonly ArrayLike<number>[]): number {
  let best = 0;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (let c = 0; c < centroids.length; c++) {
    const distance = squaredDistance(vector, centroids[c] as ArrayLike<number>);
    if (distance < bestDistance) {
      bestDistance = distance;
      best = c;
    }
  }
  return best;
}
