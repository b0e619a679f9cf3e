/**
 * Exact top-k over posting lists with MaxScore dynamic pruning, term at a time (Turtle & Flood
 * 1995): each term has an upper bound (its query weight × its largest posting weight). Terms are
 * scored list by list into accumulators until the k-th best accumulated score exceeds the sum of
 * the bounds of the terms still to come: from then on no unseen document can enter the top k, so
 * the remaining lists are no longer walked, only probed (galloping search) for the candidates, and
 * a candidate is dropped as soon as its score plus the remaining bounds falls short of the k-th.
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
 * The `k` best documents by Σ queryWeight × weight over `terms`, best first, ties to the lower
 * document, and `total`, how many documents hold any of the terms. Scores accumulate in `scores`
 * (all zero on entry) term by term in the order given, so they are bit for bit those of scoring
 * every posting in that order; `touched` lists every document given a score, for the caller to
 * clear. Pruning starts soonest with the highest bounds first. `seen` is a zeroed bitset of one bit
 * per document, left zeroed.
 */
export function maxScoreTopK(
  terms: readonly ScoredTerm[],
  docs: Uint32Array,
  weights: Float32Array,
  k: number,
  scores: Float64Array,
  seen: Uint32Array,
): { best: number[]; touched: number[]; total: number } {
  const count = terms.length;
  // rest[i]: the most the terms from i on can add to a document.
  const rest = new Float64Array(count + 1);
  for (let i = count - 1; i >= 0; i--) rest[i] = (rest[i + 1] as number) + termBound(terms[i] as ScoredTerm);
  const touched: number[] = [];
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
      if (before === 0) touched.push(doc);
      const after = before + queryWeight * (weights[posting] as number);
      scores[doc] = after;
      if (after > highest) highest = after;
    }
    const remaining = rest[next] as number;
    // The k-th score beats the remaining bounds exactly when k scores do; counting them is cheaper
    // than selecting the k-th, which is needed only then.
    if (touched.length >= k && highest > remaining + SLACK && countAbove(touched, scores, remaining + SLACK, k) >= k) {
      threshold = kthLargest(touched, scores, k);
      break;
    }
  }
  if (next === count) return { best: topOf(touched, scores, k), touched, total: touched.length };
  const total = countUnion(touched, terms.slice(next), docs, seen);

  // No unseen document can reach the k-th score now: only the candidates are scored further.
  let candidates = Uint32Array.from(touched.filter((doc) => (scores[doc] as number) + (rest[next] as number) >= threshold - SLACK)).sort();
  for (; next < count; next++) {
    const { start, end, queryWeight } = terms[next] as ScoredTerm;
    let posting = start;
    for (const doc of candidates) {
      posting = seek(docs, posting, end, doc);
      if (posting >= end) break;
      if (docs[posting] === doc) scores[doc] = (scores[doc] as number) + queryWeight * (weights[posting] as number);
    }
    const remaining = rest[next + 1] as number;
    threshold = kthLargest(candidates, scores, k);
    candidates = candidates.filter((doc) => (scores[doc] as number) + remaining >= threshold - SLACK);
  }
  return { best: topOf(candidates, scores, k), touched, total };
}

/**
 * How many documents are in `touched` or hold one of `terms`: the lists not walked for scoring are
 * walked for the count, in a bitset small enough to stay in cache (12.5 KB at 100k documents).
 */
function countUnion(touched: readonly number[], terms: readonly ScoredTerm[], docs: Uint32Array, seen: Uint32Array): number {
  let total = 0;
  const mark = (doc: number) => {
    const word = doc >>> 5;
    const bit = 1 << (doc & 31);
    if (((seen[word] as number) & bit) === 0) {
      seen[word] = (seen[word] as number) | bit;
      total++;
    }
  };
  for (const doc of touched) mark(doc);
  for (const { start, end } of terms) for (let posting = start; posting < end; posting++) mark(docs[posting] as number);
  seen.fill(0);
  return total;
}

/** How many of `docs` score above `floor`, counting no further than `enough`. */
function countAbove(docs: readonly number[], scores: Float64Array, floor: number, enough: number): number {
  let count = 0;
  for (let i = 0; i < docs.length && count < enough; i++) if ((scores[docs[i] as number] as number) > floor) count++;
  return count;
}

/** The `k` best of `docs` by score, best first, ties to the lower document. */
function topOf(docs: ArrayLike<number>, scores: Float64Array, k: number): number[] {
  const chosen = Array.from(docs);
  if (chosen.length > k) {
    const kth = kthLargest(docs, scores, k);
    // Everything above the k-th score, then the lowest documents at it.
    const above = chosen.filter((doc) => (scores[doc] as number) > kth);
    const at = chosen.filter((doc) => scores[doc] === kth).sort((a, b) => a - b);
    return [...above, ...at.slice(0, k - above.length)].sort((a, b) => (scores[b] as number) - (scores[a] as number) || a - b);
  }
  return chosen.sort((a, b) => (scores[b] as number) - (scores[a] as number) || a - b);
}

/** The k-th largest score among `docs` (quickselect on a copy); `docs` holds at least k. */
function kthLargest(docs: ArrayLike<number>, scores: Float64Array, k: number): number {
  const values = new Float64Array(docs.length);
  for (let i = 0; i < docs.length; i++) values[i] = scores[docs[i] as number] as number;
  // The k-th largest is the (n − k)-th smallest.
  const target = values.length - k;
  let low = 0;
  let high = values.length - 1;
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

/** The first posting at or after `from` whose document is ≥ `doc` (galloping, then binary search). */
function seek(docs: Uint32Array, from: number, end: number, doc: number): number {
  if (from >= end || (docs[from] as number) >= doc) return from;
  let step = 1;
  let low = from;
  let high = from + step;
  while (high < end && (docs[high] as number) < doc) {
    low = high;
    step *= 2;
    high = from + step;
  }
  if (high > end) high = end;
  // docs[low] < doc; the answer is in (low, high].
  while (low + 1 < high) {
    const middle = (low + high) >>> 1;
    if ((docs[middle] as number) < doc) low = middle;
    else high = middle;
  }
  return high;
}
