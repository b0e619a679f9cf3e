import { gaussian, seededRandom } from './random.js';

export interface ClusteredVectors {
  dimension: number;
  /** Row-major unit vectors, `count × dimension`. */
  data: Float32Array;
  count: number;
  /** Row `i` as a view into `data`. */
  row(i: number): Float32Array;
}

/**
 * `count` unit vectors in `clusters` Gaussian clusters around random unit centres; `spread` is the
 * per-coordinate noise relative to a unit centre's coordinate scale. Pure and seeded. Queries drawn
 * with another seed but the same `centreSeed` come from the same clusters without being in the set.
 *
 * @example clusteredVectors({ count: 100_000, dimension: 384, clusters: 100, seed: 1 })
 */
export function clusteredVectors(options: {
  count: number;
  dimension: number;
  clusters: number;
  seed: number;
  centreSeed?: number;
  spread?: number;
}): ClusteredVectors {
  const { count, dimension, clusters } = options;
  const spread = options.spread ?? 1;
  const centreRandom = seededRandom(options.centreSeed ?? 1);
  const centres = Array.from({ length: clusters }, () => normalize(Float32Array.from({ length: dimension }, () => gaussian(centreRandom))));
  const random = seededRandom(options.seed);
  const data = new Float32Array(count * dimension);
  for (let i = 0; i < count; i++) {
    const centre = centres[Math.floor(random() * clusters)] as Float32Array;
    const row = data.subarray(i * dimension, (i + 1) * dimension);
    for (let d = 0; d < dimension; d++) row[d] = (centre[d] ?? 0) + (gaussian(random) * spread) / Math.sqrt(dimension);
    normalize(row);
  }
  return { dimension, data, count, row: (i) => data.subarray(i * dimension, (i + 1) * dimension) };
}

function normalize(vector: Float32Array): Float32Array {
  let norm = 0;
  for (const value of vector) norm += value * value;
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let d = 0; d < vector.length; d++) vector[d] = (vector[d] ?? 0) * scale;
  return vector;
}
