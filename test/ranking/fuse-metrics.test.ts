import { describe, expect, it } from 'vitest';
import { fuseRankings, meanReciprocalRank, ndcgAtK, recallAtK, reciprocalRank } from '../../server/ranking/index.js';

const list = (...ids: string[]) => ids.map((id, index) => ({ id, score: 100 - index }));

describe('fuseRankings', () => {
  it('sums 1 / (k + rank) over the lists', () => {
    const fused = fuseRankings([list('a', 'b', 'c'), list('b', 'd')]);
    expect(fused.map((hit) => hit.id)).toEqual(['b', 'a', 'd', 'c']);
    expect(fused[0]?.score).toBeCloseTo(1 / 62 + 1 / 61, 12);
    expect(fused[1]?.score).toBeCloseTo(1 / 61, 12);
    expect(fused[2]?.score).toBeCloseTo(1 / 62, 12);
    expect(fused[3]?.score).toBeCloseTo(1 / 63, 12);
  });

  it('applies k and per-list weights, and counts a repeated id once per list', () => {
    const fused = fuseRankings([list('a', 'a', 'b'), list('b')], { k: 0, weights: [1, 3] });
    expect(fused).toEqual([
      { id: 'b', score: 1 / 3 + 3 },
      { id: 'a', score: 1 },
    ]);
  });

  it('rejects a weight count that does not match the lists', () => {
    expect(() => fuseRankings([list('a')], { weights: [1, 2] })).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER' }));
  });
});

describe('metrics', () => {
  const judgments = new Map([
    ['a', 3],
    ['b', 2],
    ['c', 0],
    ['d', 1],
  ]);

  it('computes nDCG@k with 2^g − 1 gains', () => {
    // Ranked c, a, d: DCG = 0 + 7/log2(3) + 1/2; ideal a, b, d: 7 + 3/log2(3) + 1/2.
    const expected = (7 / Math.log2(3) + 0.5) / (7 + 3 / Math.log2(3) + 0.5);
    expect(ndcgAtK(['c', 'a', 'd', 'b'], judgments, 3)).toBeCloseTo(expected, 12);
    expect(ndcgAtK(['a', 'b', 'd'], judgments, 3)).toBeCloseTo(1, 12);
    expect(ndcgAtK(['a', 'a', 'a'], judgments, 3)).toBeCloseTo(7 / (7 + 3 / Math.log2(3) + 0.5), 12);
    expect(ndcgAtK(['a'], new Map([['a', 0]]), 3)).toBe(0);
  });

  it('computes Recall@k over the relevant ids', () => {
    expect(recallAtK(['c', 'a', 'x', 'd'], judgments, 2)).toBeCloseTo(1 / 3, 12);
    expect(recallAtK(['c', 'a', 'x', 'd'], judgments, 4)).toBeCloseTo(2 / 3, 12);
    expect(recallAtK(['a'], new Map(), 5)).toBe(0);
  });

  it('computes reciprocal rank and its mean', () => {
    expect(reciprocalRank(['c', 'x', 'd'], judgments)).toBeCloseTo(1 / 3, 12);
    expect(reciprocalRank(['c', 'x', 'd'], judgments, 2)).toBe(0);
    expect(
      meanReciprocalRank([
        { ranked: ['a'], judgments },
        { ranked: ['c', 'b'], judgments },
        { ranked: ['x'], judgments },
      ]),
    ).toBeCloseTo((1 + 0.5 + 0) / 3, 12);
    expect(meanReciprocalRank([])).toBe(0);
  });
});
