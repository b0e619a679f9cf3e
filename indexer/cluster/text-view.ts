import { PaperscopeError } from '../../core/errors.js';
import type { CorpusTerms } from '../lexical/index.js';
import { createRandom, sampleIndices, TOPIC_SAMPLE_SIZE } from './random.js';
import { normalizeVector } from './vectors.js';

/** Sparse TF-IDF rows over a shared vocabulary; each row has unit length (or is empty). */
export interface TermMatrix {
  vocabularySize: number;
  rows: Array<{ columns: Int32Array; weights: Float32Array }>;
}

/** Titles name the subject in few words, so they count as much as a short abstract. */
const TITLE_REPEATS = 2;
/** Keeps dense copies of the matrix (the report's baseline) bounded on large corpora. */
const MAX_VOCABULARY = 4_096;
const OVERSAMPLING = 10;
const POWER_ITERATIONS = 2;
/** The singular directions of a thousand or so papers describe the corpus' vocabulary as well as all of them. */
const LSA_SAMPLE_SIZE = TOPIC_SAMPLE_SIZE;

/**
 * TF-IDF of titles and abstracts from their term counts (`countCorpusTerms`, the shared
 * tokenizer): sublinear term frequency × log(n / df), keeping terms found in at least two papers
 * and at most half of them (the most frequent `MAX_VOCABULARY` when more qualify), rows scaled to
 * unit length.
 *
 * @example tfIdfMatrix(countCorpusTerms(papers)).rows[0] // → { columns: Int32Array [3, 17, …], weights: Float32Array [0.21, …] }
 */
export function tfIdfMatrix(counted: CorpusTerms): TermMatrix {
  const n = counted.titleLengths.length;
  const { documentFrequency } = counted;
  // Only the kept terms become objects: a topic's papers (`selectTerms`) hold few of the corpus' terms.
  const kept: Array<{ term: string; id: number; df: number }> = [];
  counted.terms.forEach((term, id) => {
    const df = documentFrequency[id] as number;
    if (df >= 2 && df <= n / 2) kept.push({ term, id, df });
  });
  const vocabulary = kept
    .sort((a, b) => b.df - a.df || (a.term < b.term ? -1 : 1))
    .slice(0, MAX_VOCABULARY)
    .sort((a, b) => (a.term < b.term ? -1 : 1));
  const column = new Int32Array(counted.terms.length).fill(-1);
  const idf = new Float64Array(counted.terms.length);
  vocabulary.forEach(({ id, df }, index) => {
    column[id] = index;
    idf[id] = Math.log(n / df);
  });
  const weightOf = new Float64Array(vocabulary.length);
  const rows = Array.from({ length: n }, (_, document) => {
    const first = counted.starts[document] as number;
    const end = counted.starts[document + 1] as number;
    let kept = 0;
    const columns = new Int32Array(end - first);
    for (let entry = first; entry < end; entry++) {
      const id = counted.termIds[entry] as number;
      const index = column[id] as number;
      if (index < 0) continue;
      const count = TITLE_REPEATS * (counted.titleCounts[entry] as number) + (counted.abstractCounts[entry] as number);
      const weight = (1 + Math.log(count)) * (idf[id] as number);
      weightOf[index] = weight;
      columns[kept++] = index;
    }
    const sorted = columns.slice(0, kept).sort();
    let squares = 0;
    for (const index of sorted) squares += (weightOf[index] as number) ** 2;
    const norm = Math.sqrt(squares) || 1;
    return { columns: sorted, weights: Float32Array.from(sorted, (index) => (weightOf[index] as number) / norm) };
  });
  return { vocabularySize: vocabulary.length, rows };
}

/**
 * The term counts of some of the counted documents (`documents`: their indices), as
 * `countCorpusTerms` would give for them alone, but over the whole corpus' term ids and without
 * word positions: a topic's sub-topics are clustered on their own TF-IDF without tokenizing its
 * papers again. `tfIdfMatrix` of either gives the same matrix.
 */
export function selectTerms(counted: CorpusTerms, documents: readonly number[]): CorpusTerms {
  const entries = documents.reduce((sum, d) => sum + (counted.starts[d + 1] as number) - (counted.starts[d] as number), 0);
  const starts = new Uint32Array(documents.length + 1);
  const termIds = new Uint32Array(entries);
  const titleCounts = new Uint32Array(entries);
  const abstractCounts = new Uint32Array(entries);
  const documentFrequency = new Uint32Array(counted.terms.length);
  let at = 0;
  documents.forEach((d, row) => {
    for (let entry = counted.starts[d] as number; entry < (counted.starts[d + 1] as number); entry++, at++) {
      const id = counted.termIds[entry] as number;
      termIds[at] = id;
      titleCounts[at] = counted.titleCounts[entry] as number;
      abstractCounts[at] = counted.abstractCounts[entry] as number;
      documentFrequency[id] = (documentFrequency[id] as number) + 1;
    }
    starts[row + 1] = at;
  });
  return {
    terms: counted.terms,
    surfaces: counted.surfaces,
    documentFrequency,
    titleLengths: Uint32Array.from(documents, (d) => counted.titleLengths[d] as number),
    abstractLengths: Uint32Array.from(documents, (d) => counted.abstractLengths[d] as number),
    starts,
    termIds,
    titleCounts,
    abstractCounts,
  };
}

/** The matrix as dense vectors (for k-means on plain TF-IDF). */
export function denseRows(matrix: TermMatrix): Float32Array[] {
  return matrix.rows.map(({ columns, weights }) => {
    const dense = new Float32Array(matrix.vocabularySize);
    columns.forEach((column, index) => {
      dense[column] = weights[index] as number;
    });
    return dense;
  });
}

/**
 * Latent semantic analysis: each paper's coordinates on the `dimension` strongest singular
 * directions of the TF-IDF matrix (randomized SVD, Halko et al. 2011, seeded), at unit length.
 * Unlike averaged word vectors, this separates topics by the words that co-occur in this corpus.
 * The directions are found on a seeded sample of at most 1,500 papers and every paper is
 * projected on them (A·V), so large corpora cost one sparse product beyond the sample.
 *
 * @example latentSemanticVectors(tfIdfMatrix(papers), 20, 42)[0].length // → 20
 */
export function latentSemanticVectors(matrix: TermMatrix, dimension: number, seed: number): Float32Array[] {
  if (!Number.isInteger(dimension) || dimension < 1) {
    throw new PaperscopeError('INVALID_PARAMETER', `dimension must be a positive integer, got ${dimension}`, { field: 'dimension' });
  }
  const sample: TermMatrix = {
    vocabularySize: matrix.vocabularySize,
    rows: sampleIndices(matrix.rows.length, LSA_SAMPLE_SIZE, seed).map((index) => matrix.rows[index] as TermMatrix['rows'][number]),
  };
  const { directions } = rightSingularVectors(sample, dimension, seed);
  return multiply(matrix, directions).map((coordinates) => normalizeVector(Float32Array.from(coordinates), 'coordinates'));
}

/**
 * The top `dimension` right singular vectors of a sparse matrix as vocabulary rows, with their
 * singular values: with Q an orthonormal basis of A's range and B = QᵀA, the eigenvectors w of
 * B·Bᵀ (eigenvalues σ²) give v = Bᵀw / σ. Directions with σ = 0 stay zero.
 */
export function rightSingularVectors(
  matrix: TermMatrix,
  dimension: number,
  seed: number,
): { directions: Float64Array[]; values: number[] } {
  const width = Math.min(dimension + OVERSAMPLING, matrix.rows.length, matrix.vocabularySize);
  if (width === 0)
    return {
      directions: Array.from({ length: matrix.vocabularySize }, () => new Float64Array(dimension)),
      values: new Array<number>(dimension).fill(0),
    };
  const random = createRandom(seed);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const start = Array.from({ length: matrix.vocabularySize }, () => {
    const row = new Float64Array(width);
    for (let j = 0; j < width; j++) row[j] = gaussian();
    return row;
  });
  let basis = orthonormalColumns(multiply(matrix, start));
  for (let iteration = 0; iteration < POWER_ITERATIONS; iteration++) {
    basis = orthonormalColumns(multiply(matrix, orthonormalColumns(multiplyTransposed(matrix, basis))));
  }
  // Bᵀ = Aᵀ Q is vocabulary × width; B Bᵀ is small (width × width).
  const projected = multiplyTransposed(matrix, basis);
  // Symmetric: each sum is taken once, over the rows in order, and mirrored (the same products in the same order).
  const flat = flatten(projected, width);
  const gram = Array.from({ length: width }, () => new Float64Array(width));
  for (let i = 0; i < width; i++) {
    for (let j = i; j < width; j++) {
      let sum = 0;
      for (let at = 0; at < flat.length; at += width) sum += (flat[at + i] as number) * (flat[at + j] as number);
      (gram[i] as Float64Array)[j] = sum;
      (gram[j] as Float64Array)[i] = sum;
    }
  }
  const { values, vectors } = symmetricEigen(gram);
  const order = values
    .map((value, index) => ({ value, index }))
    .sort((a, b) => b.value - a.value || a.index - b.index)
    .slice(0, dimension);
  const directions = projected.map((row) => {
    const direction = new Float64Array(dimension);
    order.forEach(({ value, index }, j) => {
      if (value <= 1e-12) return;
      let sum = 0;
      for (let m = 0; m < width; m++) sum += (row[m] as number) * ((vectors[m] as Float64Array)[index] as number);
      direction[j] = sum / Math.sqrt(value);
    });
    return direction;
  });
  return { directions, values: Array.from({ length: dimension }, (_, j) => Math.sqrt(Math.max(0, order[j]?.value ?? 0))) };
}

/**
 * Two views of the same papers side by side, each at unit length and weighted so the result has
 * unit length too: cosine on the result is `(1 − weight)·cos₁ + weight·cos₂`.
 */
export function combineViews(first: readonly Float32Array[], second: readonly Float32Array[], weight: number): Float32Array[] {
  if (!(weight >= 0 && weight <= 1))
    throw new PaperscopeError('INVALID_PARAMETER', `weight must be in [0, 1], got ${weight}`, { field: 'weight' });
  if (first.length !== second.length) {
    throw new PaperscopeError('INVALID_INPUT', `${first.length} vectors in one view but ${second.length} in the other`, {
      field: 'second',
    });
  }
  const a = Math.sqrt(1 - weight);
  const b = Math.sqrt(weight);
  return first.map((vector, index) => {
    const other = second[index] as Float32Array;
    const left = normalizeVector(vector, `first[${index}]`);
    const right = normalizeVector(other, `second[${index}]`);
    const combined = new Float32Array(left.length + right.length);
    left.forEach((value, i) => {
      combined[i] = value * a;
    });
    right.forEach((value, i) => {
      combined[left.length + i] = value * b;
    });
    return combined;
  });
}

/** A (n × vocabulary, sparse) times M (vocabulary × width): n rows of width. */
export function multiply(matrix: TermMatrix, right: readonly Float64Array[]): Float64Array[] {
  const width = right[0]?.length ?? 0;
  const from = flatten(right, width);
  const out = new Float64Array(matrix.rows.length * width);
  for (let i = 0; i < matrix.rows.length; i++) {
    const { columns, weights } = matrix.rows[i] as TermMatrix['rows'][number];
    const base = i * width;
    for (let index = 0; index < columns.length; index++) {
      const weight = weights[index] as number;
      const at = (columns[index] as number) * width;
      for (let j = 0; j < width; j++) out[base + j] = (out[base + j] as number) + weight * (from[at + j] as number);
    }
  }
  return rowsOf(out, matrix.rows.length, width);
}

/** Aᵀ (vocabulary × n) times M (n × width): vocabulary rows of width. */
function multiplyTransposed(matrix: TermMatrix, left: readonly Float64Array[]): Float64Array[] {
  const width = left[0]?.length ?? 0;
  const from = flatten(left, width);
  const out = new Float64Array(matrix.vocabularySize * width);
  for (let i = 0; i < matrix.rows.length; i++) {
    const { columns, weights } = matrix.rows[i] as TermMatrix['rows'][number];
    const base = i * width;
    for (let index = 0; index < columns.length; index++) {
      const weight = weights[index] as number;
      const at = (columns[index] as number) * width;
      for (let j = 0; j < width; j++) out[at + j] = (out[at + j] as number) + weight * (from[base + j] as number);
    }
  }
  return rowsOf(out, matrix.vocabularySize, width);
}

/**
 * The products above read and write one contiguous array each: thousands of separate small rows
 * cost as much again in pointer chasing (the related view's SVDs, SciFact: ≈ 40 % less CPU).
 */
function flatten(rows: readonly Float64Array[], width: number): Float64Array {
  const flat = new Float64Array(rows.length * width);
  rows.forEach((row, r) => {
    flat.set(row, r * width);
  });
  return flat;
}

function rowsOf(flat: Float64Array, count: number, width: number): Float64Array[] {
  return Array.from({ length: count }, (_, r) => flat.subarray(r * width, (r + 1) * width));
}

/**
 * Modified Gram–Schmidt on the columns of a row-major matrix; dependent columns become zero. Done on
 * a column-major copy, so each sweep reads adjacent values (the same sums in the same order).
 */
function orthonormalColumns(rows: Float64Array[]): Float64Array[] {
  const width = rows[0]?.length ?? 0;
  const n = rows.length;
  const columns = new Float64Array(n * width);
  for (let i = 0; i < n; i++) {
    const row = rows[i] as Float64Array;
    for (let j = 0; j < width; j++) columns[j * n + i] = row[j] as number;
  }
  for (let j = 0; j < width; j++) {
    const own = j * n;
    for (let previous = 0; previous < j; previous++) {
      const other = previous * n;
      let projection = 0;
      for (let i = 0; i < n; i++) projection += (columns[own + i] as number) * (columns[other + i] as number);
      for (let i = 0; i < n; i++) columns[own + i] = (columns[own + i] as number) - projection * (columns[other + i] as number);
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += (columns[own + i] as number) ** 2;
    norm = Math.sqrt(norm);
    for (let i = 0; i < n; i++) columns[own + i] = norm > 1e-10 ? (columns[own + i] as number) / norm : 0;
  }
  for (let i = 0; i < n; i++) {
    const row = rows[i] as Float64Array;
    for (let j = 0; j < width; j++) row[j] = columns[j * n + i] as number;
  }
  return rows;
}

/**
 * Cyclic Jacobi rotations: eigenvalues and eigenvectors (as columns) of a small symmetric matrix.
 * Both matrices are flat row-major arrays and no closure is made per call: with rows of arrays and
 * an `at` closure, each call handed the optimised code a new call target, and TurboFan compiled the
 * function 6–7 times per isolate in a SciFact run.
 */
function symmetricEigen(input: readonly Float64Array[]): { values: number[]; vectors: Float64Array[] } {
  const size = input.length;
  const a = new Float64Array(size * size);
  for (let i = 0; i < size; i++) a.set(input[i] as Float64Array, i * size);
  const v = new Float64Array(size * size);
  for (let i = 0; i < size; i++) v[i * size + i] = 1;
  for (let sweep = 0; sweep < 60; sweep++) {
    let offDiagonal = 0;
    for (let i = 0; i < size; i++) for (let j = i + 1; j < size; j++) offDiagonal += (a[i * size + j] as number) ** 2;
    if (offDiagonal < 1e-22) break;
    for (let p = 0; p < size; p++) {
      for (let q = p + 1; q < size; q++) {
        const apq = a[p * size + q] as number;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = ((a[q * size + q] as number) - (a[p * size + p] as number)) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        rotate(a, size, size, 1, p, q, c, s);
        rotate(a, size, 1, size, p, q, c, s);
        rotate(v, size, size, 1, p, q, c, s);
      }
    }
  }
  return {
    values: Array.from({ length: size }, (_, i) => a[i * size + i] as number),
    vectors: Array.from({ length: size }, (_, k) => v.subarray(k * size, (k + 1) * size)),
  };
}

/**
 * One Jacobi rotation of the lines p and q of a flat size × size matrix: columns when `step` is the
 * row length and `offset` 1, rows when `step` is 1 and `offset` the row length.
 */
function rotate(m: Float64Array, size: number, step: number, offset: number, p: number, q: number, c: number, s: number): void {
  const atP = p * offset;
  const atQ = q * offset;
  for (let k = 0, at = 0; k < size; k++, at += step) {
    const mp = m[at + atP] as number;
    const mq = m[at + atQ] as number;
    m[at + atP] = c * mp - s * mq;
    m[at + atQ] = s * mp + c * mq;
  }
}
