import { createRandom } from '../../core/random.js';

export { createRandom };

/** The seed of every seeded step (k-means, the label sample, the map) when none is given. */
export const DEFAULT_CLUSTER_SEED = 42;

/**
 * Beyond this many papers, the topic view's LSA, the choice of k, k-means, its NMF start and the
 * map's UMAP (on half of it) are fitted on a seeded sample of this size, and the other papers are assigned to the
 * nearest topic or placed among their nearest sampled neighbours: where a dozen topics lie is fixed
 * by a thousand or so papers, and these steps' cost then stops growing with the corpus. Drawn with
 * the same seed, the steps share one sample (`sampleIndices` of one size is a prefix of a larger one's draw).
 * On SciFact's 5,183 abstracts (with the labels' and sub-topics' smaller samples) the topics and the map
 * went from ≈ 30 s to ≈ 12 s of CPU, NMI against arXiv's archives within 0.002 (docs/scaling.md).
 */
export const TOPIC_SAMPLE_SIZE = 1_000;

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
