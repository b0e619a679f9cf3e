import { kmeans } from 'ml-kmeans';
import { describe, expect, it } from 'vitest';
import { lloyd } from '../../indexer/cluster/kmeans.js';
import { createRandom } from '../../indexer/cluster/random.js';
import { gaussianBlobs } from './helpers.js';

/** Unit vectors of overlapping blobs: the poorly separated topics of real abstracts, where many points sit near a boundary. */
function overlapping(count: number, dimension: number, seed: number): Float32Array[] {
  return gaussianBlobs(6, Math.ceil(count / 6), dimension, 1.5, seed)
    .vectors.slice(0, count)
    .map((vector) => {
      const norm = Math.hypot(...vector);
      return Float32Array.from(vector, (value) => value / norm);
    });
}

describe('lloyd', () => {
  it("gives ml-kmeans' assignments and centroids to the last bit, bounds or not", () => {
    for (const [count, dimension, k, seed] of [
      [300, 20, 5, 1],
      [500, 40, 9, 2],
      [200, 8, 2, 3],
      [120, 30, 12, 4],
    ] as const) {
      const points = overlapping(count, dimension, seed);
      const random = createRandom(seed);
      const initialization = Array.from({ length: k }, () => Array.from(points[Math.floor(random() * count)] as Float32Array));
      const flat = new Float32Array(count * dimension);
      points.forEach((point, index) => {
        flat.set(point, index * dimension);
      });
      const expected = kmeans(
        points.map((point) => Array.from(point)),
        k,
        { initialization: initialization.map((centre) => [...centre]), maxIterations: 50, tolerance: 1e-5 },
      );
      const result = lloyd(flat, dimension, initialization);
      expect(result.clusters).toEqual(expected.clusters);
      expect(result.centroids).toEqual(expected.centroids);
    }
  });

  it('keeps an empty cluster’s centre where it was', () => {
    const flat = Float32Array.from([1, 0, 0.9, 0.1, 0, 1]);
    const far = [100, 100];
    const result = lloyd(flat, 2, [[1, 0], [0, 1], far]);
    expect(result.clusters).toEqual([0, 0, 1]);
    expect(result.centroids[2]).toEqual(far);
  });
});
