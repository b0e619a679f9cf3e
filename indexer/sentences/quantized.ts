/**
 * Sentence vectors as 8-bit codes with one scale per row: row `r` is `codes[r·d .. (r+1)·d) × scales[r]`.
 * A quarter of float32's bytes (a million papers hold ≈ 8 M sentences: 0.8 GB instead of 3.2 GB), and
 * for unit vectors the rounding moves a cosine by about 10⁻³, far below what ranks one sentence
 * above another.
 */
export interface QuantizedRows {
  readonly codes: Int8Array;
  readonly scales: Float32Array;
}

const CODE_MAX = 127;

/** Room for `rows` rows of `dimension`; in shared memory when asked, for a worker to read in place. */
export function allocateRows(rows: number, dimension: number, shared = false): QuantizedRows {
  const bytes = (count: number) => (shared ? new SharedArrayBuffer(count) : new ArrayBuffer(count));
  return {
    codes: new Int8Array(bytes(rows * dimension)),
    scales: new Float32Array(bytes(rows * Float32Array.BYTES_PER_ELEMENT)),
  };
}

/** Rows `first .. first + count` as views (no copy). */
export function rowsView(rows: QuantizedRows, first: number, count: number, dimension: number): QuantizedRows {
  return {
    codes: rows.codes.subarray(first * dimension, (first + count) * dimension),
    scales: rows.scales.subarray(first, first + count),
  };
}

/** Copies `source`'s rows into `target` from row `at`. */
export function copyRows(source: QuantizedRows, target: QuantizedRows, at: number, dimension: number): void {
  target.codes.set(source.codes, at * dimension);
  target.scales.set(source.scales, at);
}

/**
 * Quantises float rows (`rows.length / dimension` of them) into `target` from row `at`: a row's
 * codes span ±127 at its largest magnitude, and its scale gives the decoded row the original's
 * length, so a unit vector stays a unit vector and only its direction is rounded.
 */
export function quantizeInto(rows: Float32Array, dimension: number, target: QuantizedRows, at: number): void {
  const count = rows.length / dimension;
  for (let row = 0; row < count; row++) {
    const base = row * dimension;
    let largest = 0;
    let length = 0;
    for (let i = 0; i < dimension; i++) {
      const value = rows[base + i] as number;
      largest = Math.max(largest, Math.abs(value));
      length += value * value;
    }
    const out = (at + row) * dimension;
    let codeLength = 0;
    for (let i = 0; i < dimension; i++) {
      const code = largest === 0 ? 0 : Math.round(((rows[base + i] as number) * CODE_MAX) / largest);
      target.codes[out + i] = code;
      codeLength += code * code;
    }
    target.scales[at + row] = codeLength === 0 ? 0 : Math.sqrt(length / codeLength);
  }
}

/**
 * A row whose vector is not made yet (the transformer's sentences after its window, made after the
 * index is committed): codes 0 and scale −1, which no vector has. Every reader sees a zero vector;
 * `isPendingRow` tells it apart.
 */
export function markPendingRow(target: QuantizedRows, row: number, dimension: number): void {
  target.codes.fill(0, row * dimension, (row + 1) * dimension);
  target.scales[row] = PENDING_SCALE;
}

const PENDING_SCALE = -1;

export function isPendingRow(rows: QuantizedRows, row: number): boolean {
  return rows.scales[row] === PENDING_SCALE;
}

/** The dot product of a float vector with row `row`. */
export function dotRow(query: Float32Array, rows: QuantizedRows, row: number, dimension: number): number {
  const base = row * dimension;
  let sum = 0;
  for (let i = 0; i < dimension; i++) sum += (query[i] as number) * (rows.codes[base + i] as number);
  return sum * (rows.scales[row] as number);
}

/** The dot product of two rows (of the same or different arrays). */
export function dotRows(a: QuantizedRows, rowA: number, b: QuantizedRows, rowB: number, dimension: number): number {
  const baseA = rowA * dimension;
  const baseB = rowB * dimension;
  let sum = 0;
  for (let i = 0; i < dimension; i++) sum += (a.codes[baseA + i] as number) * (b.codes[baseB + i] as number);
  return sum * (a.scales[rowA] as number) * (b.scales[rowB] as number);
}

/** Row `row` as floats again. */
export function rowVector(rows: QuantizedRows, row: number, dimension: number): Float32Array {
  const vector = new Float32Array(dimension);
  const scale = rows.scales[row] as number;
  const base = row * dimension;
  for (let i = 0; i < dimension; i++) vector[i] = (rows.codes[base + i] as number) * scale;
  return vector;
}

/** How many rows `rows` holds. */
export function rowCount(rows: QuantizedRows): number {
  return rows.scales.length;
}
