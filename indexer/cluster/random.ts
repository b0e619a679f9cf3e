import { createRandom } from '../../core/random.js';

export { createRandom };

/** The seed of every seeded step (k-means, the label sample, the map) when none is given. */
export const DEFAULT_CLUSTER_SEED = 42;

/** `size` distinct indices below `n`, chosen by seed and returned in ascending order. */
export function sampleIndices(n: number, size: number, seed: number): number[] {
  const all = Array.from({ length: n }, (_, index) => index);
  if (size >= n) return all;
  const random = createRandom(seed);
  // Partial Fisher–Yates: only the first `size` slots are shuffled.
  for (let i = 0; i < size; i++) {
    const j = i + Math.floor(random() * (n - i));
    const swap = all[i] as number;
    all[i] = all[j] as number;
    all[j] = swap;
  }
  return all.slice(0, size).sort((a, b) => a - b);
}
