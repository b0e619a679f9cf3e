import { PaperscopeError } from '../../core/errors.js';
import { nearestCentroid, normalizeVector } from './vectors.js';

// Apart from k-means and UMAP, which take a sixth of a second to load: a server assigns papers to
// topics at start-up but clusters only when asked for sub-topics or a report.

/** The topic whose centroid is nearest to a paper added after clustering. */
export function assignToNearest(vector: ArrayLike<number>, centroids: readonly ArrayLike<number>[]): number {
  if (centroids.length === 0) throw new PaperscopeError('INVALID_INPUT', 'No centroids to assign the vector to', { field: 'centroids' });
  const dimension = centroids[0]?.length ?? 0;
  if (vector.length !== dimension) {
    throw new PaperscopeError('INVALID_INPUT', `vector has ${vector.length} dimensions, the centroids have ${dimension}`, {
      field: 'vector',
    });
  }
  return nearestCentroid(normalizeVector(vector, 'vector'), centroids);
}
