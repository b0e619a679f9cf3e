/**
 * Ranking metrics for the evaluation harness. Judgments map an id to a graded relevance
 * (0 = not relevant; higher is better); ids missing from the judgments count as 0.
 */
export type Judgments = ReadonlyMap<string, number>;

/**
 * nDCG@k with gains 2^g − 1 and discount log2(rank + 1). Returns 0 when nothing is relevant,
 * so that a query without relevant documents cannot raise an average.
 */
export function ndcgAtK(ranked: readonly string[], judgments: Judgments, k: number): number {
  const ideal = [...judgments.values()].filter((grade) => grade > 0).sort((a, b) => b - a);
  const idealDcg = dcg(ideal.slice(0, k));
  if (idealDcg === 0) return 0;
  return dcg(firstDistinct(ranked, k).map((id) => judgments.get(id) ?? 0)) / idealDcg;
}

/** Share of the relevant ids (grade > 0) found in the first k; 0 when nothing is relevant. */
export function recallAtK(ranked: readonly string[], judgments: Judgments, k: number): number {
  const relevant = [...judgments.values()].filter((grade) => grade > 0).length;
  if (relevant === 0) return 0;
  return firstDistinct(ranked, k).filter((id) => (judgments.get(id) ?? 0) > 0).length / relevant;
}

/** 1 / rank of the first relevant id, 0 if none is ranked (within k when given). */
export function reciprocalRank(ranked: readonly string[], judgments: Judgments, k = ranked.length): number {
  const position = ranked.slice(0, k).findIndex((id) => (judgments.get(id) ?? 0) > 0);
  return position === -1 ? 0 : 1 / (position + 1);
}

/** Mean reciprocal rank over queries; 0 for no queries. */
export function meanReciprocalRank(runs: ReadonlyArray<{ ranked: readonly string[]; judgments: Judgments }>, k?: number): number {
  if (runs.length === 0) return 0;
  return runs.reduce((sum, run) => sum + reciprocalRank(run.ranked, run.judgments, k), 0) / runs.length;
}

function dcg(grades: readonly number[]): number {
  return grades.reduce((sum, grade, index) => sum + (2 ** grade - 1) / Math.log2(index + 2), 0);
}

// A system that returns an id twice must not be credited twice.
function firstDistinct(ranked: readonly string[], k: number): string[] {
  return [...new Set(ranked)].slice(0, k);
}
