/**
 * Pure helpers for turning token ids into model inputs and model outputs into one vector per text.
 * Long texts are never truncated: they are cut into overlapping windows whose vectors are averaged.
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

/**
 * Splits a text's token ids into model inputs of at most `windowTokens` ids each. Every window
 * carries the special tokens and the prefix (so a long passage is "passage: …" in each window);
 * consecutive windows overlap by half, so no sentence is only ever seen cut at a window edge.
 */
export function planWindows(
  bodyIds: readonly number[],
  prefixIds: readonly number[],
  special: SpecialTokens,
  windowTokens: number,
): number[][] {
  const room = windowTokens - special.head.length - special.tail.length - prefixIds.length;
  if (room < 2) {
    throw new Error(`The prefix takes ${prefixIds.length} of the model's ${windowTokens} tokens; no room is left for text.`);
  }
  const wrap = (slice: readonly number[]): number[] => [...special.head, ...prefixIds, ...slice, ...special.tail];
  if (bodyIds.length <= room) return [wrap(bodyIds)];
  const stride = Math.floor(room / 2);
  const windows: number[][] = [];
  for (let start = 0; ; start += stride) {
    windows.push(wrap(bodyIds.slice(start, start + room)));
    if (start + room >= bodyIds.length) break;
  }
  return windows;
}

export function normalize(vector: Float32Array): Float32Array {
  let sum = 0;
  for (const x of vector) sum += x * x;
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let i = 0; i < vector.length; i++) vector[i] = (vector[i] ?? 0) / norm;
  return vector;
}

/**
 * Mean of the token vectors of row `row` of a [batch, sequence, hidden] output, over the first
 * `length` positions (the rest is padding), L2-normalised.
 */
export function meanPoolRow(hidden: Float32Array, sequence: number, dimension: number, row: number, length: number): Float32Array {
  const pooled = new Float32Array(dimension);
  const base = row * sequence * dimension;
  for (let t = 0; t < length; t++) {
    const offset = base + t * dimension;
    for (let d = 0; d < dimension; d++) pooled[d] = (pooled[d] ?? 0) + (hidden[offset + d] ?? 0);
  }
  for (let d = 0; d < dimension; d++) pooled[d] = (pooled[d] ?? 0) / Math.max(1, length);
  return normalize(pooled);
}

/** Average of unit window vectors weighted by their token counts, L2-normalised. */
export function combineWindows(vectors: readonly Float32Array[], tokenCounts: readonly number[]): Float32Array {
  const first = vectors[0];
  if (!first) throw new Error('combineWindows needs at least one window');
  if (vectors.length === 1) return first;
  const combined = new Float32Array(first.length);
  vectors.forEach((vector, i) => {
    const weight = tokenCounts[i] ?? 0;
    for (let d = 0; d < combined.length; d++) combined[d] = (combined[d] ?? 0) + weight * (vector[d] ?? 0);
  });
  return normalize(combined);
}

/**
 * The indices 0…n−1 of items of the given lengths, in batches of at most `batchSize`, shortest first
 * (ties in input order). A forward pass pads every row to its longest, so batches of similar lengths
 * spare the padding: abstracts run from 80 to 256 tokens, sentences from 5 to 60.
 *
 * @example lengthSortedBatches([9, 2, 5], 2) // → [[1, 2], [0]]
 */
export function lengthSortedBatches(lengths: readonly number[], batchSize: number): number[][] {
  const order = lengths.map((_, index) => index).sort((a, b) => (lengths[a] as number) - (lengths[b] as number) || a - b);
  const batches: number[][] = [];
  for (let start = 0; start < order.length; start += batchSize) batches.push(order.slice(start, start + batchSize));
  return batches;
}
