import { classicTfIdf } from '../cluster/classic-tfidf.js';
import { foldIn, nmf } from '../cluster/nmf.js';
import { DEFAULT_CLUSTER_SEED, sampleIndices } from '../cluster/random.js';
import type { TermMatrix } from '../cluster/text-view.js';

/**
 * What related papers rank with, computed from the corpus once per index (at index time, saved as
 * a derived file): the papers' TF-IDF rows and their soft topic memberships. The embedding's part
 * is read from the HNSW index.
 */
export interface RelatedView {
  /** The index's topic count the topic mixtures were fitted at. */
  topicCount: number;
  /** `classicTfIdf` over title + abstract, rows in CSR form: row i is entries offsets[i] … offsets[i + 1]. */
  tfIdf: { vocabularySize: number; offsets: Int32Array; columns: Int32Array; weights: Float32Array };
  /** `topicMixtures`, row after row, `mixtureSize` floats each. */
  mixtures: Float32Array;
  mixtureSize: number;
}

/**
 * Factorisations averaged in the topic view: the index's topic count and one either side. One NMF
 * depends on its k (the sample: 1.19× at k 6, 0.79× at k 10 alone); their consensus does not.
 */
const TOPIC_SPREAD = 1;
/** Soft memberships settle long before the factors do: 50 passes score as 200 on both corpora, in a quarter of the time. */
const TOPIC_ITERATIONS = 50;
/** Words the topic view keeps (the most widespread): the factorisation's cost grows with the vocabulary. */
const TOPIC_VOCABULARY = 4_096;
/** Papers each factorisation is fitted on; the others are folded in (NMF costs O(nnz·k) per pass). */
const TOPIC_FIT_SAMPLE = 2_000;

/** What the view needs before the topic count is known: the TF-IDF rows and the sample the factorisations are fitted on. */
export interface PreparedView {
  matrix: TermMatrix;
  /** The widespread terms' rows of every paper, and of the sample. */
  topicRows: TermMatrix;
  sample: TermMatrix;
}

/**
 * The part of the view that does not depend on the topic count (the TF-IDF, a sixth of its cost on
 * SciFact), so a worker can compute it while the topics are still being clustered.
 */
export function prepareRelatedView(
  docs: ReadonlyArray<{ title: string; abstract: string }>,
  seed: number = DEFAULT_CLUSTER_SEED,
): PreparedView {
  return prepareMatrix(classicTfIdf(docs), seed);
}

function prepareMatrix(tfIdf: TermMatrix, seed: number): PreparedView {
  const topicRows = widespreadTerms(tfIdf, TOPIC_VOCABULARY);
  const n = topicRows.rows.length;
  const fitted = sampleIndices(n, TOPIC_FIT_SAMPLE, seed);
  const sample =
    fitted.length < n
      ? { vocabularySize: topicRows.vocabularySize, rows: fitted.map((index) => topicRows.rows[index] as TermMatrix['rows'][number]) }
      : topicRows;
  return { matrix: tfIdf, topicRows, sample };
}

/**
 * The related-papers view of `docs` (in index order) for an index of `topicCount` topics: the
 * factorisations are most of its cost (seconds at thousands of papers), hence computed at index time.
 *
 * @example buildRelatedView(papers, 12).mixtureSize // → 36 (k 11, 12 and 13)
 */
export function buildRelatedView(docs: ReadonlyArray<{ title: string; abstract: string }>, topicCount: number): RelatedView {
  return finishRelatedView(prepareRelatedView(docs), topicCount);
}

/** `buildRelatedView` from its prepared part, once the topic count is known. */
export function finishRelatedView(prepared: PreparedView, topicCount: number, seed: number = DEFAULT_CLUSTER_SEED): RelatedView {
  const { matrix } = prepared;
  const { mixtures, mixtureSize } = mixturesOf(prepared, topicCount, seed);
  return { topicCount, tfIdf: packRows(matrix, (length) => new ArrayBuffer(length)), mixtures, mixtureSize };
}

/** A term matrix's rows in CSR form (see `RelatedView.tfIdf`). */
type PackedRows = RelatedView['tfIdf'];

/**
 * A prepared view in shared memory: the thread that prepared it and another may both finish it
 * (`finishRelatedView` on `readSharedView`), whichever is free first, without copying it.
 */
export interface SharedPreparedView {
  matrix: PackedRows;
  /** The widespread terms' rows, when they are not all of `matrix`'s terms. */
  topicRows?: PackedRows;
  /** Which rows of `topicRows` the factorisations are fitted on, when not all. */
  sample?: Int32Array;
}

export function sharePreparedView({ matrix, topicRows, sample }: PreparedView): SharedPreparedView {
  const shared = (length: number) => new SharedArrayBuffer(length);
  const rowOf = new Map(topicRows.rows.map((row, position) => [row, position]));
  return {
    matrix: packRows(matrix, shared),
    topicRows: topicRows === matrix ? undefined : packRows(topicRows, shared),
    sample: sample === topicRows ? undefined : Int32Array.from(sample.rows, (row) => rowOf.get(row) as number),
  };
}

/** The prepared view `sharePreparedView` shared, its rows read in place. */
export function readSharedView(shared: SharedPreparedView): PreparedView {
  const matrix = unpackRows(shared.matrix);
  const topicRows = shared.topicRows ? unpackRows(shared.topicRows) : matrix;
  const sample = shared.sample
    ? {
        vocabularySize: topicRows.vocabularySize,
        rows: Array.from(shared.sample, (row) => topicRows.rows[row] as TermMatrix['rows'][number]),
      }
    : topicRows;
  return { matrix, topicRows, sample };
}

function packRows(matrix: TermMatrix, allocate: (bytes: number) => ArrayBufferLike): PackedRows {
  const offsets = new Int32Array(allocate((matrix.rows.length + 1) * Int32Array.BYTES_PER_ELEMENT));
  matrix.rows.forEach(({ columns }, position) => {
    offsets[position + 1] = (offsets[position] as number) + columns.length;
  });
  const entries = offsets[matrix.rows.length] as number;
  const columns = new Int32Array(allocate(entries * Int32Array.BYTES_PER_ELEMENT));
  const weights = new Float32Array(allocate(entries * Float32Array.BYTES_PER_ELEMENT));
  matrix.rows.forEach((row, position) => {
    columns.set(row.columns, offsets[position]);
    weights.set(row.weights, offsets[position]);
  });
  return { vocabularySize: matrix.vocabularySize, offsets, columns, weights };
}

function unpackRows({ vocabularySize, offsets, columns, weights }: PackedRows): TermMatrix {
  const rows = Array.from({ length: offsets.length - 1 }, (_, row) => ({
    columns: columns.subarray(offsets[row], offsets[row + 1]),
    weights: weights.subarray(offsets[row], offsets[row + 1]),
  }));
  return { vocabularySize, rows };
}

/**
 * Soft topic membership: NMF of the TF-IDF at the index's topic count and one either side, each
 * paper's weights at unit length per factorisation, concatenated and scaled so that the dot product
 * of two papers is the mean of their cosines. Unlike sharing a topic (measured: it hurts the
 * sample), a paper between two topics stays close to both. Fitted on at most `TOPIC_FIT_SAMPLE`
 * papers, the rest folded in, so the cost is bounded on large corpora.
 */
export function topicMixtures(tfIdf: TermMatrix, topicCount: number, seed: number): Float32Array[] {
  const { mixtures, mixtureSize } = mixturesOf(prepareMatrix(tfIdf, seed), topicCount, seed);
  return tfIdf.rows.map((_, row) => mixtures.subarray(row * mixtureSize, (row + 1) * mixtureSize));
}

/** The papers' mixtures (`topicMixtures`) row after row in one array. */
function mixturesOf(prepared: PreparedView, topicCount: number, seed: number): Pick<RelatedView, 'mixtures' | 'mixtureSize'> {
  const { topicRows: matrix, sample } = prepared;
  const n = matrix.rows.length;
  const ks = [...new Set([topicCount - TOPIC_SPREAD, topicCount, topicCount + TOPIC_SPREAD].map((k) => Math.max(2, k)))].filter(
    (k) => k < n,
  );
  const factorisations = ks.map((k) => {
    const { weights, components } = nmf(sample, k, { seed, maxIterations: TOPIC_ITERATIONS });
    return sample === matrix ? weights : foldIn(matrix, components);
  });
  const share = 1 / Math.sqrt(ks.length);
  const mixtureSize = ks.reduce((sum, k) => sum + k, 0);
  const mixtures = new Float32Array(n * mixtureSize);
  for (let position = 0; position < n; position++) {
    let offset = position * mixtureSize;
    for (const weights of factorisations) {
      const row = weights[position] as Float64Array;
      let squares = 0;
      for (let j = 0; j < row.length; j++) squares += (row[j] as number) * (row[j] as number);
      const norm = Math.sqrt(squares) || 1;
      for (let j = 0; j < row.length; j++) mixtures[offset + j] = (share * (row[j] as number)) / norm;
      offset += row.length;
    }
  }
  return { mixtures, mixtureSize };
}

/** The matrix over its `size` terms found in most papers (rows keep their weights). */
function widespreadTerms(matrix: TermMatrix, size: number): TermMatrix {
  if (matrix.vocabularySize <= size) return matrix;
  const frequency = new Int32Array(matrix.vocabularySize);
  for (const { columns } of matrix.rows) for (const column of columns) frequency[column] = (frequency[column] as number) + 1;
  const kept = Array.from(frequency.keys())
    .sort((a, b) => (frequency[b] as number) - (frequency[a] as number) || a - b)
    .slice(0, size);
  const index = new Int32Array(matrix.vocabularySize).fill(-1);
  kept.forEach((column, position) => {
    index[column] = position;
  });
  // One pair of arrays for all rows, as `classicTfIdf`'s: not two arrays of their own per row.
  const offsets = new Int32Array(matrix.rows.length + 1);
  matrix.rows.forEach(({ columns }, row) => {
    let count = 0;
    for (let entry = 0; entry < columns.length; entry++) if ((index[columns[entry] as number] as number) >= 0) count++;
    offsets[row + 1] = (offsets[row] as number) + count;
  });
  const columns = new Int32Array(offsets[matrix.rows.length] as number);
  const weights = new Float32Array(columns.length);
  matrix.rows.forEach((row, position) => {
    let at = offsets[position] as number;
    for (let entry = 0; entry < row.columns.length; entry++) {
      const column = index[row.columns[entry] as number] as number;
      if (column < 0) continue;
      columns[at] = column;
      weights[at++] = row.weights[entry] as number;
    }
  });
  return unpackRows({ vocabularySize: size, offsets, columns, weights });
}
