/**
 * Exact top-k over posting lists with MaxScore dynamic pruning, term at a time (Turtle & Flood
 * 1995): each term has an upper bound (its query weight × its largest posting weight). Terms are
 * scored list by list into accumulators until the k-th best accumulated score exceeds the sum of
 * the bounds of the terms still to come: from then on no unseen document can enter the top k, so
 * the remaining lists only add to the candidates, and a candidate is dropped as soon as its score
 * plus the remaining bounds falls short of the k-th. Those lists are walked for the count of
 * matching documents, up to a cap (a search reports "at least" beyond it, as Elasticsearch's
 * `track_total_hits` does), and the candidates are scored on the same walk (a bit test per
 * posting). Once the count reaches the cap, a list much longer than the candidates is searched for
 * them instead (galloping), and a shorter one still walked.
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
 * Which documents a ranking wants beyond the k best: of the best `depth`, those scoring at least the
 * k-th best less `margin`. A re-ranking that adds at most `margin` to a score and reorders only the
 * best `depth` (the proximity bonus) can lift none of the others into the k best, so its first k
 * are exact while MaxScore prunes to the k-th score less the margin, not to the `depth`-th, when
 * that is higher. `{ depth: k, margin: 0 }`, the default, is the k best.
 */
export interface Reach {
  depth: number;
  margin: number;
}

/**
 * Rounding slack for the pruning tests: bounds are summed in another order than scores, so a
 * document is ruled out only when it misses by more than this.
 */
const SLACK = 1e-9;

/**
 * A list is galloped through for the candidates, rather than walked, when it is this many times
 * longer than they are: a galloping step costs a few postings' walk (measured at 100k papers).
 */
const GALLOP_RATIO = 8;

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
 * document, followed by those of the best `reach.depth` within `reach.margin` of the k-th, and `total`, how many documents hold any of the terms, or `cap` when at least that
 * many do. Scores accumulate in
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
  cap = Number.POSITIVE_INFINITY,
  reach: Reach = { depth: k, margin: 0 },
): { best: number[]; touched: Int32Array; total: number; matched: boolean[] } {
  const { scores, touched, candidates, values, seen, live } = scratch;
  const depth = Math.max(k, reach.depth);
  const margin = depth === k ? 0 : reach.margin;
  // The score a document must reach to be wanted: the `depth`-th best, or the k-th less the margin if higher.
  const cutoff = (from: Int32Array, count: number, floor: number) => wantedScore(from, count, scores, k, depth, margin, values, floor);
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
    if (
      touchedCount >= k &&
      highest > remaining + SLACK &&
      (countAbove(touched, touchedCount, scores, remaining + margin + SLACK, k) >= k ||
        (depth > k && countAbove(touched, touchedCount, scores, remaining + SLACK, depth) >= depth))
    ) {
      threshold = cutoff(touched, touchedCount, remaining + SLACK);
      break;
    }
  }
  const scored = touched.subarray(0, touchedCount);
  // Scores only grow, so at least k documents stay at or above a k-th score once found: selecting
  // among those above it (a few hundred, not thousands) gives the same k-th.
  if (next === count)
    return {
      best: wanted(topOf(touched, touchedCount, scores, depth, values, threshold - SLACK), scores, k, margin),
      touched: scored,
      total: Math.min(touchedCount, cap),
      // Every weight is positive: a document holding a term has a score.
      matched: probe.map((doc) => doc >= 0 && (scores[doc] as number) > 0),
    };

  // No unseen document can reach the k-th score now: the remaining lists add only to the
  // candidates, and are walked for the count of matching documents until it reaches the cap.
  let total = touchedCount;
  const switched = next;
  let candidateCount = 0;
  for (let i = 0; i < touchedCount; i++) {
    const doc = touched[i] as number;
    if (total < cap) seen[doc >>> 5] = (seen[doc >>> 5] as number) | (1 << (doc & 31));
    if ((scores[doc] as number) + (rest[next] as number) >= threshold - SLACK) {
      candidates[candidateCount++] = doc;
      live[doc >>> 5] = (live[doc >>> 5] as number) | (1 << (doc & 31));
    }
  }
  let ascending = false;
  for (; next < count; next++) {
    const { start, end, queryWeight } = terms[next] as ScoredTerm;
    let posting = start;
    for (; posting < end && total < cap; posting++) {
      const doc = docs[posting] as number;
      const word = doc >>> 5;
      const bit = 1 << (doc & 31);
      const marked = seen[word] as number;
      if ((marked & bit) === 0) {
        seen[word] = marked | bit;
        total++;
      } else if (((live[word] as number) & bit) !== 0) scores[doc] = (scores[doc] as number) + queryWeight * (weights[posting] as number);
    }
    if (posting === start && end - start > GALLOP_RATIO * candidateCount) {
      if (!ascending) candidateCount = liveInOrder(live, candidates);
      ascending = true;
      gallop(docs, weights, start, end, queryWeight, candidates, candidateCount, scores);
    } else
      for (; posting < end; posting++) {
        const doc = docs[posting] as number;
        if (((live[doc >>> 5] as number) & (1 << (doc & 31))) !== 0)
          scores[doc] = (scores[doc] as number) + queryWeight * (weights[posting] as number);
      }
    const remaining = rest[next + 1] as number;
    threshold = cutoff(candidates, candidateCount, threshold - SLACK);
    let kept = 0;
    for (let i = 0; i < candidateCount; i++) {
      const doc = candidates[i] as number;
      if ((scores[doc] as number) + remaining >= threshold - SLACK) candidates[kept++] = doc;
      else live[doc >>> 5] = (live[doc >>> 5] as number) & ~(1 << (doc & 31));
    }
    candidateCount = kept;
  }
  const best = wanted(topOf(candidates, candidateCount, scores, depth, values, threshold - SLACK), scores, k, margin);
  // A probe is counted if scored before the switch, marked while counting, or (past the cap) in a list searched for it.
  const matched = probe.map(
    (doc) =>
      doc >= 0 &&
      ((scores[doc] as number) > 0 ||
        ((seen[doc >>> 5] as number) & (1 << (doc & 31))) !== 0 ||
        (total >= cap && holdsAny(terms, switched, docs, doc))),
  );
  seen.fill(0);
  live.fill(0);
  return { best, touched: scored, total: Math.min(total, cap), matched };
}

/** The documents whose bit is set, ascending, written to `into`; how many. */
function liveInOrder(live: Uint32Array, into: Int32Array): number {
  let count = 0;
  for (let word = 0; word < live.length; word++) {
    let bits = live[word] as number;
    while (bits !== 0) {
      const low = bits & -bits;
      into[count++] = (word << 5) | (31 - Math.clz32(low));
      bits ^= low;
    }
  }
  return count;
}

/** Adds the term's weight to each of the ascending `candidates` its postings `docs[start .. end)` hold. */
function gallop(
  docs: Uint32Array,
  weights: Float32Array,
  start: number,
  end: number,
  queryWeight: number,
  candidates: Int32Array,
  count: number,
  scores: Float64Array,
): void {
  let low = start;
  for (let i = 0; i < count && low < end; i++) {
    const doc = candidates[i] as number;
    // Doubling steps bracket the first posting at or after `doc`, then a binary search finds it.
    let step = 1;
    let high = low;
    while (high < end && (docs[high] as number) < doc) {
      low = high + 1;
      high += step;
      step *= 2;
    }
    if (high > end) high = end;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((docs[middle] as number) < doc) low = middle + 1;
      else high = middle;
    }
    if (low < end && docs[low] === doc) scores[doc] = (scores[doc] as number) + queryWeight * (weights[low] as number);
  }
}

/** Whether any of `terms` from `first` on holds `doc` (a binary search of each ascending list). */
function holdsAny(terms: readonly ScoredTerm[], first: number, docs: Uint32Array, doc: number): boolean {
  for (let term = first; term < terms.length; term++) {
    const { start, end } = terms[term] as ScoredTerm;
    let low = start;
    let high = end;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((docs[middle] as number) < doc) low = middle + 1;
      else high = middle;
    }
    if (low < end && docs[low] === doc) return true;
  }
  return false;
}

/** How many of the first `count` of `docs` score above `floor`, counting no further than `enough`. */
function countAbove(docs: Int32Array, count: number, scores: Float64Array, floor: number, enough: number): number {
  let above = 0;
  for (let i = 0; i < count && above < enough; i++) if ((scores[docs[i] as number] as number) > floor) above++;
  return above;
}

/**
 * The `k` best of the first `count` of `docs` by score, best first, ties to the lower document;
 * only those scoring above `floor` when more than k.
 */
function topOf(docs: Int32Array, count: number, scores: Float64Array, k: number, values: Float64Array, floor: number): number[] {
  const byScore = (a: number, b: number) => (scores[b] as number) - (scores[a] as number) || a - b;
  if (count <= k) return Array.from(docs.subarray(0, count)).sort(byScore);
  const size = valuesAbove(docs, count, scores, values, floor);
  const kth = size <= k ? floor : select(values, 0, size - 1, size - k);
  // Everything above the k-th score, then the lowest documents at it.
  const above: number[] = [];
  const at: number[] = [];
  for (let i = 0; i < count; i++) {
    const doc = docs[i] as number;
    const score = scores[doc] as number;
    if (score > kth) above.push(doc);
    else if (score === kth && size > k) at.push(doc);
  }
  at.sort((a, b) => a - b);
  for (let i = 0; above.length < k && i < at.length; i++) above.push(at[i] as number);
  return above.sort(byScore);
}

/**
 * The score a document must reach to be wanted (`Reach`): the `depth`-th best among the first
 * `count` of `docs`, or the k-th best less `margin` when that is higher. At least k of them score
 * above `floor` (at least `depth`, when the margin is infinite); only those are selected among.
 */
function wantedScore(
  docs: Int32Array,
  count: number,
  scores: Float64Array,
  k: number,
  depth: number,
  margin: number,
  values: Float64Array,
  floor: number,
): number {
  const size = valuesAbove(docs, count, scores, values, floor);
  if (depth === k) return select(values, 0, size - 1, size - k);
  let atDepth = Number.NEGATIVE_INFINITY;
  let low = 0;
  if (size >= depth) {
    atDepth = select(values, 0, size - 1, size - depth);
    // The best `depth` now lie from here on, the k-th among them.
    low = size - depth;
  }
  return margin === Number.POSITIVE_INFINITY ? atDepth : Math.max(atDepth, select(values, low, size - 1, size - k) - margin);
}

/** `ranked` (best first) cut after the k-th where documents fall more than `margin` below it. */
function wanted(ranked: number[], scores: Float64Array, k: number, margin: number): number[] {
  if (ranked.length <= k) return ranked;
  const floor = (scores[ranked[k - 1] as number] as number) - margin;
  let end = k;
  while (end < ranked.length && (scores[ranked[end] as number] as number) >= floor) end++;
  return end === ranked.length ? ranked : ranked.slice(0, end);
}

/** Copies the scores of the first `count` of `docs` that lie above `floor` into `values`; how many. */
function valuesAbove(docs: Int32Array, count: number, scores: Float64Array, values: Float64Array, floor: number): number {
  let size = 0;
  for (let i = 0; i < count; i++) {
    const score = scores[docs[i] as number] as number;
    if (score > floor) values[size++] = score;
  }
  return size;
}

/**
 * The value that would stand at `target` were `values[low .. high]` sorted ascending (quickselect,
 * in place): smaller ones end before it, larger ones after.
 */
function select(values: Float64Array, low: number, high: number, target: number): number {
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
