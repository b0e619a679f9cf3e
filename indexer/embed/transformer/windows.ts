/**
 * Pure helpers for turning token ids into model inputs, and model outputs into a vector per text and
 * per piece of it.
 */

/** The special tokens the tokenizer wraps every sequence in, e.g. [CLS] … [SEP]. */
export interface SpecialTokens {
  head: readonly number[];
  tail: readonly number[];
}

/**
 * Finds which special tokens go before and after the text, by comparing one encoding with and
 * without them. Works for any single-sequence template ([CLS] $A [SEP], <s> $A </s>, …).
 */
export function findSpecialTokens(withSpecial: readonly number[], withoutSpecial: readonly number[]): SpecialTokens {
  for (let start = 0; start + withoutSpecial.length <= withSpecial.length; start++) {
    if (withoutSpecial.every((id, i) => withSpecial[start + i] === id)) {
      return { head: withSpecial.slice(0, start), tail: withSpecial.slice(start + withoutSpecial.length) };
    }
  }
  throw new Error('The tokenizer changes the text tokens when adding special tokens; cannot window long texts.');
}

/** Where a piece of a text is pooled from: positions [start, end) of model input `window`. */
export interface PieceSpan {
  window: number;
  start: number;
  end: number;
}

export interface PiecePlan {
  /**
   * Model inputs, each with the special tokens and the prefix. The first is the text cut at the
   * model's window, as the model was trained and as sentence-transformers embeds: the text's vector
   * pools all of it, so a long abstract costs no more than the window.
   */
  windows: number[][];
  /** Per piece, where its vector is pooled from; none for a piece without tokens, or when pieces are not asked for. */
  spans: Array<PieceSpan | undefined>;
}

/**
 * Plans the forward passes for a text given as consecutive pieces of token ids (its sentences, say).
 * With `withPieces`, every piece also gets a span whose token vectors are mean-pooled into the
 * piece's vector ("late chunking"): a piece wholly inside the first window is pooled there, in the
 * context of the text around it; the pieces after the cut are packed whole, in order, into further
 * windows (one longer than a window alone is cut to it), so each token is run once.
 *
 * @example planPieces([[7, 8], [9]], [], { head: [2], tail: [3] }, 64, true)
 * // → { windows: [[2, 7, 8, 9, 3]], spans: [{ window: 0, start: 1, end: 3 }, { window: 0, start: 3, end: 4 }] }
 */
export function planPieces(
  pieces: readonly (readonly number[])[],
  prefixIds: readonly number[],
  special: SpecialTokens,
  windowTokens: number,
  withPieces: boolean,
): PiecePlan {
  const room = windowTokens - special.head.length - special.tail.length - prefixIds.length;
  if (room < 2) {
    throw new Error(`The prefix takes ${prefixIds.length} of the model's ${windowTokens} tokens; no room is left for text.`);
  }
  const wrap = (body: readonly number[]): number[] => [...special.head, ...prefixIds, ...body, ...special.tail];
  const offset = special.head.length + prefixIds.length;
  const spans: Array<PieceSpan | undefined> = new Array(pieces.length).fill(undefined);
  const first: number[] = [];
  let piece = 0;
  for (; piece < pieces.length; piece++) {
    const ids = pieces[piece] as readonly number[];
    if (first.length + ids.length > room) break;
    if (withPieces && ids.length > 0) spans[piece] = { window: 0, start: offset + first.length, end: offset + first.length + ids.length };
    first.push(...ids);
  }
  first.push(...(pieces[piece] ?? []).slice(0, room - first.length));
  const windows = [wrap(first)];
  if (!withPieces) return { windows, spans };
  let current: number[] = [];
  for (; piece < pieces.length; piece++) {
    const ids = (pieces[piece] as readonly number[]).slice(0, room);
    if (ids.length === 0) continue;
    if (current.length + ids.length > room) {
      windows.push(wrap(current));
      current = [];
    }
    spans[piece] = { window: windows.length, start: offset + current.length, end: offset + current.length + ids.length };
    current.push(...ids);
  }
  if (current.length > 0) windows.push(wrap(current));
  return { windows, spans };
}

export function normalize(vector: Float32Array): Float32Array {
  let sum = 0;
  for (const x of vector) sum += x * x;
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let i = 0; i < vector.length; i++) vector[i] = (vector[i] ?? 0) / norm;
  return vector;
}

/**
 * Writes into `out` at `at` the mean of the token vectors at positions [start, end) of row `row` of a
 * [batch, sequence, hidden] output, L2-normalised.
 */
export function meanPoolInto(
  hidden: Float32Array,
  shape: { sequence: number; dimension: number },
  row: number,
  span: { start: number; end: number },
  out: Float32Array,
  at: number,
): void {
  const { sequence, dimension } = shape;
  const pooled = out.subarray(at, at + dimension);
  pooled.fill(0);
  for (let t = span.start; t < span.end; t++) {
    const offset = (row * sequence + t) * dimension;
    for (let d = 0; d < dimension; d++) pooled[d] = (pooled[d] ?? 0) + (hidden[offset + d] ?? 0);
  }
  normalize(pooled);
}

/**
 * The indices 0…n−1 of items of the given lengths, in batches of at most `batchSize`, shortest first
 * (ties in input order). A forward pass pads every row to its longest, so batches of similar lengths
 * spare the padding: abstracts run from 80 to 256 tokens, sentences from 5 to 60.
 *
 * @example lengthSortedBatches([9, 2, 5], 2) // → [[1, 2], [0]]
 */
export function lengthSortedBatches(lengths: readonly number[], batchSize: number): number[][] {
  const order = shortestFirst(lengths);
  const batches: number[][] = [];
  for (let start = 0; start < order.length; start += batchSize) batches.push(order.slice(start, start + batchSize));
  return batches;
}

/**
 * The indices 0…n−1 of windows of the given lengths, shortest first (ties in input order), in forward
 * passes of at most `tokensPerPass` padded tokens (rows × the longest row), and always at least one
 * row. A pass's attention scores are rows × heads × length² floats and its activations rows × length
 * × 1,536: a few long windows a pass keep them in cache (one 256-token window costs ≈ 15 % less CPU
 * than sixteen in a pass), while short ones batch many to a pass.
 *
 * @example tokenBudgetBatches([40, 10, 20, 10], 40) // → [[1, 3], [2], [0]]
 */
export function tokenBudgetBatches(lengths: readonly number[], tokensPerPass: number): number[][] {
  const batches: number[][] = [];
  let batch: number[] = [];
  for (const index of shortestFirst(lengths)) {
    // Sorted, so the newcomer is the longest row: it sets the padded length.
    if (batch.length > 0 && (batch.length + 1) * (lengths[index] as number) > tokensPerPass) {
      batches.push(batch);
      batch = [];
    }
    batch.push(index);
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

function shortestFirst(lengths: readonly number[]): number[] {
  return lengths.map((_, index) => index).sort((a, b) => (lengths[a] as number) - (lengths[b] as number) || a - b);
}
