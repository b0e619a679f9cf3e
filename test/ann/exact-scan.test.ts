import { readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { GRAPH_FILE_HEADER_BYTES, Level0Vectors, level0Layout } from '../../indexer/ann/exact-scan.js';
import { AnnIndex } from '../../indexer/ann/index.js';
import { type DataDirLayout, dataDirLayout } from '../../indexer/store/index.js';
import { UNIT_TEST_MS } from '../helpers/limits.js';
import { temporaryDir } from '../helpers/sample-index.js';
import { unitVectors as unitVectorsOf } from '../helpers/unit-vectors.js';

const DIMENSION = 16;
const COUNT = 1_500;

const unitVectors = (count: number, seed: number) => unitVectorsOf(count, DIMENSION, seed);

const vectors = unitVectors(COUNT, 3);
const ids = vectors.map((_, index) => `paper-${index}`);
const probes = { digest: 'probes-v1', vectors: unitVectors(4, 5) };
const expected = { dimension: DIMENSION, count: COUNT, tableVersion: 2 };

/** `run` on the graph of the first `count` vectors, saved in a scratch data dir (removed after). */
async function withSavedGraph(count: number, run: (layout: DataDirLayout, built: AnnIndex) => Promise<void>): Promise<void> {
  const scratch = await temporaryDir('paperscope-scan-');
  try {
    const layout = dataDirLayout(scratch.dir);
    const built = AnnIndex.build(vectors.slice(0, count), ids.slice(0, count), DIMENSION);
    await built.save(layout, 2);
    await run(layout, built);
  } finally {
    await scratch.remove();
  }
}

describe('the exact scan over a saved graph', () => {
  it(
    "reads the vectors from the graph file's level 0 and finds what every vector compared finds",
    () =>
      withSavedGraph(COUNT, async (layout, built) => {
        const scan = await Level0Vectors.read(layout.annIndex, expected);
        if (!scan) throw new Error('the layout was not recognised');
        for (const label of [0, 1, 777, COUNT - 1]) expect(Array.from(scan.vector(label))).toEqual(Array.from(built.vector(label)));
        let found = 0;
        for (const query of unitVectors(30, 9)) {
          const exact = scan.nearest(query, 10);
          // Every pair compared: the order is the similarities' (ties by label).
          const brute = vectors
            .map((vector, label) => ({ label, dot: vector.reduce((sum, value, d) => sum + value * (query[d] as number), 0) }))
            .sort((a, b) => b.dot - a.dot || a.label - b.label)
            .slice(0, 10);
          expect(exact.map(({ label }) => label)).toEqual(brute.map(({ label }) => label));
          const approximate = built.search(query, 10);
          const exactLabels = new Set(exact.map(({ label }) => label));
          found += approximate.filter(({ label }) => exactLabels.has(label)).length;
          // A paper both find has the graph's similarity, up to the sum's order.
          for (const hit of approximate) {
            const same = exact.find(({ label }) => label === hit.label);
            if (same) expect(same.similarity).toBeCloseTo(hit.similarity, 6);
          }
        }
        expect(found / 300).toBeGreaterThan(0.9);
        const even = scan.nearest(vectors[4] as Float32Array, 5, (label) => label % 2 === 0);
        expect(even[0]?.label).toBe(4);
        expect(even.every(({ label }) => label % 2 === 0)).toBe(true);
      }),
    UNIT_TEST_MS,
  );

  it('refuses a header laid out otherwise and a repeated label', async () => {
    await withSavedGraph(50, async (layout) => {
      const file = await readFile(layout.annIndex);
      const small = { dimension: DIMENSION, count: 50 };
      const found = level0Layout(file, file.length, small);
      if (!found) throw new Error('the layout was not recognised');
      expect(level0Layout(file, file.length, { ...small, dimension: DIMENSION + 1 })).toBeUndefined();
      const moved = Buffer.from(file);
      // The label's offset (u64 at byte 32) one float further.
      moved.writeBigUInt64LE(BigInt(found.labelAt + 4), 32);
      expect(level0Layout(moved, moved.length, small)).toBeUndefined();
      const block = Buffer.from(file.subarray(GRAPH_FILE_HEADER_BYTES, GRAPH_FILE_HEADER_BYTES + 50 * found.elementBytes));
      expect(Level0Vectors.of(block, found, DIMENSION)).toBeDefined();
      // The second element labelled as the first.
      block.writeUInt32LE(0, found.elementBytes + found.labelAt);
      expect(Level0Vectors.of(block, found, DIMENSION)).toBeUndefined();
      await writeFile(
        layout.annIndex,
        Buffer.concat([file.subarray(0, GRAPH_FILE_HEADER_BYTES), block, file.subarray(GRAPH_FILE_HEADER_BYTES + block.length)]),
      );
      expect(await Level0Vectors.read(layout.annIndex, small)).toBeUndefined();
    });
  });

  it(
    "answers from the scan until the graph is loaded when the metadata holds the probes' best matches, and only then",
    () =>
      withSavedGraph(COUNT, async (layout, built) => {
        const without = await AnnIndex.load(layout, expected, undefined, 0);
        if (!('index' in without)) throw new Error(without.problem.message);
        expect(without.index.scanning).toBe(false);
        expect(without.index.offTopic).toBeUndefined();
        await built.save(layout, 2, probes);
        // Read before the load: no await may come between the scanning check and the search below.
        const query = unitVectors(1, 21)[0] as Float32Array;
        const scan = await Level0Vectors.read(layout.annIndex, expected);
        const loaded = await AnnIndex.load(layout, expected, undefined, 0);
        if (!('index' in loaded)) throw new Error(loaded.problem.message);
        const { index } = loaded;
        expect(index.offTopic).toEqual({
          digest: 'probes-v1',
          best: probes.vectors.map((vector) => built.search(vector, 1)[0]?.similarity),
        });
        // hnswlib's load completes on the libuv pool, after this turn.
        expect(index.scanning).toBe(true);
        expect(index.search(query, 10)).toEqual(scan?.nearest(query, 10));
        expect(Array.from(index.vector(42))).toEqual(Array.from(built.vector(42)));
        await index.graphLoaded;
        expect(index.scanning).toBe(false);
        expect(index.search(query, 10)).toEqual(built.search(query, 10));
        // Below the threshold the graph is loaded before the index is returned.
        const small = await AnnIndex.load(layout, expected, undefined, COUNT + 1);
        expect('index' in small && small.index.scanning).toBe(false);
        // A damaged file is refused before any scan.
        const graph = await readFile(layout.annIndex);
        graph[GRAPH_FILE_HEADER_BYTES + 200] = (graph[GRAPH_FILE_HEADER_BYTES + 200] as number) ^ 0xff;
        await writeFile(layout.annIndex, graph);
        const damaged = await AnnIndex.load(layout, expected, undefined, 0);
        expect('problem' in damaged && damaged.problem.kind).toBe('damaged');
      }),
    UNIT_TEST_MS,
  );
});
