import { LRUCache } from 'lru-cache';
import { PaperscopeError } from '../../core/errors.js';
import { forEachWord, mayRespell, normaliseSpelling, splitSentences, terms } from '../../indexer/text/index.js';

export interface Span {
  start: number;
  end: number;
}

export interface Snippet {
  text: string;
  /** Matched words as offsets into `text`, sorted and non-overlapping, for highlighting without HTML. */
  highlights: Span[];
}

export interface SnippetOptions {
  maxSentences?: number;
  maxChars?: number;
  /** Corpus IDF of a stemmed term; without it, a term weighs more the fewer sentences of this abstract contain it. */
  idf?: (term: string) => number;
}

const ELLIPSIS = '…';

/**
 * Snippets are chosen from at most this many characters of an abstract, so the work per shown paper
 * is bounded even for an abstract stored before the parser capped their length (see MAX_ABSTRACT_CHARS).
 */
const SNIPPET_WINDOW_CHARS = 20_000;

/**
 * An abstract split into sentences, each tokenized only when a query may match it (`mayMatch`), so
 * that a search tokenizes the few sentences holding its words rather than every abstract it shows.
 * Sentence `i`'s token `j` has term `tokens[i].terms[j]` (strings shared with the tokenizer's cache)
 * at offsets `tokens[i].spans[2j]`–`spans[2j + 1]` of that sentence.
 */
interface AnalysedAbstract {
  sentences: readonly string[];
  /** Each sentence case-folded (`foldCase`), for the substring test. */
  folded: readonly string[];
  tokens: Array<SentenceTokens | undefined>;
}

interface SentenceTokens {
  terms: readonly string[];
  spans: Int32Array;
}

// The same papers come back across searches, so the split is kept per abstract. Keyed by the text
// rather than a paper id so that a re-indexed paper whose abstract changed can never get a stale
// snippet. About 2–3 kB for an abstract of 800 characters once tokenized: 10,000 take some 25 MB.
const analysedAbstracts = new LRUCache<string, AnalysedAbstract>({ max: 10_000 });

function analyseAbstract(abstract: string): AnalysedAbstract {
  let analysed = analysedAbstracts.get(abstract);
  if (analysed === undefined) {
    const sentences = splitSentences(abstract).map((sentence) => sentence.text);
    analysed = { sentences, folded: sentences.map(foldCase), tokens: [] };
    analysedAbstracts.set(abstract, analysed);
  }
  return analysed;
}

function tokensOf(analysed: AnalysedAbstract, index: number): SentenceTokens {
  let found = analysed.tokens[index];
  if (found === undefined) {
    const terms: string[] = [];
    const spans: number[] = [];
    forEachWord(analysed.sentences[index] as string, (word, start) => {
      for (const token of word.tokens) {
        terms.push(token.term);
        spans.push(start + token.start, start + token.end);
      }
    });
    found = { terms, spans: Int32Array.from(spans) };
    analysed.tokens[index] = found;
  }
  return found;
}

/**
 * Lower case with the final sigma folded (then a word's own lower case is a substring of its
 * sentence's: only Σ's depends on context), and each word spelled as terms are (`normaliseSpelling`:
 * "tumour" as "tumor", "α" as "alpha"), so a term made from another spelling is found too.
 */
export function foldCase(text: string): string {
  const lower = text.toLowerCase();
  // Most sentences hold nothing to respell: one test instead of a call per word.
  return mayRespell(lower) ? lower.replaceAll('ς', 'σ').replace(SPELLED_WORD, normaliseSpelling) : lower;
}

// A word as the tokenizer matches it, compounds whole: each is respelled as the tokenizer respells it.
const SPELLED_WORD = /[\p{L}\p{N}]+(?:[-^/.][\p{L}\p{N}]+)*/gu;

/**
 * Text that every word giving `term` holds, once case-folded: a term that is not all letters is the
 * lower-cased word itself (compounds, "7b"); a Porter stem is the start of its word with at most its
 * last letters rewritten, and a rewrite leaves only these new letters at the end of the stem: a final
 * "i" (for "y"), "e" (-ate, -ize, -ence, -ive, -ble …), "l" ("-bility" → "-bl") or "le" (-ble).
 * Checked on 150,000 words (the realistic corpus's and Porter's suffixes combined) and in the tests.
 */
export function neededText(term: string): string {
  if (!/^\p{L}+$/u.test(term)) return foldCase(term);
  const rewritten = term.endsWith('ble') ? 2 : /[eil]$/.test(term) ? 1 : 0;
  return foldCase(term.slice(0, term.length - rewritten));
}

/** A query term found in a sentence, with its offsets in that sentence. */
interface Match {
  term: string;
  start: number;
  end: number;
}

/**
 * Each sentence with the tokens whose term is `wanted`, in text order, and the set of those terms.
 * A sentence that holds none of `needles` cannot match and is not tokenized.
 */
function matchSentences(analysed: AnalysedAbstract, wanted: ReadonlySet<string>, needles: readonly string[]): MatchedSentence[] {
  return analysed.sentences.map((text, index) => {
    const folded = analysed.folded[index] as string;
    if (!needles.some((needle) => folded.includes(needle))) return { text, matches: NO_MATCHES, matched: NO_TERMS };
    const found: Match[] = [];
    const { terms, spans } = tokensOf(analysed, index);
    for (let token = 0; token < terms.length; token++) {
      const term = terms[token] as string;
      if (wanted.has(term)) found.push({ term, start: spans[2 * token] as number, end: spans[2 * token + 1] as number });
    }
    return found.length === 0
      ? { text, matches: NO_MATCHES, matched: NO_TERMS }
      : { text, matches: found, matched: new Set(found.map((match) => match.term)) };
  });
}

interface MatchedSentence {
  text: string;
  matches: readonly Match[];
  matched: ReadonlySet<string>;
}

// Most sentences of a shown abstract match nothing: they share these instead of allocating their own.
const NO_MATCHES: readonly Match[] = [];
const NO_TERMS: ReadonlySet<string> = new Set();

/**
 * The sentence(s) of an abstract that best match a query, with the matched words' spans. A second
 * sentence is added only if it matches a query term the first did not. Without any match, the
 * opening sentence(s) are returned without highlights. Text longer than `maxChars` is cut around
 * the matches, with an ellipsis at each cut.
 * @example bestSnippet(paper.abstract, 'noisy rewards') // { text: '… robustness to noisy rewards …', highlights: [...] }
 */
export function bestSnippet(abstract: string, query: string, options: SnippetOptions = {}): Snippet {
  const { maxSentences = 2, maxChars = 320, idf } = options;
  if (!Number.isInteger(maxSentences) || maxSentences < 1) {
    throw new PaperscopeError('INVALID_PARAMETER', `maxSentences must be a positive integer, got ${maxSentences}`, {
      field: 'maxSentences',
    });
  }
  if (!Number.isInteger(maxChars) || maxChars < 20) {
    throw new PaperscopeError('INVALID_PARAMETER', `maxChars must be an integer of at least 20, got ${maxChars}`, { field: 'maxChars' });
  }
  const { wanted, needles } = analyseQuery(query);
  const analysed = matchSentences(analyseAbstract(boundedWindow(abstract)), wanted, needles);
  if (analysed.length === 0) return { text: '', highlights: [] };
  const sentenceFrequency = new Map<string, number>();
  for (const { matched } of analysed) for (const term of matched) sentenceFrequency.set(term, (sentenceFrequency.get(term) ?? 0) + 1);
  const weight = (term: string): number => idf?.(term) ?? Math.log(1 + analysed.length / (sentenceFrequency.get(term) ?? 1));
  // Only sentences with a match can score: the others are not weighed.
  const ranked: Array<{ score: number; index: number }> = [];
  analysed.forEach(({ matched }, index) => {
    let score = 0;
    for (const term of matched) score += weight(term);
    if (score > 0) ranked.push({ score, index });
  });
  ranked.sort((a, b) => b.score - a.score || a.index - b.index);
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

/** A query's terms and the text each needs (`neededText`), kept for the next call: a search shows ten papers for one query. */
let lastQuery: { query: string; wanted: ReadonlySet<string>; needles: readonly string[] } | undefined;

export function analyseQuery(query: string): { wanted: ReadonlySet<string>; needles: readonly string[] } {
  if (lastQuery?.query !== query) {
    const wanted = new Set(terms(query));
    lastQuery = { query, wanted, needles: [...wanted].map(neededText) };
  }
  return lastQuery;
}

/** The start of `text` up to SNIPPET_WINDOW_CHARS, cut at a space when there is one near the end. */
function boundedWindow(text: string): string {
  if (text.length <= SNIPPET_WINDOW_CHARS) return text;
  const space = text.lastIndexOf(' ', SNIPPET_WINDOW_CHARS);
  return text.slice(0, space > SNIPPET_WINDOW_CHARS / 2 ? space : SNIPPET_WINDOW_CHARS);
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
  // Window starts grow with the anchor and spans are sorted and disjoint, so the spans inside each
  // window are counted with two pointers in one pass: linear in the highlights, not quadratic.
  let bestStart = 0;
  let bestCount = -1;
  let first = 0;
  let after = 0;
  for (const anchor of spans.length > 0 ? spans : [{ start: 0, end: 0 }]) {
    const start = Math.max(0, Math.min(anchor.start - lead, text.length - budget));
    while (first < spans.length && (spans[first] as Span).start < start) first++;
    after = Math.max(after, first);
    while (after < spans.length && (spans[after] as Span).end <= start + budget) after++;
    if (after - first > bestCount) {
      bestCount = after - first;
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
