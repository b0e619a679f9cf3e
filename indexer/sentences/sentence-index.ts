import type { EmbedderInfo } from '../embed/index.js';
import { type LexicalHit, type LexicalIndex, topK } from '../lexical/index.js';
import { dotRow, isPendingRow, type QuantizedRows, rowCount, rowVector } from './quantized.js';

/** One paper's run of sentences: `count` sentences starting at sentence number `first`. */
export interface SentencePaper {
  id: string;
  /** The paper's content hash when its sentences were embedded, so unchanged papers are reused. */
  hash: string;
  first: number;
  count: number;
}

/**
 * How similar unrelated text looks under this embedder, measured on the corpus at index time.
 * Word-vector averages and MiniLM live on very different cosine scales, so a fixed threshold
 * cannot serve both; thresholds are placed relative to these figures instead.
 */
export interface SimilarityCalibration {
  /** Quantiles of the similarity of random sentence pairs from different papers. */
  pairs: number;
  p50: number;
  p90: number;
  p99: number;
  /** For off-topic probe questions, each one's best similarity to any sentence: median and maximum. */
  probes: number;
  probeMedian: number;
  probeMax: number;
}

/**
 * How sentence vectors were made: each sentence embedded alone, or its tokens pooled from its paper's
 * forward passes (the transformer). Vectors of the two are not mixed in one index.
 */
export type SentencePooling = 'sentence' | 'in-context';

export interface SentenceIndexData {
  tableVersion: number;
  embedder: EmbedderInfo;
  pooling: SentencePooling;
  papers: SentencePaper[];
  /** Start and end character offsets into the abstract, two per sentence. */
  offsets: Uint32Array;
  /** `count` unit vectors, 8 bits a component. */
  vectors: QuantizedRows;
  /** Present when the vectors' codes stay in the file until read (`loadSentenceIndex`): `vectors` is then filled by it. */
  rows?: RowReader;
  lexical: LexicalIndex;
  calibration: SimilarityCalibration;
}

/** Fills rows of a `QuantizedRows` whose codes were left in its file. */
export interface RowReader {
  /** Reads row `row`'s codes, unless read already. */
  readRow(row: number): void;
  /** Reads every row not read yet; later calls do nothing. */
  readAll(): void;
}

/**
 * A sentence index without its BM25 part: what a saved index whose BM25 file is lost or stale
 * still offers, so that rebuilding that file re-embeds nothing.
 */
export interface SentenceVectors {
  readonly tableVersion: number;
  readonly embedder: EmbedderInfo;
  readonly pooling: SentencePooling;
  readonly papers: readonly SentencePaper[];
  readonly offsets: Uint32Array;
  readonly vectors: QuantizedRows;
  readonly calibration: SimilarityCalibration;
}

export interface SentenceRef {
  paperId: string;
  start: number;
  end: number;
}

/** Abstract sentences, each with its vector and BM25 entry, for finding evidence across all papers. */
export class SentenceIndex {
  readonly tableVersion: number;
  readonly embedder: EmbedderInfo;
  readonly pooling: SentencePooling;
  readonly papers: readonly SentencePaper[];
  readonly calibration: SimilarityCalibration;
  readonly lexical: LexicalIndex;
  readonly offsets: Uint32Array;
  /** The scales are always in memory; the codes of a loaded index are read per row (`#rows`). */
  readonly #vectors: QuantizedRows;
  readonly #rows: RowReader | undefined;
  /**
   * Sentences whose vectors are not made yet (the transformer's after its window, made once the index
   * is committed: `completeSentenceIndex`); Ask reads them by their words meanwhile.
   */
  readonly pending: number;
  /** Sentence number → position in `papers`. */
  readonly #paperOf: Uint32Array;
  /** Paper id → position in `papers`, built on the first `sentencesOf`. */
  #positionOf: Map<string, number> | undefined;

  constructor(data: SentenceIndexData) {
    this.tableVersion = data.tableVersion;
    this.embedder = data.embedder;
    this.pooling = data.pooling;
    this.papers = data.papers;
    this.calibration = data.calibration;
    this.lexical = data.lexical;
    this.offsets = data.offsets;
    this.#vectors = data.vectors;
    this.#rows = data.rows;
    // A pending row is told by its scale alone, which is in memory even when the codes are not.
    let pending = 0;
    for (let sentence = 0; sentence < rowCount(data.vectors); sentence++) if (isPendingRow(data.vectors, sentence)) pending++;
    this.pending = pending;
    this.#paperOf = new Uint32Array(data.offsets.length / 2);
    for (const [position, paper] of data.papers.entries()) this.#paperOf.fill(position, paper.first, paper.first + paper.count);
  }

  get size(): number {
    return this.#paperOf.length;
  }

  get dimension(): number {
    return this.embedder.dimension;
  }

  sentence(index: number): SentenceRef {
    const paper = this.papers[this.#paperOf[index] ?? 0];
    return { paperId: paper?.id ?? '', start: this.offsets[2 * index] ?? 0, end: this.offsets[2 * index + 1] ?? 0 };
  }

  /** The sentence numbers of one paper, in abstract order; none for a paper the index does not hold. */
  sentencesOf(paperId: string): number[] {
    this.#positionOf ??= new Map(this.papers.map((paper, position) => [paper.id, position]));
    const paper = this.papers[this.#positionOf.get(paperId) ?? -1];
    return paper ? Array.from({ length: paper.count }, (_, offset) => paper.first + offset) : [];
  }

  /**
   * Every sentence's vector, each read from the file first if it was left there: to save the index
   * or reuse its rows. Answering a question reads a few papers' sentences only (`vector`).
   */
  get vectors(): QuantizedRows {
    this.#rows?.readAll();
    return this.#vectors;
  }

  /** Sentence `index`'s vector, decoded from its 8-bit codes (zeros while pending). */
  vector(index: number): Float32Array {
    this.#rows?.readRow(index);
    return rowVector(this.#vectors, index, this.dimension);
  }

  /** Whether sentence `index` has its vector yet (see `pending`). */
  hasVector(index: number): boolean {
    return !isPendingRow(this.#vectors, index);
  }

  /**
   * The `k` sentences most similar to a unit query vector, best first. An exact scan: a dot
   * product per sentence is a few milliseconds per 100k sentences, and needs no second graph.
   */
  nearest(query: Float32Array, k: number): Array<{ index: number; score: number }> {
    const vectors = this.vectors;
    const scores = new Float32Array(rowCount(vectors));
    for (let sentence = 0; sentence < scores.length; sentence++) scores[sentence] = dotRow(query, vectors, sentence, this.dimension);
    return topK(Array.from(scores.keys()), scores, k).map((index) => ({ index, score: scores[index] as number }));
  }

  /** BM25 over single sentences (their paper's title counts a little). */
  search(query: string, k: number): LexicalHit[] {
    return this.lexical.search(query, { k });
  }
}
