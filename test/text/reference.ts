/**
 * A frozen copy of the tokenizer as it was before the issue-7 speed-up,
 * kept only as the oracle of the differential tests: the optimised code must give the same output.
 * Do not "fix" this file; if the intended behaviour changes, the differential tests change with it.
 */
import { stemmer } from 'stemmer';
import { STOP_WORDS, type Token } from '../../indexer/text/index.js';
// Spelling normalisation came after the speed-up; its own cases are in spelling.test.ts.
import { normaliseSpelling } from '../../indexer/text/spelling.js';

const WORD_PATTERN = /(?:[a-zA-Z0-9]|[\p{L}\p{N}])+(?:['’]\p{L}+)?(?:[-^/.](?:[a-zA-Z0-9]|[\p{L}\p{N}])+)*/gu;
const PART_PATTERN = /[\p{L}\p{N}]+/gu;

// The original memoised stems; the oracle recomputes them, which gives the same result.
function stem(word: string): string {
  return /^\p{L}+$/u.test(word) ? stemmer(word) : word;
}

function isIndexable(word: string): boolean {
  if (STOP_WORDS.has(word)) return false;
  // Single letters and bare numbers are noise in paper text; "7b" or "t2i" are not.
  if (word.length < 2) return false;
  return !/^\d+(?:\.\d+)?$/.test(word);
}

export function referenceTokenize(text: string): Token[] {
  const tokens: Token[] = [];
  for (const match of text.matchAll(WORD_PATTERN)) {
    const surface = /['’]/.test(match[0]) ? match[0].replace(/['’]s$/i, '') : match[0];
    const start = match.index;
    const word = surface.toLowerCase();
    const isCompound = /[-^/.]/.test(word);
    const normal = normaliseSpelling(word);
    if (isIndexable(normal)) {
      tokens.push({ term: isCompound ? normal : stem(normal), word, start, end: start + surface.length });
    }
    if (!isCompound) continue;
    for (const part of surface.matchAll(PART_PATTERN)) {
      const partWord = part[0].toLowerCase();
      const partNormal = normaliseSpelling(partWord);
      if (!isIndexable(partNormal)) continue;
      const partStart = start + part.index;
      tokens.push({ term: stem(partNormal), word: partWord, start: partStart, end: partStart + part[0].length });
    }
  }
  return tokens;
}

export function referenceTerms(text: string): string[] {
  return referenceTokenize(text).map((token) => token.term);
}
