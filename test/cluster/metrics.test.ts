import { describe, expect, it } from 'vitest';
import { adjustedRandIndex, normalizedMutualInfo, silhouetteScore } from '../../indexer/cluster/index.js';

describe('adjustedRandIndex', () => {
  it('is 1 for identical partitions, whatever the label names', () => {
    expect(adjustedRandIndex([0, 0, 1, 1, 2], [0, 0, 1, 1, 2])).toBe(1);
    expect(adjustedRandIndex([0, 0, 1, 1, 2], [7, 7, 3, 3, 5])).toBe(1);
  });

  it('matches hand-computed values', () => {
    // Pairs: index 1, row pairs 2, column pairs 1, expected 2·1/6 = 1/3, max 1.5 → (1 − 1/3)/(1.5 − 1/3) = 4/7.
    expect(adjustedRandIndex([0, 0, 1, 1], [0, 0, 1, 2])).toBeCloseTo(4 / 7, 12);
    // One cluster against all singletons shares no pair: exactly chance.
    expect(adjustedRandIndex([0, 0, 0, 0], [0, 1, 2, 3])).toBe(0);
    // Crossed halves agree less than chance.
    expect(adjustedRandIndex([0, 0, 1, 1], [0, 1, 0, 1])).toBeCloseTo(-0.5, 12);
  });

  it('rejects partitions of different lengths', () => {
    expect(() => adjustedRandIndex([0, 1], [0])).toThrow(/a has 2 items but b has 1/);
  });
});

describe('normalizedMutualInfo', () => {
  it('is 1 for identical partitions and 0 for independent ones', () => {
    expect(normalizedMutualInfo([0, 0, 1, 1], [1, 1, 0, 0])).toBeCloseTo(1, 12);
    expect(normalizedMutualInfo([0, 0, 1, 1], [0, 1, 0, 1])).toBeCloseTo(0, 12);
  });

  it('matches a hand-computed refinement', () => {
    // V refines U: MI = H(U) = ln 2, H(V) = 1.5 ln 2, so NMI = ln 2 / (1.25 ln 2) = 0.8.
    expect(normalizedMutualInfo([0, 0, 1, 1], [0, 0, 1, 2])).toBeCloseTo(0.8, 12);
  });
});

describe('silhouetteScore', () => {
  it('is 1 for tight, opposite clusters', () => {
    const vectors = [
      [1, 0],
      [2, 0],
      [0, 1],
      [0, 3],
    ].map((v) => Float32Array.from(v));
    expect(silhouetteScore(vectors, [0, 0, 1, 1])).toBeCloseTo(1, 6);
  });

  it('matches a hand-computed cosine example', () => {
    // d(p0,p1) = d(p1,p2) = 1 − cos 45°, d(p0,p2) = 1; p1 sits between, p2 is alone.
    const vectors = [
      [1, 0],
      [1, 1],
      [0, 1],
    ].map((v) => Float32Array.from(v));
    const near = 1 - Math.SQRT1_2;
    const expected = ((1 - near) / 1 + 0 + 0) / 3;
    expect(silhouetteScore(vectors, [0, 0, 1])).toBeCloseTo(expected, 6);
  });

  it('is 0 with a single cluster', () => {
    expect(silhouetteScore([Float32Array.of(1, 0), Float32Array.of(0, 1)], [0, 0])).toBe(0);
  });
});
