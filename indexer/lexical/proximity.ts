import { PROXIMITY } from './params.js';

/** Two query terms (their places in the query's list) and the IDF of their standing together. */
export interface TermPair {
  a: number;
  b: number;
  idf: number;
}

/** What a pair of query terms adds to a document's bonus (before `PROXIMITY.weight`): its IDF × the saturated closeness. */
export function pairBonus(pairIdf: number, closeness: number, k1: number): number {
  return closeness > 0 ? (pairIdf * closeness * (k1 + 1)) / (closeness + k1) : 0;
}

/**
 * The most the proximity bonus can add to any document's score: each pair's saturated closeness
 * c (k1 + 1) / (c + k1) stays below k1 + 1; a hair more, for rounding. Nearly reached by a
 * document where the two words stand side by side many times.
 */
export function proximityBound(pairs: readonly TermPair[], k1: number): number {
  let sum = 0;
  for (const { idf: pairIdf } of pairs) sum += pairIdf * (k1 + 1);
  return pairs.length === 0 ? 0 : PROXIMITY.weight * sum * (1 + 1e-9) + 1e-9;
}

/** Σ 1 / distance² over the pairs of occurrences at most `window` words apart (both lists ascending). */
export function windowCloseness(first: Uint16Array, second: Uint16Array, window: number): number {
  let sum = 0;
  let from = 0;
  for (const position of first) {
    while (from < second.length && (second[from] as number) < position - window) from++;
    for (let index = from; index < second.length; index++) {
      const distance = Math.abs((second[index] as number) - position);
      if ((second[index] as number) > position + window) break;
      if (distance > 0) sum += 1 / (distance * distance);
    }
  }
  return sum;
}
