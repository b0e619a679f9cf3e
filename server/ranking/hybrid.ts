import { type FuseOptions, fuseRankings, type Scored } from './fuse.js';

/** How the vector ranking joins the lexical one, by the embedder that built the index. */
export type HybridPlan =
  /** The lexical ranking, then the papers only the vector ranking matches. */
  | { kind: 'lexical-first' }
  /** Reciprocal rank fusion of the two, [vector, lexical]. */
  | { kind: 'rrf'; fusion: Required<FuseOptions> };

/**
 * Word vectors (SIF averages of GloVe) are weak on their own (SciFact train nDCG@10 0.37 against
 * BM25F's 0.70) and voting them in equally cost 0.06 nDCG@10 on SciFact. Re-scoring the lexical
 * candidates with them (z-scored similarity to the query and to the centroid of the three best
 * lexical papers) gained 0.002 on the SciFact train split and lost 0.008 on the sample's dev
 * queries, so they do not reorder the lexical ranking: they weigh the query words' variants
 * (`expandQuery`) and add, after the lexical matches, the papers only they find.
 *
 * A transformer's embeddings are on a par with BM25 on their own (published SciFact nDCG@10:
 * all-MiniLM-L6-v2 0.645, BM25 0.665), so both rankings vote equally by reciprocal rank, where
 * dense retrieval adds what BM25 misses; this cannot be measured here (no model download).
 */
export function hybridPlan(embedderKind: 'transformer' | 'word-vectors'): HybridPlan {
  return embedderKind === 'word-vectors' ? { kind: 'lexical-first' } : { kind: 'rrf', fusion: { k: 60, weights: [1, 1] } };
}

/** 'eq': the total is the number of matches; 'gte': at least that many match. */
export type TotalRelation = 'eq' | 'gte';

/** A paper found by vector, with its position in the source (given back to `lexical` as a probe). */
export interface Near extends Scored {
  position: number;
}

/**
 * What ranking needs from the indexes for one search's query (analysed once, by whoever makes the
 * source, for all of these); ids are paper ids, the filters applied inside.
 */
export interface RankingSource {
  /**
   * The `k` best papers by the lexical ranking and how many match (a query term, and every quoted
   * phrase), counted up to `cap` (then `totalRelation` is 'gte'); `matched[i]`: whether the paper
   * at position `probe[i]` is one of those.
   */
  lexical(
    k: number,
    cap: number,
    probe?: readonly number[],
  ): { hits: Scored[]; total: number; totalRelation: TotalRelation; matched: boolean[] };
  /**
   * At least this many papers match lexically, known without ranking (from the posting lists'
   * lengths); 0 when unsure, as with a filter or a quoted phrase.
   */
  lexicalAtLeast(): number;
  /** Nearest papers by cosine similarity, best first. */
  nearest(vector: Float32Array, k: number): Near[];
  /** Whether the query quotes a phrase: then only papers holding it match. */
  hasPhrase(): boolean;
}

export interface RankRequest {
  /** The query's embedding; not needed in lexical mode. */
  vector?: Float32Array;
  mode: 'hybrid' | 'vector' | 'lexical';
  /**
   * Places the caller will read: offset + k, or the whole pool (`MIN_POOL`) when it re-sorts the
   * ranking. The lexical ranking's first places do not depend on how many are asked for, so the
   * lexical-first plan asks for no more than this; fusion and the vector mode rank `MIN_POOL`.
   */
  depth: number;
}

/**
 * Papers ranked for a query, at least `depth` of them when that many match, and `total`, the
 * number that match: lexically, those with a query term (and every quoted phrase); by vector,
 * those above `floor` (see `similarityFloor`) among the `VECTOR_MATCH_DEPTH` nearest. Lexical
 * matches are counted up to `TOTAL_CAP` (or just past `depth`, for a deeper page, so that
 * `has_more` stays exact): beyond it `totalRelation` is 'gte' and `total` a lower bound. Below the
 * cap the total does not depend on `depth`, and the first `depth` places never do, so every page
 * of a query agrees with the others.
 */
export function rankPapers(
  source: RankingSource,
  request: RankRequest,
  plan: HybridPlan,
  floor: number,
): { ranked: Scored[]; total: number; totalRelation: TotalRelation } {
  const { vector, mode } = request;
  const depth = Math.max(MIN_POOL, request.depth);
  const cap = capOf(request);
  if (mode === 'lexical' || !vector) {
    const { hits, total, totalRelation } = source.lexical(request.depth, cap);
    return { ranked: hits, total, totalRelation };
  }
  if (mode === 'vector') {
    const matches = source.nearest(vector, Math.max(VECTOR_MATCH_DEPTH, depth)).filter((hit) => hit.score >= floor);
    const total = Math.min(matches.length, VECTOR_MATCH_DEPTH);
    return { ranked: matches, total, totalRelation: total === VECTOR_MATCH_DEPTH ? 'gte' : 'eq' };
  }
  // In hybrid mode the vector ranking adds only papers among the MIN_POOL nearest, and none when
  // a phrase is quoted: a paper without it does not match.
  const phrase = source.hasPhrase();
  const lexicalFirst = plan.kind === 'lexical-first';
  if (lexicalFirst && lexicalSuffices(source, cap)) {
    const { hits, total, totalRelation } = source.lexical(request.depth, cap);
    return { ranked: hits, total, totalRelation };
  }
  const near = source.nearest(vector, MIN_POOL).filter((hit) => hit.score >= floor);
  // Lexical-first, the vector-only papers follow the lexical ones: none reaches the page before
  // `request.depth` of those have been listed.
  const { matched, ...lexical } = source.lexical(
    lexicalFirst ? request.depth : depth,
    cap,
    near.map((hit) => hit.position),
  );
  const vectorOnly = phrase || (lexicalFirst && lexical.totalRelation === 'gte') ? [] : near.filter((_, index) => !matched[index]);
  // A lower bound stays one: at least `cap` lexical matches, and these others.
  const counted = { total: lexical.total + vectorOnly.length, totalRelation: lexical.totalRelation };
  if (plan.kind === 'rrf') {
    // Every id fused is counted once in `total`: the lexical matches, or the vector-only ones.
    return { ranked: fuseRankings([phrase ? near.filter((_, index) => matched[index]) : near, lexical.hits], plan.fusion), ...counted };
  }
  return { ranked: [...lexical.hits, ...vectorOnly], ...counted };
}

/**
 * Whether `rankPapers` reads the query's vector for `request`: not in lexical mode, nor where the
 * lexical ranking alone answers (`lexicalSuffices`), so the query need not be embedded (most
 * distinct searches at 100k papers). Without the vector, a hybrid request ranks lexically.
 */
export function needsVector(source: RankingSource, request: Omit<RankRequest, 'vector'>, plan: HybridPlan): boolean {
  if (request.mode === 'lexical') return false;
  return request.mode === 'vector' || plan.kind === 'rrf' || !lexicalSuffices(source, capOf(request));
}

/**
 * Word vectors add their papers after every lexical match: past any page once those reach the cap
 * (the total is then a lower bound without them), and none to a quoted phrase, which they lack;
 * then the nearest are not even searched.
 */
function lexicalSuffices(source: RankingSource, cap: number): boolean {
  return source.hasPhrase() || source.lexicalAtLeast() >= cap;
}

function capOf(request: Pick<RankRequest, 'depth'>): number {
  return Math.max(TOTAL_CAP, request.depth + 1);
}

/** Candidates every ranking considers, whatever the page asked for. */
export const MIN_POOL = 100;
/**
 * Lexical matches are counted up to this many, as Elasticsearch's `track_total_hits` does: nobody
 * pages past a thousand results, and walking the common terms' long posting lists only to count
 * was ≈ 60 % of the postings a 100k search visited (docs/scaling.md).
 */
export const TOTAL_CAP = 1000;
/** Vector mode counts its matches among this many nearest papers. */
export const VECTOR_MATCH_DEPTH = 1000;

/**
 * The similarity a paper must reach to match a query by vector, for this embedder and corpus: the
 * lowest of the best similarities that everyday questions no research corpus answers
 * (`OFF_TOPIC_PROBES`) reach among its papers. A paper no closer to the query than to one of those
 * questions is not a match. (The median would track chance more tightly, but it grows with the
 * corpus as a maximum does: on SciFact it sits at 0.58, above half the relevant papers.)
 */
export function similarityFloor(probeBest: readonly number[]): number {
  return probeBest.length === 0 ? -1 : Math.min(...probeBest);
}
