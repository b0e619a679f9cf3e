/**
 * Exact top-k over posting lists with MaxScore dynamic pruning, term at a time (Turtle & Flood
 * 1995): each term has an upper bound (its query weight × its largest posting weight). Terms are
 * scored list by list into accumulators until the k-th best accumulated score exceeds the sum of
 * the bounds of the terms still to come: from then on no unseen document can enter the top k, so
 * the remaining lists only add to the candidates, and a candidate is dropped as soon as its score
 * plus the remaining bounds falls short of the k-th. Those lists are still walked, for the count of
 * matching documents, and the candidates are scored on the same walk (a bit test per posting), which
 * costs less than sorting the candidates to probe the lists for them.
 * Scoring is a layer over the bounds: whatever the posting weights are, a bound that is their
 * maximum keeps the result exact.
 */

/** One query term as the scorer sees it. */
export interface ScoredTerm {
  /** The term's postings are `docs[start .. end)`, ascending. */
  start: number;
  end: number;
  /** Multiplies each posting's weight: idf × the term's weight in the query. */
  queryWeight: number;
  /** The largest posting weight of the term. */
  maxWeight: number;
}

/**
 * Rounding slack for the pruning tests: bounds are summed in another order than scores, so a
 * document is ruled out only when it misses by more than this.
 */
const SLACK = 1e-9;

/** A term's upper bound: what it can add to any document's score. */
export function termBound(term: ScoredTerm): number {
  return term.queryWeight * term.maxWeight;
}

/**
 * Per-corpus buffers a query scores in, reused so that a query allocates nothing proportional to
 * the corpus (and gives the garbage collector nothing to do): `scores` is all zero between queries.
 */
export class PruningScratch {
  readonly scores: Float64Array;
  /** The documents given a score, in the order they were first scored. */
  readonly touched: Int32Array;
  readonly candidates: Int32Array;
  /** Scores copied for selecting the k-th. */
  readonly values: Float64Array;
  /** One bit per document: counted as matching; still a candidate. Zero between queries. */
  readonly seen: Uint32Array;
  readonly live: Uint32Array;

  constructor(documentCount: number) {
    this.scores = new Float64Array(documentCount);
    this.touched = new Int32Array(documentCount);
    this.candidates = new Int32Array(documentCount);
    this.values = new Float64Array(documentCount);
    this.seen = new Uint32Array(Math.ceil(documentCount / 32));
    this.live = new Uint32Array(this.seen.length);
  }
}

/**
 * The `k` best documents by Σ queryWeight × weight over `terms`, best first, ties to the lower
 * document, and `total`, how many documents hold any of the terms. Scores accumulate in
 * `scratch.scores` term by term in the order given, so they are bit for bit those of scoring
 * every posting in that order; `touched` lists every document given a score, for the caller to
 * clear. Pruning starts soonest with the highest bounds first. `matched[i]` says whether
 * `probe[i]` (-1 for none) is among the `total`: a bit test, where a search of each list costs
 * one per term.
 */
export function maxScoreTopK(
  terms: readonly ScoredTerm[],
  docs: Uint32Array,
  weights: Float32Array,
  k: number,
  scratch: PruningScratch,
  probe: readonly number[] = [],
): { best: number[]; touched: Int32Array; total: number; matched: boolean[] } {
  const { scores, touched, candidates, values, seen, live } = scratch;
  const count = terms.length;
  // rest[i]: the most the terms from i on can add to a document.
  const rest = new Float64Array(count + 1);
  for (let i = count - 1; i >= 0; i--) rest[i] = (rest[i + 1] as number) + termBound(terms[i] as ScoredTerm);
  let touchedCount = 0;
  let highest = 0;
  let threshold = Number.NEGATIVE_INFINITY;
  let next = 0;
  while (next < count) {
    const { start, end, queryWeight } = terms[next] as ScoredTerm;
    next++;
    for (let posting = start; posting < end; posting++) {
      const doc = docs[posting] as number;
      const before = scores[doc] as number;
      // Every weight is positive, so a zero score means "not seen yet".
      if (before === 0) touched[touchedCount++] = doc;
      const after = before + queryWeight * (weights[posting] as number);
      scores[doc] = after;
      if (after > highest) highest = after;
    }
    const remaining = rest[next] as number;
    // The k-th score beats the remaining bounds exactly when k scores do; counting them is cheaper
    // than selecting the k-th, which is needed only then.
    if (touchedCount >= k && highest > remaining + SLACK && countAbove(touched, touchedCount, scores, remaining + SLACK, k) >= k) {
      threshold = kthLargest(touched, touchedCount, scores, k, values, remaining + SLACK);
      break;
    }
  }
  const scored = touched.subarray(0, touchedCount);
  // Scores only grow, so at least k documents stay at or above a k-th score once found: selecting
  // among those above it (a few hundred, not thousands) gives the same k-th.
  if (next === count)
    return {
      best: topOf(touched, touchedCount, scores, k, values, threshold - SLACK),
      touched: scored,
      total: touchedCount,
      // Every weight is positive: a document holding a term has a score.
      matched: probe.map((doc) => doc >= 0 && (scores[doc] as number) > 0),
    };

  // No unseen document can reach the k-th score now: the remaining lists add only to the
  // candidates, and are walked for the count of matching documents.
  let total = touchedCount;
  let candidateCount = 0;
  for (let i = 0; i < touchedCount; i++) {
    const doc = touched[i] as number;
    seen[doc >>> 5] = (seen[doc >>> 5] as number) | (1 << (doc & 31));
    if ((scores[doc] as number) + (rest[next] as number) >= threshold - SLACK) {
      candidates[candidateCount++] = doc;
      live[doc >>> 5] = (live[doc >>> 5] as number) | (1 << (doc & 31));
    }
  }
  for (; next < count; next++) {
    const { start, end, queryWeight } = terms[next] as ScoredTerm;
    for (let posting = start; posting < end; posting++) {
      const doc = docs[posting] as number;
      const word = doc >>> 5;
      const bit = 1 << (doc & 31);
      const marked = seen[word] as number;
      if ((marked & bit) === 0) {
        seen[word] = marked | bit;
        total++;
      } else if (((live[word] as number) & bit) !== 0) scores[doc] = (scores[doc] as number) + queryWeight * (weights[posting] as number);
    }
    const remaining = rest[next + 1] as number;
    threshold = kthLargest(candidates, candidateCount, scores, k, values, threshold - SLACK);
    let kept = 0;
    for (let i = 0; i < candidateCount; i++) {
      const doc = candidates[i] as number;
      if ((scores[doc] as number) + remaining >= threshold - SLACK) candidates[kept++] = doc;
      else live[doc >>> 5] = (live[doc >>> 5] as number) & ~(1 << (doc & 31));
    }
    candidateCount = kept;
  }
  const best = topOf(candidates, candidateCount, scores, k, values, threshold - SLACK);
  const matched = probe.map((doc) => doc >= 0 && ((seen[doc >>> 5] as number) & (1 << (doc & 31))) !== 0);
  seen.fill(0);
  live.fill(0);
  return { best, touched: scored, total, matched };
}

/** How many of the first `count` of `docs` score above `floor`, counting no further than `enough`. */
function countAbove(docs: Int32Array, count: number, scores: Float64Array, floor: number, enough: number): number {
  let above = 0;
  for (let i = 0; i < count && above < enough; i++) if ((scores[docs[i] as number] as number) > floor) above++;
  return above;
}

/**
 * The `k` best of the first `count` of `docs` by score, best first, ties to the lower document;
 * when more than k, at least k of them score above `floor`.
 */
function topOf(docs: Int32Array, count: number, scores: Float64Array, k: number, values: Float64Array, floor: number): number[] {
  const byScore = (a: number, b: number) => (scores[b] as number) - (scores[a] as number) || a - b;
  if (count <= k) return Array.from(docs.subarray(0, count)).sort(byScore);
  const kth = kthLargest(docs, count, scores, k, values, floor);
  // Everything above the k-th score, then the lowest documents at it.
  const above: number[] = [];
  const at: number[] = [];
  for (let i = 0; i < count; i++) {
    const doc = docs[i] as number;
    const score = scores[doc] as number;
    if (score > kth) above.push(doc);
    else if (score === kth) at.push(doc);
  }
  at.sort((a, b) => a - b);
  for (let i = 0; above.length < k; i++) above.push(at[i] as number);
  return above.sort(byScore);
}

/**
 * The k-th largest score among the first `count` of `docs` (quickselect in `values`), where at least
 * k score above `floor`: only those are selected among.
 */
function kthLargest(
  docs: Int32Array,
  count: number,
  scores: Float64Array,
  k: number,
  values: Float64Array,
  floor = Number.NEGATIVE_INFINITY,
): number {
  let size = 0;
  for (let i = 0; i < count; i++) {
    const score = scores[docs[i] as number] as number;
    if (score > floor) values[size++] = score;
  }
  // The k-th largest is the (size − k)-th smallest.
  const target = size - k;
  let low = 0;
  let high = size - 1;
  while (low < high) {
    const pivot = values[(low + high) >>> 1] as number;
    let i = low;
    let j = high;
    while (i <= j) {
      while ((values[i] as number) < pivot) i++;
      while ((values[j] as number) > pivot) j--;
      if (i <= j) {
        const swap = values[i] as number;
        values[i] = values[j] as number;
        values[j] = swap;
        i++;
        j--;
      }
    }
    if (target <= j) high = j;
    else if (target >= i) low = i;
    else break;
  }
  return values[target] as number;
}
