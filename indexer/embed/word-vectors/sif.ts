import { type AnalysedWord, forEachWord } from '../../text/index.js';
import type { VectorTable } from './convert.js';
import { createNgramTable, hashedVector } from './oov.js';
import { WordIndex } from './word-index.js';

/**
 * Smooth inverse frequency sentence vectors (Arora et al., 2017): the a/(a + p(w))-weighted average
 * of word vectors, minus the corpus's common component, L2-normalised.
 */

/** SIF's smoothing constant; the paper finds 1e-4…1e-3 best. */
const SMOOTHING = 1e-3;
/**
 * How many documents the rank prior counts as when blended with corpus frequencies: a 60-paper
 * corpus on one topic would otherwise silence its own topic words, a 100k-paper one decides alone.
 */
const PRIOR_DOCUMENTS = 1_000;
/** Weight of the first sentence's words: callers pass "title. abstract", and titles say what matters. */
const TITLE_BOOST = 2;

export interface Lexicon {
  table: VectorTable;
  rows: WordIndex;
  readonly ngrams: Float32Array;
  /** Zipf normaliser: p(rank r) = 1 / (r × harmonic). */
  harmonic: number;
  /** Median word-vector norm, the length given to hashed vectors so they weigh like words. */
  typicalNorm: number;
  /** Hashed vectors of recent out-of-vocabulary words, which recur across a corpus ("rlvr"). */
  hashed: RecentVectors;
}

/** One vector a word adds: the vocabulary's row of `word`, -1 when out of vocabulary. */
export interface Reading {
  word: string;
  row: number;
  /** The hashed vector of an out-of-vocabulary word, made on its first use: SciFact alone has 25k such words. */
  hashed?: Float32Array;
  /** An out-of-vocabulary word's SIF weight under `weighting` (`Weighting.oovWeightOf`): one map look-up per word, not per occurrence. */
  weight?: number;
  weighting?: Weighting;
}

/**
 * Out-of-vocabulary words' hashed vectors, in two generations of up to GENERATION words each: a word
 * read again after the tokenizer's cache was emptied (corpora past 100k distinct forms) finds its
 * vector here instead of 20–40 random rows of the n-gram table (≈ 10 µs a word). Cheaper than an
 * LRU's bookkeeping at every look-up; a word of the old generation moves to the new one when used.
 */
class RecentVectors {
  static readonly GENERATION = 50_000;
  #current = new Map<string, Float32Array>();
  #previous = new Map<string, Float32Array>();

  get(word: string): Float32Array | undefined {
    const vector = this.#current.get(word);
    if (vector !== undefined) return vector;
    const old = this.#previous.get(word);
    if (old !== undefined) this.set(word, old);
    return old;
  }

  set(word: string, vector: Float32Array): void {
    if (this.#current.size >= RecentVectors.GENERATION) {
      this.#previous = this.#current;
      this.#current = new Map();
    }
    this.#current.set(word, vector);
  }
}

export function createLexicon(table: VectorTable): Lexicon {
  let ngrams: Float32Array | undefined;
  return {
    table,
    rows: table.index ?? new WordIndex(table.words),
    // Made on the first out-of-vocabulary word, not at every start: 1.6M values, ≈ 15 ms before a server's first answer.
    get ngrams() {
      ngrams ??= createNgramTable(table.dimension);
      return ngrams;
    },
    harmonic: Math.log(table.words.length) + 0.5772,
    typicalNorm: table.typicalNorm,
    hashed: new RecentVectors(),
  };
}

/** A word of the text as it reads (`readWord`). */
export interface Term {
  reading: Reading;
  /** Extra emphasis: words of the first sentence (the title, as callers pass "title. abstract"). */
  boost: number;
}

type TermVisitor = (reading: Reading, boost: number) => void;

/**
 * The unstemmed words a matched word adds. A compound the vocabulary knows ("state-of-the-art") stands
 * for its parts; an unknown one ("text-to-image") is kept for its hashed vector and its parts add theirs.
 */
export function readWord(analysed: AnalysedWord, lexicon: Lexicon): readonly Reading[] {
  const { rows, table } = lexicon;
  const readings: Reading[] = [];
  let knownCompoundEnd = -1;
  for (const token of analysed.tokens) {
    if (token.start < knownCompoundEnd) continue;
    const row = rows.get(token.word);
    if (row !== undefined) {
      if (/[-^/.]/.test(token.word)) knownCompoundEnd = token.end;
      readings.push({ word: token.word, row });
      continue;
    }
    // "llms" is not in the vocabulary but its stem "llm" is: count it as that word.
    const stemRow = rows.get(token.term);
    readings.push(stemRow === undefined ? { word: token.word, row: -1 } : { word: table.words.at(stemRow) ?? token.term, row: stemRow });
  }
  return readings;
}

/** How a word reads (`readWord`), kept with the tokenizer's shared analysis of it: found once, not at every occurrence. */
function readingsOf(analysed: AnalysedWord, lexicon: Lexicon): readonly Reading[] {
  const memo = analysed.memo;
  if (memo !== undefined && memo.owner === lexicon) return memo.value as readonly Reading[];
  const readings = readWord(analysed, lexicon);
  analysed.memo = { owner: lexicon, value: readings };
  return readings;
}

/**
 * Title boost of the words of `text` (callers pass "title. abstract"): those before its first ". ".
 * No match spans a ". ", so a whole word is before it or after.
 */
function titleEnd(text: string): number {
  return text.indexOf('. ');
}

/** Visits the unstemmed words of a text (see `readWord`), with their boost. */
export function visitTerms(text: string, lexicon: Lexicon, visit: TermVisitor): void {
  const end = titleEnd(text);
  forEachWord(text, (analysed, start) => {
    const boost = start < end ? TITLE_BOOST : 1;
    for (const reading of readingsOf(analysed, lexicon)) visit(reading, boost);
  });
}

/** A text's words as they read, in order, each with the offset of the matched word it comes from. */
export interface ReadText {
  readings: Reading[];
  starts: number[];
}

/** `visitTerms`' words of `text`, kept: a text read once (to fit the weights) is embedded without tokenizing it again. */
export function readText(text: string, lexicon: Lexicon): ReadText {
  const readings: Reading[] = [];
  const starts: number[] = [];
  forEachWord(text, (analysed, start) => {
    for (const reading of readingsOf(analysed, lexicon)) {
      readings.push(reading);
      starts.push(start);
    }
  });
  return { readings, starts };
}

/** The boost of each of `read`'s words in `text`, as `visitTerms` gives it. */
export function visitRead(text: string, read: ReadText, visit: TermVisitor): void {
  const end = titleEnd(text);
  const { readings, starts } = read;
  for (let i = 0; i < readings.length; i++) visit(readings[i] as Reading, (starts[i] as number) < end ? TITLE_BOOST : 1);
}

/** Corpus statistics fitted on the indexed documents. */
export interface CorpusStats {
  documents: number;
  /** Mean number of distinct words per document. */
  meanWords: number;
  df: ReadonlyMap<string, number>;
  /** Document frequency assumed for a word not in `df` (the cap dropped it, or it is unseen). */
  dfFloor: number;
}

/**
 * SIF weights per vocabulary row, each computed on the row's first use and kept, so that embedding
 * does one frequency look-up per distinct word, and a server's start-up none for the ≈ 350,000 rows
 * (computing them all was ≈ 5 % of a cold start at 100k papers).
 */
export interface Weighting {
  corpus: CorpusStats | undefined;
  weightOf(row: number): number;
  /** The weight of an out-of-vocabulary reading (`row` −1), kept with it. */
  oovWeightOf(reading: Reading): number;
}

export function createWeighting(lexicon: Lexicon, corpus: CorpusStats | undefined): Weighting {
  const { words } = lexicon.table;
  const byRow = new Float32Array(words.length).fill(Number.NaN);
  const weighting: Weighting = {
    corpus,
    weightOf(row) {
      let weight = byRow[row] as number;
      if (Number.isNaN(weight)) {
        // Kept as float32, and read back so: the first use gets the value every later one does.
        byRow[row] = sifWeight(row + 1, words.at(row) ?? '', lexicon, corpus);
        weight = byRow[row] as number;
      }
      return weight;
    },
    oovWeightOf(reading) {
      if (reading.weighting !== weighting) {
        // Out-of-vocabulary words rank as the rarest word: they are usually the most distinctive terms.
        reading.weight = sifWeight(words.length, reading.word, lexicon, corpus);
        reading.weighting = weighting;
      }
      return reading.weight as number;
    },
  };
  return weighting;
}

/**
 * SIF weight a / (a + p(w)). p(w) blends the Zipf estimate from the vocabulary rank with the
 * corpus's df-based estimate, the rank acting as PRIOR_DOCUMENTS pseudo-documents: a small corpus
 * leans on general English, a large one on its own usage.
 */
function sifWeight(rank: number, word: string, lexicon: Lexicon, corpus: CorpusStats | undefined): number {
  const prior = 1 / (rank * lexicon.harmonic);
  let probability = prior;
  if (corpus && corpus.documents > 0) {
    const df = corpus.df.get(word) ?? corpus.dfFloor;
    const observed = df / (corpus.documents * corpus.meanWords);
    probability = (corpus.documents * observed + PRIOR_DOCUMENTS * prior) / (corpus.documents + PRIOR_DOCUMENTS);
  }
  return SMOOTHING / (SMOOTHING + probability);
}

/**
 * Adds a reading's weighted vector at `boost` to the sums at `sums[at…at + dimension)`: a word's
 * int8 codes times its SIF weight and scale, or an out-of-vocabulary word's hashed vector scaled
 * like a word's.
 */
function addReading(sums: Float64Array, at: number, reading: Reading, boost: number, lexicon: Lexicon, weighting: Weighting): void {
  const { table } = lexicon;
  const { dimension } = table;
  const row = reading.row;
  if (row < 0) {
    const hashed = hashedOf(reading, lexicon);
    const factor = weighting.oovWeightOf(reading) * boost * lexicon.typicalNorm;
    for (let j = 0; j < dimension; j++) sums[at + j] = (sums[at + j] as number) + (hashed[j] as number) * factor;
    return;
  }
  const codes = table.codes(row);
  const factor = weighting.weightOf(row) * boost * table.scale(row);
  const offset = row * dimension;
  for (let j = 0; j < dimension; j++) sums[at + j] = (sums[at + j] as number) + (codes[offset + j] as number) * factor;
}

/**
 * `addReading` of one reading to two sums, at `boost` to the one at `at` and `otherBoost` to the one
 * at `otherAt`: the same products and sums as two calls (so the same bits), with the row's codes,
 * weight and scale read once.
 */
function addReadingTwice(
  sums: Float64Array,
  at: number,
  boost: number,
  otherAt: number,
  otherBoost: number,
  reading: Reading,
  lexicon: Lexicon,
  weighting: Weighting,
): void {
  const { table } = lexicon;
  const { dimension } = table;
  const row = reading.row;
  if (row < 0) {
    const hashed = hashedOf(reading, lexicon);
    const weight = weighting.oovWeightOf(reading);
    const factor = weight * boost * lexicon.typicalNorm;
    const otherFactor = weight * otherBoost * lexicon.typicalNorm;
    for (let j = 0; j < dimension; j++) {
      const value = hashed[j] as number;
      sums[at + j] = (sums[at + j] as number) + value * factor;
      sums[otherAt + j] = (sums[otherAt + j] as number) + value * otherFactor;
    }
    return;
  }
  const codes = table.codes(row);
  const weight = weighting.weightOf(row);
  const scale = table.scale(row);
  const factor = weight * boost * scale;
  const otherFactor = weight * otherBoost * scale;
  const offset = row * dimension;
  for (let j = 0; j < dimension; j++) {
    const value = codes[offset + j] as number;
    sums[at + j] = (sums[at + j] as number) + value * factor;
    sums[otherAt + j] = (sums[otherAt + j] as number) + value * otherFactor;
  }
}

/** The weighted average of the terms' vectors (unnormalised, common component still in). */
export function averageVector(terms: readonly Term[], lexicon: Lexicon, weighting: Weighting): Float32Array {
  const average = new WeightedAverage(lexicon, weighting);
  for (const term of terms) average.add(term.reading, term.boost);
  return average.result();
}

/** The weighted average of a text's words as `readText` kept them, as `textVector` gives it. */
export function readVector(text: string, read: ReadText, lexicon: Lexicon, weighting: Weighting): Float32Array {
  const average = new WeightedAverage(lexicon, weighting);
  visitRead(text, read, average.add);
  return average.result();
}

/** The weighted average of a text's terms (`visitTerms`), unnormalised, as `averageVector` gives it. */
export function textVector(text: string, lexicon: Lexicon, weighting: Weighting): Float32Array {
  const average = new WeightedAverage(lexicon, weighting);
  visitTerms(text, lexicon, average.add);
  return average.result();
}

/**
 * `textVector` of the text the pieces make up and of each piece alone (its trailing whitespace
 * aside), from one pass over the text's words: the same sums in the same order, so the same vectors.
 * A piece must end where a word cannot go on (at whitespace), as sentences do. `read`, when
 * given, is `readText` of the joined text, which is then not tokenized again. The pieces' averages
 * come as rows of one array (piece i at i × dimension): two allocations per text, not two per piece.
 */
export function pieceVectors(
  pieces: readonly string[],
  lexicon: Lexicon,
  weighting: Weighting,
  read?: ReadText,
): { text: Float32Array; pieces: Float32Array } {
  const { dimension } = lexicon.table;
  const text = pieces.join('');
  // Row 0 sums the whole text, row 1 + i piece i.
  const sums = new Float64Array((pieces.length + 1) * dimension);
  const counts = new Int32Array(pieces.length + 1);
  const ends: number[] = [];
  const boostedBefore: number[] = [];
  let offset = 0;
  for (const piece of pieces) {
    const own = titleEnd(piece.trimEnd());
    boostedBefore.push(own < 0 ? -1 : offset + own);
    offset += piece.length;
    ends.push(offset);
  }
  const textEnd = titleEnd(text);
  let piece = 0;
  const add = (reading: Reading, start: number): void => {
    while (start >= (ends[piece] as number)) piece++;
    counts[0] = (counts[0] as number) + 1;
    counts[piece + 1] = (counts[piece + 1] as number) + 1;
    const boost = start < textEnd ? TITLE_BOOST : 1;
    addReadingTwice(
      sums,
      0,
      boost,
      (piece + 1) * dimension,
      start < (boostedBefore[piece] as number) ? TITLE_BOOST : 1,
      reading,
      lexicon,
      weighting,
    );
  };
  if (read) {
    const { readings, starts } = read;
    for (let i = 0; i < readings.length; i++) add(readings[i] as Reading, starts[i] as number);
  } else {
    forEachWord(text, (analysed, start) => {
      for (const reading of readingsOf(analysed, lexicon)) add(reading, start);
    });
  }
  // The text's vector has an array of its own: a view into the pieces' would keep them alive with it.
  const textAverage = new Float32Array(dimension);
  const pieceAverages = new Float32Array(pieces.length * dimension);
  for (let row = 0; row <= pieces.length; row++) {
    const count = Math.max(1, counts[row] as number);
    const into = row === 0 ? textAverage : pieceAverages;
    const shift = row === 0 ? 0 : dimension;
    for (let j = row * dimension; j < (row + 1) * dimension; j++) into[j - shift] = (sums[j] as number) / count;
  }
  return { text: textAverage, pieces: pieceAverages };
}

class WeightedAverage {
  readonly #lexicon: Lexicon;
  readonly #weighting: Weighting;
  readonly #sum: Float64Array;
  #count = 0;

  constructor(lexicon: Lexicon, weighting: Weighting) {
    this.#lexicon = lexicon;
    this.#weighting = weighting;
    this.#sum = new Float64Array(lexicon.table.dimension);
  }

  readonly add: TermVisitor = (reading, boost) => {
    this.#count++;
    addReading(this.#sum, 0, reading, boost, this.#lexicon, this.#weighting);
  };

  result(): Float32Array {
    const count = Math.max(1, this.#count);
    const vector = new Float32Array(this.#sum.length);
    for (let j = 0; j < vector.length; j++) vector[j] = (this.#sum[j] ?? 0) / count;
    return vector;
  }
}

/** The hashed vector of an out-of-vocabulary reading, kept with it. */
function hashedOf(reading: Reading, lexicon: Lexicon): Float32Array {
  if (reading.hashed === undefined) reading.hashed = oovVector(reading.word, lexicon);
  return reading.hashed;
}

function oovVector(word: string, lexicon: Lexicon): Float32Array {
  let vector = lexicon.hashed.get(word);
  if (!vector) {
    vector = hashedVector(word, lexicon.ngrams, lexicon.table.dimension);
    lexicon.hashed.set(word, vector);
  }
  return vector;
}

/**
 * First right singular vector of the rows (uncentred, as SIF does), by power iteration on their
 * dimension × dimension Gram matrix. Deterministic: starts from the normalised sum of the rows.
 */
export function firstPrincipalComponent(vectors: readonly Float32Array[], dimension: number): Float32Array {
  const gram = new Float64Array(dimension * dimension);
  const start = new Float64Array(dimension);
  for (const vector of vectors) {
    for (let i = 0; i < dimension; i++) {
      const vi = vector[i] ?? 0;
      start[i] = (start[i] ?? 0) + vi;
      if (vi === 0) continue;
      for (let j = i; j < dimension; j++) gram[i * dimension + j] = (gram[i * dimension + j] ?? 0) + vi * (vector[j] ?? 0);
    }
  }
  for (let i = 0; i < dimension; i++) for (let j = 0; j < i; j++) gram[i * dimension + j] = gram[j * dimension + i] ?? 0;
  let current = unit(start.some((value) => value !== 0) ? start : start.fill(1));
  for (let iteration = 0; iteration < 200; iteration++) {
    const next = new Float64Array(dimension);
    for (let i = 0; i < dimension; i++) {
      let value = 0;
      for (let j = 0; j < dimension; j++) value += (gram[i * dimension + j] ?? 0) * (current[j] ?? 0);
      next[i] = value;
    }
    const normalised = unit(next);
    let change = 0;
    for (let i = 0; i < dimension; i++) change = Math.max(change, Math.abs((normalised[i] ?? 0) - (current[i] ?? 0)));
    current = normalised;
    if (change < 1e-9) break;
  }
  return Float32Array.from(current);
}

function unit(vector: Float64Array): Float64Array {
  let norm = 0;
  for (const value of vector) norm += value * value;
  norm = Math.sqrt(norm);
  return norm > 0 ? vector.map((value) => value / norm) : vector;
}

/** Removes the common component (if any) in place and scales to unit length. */
export function finish(vector: Float32Array, common: Float32Array | undefined): Float32Array {
  const dimension = vector.length;
  if (common) {
    let projection = 0;
    for (let j = 0; j < dimension; j++) projection += (vector[j] ?? 0) * (common[j] ?? 0);
    for (let j = 0; j < dimension; j++) vector[j] = (vector[j] ?? 0) - projection * (common[j] ?? 0);
  }
  let norm = 0;
  for (let j = 0; j < dimension; j++) norm += (vector[j] ?? 0) ** 2;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let j = 0; j < dimension; j++) vector[j] = (vector[j] ?? 0) / norm;
  return vector;
}
