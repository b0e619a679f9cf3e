import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildSentenceIndex, loadSentenceIndex, saveSentenceIndex } from '../../indexer/sentences/index.js';
import { allocateRows, copyRows, dotRow, dotRows, quantizeInto, rowCount, rowsView, rowVector } from '../../indexer/sentences/quantized.js';
import { dataDirLayout } from '../../indexer/store/index.js';
import { hashedWordsEmbedder } from '../helpers/hashed-words-embedder.js';

const DIMENSION = 100;

/** `count` seeded unit vectors of `DIMENSION`, row after row. */
function unitRows(count: number, seed: number): Float32Array {
  const rows = new Float32Array(count * DIMENSION);
  let state = seed;
  for (let i = 0; i < rows.length; i++) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    rows[i] = state / 2 ** 31 - 0.5;
  }
  for (let row = 0; row < count; row++) {
    const vector = rows.subarray(row * DIMENSION, (row + 1) * DIMENSION);
    const norm = Math.hypot(...vector);
    vector.forEach((value, d) => {
      vector[d] = value / norm;
    });
  }
  return rows;
}

const floatDot = (a: Float32Array, b: Float32Array) => a.reduce((sum, value, i) => sum + value * (b[i] as number), 0);

describe('sentence vectors in 8 bits', () => {
  const floats = unitRows(200, 11);
  const rows = allocateRows(200, DIMENSION);
  quantizeInto(floats, DIMENSION, rows, 0);
  const query = unitRows(1, 5);
  const row = (index: number) => floats.subarray(index * DIMENSION, (index + 1) * DIMENSION);

  it('keeps similarities within a thousandth or so of float32, and the same best match', () => {
    const exact = Array.from({ length: 200 }, (_, index) => floatDot(query, row(index)));
    const coded = Array.from({ length: 200 }, (_, index) => dotRow(query, rows, index, DIMENSION));
    const worst = Math.max(...exact.map((value, index) => Math.abs(value - (coded[index] as number))));
    const best = (scores: number[]) => scores.indexOf(Math.max(...scores));
    expect(worst).toBeLessThan(3e-3);
    expect(best(coded)).toBe(best(exact));
    expect(Math.abs(dotRows(rows, 3, rows, 4, DIMENSION) - floatDot(row(3), row(4)))).toBeLessThan(3e-3);
    // A unit vector decodes to a unit vector: only its direction is rounded.
    const decoded = rowVector(rows, 7, DIMENSION);
    expect(Math.hypot(...decoded)).toBeCloseTo(1, 6);
    expect(floatDot(decoded, row(7))).toBeGreaterThan(0.9999);
  });

  it('takes a byte a component and four a row', () => {
    expect(rows.codes.byteLength + rows.scales.byteLength).toBe(200 * (DIMENSION + 4));
  });

  it('keeps a zero row zero and copies rows through views', () => {
    const target = allocateRows(3, DIMENSION);
    quantizeInto(new Float32Array(DIMENSION), DIMENSION, target, 0);
    expect(Array.from(rowVector(target, 0, DIMENSION)).every((value) => value === 0)).toBe(true);
    copyRows(rowsView(rows, 10, 2, DIMENSION), target, 1, DIMENSION);
    expect(rowCount(target)).toBe(3);
    expect(rowVector(target, 2, DIMENSION)).toEqual(rowVector(rows, 11, DIMENSION));
  });
});

describe('the sentence index file', () => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  it('holds each sentence in 8 bits and reads back the same vectors, search and calibration', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'paperscope-sentences-'));
    dirs.push(dir);
    const layout = dataDirLayout(dir);
    const embedder = hashedWordsEmbedder();
    const papers = Array.from({ length: 30 }, (_, n) => ({
      id: `p${n}`,
      title: `Paper ${n}`,
      abstract: `Reward noise ${n} hurts policy learning. Flaky tests waste time number ${n % 4}. A third sentence.`,
      contentHash: `h${n}`,
    }));
    const index = await buildSentenceIndex(papers, 3, embedder);
    await saveSentenceIndex(layout, index);
    const dimension = embedder.info.dimension;
    const bytes = (await stat(layout.sentences)).size;
    // 90 sentences: the rows take 90 × (dimension + 4) bytes; float32 would take 90 × 4 × dimension.
    expect(bytes).toBeGreaterThan(90 * (dimension + 4));
    expect(bytes).toBeLessThan(90 * (dimension + 4) + 8_192);
    const loaded = await loadSentenceIndex(layout, embedder.info);
    if (!('index' in loaded)) throw new Error(loaded.problem.message);
    expect(Array.from(loaded.index.vectors.codes)).toEqual(Array.from(index.vectors.codes));
    expect(Array.from(loaded.index.vectors.scales)).toEqual(Array.from(index.vectors.scales));
    expect(loaded.index.calibration).toEqual(index.calibration);
    expect(loaded.index.search('flaky tests', 3)).toEqual(index.search('flaky tests', 3));
    expect(index.search('flaky tests', 1)[0]?.id).toMatch(/^\d+$/);
  });

  it('reads each sentence vector from the file when first asked for, not at load', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'paperscope-sentences-'));
    dirs.push(dir);
    const layout = dataDirLayout(dir);
    const embedder = hashedWordsEmbedder();
    const papers = Array.from({ length: 10 }, (_, n) => ({
      id: `p${n}`,
      title: `Paper ${n}`,
      abstract: `Reward noise ${n} hurts policy learning. Flaky tests waste time number ${n % 4}.`,
      contentHash: `h${n}`,
    }));
    const index = await buildSentenceIndex(papers, 3, embedder);
    await saveSentenceIndex(layout, index);
    const loaded = await loadSentenceIndex(layout, embedder.info);
    if (!('index' in loaded)) throw new Error(loaded.problem.message);
    expect(loaded.index.vector(1)).toEqual(index.vector(1));
    // Zero the codes in place (the open file sees it): row 1, read already, keeps its vector; row 2 reads zeros.
    const dimension = embedder.info.dimension;
    const { size } = await stat(layout.sentences);
    const handle = await open(layout.sentences, 'r+');
    await handle.write(Buffer.alloc(index.size * dimension), 0, index.size * dimension, size - index.size * dimension);
    await handle.close();
    expect(loaded.index.vector(1)).toEqual(index.vector(1));
    expect(Array.from(loaded.index.vector(2)).every((value) => value === 0)).toBe(true);
    const again = await loadSentenceIndex(layout, embedder.info);
    expect(again).toMatchObject({ problem: { kind: 'damaged' } });
  });
});
