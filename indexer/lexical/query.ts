import { forEachWord } from '../text/index.js';
import { tokenOffsets } from './corpus-terms.js';
import { QUERY_TERMS } from './params.js';

/** A term of a quoted phrase and its word offset from the phrase's start (stop words count). */
export interface PhraseTerm {
  term: string;
  offset: number;
}

export interface ParsedQuery {
  /** Every term, quoted or not, in order and with repeats (a repeated term weighs more). */
  terms: string[];
  /** Quoted parts, each required to occur exactly: the same terms at the same gaps. */
  phrases: PhraseTerm[][];
  /** Terms holding a digit ("il-10", "brca1", "covid-19"): names of one gene, protein or strain; not their parts ("il"). */
  codes: Set<string>;
}

// Straight and typographic double quotes; an unmatched last quote is ignored.
const QUOTE = /["“”„]/;

/**
 * Splits a query into its terms and its quoted phrases, analysed as the index analyses text.
 * @example parseQuery('"reward noise" RLVR') // → { terms: ['reward', 'nois', 'rlvr'], phrases: [[{ term: 'reward', offset: 0 }, { term: 'nois', offset: 1 }]], codes: Set {} }
 */
export function parseQuery(text: string): ParsedQuery {
  const parts = text.split(QUOTE);
  // An odd number of quotes leaves the text after the last one unquoted.
  const closed = parts.length % 2 === 1 ? parts.length : parts.length - 1;
  const terms: string[] = [];
  const phrases: PhraseTerm[][] = [];
  const codes = new Set<string>();
  parts.forEach((part, index) => {
    const quoted = index % 2 === 1 && index < closed;
    const phrase = analyse(part, codes);
    for (const { term } of phrase) terms.push(term);
    if (quoted && phrase.length > 0) phrases.push(phrase);
  });
  return { terms, phrases, codes };
}

const CODE = /\d/;

function analyse(text: string, codes: Set<string>): PhraseTerm[] {
  const found: PhraseTerm[] = [];
  let position = 0;
  forEachWord(text, (word) => {
    const { offsets, span } = tokenOffsets(word);
    const code = CODE.test(word.text);
    word.terms.forEach((term, index) => {
      if (code && CODE.test(term)) codes.add(term);
      found.push({ term, offset: position + (offsets[index] as number) });
    });
    position += span;
  });
  const first = found[0]?.offset ?? 0;
  return found.map(({ term, offset }) => ({ term, offset: offset - first }));
}

/**
 * Each distinct query term's weight before its IDF: one, however often the query repeats the term
 * (a claim that says "cells" twice is no more about cells), and `compoundWeight` for a compound's
 * whole ("cancer-associated"), whose parts ("cancer", "associ") are query terms of their own. A
 * pasted text (`repeats: 'counted'`) is about the words it repeats, so there a term weighs as often
 * as it occurs. The terms of a word holding a digit (`codes`: "IL-10", "BRCA1") weigh `codeWeight`.
 * @example queryTermWeights(['cancer-associated', 'cancer', 'associ', 'cell', 'cell']) // → { cancer-associated: 0.5, cancer: 1, associ: 1, cell: 1 }
 */
export function queryTermWeights(
  terms: readonly string[],
  options: { repeats?: 'once' | 'counted'; compoundWeight?: number; codes?: ReadonlySet<string>; codeWeight?: number } = {},
): Map<string, number> {
  const { repeats = 'once', compoundWeight = QUERY_TERMS.compoundWeight, codes, codeWeight = QUERY_TERMS.codeWeight } = options;
  const weights = new Map<string, number>();
  for (const term of terms) {
    const weight = (COMPOUND.test(term) ? compoundWeight : 1) * (codes?.has(term) ? codeWeight : 1);
    weights.set(term, repeats === 'counted' ? (weights.get(term) ?? 0) + weight : weight);
  }
  return weights;
}

// A compound keeps its separators in its whole term, never in its parts (see tokenOffsets).
const COMPOUND = /[-^/.]/;
