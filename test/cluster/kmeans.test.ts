import { describe, expect, it } from 'vitest';
import { adjustedRandIndex, assignToNearest, clusterPapers, representatives } from '../../indexer/cluster/index.js';
import { CHOICE_SAMPLE_SIZE } from '../../indexer/cluster/kmeans.js';
import { TOPIC_SAMPLE_SIZE } from '../../indexer/cluster/random.js';
import { gaussianBlobs } from './helpers.js';

describe('clusterPapers', () => {
  it('recovers the number of well-separated blobs in 20-D', () => {
    for (const blobs of [4, 6]) {
      const { vectors, truth } = gaussianBlobs(blobs, 25, 20, 0.25, blobs);
      const result = clusterPapers({ vectors, k: 'auto' });
      expect(result.k).toBe(blobs);
      expect(adjustedRandIndex(result.assignments, truth)).toBe(1);
      expect(result.silhouette).toBeGreaterThan(0.5);
    }
  });

  it('recovers blobs in a corpus larger than the samples k is chosen and fitted on', () => {
    const { vectors, truth } = gaussianBlobs(5, 1_100, 20, 0.25, 8);
    const result = clusterPapers({ vectors, k: 'auto' });
    expect(result.k).toBe(5);
    expect(adjustedRandIndex(result.assignments, truth)).toBe(1);
  });

  it('fits on a seeded sample of 1,000 papers, first partition included, and gives every paper a topic', () => {
    const { vectors, truth } = gaussianBlobs(3, 1_000, 20, 0.25, 9);
    const partitioned: number[][] = [];
    const run = (seed: number) =>
      clusterPapers({
        vectors,
        k: 3,
        seed,
        start: (fitted) => {
          partitioned.push([...fitted]);
          return fitted.map((index) => truth[index] as number);
        },
      });
    const result = run(4);
    expect(TOPIC_SAMPLE_SIZE).toBe(1_000);
    // k is chosen on 700 of them (the thirty runs of 'auto' are most of the clustering's cost).
    expect(CHOICE_SAMPLE_SIZE).toBe(700);
    expect(partitioned[0]).toHaveLength(TOPIC_SAMPLE_SIZE);
    // The papers outside the sample are assigned too, each to its blob's topic.
    expect(result.assignments).toHaveLength(3_000);
    expect(adjustedRandIndex(result.assignments, truth)).toBe(1);
    expect(run(4)).toEqual(result);
    expect(partitioned[1]).toEqual(partitioned[0]);
    run(5);
    expect(partitioned[2]).not.toEqual(partitioned[0]);
  });

  it('prefers 8 or more topics on 1,000+ papers unless fewer fit the data clearly better', () => {
    // One round cloud: no k fits much better than another, so a browsable number is chosen.
    const { vectors } = gaussianBlobs(1, 1_200, 20, 1, 5);
    expect(clusterPapers({ vectors, k: 'auto' }).k).toBeGreaterThanOrEqual(8);
  });

  it('gives the topics it gave before the seeding kept its distances for the runs of auto k (pinned)', () => {
    // Overlapping blobs, so the choice of k and the topics depend on every k-means++ seed drawn.
    const { vectors } = gaussianBlobs(9, 90, 24, 2.5, 11);
    const result = clusterPapers({ vectors, k: 'auto', seed: 3 });
    let digest = 0;
    for (const topic of result.assignments) digest = (Math.imul(digest, 31) + topic) | 0;
    expect(result.k).toBe(7);
    expect(result.silhouette).toBe(0.07678761412688999);
    expect(digest).toBe(1105497923);
    expect(clusterPapers({ vectors, k: 'auto', seed: 4 }).assignments).not.toEqual(result.assignments);
  });

  it('gives the same topics for the same input and seed', () => {
    const { vectors } = gaussianBlobs(5, 20, 20, 1.2, 3);
    const first = clusterPapers({ vectors, seed: 7 });
    const second = clusterPapers({ vectors: vectors.map((vector) => vector.slice()), seed: 7 });
    expect(second).toEqual(first);
  });

  it('numbers topics by size, largest first', () => {
    const { vectors } = gaussianBlobs(3, 10, 20, 0.2, 11);
    const extra = gaussianBlobs(3, 10, 20, 0.2, 11).vectors.filter((_, index) => index % 3 === 2);
    const result = clusterPapers({ vectors: [...vectors, ...extra], k: 3 });
    const sizes = [0, 1, 2].map((topic) => result.assignments.filter((id) => id === topic).length);
    expect(sizes).toEqual([20, 10, 10]);
    // Ties are broken by first member: topic 1 holds paper 0, topic 2 holds paper 1.
    expect(result.assignments.slice(0, 3)).toEqual([1, 2, 0]);
    expect(result.centroids).toHaveLength(3);
  });

  it('honours a fixed k and the auto range', () => {
    const { vectors } = gaussianBlobs(6, 10, 20, 0.25, 5);
    expect(clusterPapers({ vectors, k: 2 }).k).toBe(2);
    expect(clusterPapers({ vectors, minK: 3, maxK: 4 }).k).toBeLessThanOrEqual(4);
  });

  it('copes with tiny and degenerate input', () => {
    expect(clusterPapers({ vectors: [] })).toEqual({ k: 0, assignments: [], centroids: [], silhouette: 0 });
    expect(clusterPapers({ vectors: [Float32Array.of(1, 2)] }).assignments).toEqual([0]);
    const same = Array.from({ length: 5 }, () => Float32Array.of(1, 1, 0));
    const result = clusterPapers({ vectors: same, k: 3 });
    expect(result.k).toBe(1);
    expect(result.assignments).toEqual([0, 0, 0, 0, 0]);
  });

  it('names the bad vector or parameter', () => {
    expect(() => clusterPapers({ vectors: [Float32Array.of(1, 2), Float32Array.of(1)] })).toThrow(/vectors\[1\] has 1 dimensions/);
    expect(() => clusterPapers({ vectors: [Float32Array.of(1, Number.NaN)] })).toThrow(/vectors\[0\] has a non-finite value/);
    expect(() => clusterPapers({ vectors: [Float32Array.of(1, 2)], k: 2 })).toThrow(/k must be 'auto' or an integer from 1 to/);
    expect(() => clusterPapers({ vectors: [Float32Array.of(1, 2)], minK: 4, maxK: 3 })).toThrow(/maxK/);
  });
});

describe('representatives', () => {
  it('lists members of each topic, nearest to the centre first', () => {
    const { vectors } = gaussianBlobs(3, 8, 20, 0.4, 2);
    const { assignments, centroids } = clusterPapers({ vectors, k: 3 });
    const chosen = representatives(vectors, assignments, centroids, 3);
    expect(chosen).toHaveLength(3);
    chosen.forEach((indices, topic) => {
      expect(indices).toHaveLength(3);
      for (const index of indices) expect(assignments[index]).toBe(topic);
    });
    expect(
      representatives(vectors, assignments, centroids, 50)
        .flat()
        .sort((a, b) => a - b),
    ).toEqual(vectors.map((_, i) => i));
  });
});

describe('assignToNearest', () => {
  it('puts a paper added later into the topic of its blob', () => {
    const { vectors, truth } = gaussianBlobs(4, 15, 20, 0.25, 9);
    const training = vectors.slice(0, 40);
    const { assignments, centroids } = clusterPapers({ vectors: training, k: 4 });
    vectors.slice(40).forEach((vector, offset) => {
      const index = 40 + offset;
      const sameBlob = truth.indexOf(truth[index] as number);
      expect(assignToNearest(vector, centroids)).toBe(assignments[sameBlob]);
    });
    expect(() => assignToNearest(Float32Array.of(1), centroids)).toThrow(/vector has 1 dimensions/);
  });
});
