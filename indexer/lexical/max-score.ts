/**
 * Exact top-k over posting lists with MaxScore dynamic pruning, document at a time (Turtle & Flood
 * 1995): each term has an upper bound (its query weight × its largest posting weight), and the
 * terms, highest bound first, split into an essential head and a tail whose bounds together fall
 * short of the score a document must reach. Only documents of the head's lists are visited, in
 * document order, merging those lists; each is looked up in the tail's lists (a forward galloping
 * search) only while its score plus the bounds still to come can reach that score. As better
 * documents are found the score rises and the head shrinks. Nothing is accumulated at random
 * places: the lists are read in order and a document's score is complete when it is offered, so
 * the score to reach is known early, from the best documents so far, and from each short list's own
 * best postings before the walk starts. With the largest weight of each block of 128 postings
 * (block-max, Ding & Suel 2011), the head's lists skip whole blocks that cannot lift a document to
 * that score.
 * How many documents hold any of the terms is counted apart, up to a cap (a search reports "at
 * least" beyond it, as Elasticsearch's `track_total_hits` does): the cap itself when one list is
 * that long, else a walk of the lists marking a bitset.
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
  /**
   * The term's highest posting weights, descending (at least the first `Reach.depth`, or all):
   * where the walk's bar starts for a long list. Without them only short lists set it.
   */
  highest?: Float32Array;
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
 * A list this short gives the score to reach a starting value from its own best postings (any
 * document holding the term scores at least its share): a pass over it, cheap next to the walk.
 */
export const SEED_LENGTH = 2048;

/** No document: above every document number. */
const NONE = 0x7fffffff;

/** Postings per block of `blockMaxima`: 2^7 = 128, aligned on the posting arrays' indexes. */
export const BLOCK_SHIFT = 7;

/**
 * Raises `maxima[b]` to the largest of `weights[from .. to)` in each block b they fall in: an upper
 * bound of every weight of a block once each list in it is folded in (a block may hold the end of
 * one term's list and the start of the next: its bound is then the larger of the two).
 */
export function foldBlockMaxima(weights: Float32Array, from: number, to: number, maxima: Float32Array): void {
  for (let posting = from; posting < to; posting++) {
    const block = posting >>> BLOCK_SHIFT;
    if ((weights[posting] as number) > (maxima[block] as number)) maxima[block] = weights[posting] as number;
  }
}

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
  /** The documents given a score. */
  readonly touched: Int32Array;
  /** Scores copied for selecting one. */
  readonly values: Float64Array;
  /** One bit per document, for the count: zero between queries. */
  readonly seen: Uint32Array;

  constructor(documentCount: number) {
    this.scores = new Float64Array(documentCount);
    this.touched = new Int32Array(documentCount);
    this.values = new Float64Array(documentCount);
    this.seen = new Uint32Array(Math.ceil(documentCount / 32));
  }
}

/**
 * The `size` best documents offered, in ascending document order, as a heap with the worst on top:
 * the lowest score, and at an equal score the higher document (ties go to the lower).
 */
class Best {
  readonly scores: Float64Array;
  readonly docs: Int32Array;
  count = 0;

  constructor(readonly size: number) {
    this.scores = new Float64Array(size);
    this.docs = new Int32Array(size);
  }

  /** The score a document must beat to enter once full. */
  get worst(): number {
    return this.count < this.size ? Number.NEGATIVE_INFINITY : (this.scores[0] as number);
  }

  /** `doc` is above every document offered before, so it loses a tie. */
  offer(doc: number, score: number): void {
    const { scores, docs } = this;
    if (this.count < this.size) {
      let at = this.count++;
      while (at > 0) {
        const parent = (at - 1) >> 1;
        // The newcomer is the highest document: it is the worse at an equal score.
        if ((scores[parent] as number) < score) break;
        scores[at] = scores[parent] as number;
        docs[at] = docs[parent] as number;
        at = parent;
      }
      scores[at] = score;
      docs[at] = doc;
      return;
    }
    if (score <= (scores[0] as number)) return;
    let at = 0;
    for (;;) {
      const left = 2 * at + 1;
      if (left >= this.size) break;
      const right = left + 1;
      const worse = right < this.size && this.#worse(right, left) ? right : left;
      if (!this.#worseThan(worse, doc, score)) break;
      scores[at] = scores[worse] as number;
      docs[at] = docs[worse] as number;
      at = worse;
    }
    scores[at] = score;
    docs[at] = doc;
  }

  #worse(a: number, b: number): boolean {
    return this.#worseThan(a, this.docs[b] as number, this.scores[b] as number);
  }

  /** Whether the entry at `a` ranks below (`doc`, `score`). */
  #worseThan(a: number, doc: number, score: number): boolean {
    const scoreA = this.scores[a] as number;
    return scoreA < score || (scoreA === score && (this.docs[a] as number) > doc);
  }
}

/**
 * The `k` best documents by Σ queryWeight × weight over `terms`, best first, ties to the lower
 * document, followed by those of the best `reach.depth` within `reach.margin` of the k-th, and
 * `total`, how many documents hold any of the terms, or `cap` when at least that many do. A
 * document's score sums its terms in the order given, so it is bit for bit that of scoring every
 * posting in that order; the scores of the documents returned are left in `scratch.scores`, and
 * `touched` lists them, for the caller to clear. Pruning starts soonest with the highest bounds
 * first. `matched[i]` says whether `probe[i]` (-1 for none) holds any of the terms.
 */
export function maxScoreTopK(
  terms: readonly ScoredTerm[],
  docs: Uint32Array,
  weights: Float32Array,
  k: number,
  scratch: PruningScratch,
  probe: Int32Array = new Int32Array(0),
  cap = Number.POSITIVE_INFINITY,
  reach: Reach = { depth: k, margin: 0 },
  blockMax?: Float32Array,
): { best: number[]; touched: Int32Array; total: number; matched: boolean[] } {
  const depth = Math.max(k, reach.depth);
  const margin = depth === k ? 0 : reach.margin;
  const count = terms.length;
  // rest[i]: the most the terms from i on can add to a document.
  const rest = new Float64Array(count + 1);
  for (let i = count - 1; i >= 0; i--) rest[i] = (rest[i + 1] as number) + termBound(terms[i] as ScoredTerm);
  const at = new Int32Array(count);
  const ends = new Int32Array(count);
  // Each list's document at its cursor, NONE once it is walked through.
  const current = new Int32Array(count);
  const queryWeights = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const { start, end, queryWeight } = terms[i] as ScoredTerm;
    at[i] = start;
    ends[i] = end;
    current[i] = start < end ? (docs[start] as number) : NONE;
    queryWeights[i] = queryWeight;
  }
  // The best `depth`, and apart the best k when the margin can lift the bar above the depth-th.
  const deep = new Best(depth);
  const top = depth > k && margin !== Number.POSITIVE_INFINITY ? new Best(k) : undefined;
  // The score a document must reach to be wanted, from below: it only rises.
  let bar = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < count; i++) bar = Math.max(bar, seed(terms[i] as ScoredTerm, i === 0, weights, k, depth, margin, scratch.values));
  // Terms [0, essential) are the head: a document in none of their lists scores at most rest[essential].
  let essential = count;
  while (essential > 0 && (rest[essential - 1] as number) < bar - SLACK) essential--;
  // Documents up to this one lie in blocks already found able to reach the bar.
  let checkedTo = -1;
  for (;;) {
    let doc: number;
    let score: number;
    if (essential === 1) {
      // One head list, the commonest case: its postings in order, no merge.
      const posting = at[0] as number;
      const end = ends[0] as number;
      if (posting >= end) break;
      doc = docs[posting] as number;
      if (blockMax && doc > checkedTo) {
        const block = posting >>> BLOCK_SHIFT;
        const blockEnd = Math.min(end, (block + 1) << BLOCK_SHIFT);
        if ((rest[1] as number) + (queryWeights[0] as number) * (blockMax[block] as number) < bar - SLACK) {
          at[0] = blockEnd;
          continue;
        }
        checkedTo = docs[blockEnd - 1] as number;
      }
      score = (queryWeights[0] as number) * (weights[posting] as number);
      at[0] = posting + 1;
    } else {
      doc = NONE;
      for (let i = 0; i < essential; i++) if ((current[i] as number) < doc) doc = current[i] as number;
      if (doc === NONE) break;
      if (blockMax && doc > checkedTo) {
        // Block-max: up to the first end of the head's current blocks, a document scores at most
        // their maxima and the tail's bounds; when that falls short, every head list skips past it.
        let bound = rest[essential] as number;
        let last = NONE;
        for (let i = 0; i < essential; i++) {
          if (current[i] === NONE) continue;
          const block = (at[i] as number) >>> BLOCK_SHIFT;
          bound += (queryWeights[i] as number) * (blockMax[block] as number);
          const blockLast = docs[Math.min(ends[i] as number, (block + 1) << BLOCK_SHIFT) - 1] as number;
          if (blockLast < last) last = blockLast;
        }
        if (bound < bar - SLACK) {
          for (let i = 0; i < essential; i++) {
            if ((current[i] as number) > last) continue;
            const end = ends[i] as number;
            const posting = seek(docs, at[i] as number, end, last + 1);
            at[i] = posting;
            current[i] = posting < end ? (docs[posting] as number) : NONE;
          }
          continue;
        }
        checkedTo = last;
      }
      score = 0;
      for (let i = 0; i < essential; i++) {
        if (current[i] !== doc) continue;
        const posting = at[i] as number;
        score += (queryWeights[i] as number) * (weights[posting] as number);
        at[i] = posting + 1;
        current[i] = posting + 1 < (ends[i] as number) ? (docs[posting + 1] as number) : NONE;
      }
    }
    let i = essential;
    for (; i < count; i++) {
      if (score + (rest[i] as number) < bar - SLACK) break;
      if ((current[i] as number) < doc) {
        const end = ends[i] as number;
        const posting = seek(docs, at[i] as number, end, doc);
        at[i] = posting;
        current[i] = posting < end ? (docs[posting] as number) : NONE;
      }
      if (current[i] === doc) score += (queryWeights[i] as number) * (weights[at[i] as number] as number);
    }
    if (i < count || score < bar - SLACK) continue;
    deep.offer(doc, score);
    top?.offer(doc, score);
    const reached = Math.max(deep.worst, top ? top.worst - margin : Number.NEGATIVE_INFINITY);
    if (reached > bar) {
      bar = reached;
      while (essential > 0 && (rest[essential - 1] as number) < bar - SLACK) essential--;
    }
  }
  const { scores, touched } = scratch;
  for (let i = 0; i < deep.count; i++) {
    const doc = deep.docs[i] as number;
    scores[doc] = deep.scores[i] as number;
    touched[i] = doc;
  }
  const ranked = Array.from(touched.subarray(0, deep.count)).sort((a, b) => (scores[b] as number) - (scores[a] as number) || a - b);
  return {
    best: wanted(ranked, scores, k, margin),
    touched: touched.subarray(0, deep.count),
    total: countMatching(terms, docs, scratch.seen, cap),
    matched: Array.from(probe, (doc) => doc >= 0 && holdsAny(terms, docs, doc)),
  };
}

/** The first posting in `docs[from .. end)` at or after `doc` (doubling steps, then a binary search); `end` when none. */
function seek(docs: Uint32Array, from: number, end: number, doc: number): number {
  let low = from;
  let step = 1;
  let high = from;
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
  return low;
}

/**
 * A starting bar from one term's own postings: every document holding it scores at least its
 * share, so the wanted score among those shares (`Reach`) is a lower bound of the one among the
 * documents' scores. From the term's `highest` weights when given, else from its postings when the
 * list is short (or the first, the likeliest to be short and to set the highest bar).
 */
function seed(
  term: ScoredTerm,
  first: boolean,
  weights: Float32Array,
  k: number,
  depth: number,
  margin: number,
  values: Float64Array,
): number {
  const { start, end, queryWeight, highest } = term;
  const length = end - start;
  if (length < k) return Number.NEGATIVE_INFINITY;
  if (highest && highest.length >= Math.min(length, depth)) {
    const kth = queryWeight * (highest[k - 1] as number);
    if (depth === k) return kth;
    const atDepth = length >= depth ? queryWeight * (highest[depth - 1] as number) : Number.NEGATIVE_INFINITY;
    return margin === Number.POSITIVE_INFINITY ? atDepth : Math.max(atDepth, kth - margin);
  }
  if (!first && length > SEED_LENGTH) return Number.NEGATIVE_INFINITY;
  for (let posting = start; posting < end; posting++) values[posting - start] = queryWeight * (weights[posting] as number);
  return wantedAmong(values, length, k, depth, margin);
}

/** The `count` highest of `weights[start .. end)` (all of them when fewer), descending. */
export function highestWeights(weights: Float32Array, start: number, end: number, count: number): Float32Array {
  const all = weights.slice(start, end);
  if (all.length <= count) return all.sort().reverse();
  // The count-th highest by quickselect, then those above it (and enough equal to it) sorted.
  const values = Float64Array.from(all);
  const cut = select(values, 0, values.length - 1, values.length - count);
  const kept = new Float32Array(count);
  let size = 0;
  // Fewer than `count` lie strictly above the count-th highest.
  for (const weight of all) if (weight > cut) kept[size++] = weight;
  kept.fill(cut, size);
  return kept.sort().reverse();
}

/**
 * How many documents hold any of `terms`, or `cap` once that many do: the cap itself when one list
 * is that long, else each list walked, marking `seen` (cleared again before returning).
 */
function countMatching(terms: readonly ScoredTerm[], docs: Uint32Array, seen: Uint32Array, cap: number): number {
  if (terms.some(({ start, end }) => end - start >= cap)) return cap;
  let total = 0;
  for (const { start, end } of terms)
    for (let posting = start; posting < end && total < cap; posting++) {
      const doc = docs[posting] as number;
      const word = doc >>> 5;
      const bit = 1 << (doc & 31);
      const marked = seen[word] as number;
      if ((marked & bit) === 0) {
        seen[word] = marked | bit;
        total++;
      }
    }
  seen.fill(0);
  return total;
}

/** Whether any of `terms` holds `doc` (a binary search of each ascending list). */
function holdsAny(terms: readonly ScoredTerm[], docs: Uint32Array, doc: number): boolean {
  for (const { start, end } of terms) {
    const posting = seek(docs, start, end, doc);
    if (posting < end && docs[posting] === doc) return true;
  }
  return false;
}

/**
 * The score a document must reach to be wanted (`Reach`) among the first `size` of `values` (at
 * least k), which it reorders: the `depth`-th best, or the k-th best less `margin` when that is higher.
 */
function wantedAmong(values: Float64Array, size: number, k: number, depth: number, margin: number): number {
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
