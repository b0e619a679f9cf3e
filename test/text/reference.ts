/**
 * Frozen copies of the tokenizer and of `bestSnippet` as they were before the issue-7 speed-up,
 * kept only as the oracle of the differential tests: the optimised code must give the same output.
 * Do not "fix" this file; if the intended behaviour changes, the differential tests change with it.
 */
import { stemmer } from 'stemmer';
import { STOP_WORDS, splitSentences, type Token } from '../../indexer/text/index.js';
import type { Snippet, SnippetOptions, Span } from '../../server/ranking/index.js';

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
    if (isIndexable(word)) {
      tokens.push({ term: isCompound ? word : stem(word), word, start, end: start + surface.length });
    }
    if (!isCompound) continue;
    for (const part of surface.matchAll(PART_PATTERN)) {
      const partWord = part[0].toLowerCase();
      if (!isIndexable(partWord)) continue;
      const partStart = start + part.index;
      tokens.push({ term: stem(partWord), word: partWord, start: partStart, end: partStart + part[0].length });
    }
  }
  return tokens;
}

export function referenceTerms(text: string): string[] {
  return referenceTokenize(text).map((token) => token.term);
}

const ELLIPSIS = '…';

export function referenceSnippet(abstract: string, query: string, options: SnippetOptions = {}): Snippet {
  const { maxSentences = 2, maxChars = 320, idf } = options;
  if (!Number.isInteger(maxSentences) || maxSentences < 1) {
    throw new Error(`maxSentences must be a positive integer, got ${maxSentences}`);
  }
  if (!Number.isInteger(maxChars) || maxChars < 20) {
    throw new Error(`maxChars must be an integer of at least 20, got ${maxChars}`);
  }
  const sentences = splitSentences(abstract);
  if (sentences.length === 0) return { text: '', highlights: [] };
  const wanted = new Set(referenceTerms(query));
  const analysed = sentences.map((sentence) => {
    const matches = referenceTokenize(sentence.text).filter((token) => wanted.has(token.term));
    return { text: sentence.text, matches, matched: new Set(matches.map((token) => token.term)) };
  });
  const sentenceFrequency = new Map<string, number>();
  for (const { matched } of analysed) for (const term of matched) sentenceFrequency.set(term, (sentenceFrequency.get(term) ?? 0) + 1);
  const weight = (term: string): number => idf?.(term) ?? Math.log(1 + sentences.length / (sentenceFrequency.get(term) ?? 1));
  const scores = analysed.map(({ matched }) => [...matched].reduce((sum, term) => sum + weight(term), 0));

  const ranked = scores
    .map((score, index) => ({ score, index }))
    .filter(({ score }) => score > 0)
    .sort((a, b) => b.score - a.score || a.index - b.index);
  const chosen: number[] = [];
  const covered = new Set<string>();
  let length = 0;
  const candidates = ranked.length > 0 ? ranked.map(({ index }) => index) : analysed.map((_, index) => index);
  for (const index of candidates) {
    if (chosen.length >= maxSentences) break;
    const sentence = analysed[index];
    if (!sentence) continue;
    const addsTerm = ranked.length === 0 || [...sentence.matched].some((term) => !covered.has(term));
    const fits = chosen.length === 0 || length + 3 + sentence.text.length <= maxChars;
    if (!addsTerm || !fits) continue;
    chosen.push(index);
    length += sentence.text.length + (chosen.length > 1 ? 3 : 0);
    for (const term of sentence.matched) covered.add(term);
  }
  chosen.sort((a, b) => a - b);

  let text = '';
  const highlights: Span[] = [];
  chosen.forEach((index, position) => {
    const sentence = analysed[index];
    if (!sentence) return;
    if (position > 0) text += index === (chosen[position - 1] as number) + 1 ? ' ' : ` ${ELLIPSIS} `;
    for (const token of sentence.matches) highlights.push({ start: text.length + token.start, end: text.length + token.end });
    text += sentence.text;
  });
  return trimAround(text, mergeSpans(highlights), maxChars);
}

/** Sorts spans and merges the overlapping ones (a compound and its parts both match). */
function mergeSpans(spans: Span[]): Span[] {
  const sorted = [...spans].sort((a, b) => a.start - b.start || b.end - a.end);
  const merged: Span[] = [];
  for (const span of sorted) {
    const last = merged[merged.length - 1];
    if (last && span.start <= last.end) last.end = Math.max(last.end, span.end);
    else merged.push({ ...span });
  }
  return merged;
}

/**
 * Cuts `text` to at most `maxChars`, choosing the window that holds the most highlights (a little
 * context kept before the first), cutting at spaces, and shifting the spans to the new text.
 */
function trimAround(text: string, spans: Span[], maxChars: number): Snippet {
  if (text.length <= maxChars) return { text, highlights: spans };
  const budget = maxChars - 2 * ELLIPSIS.length;
  const lead = Math.floor(budget / 5);
  let bestStart = 0;
  let bestCount = -1;
  for (const anchor of spans.length > 0 ? spans : [{ start: 0, end: 0 }]) {
    const start = Math.max(0, Math.min(anchor.start - lead, text.length - budget));
    const count = spans.filter((span) => span.start >= start && span.end <= start + budget).length;
    if (count > bestCount) {
      bestCount = count;
      bestStart = start;
    }
  }
  let start = bestStart;
  let end = Math.min(text.length, start + budget);
  const inside = spans.filter((span) => span.start >= start && span.end <= end);
  const firstKept = inside[0]?.start ?? end;
  const lastKept = inside[inside.length - 1]?.end ?? start;
  if (start > 0) {
    const space = text.indexOf(' ', start);
    if (space !== -1 && space < firstKept) start = space + 1;
  }
  if (end < text.length) {
    const space = text.lastIndexOf(' ', end);
    if (space > lastKept && space > start) end = space;
  }
  const prefix = start > 0 ? ELLIPSIS : '';
  const suffix = end < text.length ? ELLIPSIS : '';
  const shift = prefix.length - start;
  return {
    text: prefix + text.slice(start, end) + suffix,
    highlights: inside.map((span) => ({ start: span.start + shift, end: span.end + shift })),
  };
}
