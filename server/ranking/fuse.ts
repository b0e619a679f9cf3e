import { PaperscopeError } from '../../core/errors.js';

export interface Scored {
  id: string;
  score: number;
}

export interface FuseOptions {
  /** RRF damping constant: larger values flatten the advantage of the top ranks. */
  k?: number;
  /** One weight per list; all 1 by default. */
  weights?: number[];
}

/**
 * Reciprocal rank fusion: each list contributes weight / (k + rank) for every id it ranks
 * (rank from 1, best first; the lists' own scores are ignored, as their scales differ). An id
 * repeated within a list counts at its first rank. Ties keep the order in which ids were first met.
 * @example fuseRankings([vectorHits, lexicalHits], { k: 60 })
 */
export function fuseRankings(lists: ReadonlyArray<ReadonlyArray<Scored>>, options: FuseOptions = {}): Scored[] {
  const { k = 60, weights = lists.map(() => 1) } = options;
  if (!Number.isFinite(k) || k < 0)
    throw new PaperscopeError('INVALID_PARAMETER', `RRF k must be a non-negative number, got ${k}`, { field: 'k' });
  if (weights.length !== lists.length) {
    throw new PaperscopeError('INVALID_PARAMETER', `Expected ${lists.length} fusion weights, got ${weights.length}`, { field: 'weights' });
  }
  const fused = new Map<string, number>();
  lists.forEach((list, listIndex) => {
    const weight = weights[listIndex] as number;
    const seen = new Set<string>();
    list.forEach(({ id }, position) => {
      if (seen.has(id)) return;
      seen.add(id);
      fused.set(id, (fused.get(id) ?? 0) + weight / (k + position + 1));
    });
  });
  // Array.prototype.sort is stable, so equal scores stay in first-met order.
  return [...fused].map(([id, score]) => ({ id, score })).sort((a, b) => b.score - a.score);
}

/**
 * RRF settings for papers similar to a pasted text (`POST /api/similar`), lists in the order
 * [vector, lexical], by the embedder that built the index (search ranks by `hybridPlan`). Word-vector averages are weak on these short, jargon-heavy queries (vector-only nDCG@10
 * 0.76 against BM25's 0.93 on the dev queries), so BM25 leads and vectors break its ties and add
 * papers it misses: weight 8 was tuned on the labelled dev queries (test/eval/dev-queries.json) and checked on
 * test/eval/queries.json. Transformer embeddings are on a par with BM25, so both count equally.
 */
export function hybridFusion(embedderKind: 'transformer' | 'word-vectors'): Required<FuseOptions> {
  return embedderKind === 'word-vectors' ? { k: 60, weights: [1, 8] } : { k: 60, weights: [1, 1] };
}
