import { describe, expect, it } from 'vitest';
import { AnnIndex, DEFAULT_ANN_OPTIONS, efSearchFor } from '../../indexer/ann/index.js';
import { unitVectors } from '../helpers/unit-vectors.js';

describe('efSearchFor', () => {
  it('keeps the tuned breadth up to 100,000 papers, so smaller indexes answer as before', () => {
    for (const count of [0, 1, 5_183, 99_999, 100_000]) expect(efSearchFor(count)).toBe(DEFAULT_ANN_OPTIONS.efSearch);
  });

  it('widens the search as the graph grows past that: 450 at a million papers', () => {
    expect(efSearchFor(300_000)).toBe(182);
    expect(efSearchFor(1_000_000)).toBe(450);
    const counts = [100_000, 150_000, 300_000, 1_000_000, 2_500_000];
    for (let at = 1; at < counts.length; at++)
      expect(efSearchFor(counts[at] as number)).toBeGreaterThan(efSearchFor(counts[at - 1] as number));
  });

  it("is the index's breadth for its size", () => {
    const vectors = unitVectors(50, 8, 3);
    const index = AnnIndex.build(
      vectors,
      vectors.map((_, position) => `paper-${position}`),
      8,
    );
    expect(index.efSearch).toBe(DEFAULT_ANN_OPTIONS.efSearch);
  });
});
