import { stemmer } from 'stemmer';
import { eng } from 'stopword';
import { hasJoiner, normaliseSpelling } from './spelling.js';
import { WordCache } from './word-cache.js';

export { mayRespell, normaliseSpelling } from './spelling.js';

/**
 * Text analysis shared by the lexical index, snippets, topic labels and the word-vector embedder:
 * one tokenizer, so that a term means the same thing everywhere.
 */

export interface Token {
  /** Lower-cased, stemmed form used for matching. */
  term: string;
  /** Lower-cased surface form, unstemmed. */
  word: string;
  start: number;
  end: number;
}

const EXTRA_STOP_WORDS = [
  'can',
  'may',
  'us',
  'via',
  'using',
  'use',
  'used',
  'based',
  'also',
  'however',
  'thus',
  'therefore',
  'e.g',
  'i.e',
  'etc',
  'et',
  'al',
  'within',
  'without',
  'across',
  'among',
  'upon',
  'whether',
  'onto',
  'toward',
  'towards',
  'often',
  'yet',
  'still',
  'much',
  'many',
  'well',
  'even',
  'one',
  'two',
  'three',
];

export const STOP_WORDS: ReadonlySet<string> = new Set([...eng, ...EXTRA_STOP_WORDS]);

/** Words that carry no topic in an abstract; kept out of labels and "why related" terms. */
export const BOILERPLATE_WORDS: ReadonlySet<string> = new Set([
  'paper',
  'propose',
  'proposed',
  'proposes',
  'present',
  'presents',
  'introduce',
  'introduces',
  'method',
  'methods',
  'approach',
  'approaches',
  'result',
  'results',
  'novel',
  'new',
  'show',
  'shows',
  'demonstrate',
  'demonstrates',
  'experiment',
  'experiments',
  'experimental',
  'work',
  'study',
  'studies',
  'achieve',
  'achieves',
  'performance',
  'existing',
  'state',
  'art',
  'significant',
  'significantly',
  'effective',
  'effectively',
  'framework',
  'code',
  'available',
  'github',
  'https',
  'http',
  'com',
  'www',
  'extensive',
  'furthermore',
  'moreover',
  'recent',
  'recently',
  'key',
  'task',
  'tasks',
  'problem',
  'first',
  'large',
  'improve',
  'improves',
  'improved',
  'improving',
  'outperform',
  'outperforms',
  'consistently',
  'across',
  'various',
  'different',
  'find',
  'found',
  'finding',
  'findings',
  'provide',
  'provides',
  'address',
  'model',
  'models',
  'data',
  'evaluation',
  'benchmark',
  'benchmarks',
  'training',
  'learning',
  'based',
]);

// Words joined by hyphens, slashes, dots or carets stay one token ("text-to-image", "qwen-2.5-7b",
// "dp^2o-sr") and are also split into their parts, so both the whole and the parts match.
// A word is what /[\p{L}\p{N}]+(?:['’]\p{L}+)?(?:[-^/.][\p{L}\p{N}]+)*/gu matches, found by `wordEnd`.
const PART_PATTERN = /[\p{L}\p{N}]+/gu;

// Stemming dominates tokenizing time and a corpus reuses few distinct words, so stems are memoised;
// the cache is bounded so a long-running server cannot grow it without limit.
const STEM_CACHE_LIMIT = 200_000;
const stemCache = new Map<string, string>();

export function stem(word: string): string {
  const cached = stemCache.get(word);
  if (cached !== undefined) return cached;
  const stemmed = isLetters(word) ? stemmer(word) : word;
  if (stemCache.size >= STEM_CACHE_LIMIT) stemCache.clear();
  stemCache.set(word, stemmed);
  return stemmed;
}

export function isStopWord(word: string): boolean {
  return STOP_WORDS.has(word);
}

/**
 * Whether `word` is letters only (`/^\p{L}+$/u`), judged by character code where it is ASCII (most
 * words): every distinct word of a corpus comes here once, and the expression runs only for the others.
 */
function isLetters(word: string): boolean {
  if (word.length === 0) return false;
  for (let at = 0; at < word.length; at++) {
    const code = word.charCodeAt(at);
    if (code >= 0x80) return ALL_LETTERS.test(word);
    // ASCII letters, either case, are a to z once bit 0x20 is set.
    const lower = code | 0x20;
    if (lower < 0x61 || lower > 0x7a) return false;
  }
  return true;
}

const ALL_LETTERS = /^\p{L}+$/u;

function isIndexable(word: string): boolean {
  if (STOP_WORDS.has(word)) return false;
  // Single letters and bare numbers are noise in paper text; "7b" or "t2i" are not.
  if (word.length < 2) return false;
  return !(isDigit(word.charCodeAt(0)) && /^\d+(?:\.\d+)?$/.test(word));
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

/** A matched word, analysed: its tokens, with offsets relative to the start of the match, and their terms. */
export interface AnalysedWord {
  /** The word as matched. */
  text: string;
  tokens: readonly Token[];
  terms: readonly string[];
  /**
   * What the word means to one caller (the word vectors' readings of it, a corpus count's term
   * ids), tagged with that caller's `owner` object: read with the word where a map keyed by the
   * word cost a hash look-up at every occurrence. A memo of another owner is simply replaced.
   */
  memo: WordMemo | undefined;
}

export interface WordMemo {
  owner: object;
  value: unknown;
}

// A corpus repeats few distinct words, so each matched word is analysed once (possessive cut,
// case, compound parts, stop words, stems) and its tokens are reused with shifted offsets
// (`WordCache`: bounded, keeping the words met most often).
const WORD_CACHE_LIMIT = 100_000;

function analyseWord(match: string): AnalysedWord {
  const surface = match.includes("'") || match.includes('’') ? match.replace(/['’]s$/i, '') : match;
  const word = surface.toLowerCase();
  const isCompound = hasJoiner(word);
  const tokens: Token[] = [];
  const terms: string[] = [];
  const add = (token: Token): void => {
    tokens.push(token);
    terms.push(token.term);
  };
  const normal = normaliseSpelling(word);
  if (isIndexable(normal)) add({ term: isCompound ? normal : stem(normal), word, start: 0, end: surface.length });
  if (isCompound) {
    for (const part of surface.matchAll(PART_PATTERN)) {
      const partWord = part[0].toLowerCase();
      const partNormal = normaliseSpelling(partWord);
      if (isIndexable(partNormal)) add({ term: stem(partNormal), word: partWord, start: part.index, end: part.index + part[0].length });
    }
  }
  return { text: match, tokens, terms, memo: undefined };
}

/**
 * Calls `visit` with each word of `text`, analysed, and its offset. Occurrences of a word share
 * one `AnalysedWord` object while it stays cached, so callers may tally words by identity.
 */
export function forEachWord(text: string, visit: (word: AnalysedWord, start: number) => void): void {
  for (let start = nextWordStart(text, 0); start < text.length; ) {
    const end = wordEnd(text, start);
    visit(wordCache.find(text, start, end), start);
    start = nextWordStart(text, end);
  }
}

const wordCache = new WordCache(WORD_CACHE_LIMIT, analyseWord);

/*
 * The word pattern scanned by hand. Letters and numbers are judged by code point, as the pattern's
 * `u` flag does (a surrogate pair is one code point, a lone surrogate is neither), non-ASCII ones by
 * the same property classes, once each.
 */

const LETTER = /^\p{L}$/u;
const NUMBER = /^\p{N}$/u;
/** Per code point of the basic plane: 0 not judged yet, else 1 + (2 if a letter) + (4 if a number); the rare astral ones in a map. */
const judged = new Uint8Array(0x10000);
const judgedAstral = new Map<number, number>();

function classOf(codePoint: number): number {
  let known = codePoint <= 0xffff ? (judged[codePoint] as number) : (judgedAstral.get(codePoint) ?? 0);
  if (known === 0) {
    const character = String.fromCodePoint(codePoint);
    known = 1 | (LETTER.test(character) ? 2 : 0) | (NUMBER.test(character) ? 4 : 0);
    if (codePoint <= 0xffff) judged[codePoint] = known;
    else judgedAstral.set(codePoint, known);
  }
  return known;
}

/** The length (1 or 2) of the letter or number (with `numbers`) at `at`, or 0. */
function wordCharacterAt(text: string, at: number, numbers: boolean): number {
  const code = text.charCodeAt(at);
  if (code < 0x80)
    return (code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a) || (numbers && code >= 0x30 && code <= 0x39) ? 1 : 0;
  const codePoint = text.codePointAt(at) as number;
  return (classOf(codePoint) & (numbers ? 6 : 2)) === 0 ? 0 : codePoint > 0xffff ? 2 : 1;
}

/** Where the next word starts at or after `from` (the text's length when none does). */
function nextWordStart(text: string, from: number): number {
  let at = from;
  while (at < text.length && wordCharacterAt(text, at, true) === 0) at++;
  return at;
}

/** The end of the run of letters (and numbers, with `numbers`) from `at`. */
function runEnd(text: string, at: number, numbers: boolean): number {
  let end = at;
  while (end < text.length) {
    const length = wordCharacterAt(text, end, numbers);
    if (length === 0) break;
    end += length;
  }
  return end;
}

/** The end of the word starting at `start`: its letters and numbers, a possessive, then joined parts. */
function wordEnd(text: string, start: number): number {
  let end = runEnd(text, start, true);
  // The text's end is tested before a character past it is read: read out of bounds (NaN), it threw
  // the optimised scan away on every thread that tokenizes, to be compiled again.
  if (end === text.length) return end;
  const quote = text.charCodeAt(end);
  if (quote === 0x27 || quote === 0x2019) {
    const possessive = runEnd(text, end + 1, false);
    if (possessive > end + 1) end = possessive;
  }
  for (;;) {
    if (end === text.length) return end;
    const joiner = text.charCodeAt(end);
    if (joiner !== 0x2d && joiner !== 0x5e && joiner !== 0x2f && joiner !== 0x2e) return end;
    const part = runEnd(text, end + 1, true);
    if (part === end + 1) return end;
    end = part;
  }
}

/**
 * Splits text into matchable tokens with their character offsets. A compound such as
 * "Text-to-Image" yields the whole ("text-to-image") and its parts ("text", "image").
 */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  forEachWord(text, (word, start) => {
    for (const token of word.tokens)
      tokens.push({ term: token.term, word: token.word, start: start + token.start, end: start + token.end });
  });
  return tokens;
}

/** The stemmed terms of a text, in order, compounds and their parts included. */
export function terms(text: string): string[] {
  const found: string[] = [];
  forEachWord(text, (word) => {
    for (const term of word.terms) found.push(term);
  });
  return found;
}

export interface Sentence {
  text: string;
  start: number;
  end: number;
}

// Abbreviations that end in a dot without ending a sentence. Initials ("J. Smith", "U.S.") are
// matched case-sensitively, so that a sentence ending in a lower-case letter ("of size k.") still ends,
// and only standing alone or after another initial: a name's last letter ("MusicRL-R.") ends one.
const ABBREVIATION_END = /\b(?:e\.g|i\.e|et al|vs|cf|fig|eq|approx|resp|etc|no|sec|ref)\.$/i;
const INITIAL_END = /(?:^|[\s(.])[A-Z]\.$/;

/**
 * Splits an abstract into sentences with offsets, keeping "e.g." and "2.5" inside a sentence. A
 * sentence may open with an enumerator ("(ii) Most importantly, …"), as abstracts list findings.
 */
export function splitSentences(text: string): Sentence[] {
  const sentences: Sentence[] = [];
  const boundary = /[.!?]+["')\]]*\s+(?=["'([]?[A-Z0-9]|\((?:[ivx]+|[a-h])\)\s)/g;
  let start = 0;
  for (const match of text.matchAll(boundary)) {
    const end = match.index + match[0].trimEnd().length;
    const candidate = text.slice(start, end);
    if (ABBREVIATION_END.test(candidate) || INITIAL_END.test(candidate)) continue;
    pushSentence(sentences, text, start, end);
    start = match.index + match[0].length;
  }
  pushSentence(sentences, text, start, text.length);
  return sentences;
}

function pushSentence(sentences: Sentence[], text: string, start: number, end: number): void {
  const raw = text.slice(start, end);
  const leading = raw.length - raw.trimStart().length;
  const trimmed = raw.trim();
  if (trimmed) sentences.push({ text: trimmed, start: start + leading, end: start + leading + trimmed.length });
}
