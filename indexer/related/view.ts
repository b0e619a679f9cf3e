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
  const rows = mixturesOf(prepared, topicCount, seed);
  const mixtureSize = rows[0]?.length ?? 0;
  const mixtures = new Float32Array(rows.length * mixtureSize);
  rows.forEach((row, position) => {
    mixtures.set(row, position * mixtureSize);
  });
  const offsets = new Int32Array(matrix.rows.length + 1);
  matrix.rows.forEach(({ columns }, position) => {
    offsets[position + 1] = (offsets[position] as number) + columns.length;
  });
  const columns = new Int32Array(offsets[matrix.rows.length] as number);
  const weights = new Float32Array(columns.length);
  matrix.rows.forEach((row, position) => {
    columns.set(row.columns, offsets[position]);
    weights.set(row.weights, offsets[position]);
  });
  return { topicCount, tfIdf: { vocabularySize: matrix.vocabularySize, offsets, columns, weights }, mixtures, mixtureSize };
}

/**
 * Soft topic membership: NMF of the TF-IDF at the index's topic count and one either side, each
 * paper's weights at unit length per factorisation, concatenated and scaled so that the dot product
 * of two papers is the mean of their cosines. Unlike sharing a topic (measured: it hurts the
 * sample), a paper between two topics stays close to both. Fitted on at most `TOPIC_FIT_SAMPLE`
 * papers, the rest folded in, so the cost is bounded on large corpora.
 */
export function topicMixtures(tfIdf: TermMatrix, topicCount: number, seed: number): Float32Array[] {
  return mixturesOf(prepareMatrix(tfIdf, seed), topicCount, seed);
}

function mixturesOf(prepared: PreparedView, topicCount: number, seed: number): Float32Array[] {
  const { topicRows: matrix, sample } = prepared;
  const n = matrix.rows.length;
  const ks = [...new Set([topicCount - TOPIC_SPREAD, topicCount, topicCount + TOPIC_SPREAD].map((k) => Math.max(2, k)))].filter(
    (k) => k < n,
  );
  if (ks.length === 0) return matrix.rows.map(() => new Float32Array(0));
  const factorisations = ks.map((k) => {
    const { weights, components } = nmf(sample, k, { seed, maxIterations: TOPIC_ITERATIONS });
    return sample === matrix ? weights : foldIn(matrix, components);
  });
  const share = 1 / Math.sqrt(ks.length);
  return matrix.rows.map((_, position) => {
    const mixture = new Float32Array(ks.reduce((sum, k) => sum + k, 0));
    let offset = 0;
    for (const weights of factorisations) {
      const row = weights[position] as Float64Array;
      let squares = 0;
      for (let j = 0; j < row.length; j++) squares += (row[j] as number) * (row[j] as number);
      const norm = Math.sqrt(squares) || 1;
      for (let j = 0; j < row.length; j++) mixture[offset + j] = (share * (row[j] as number)) / norm;
      offset += row.length;
    }
    return mixture;
  });
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
  return {
    vocabularySize: size,
    rows: matrix.rows.map(({ columns, weights }) => {
      let kept = 0;
      for (let entry = 0; entry < columns.length; entry++) if ((index[columns[entry] as number] as number) >= 0) kept++;
      const row = { columns: new Int32Array(kept), weights: new Float32Array(kept) };
      kept = 0;
      for (let entry = 0; entry < columns.length; entry++) {
        const column = index[columns[entry] as number] as number;
        if (column < 0) continue;
        row.columns[kept] = column;
        row.weights[kept++] = weights[entry] as number;
      }
      return row;
    }),
  };
}
