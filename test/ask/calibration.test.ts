import { describe, expect, it } from 'vitest';
import { calibrate, calibrateInWorker, type SentencePaper } from '../../indexer/sentences/index.js';
import { allocateRows, markPendingRow, type QuantizedRows, quantizeInto, rowVector } from '../../indexer/sentences/quantized.js';

/** Unit vectors in 8 dimensions, `count` sentences over papers of 3 sentences each, seeded; in 8 bits, in shared memory. */
function sentences(count: number): { papers: SentencePaper[]; vectors: QuantizedRows } {
  const dimension = 8;
  const floats = new Float32Array(count * dimension);
  let state = 7;
  for (let i = 0; i < floats.length; i++) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    floats[i] = state / 2 ** 31 - 0.5;
  }
  for (let row = 0; row < count; row++) {
    const vector = floats.subarray(row * dimension, (row + 1) * dimension);
    const norm = Math.hypot(...vector);
    vector.forEach((value, d) => {
      vector[d] = value / norm;
    });
  }
  const papers = Array.from({ length: Math.ceil(count / 3) }, (_, paper) => ({
    id: `p${paper}`,
    hash: `h${paper}`,
    first: paper * 3,
    count: Math.min(3, count - paper * 3),
  }));
  const vectors = allocateRows(count, dimension, true);
  quantizeInto(floats, dimension, vectors, 0);
  return { papers, vectors };
}

describe('calibrate', () => {
  const { papers, vectors } = sentences(600);
  const probes = [rowVector(vectors, 0, 8), Float32Array.from({ length: 8 }, (_, d) => (d === 0 ? 1 : 0))];

  it('gives pair quantiles in order and each probe its best similarity in the corpus', () => {
    const calibration = calibrate(papers, vectors, 8, probes);
    expect(calibration.pairs).toBe(2_000);
    expect(calibration.p50).toBeLessThanOrEqual(calibration.p90);
    expect(calibration.p90).toBeLessThanOrEqual(calibration.p99);
    // The first probe is sentence 0 itself; the second, an axis, best matches the largest first coordinate.
    expect(calibration.probeMax).toBeCloseTo(1, 2);
    let best = -1;
    for (let row = 0; row < 600; row++) best = Math.max(best, rowVector(vectors, row, 8)[0] as number);
    expect(calibrate(papers, vectors, 8, probes.slice(1)).probeMax).toBeCloseTo(best, 4);
  });

  it('samples only sentences that have their vectors: pending ones would pull chance similarity towards 0', () => {
    const partial = { codes: vectors.codes.slice(), scales: vectors.scales.slice() };
    // The last sentence of every paper waits for its vector.
    for (const paper of papers) markPendingRow(partial, paper.first + paper.count - 1, 8);
    const calibration = calibrate(papers, partial, 8, probes);
    expect(calibration.pairs).toBeGreaterThan(500);
    expect(calibration.pairs).toBeLessThan(2_000);
    const complete = calibrate(papers, vectors, 8, probes);
    expect(Math.abs(calibration.p99 - complete.p99)).toBeLessThan(0.05);
    expect(Math.abs(calibration.p50 - complete.p50)).toBeLessThan(0.05);
  });

  it('gives the same figures on a worker thread, and needs shared memory there', async () => {
    expect(await calibrateInWorker(papers, vectors, 8, probes)).toEqual(calibrate(papers, vectors, 8, probes));
    const copied = { codes: vectors.codes.slice(), scales: vectors.scales.slice() };
    expect(() => calibrateInWorker(papers, copied, 8, probes)).toThrow(/needs the vectors in a SharedArrayBuffer/);
  });
});
