import { readFile, rm, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { WorkerLane } from '../../core/worker.js';
import { AnnIndex, GraphStream, graphHeaderFits, headerWithKnownIds } from '../../indexer/ann/index.js';
import { dataDirLayout, KnownIds, openSealedFile } from '../../indexer/store/index.js';
import { UNIT_TEST_MS } from '../helpers/limits.js';
import { temporaryDir } from '../helpers/sample-index.js';
import { unitVectors as unitVectorsOf } from '../helpers/unit-vectors.js';

const DIMENSION = 24;

const unitVectors = (count: number, seed: number) => unitVectorsOf(count, DIMENSION, seed);

describe('AnnIndex', () => {
  const vectors = unitVectors(3_000, 7);
  const ids = vectors.map((_, index) => `paper-${index}`);

  it('finds every sampled vector itself first', () => {
    const index = AnnIndex.build(vectors, ids, DIMENSION);
    expect(index.size).toBe(3_000);
    for (let label = 0; label < vectors.length; label += 97) {
      const [first] = index.search(vectors[label] as Float32Array, 5);
      expect(first?.label).toBe(label);
      expect(first?.similarity).toBeCloseTo(1, 5);
    }
  });

  it(
    'builds the same graph on a worker thread as on the calling one',
    async () => {
      const here = AnnIndex.build(vectors, ids, DIMENSION);
      const there = await AnnIndex.buildInWorker(vectors, ids, DIMENSION);
      expect(there.size).toBe(here.size);
      expect(there.ids).toEqual(ids);
      for (const query of unitVectors(50, 11)) expect(there.search(query, 10)).toEqual(here.search(query, 10));
      expect(Array.from(there.vector(123))).toEqual(Array.from(here.vector(123)));
    },
    UNIT_TEST_MS,
  );

  it(
    'builds the same graph as a task on a worker lane, which then runs the tasks after it',
    async () => {
      const some = vectors.slice(0, 1_000);
      const here = AnnIndex.build(some, ids.slice(0, 1_000), DIMENSION);
      const lane = new WorkerLane();
      try {
        const onLane = await AnnIndex.buildInWorker(some, ids.slice(0, 1_000), DIMENSION, undefined, lane);
        for (const query of unitVectors(20, 17)) expect(onLane.search(query, 10)).toEqual(here.search(query, 10));
        const again = await AnnIndex.buildInWorker(some.slice(0, 300), ids.slice(0, 300), DIMENSION, undefined, lane);
        expect(again.size).toBe(300);
      } finally {
        lane.release();
      }
    },
    UNIT_TEST_MS,
  );

  it(
    'builds the same graph from vectors given a part at a time, as they are made, and stops when given up',
    async () => {
      const some = vectors.slice(0, 1_000);
      const here = AnnIndex.build(some, ids.slice(0, 1_000), DIMENSION);
      const graph = new GraphStream(some.length, DIMENSION);
      // The worker waits for rows it has not been given: the parts arrive while it runs.
      for (let start = 0; start < some.length; start += 300) {
        graph.add(some.slice(start, start + 300));
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const streamed = await graph.finish(ids.slice(0, 1_000));
      for (const query of unitVectors(20, 13)) expect(streamed.search(query, 10)).toEqual(here.search(query, 10));
      // Built, the stream no longer holds the rows it gave the worker.
      expect(() => graph.add([])).toThrow(/finished/);
      const abandoned = new GraphStream(some.length, DIMENSION);
      abandoned.add(some.slice(0, 10));
      expect(() => abandoned.add([new Float32Array(DIMENSION).fill(Number.NaN)])).toThrow(/Vector 10 contains a non-finite value/);
      abandoned.abort();
      await expect(abandoned.finish(ids.slice(0, 1_000))).rejects.toThrow(/10 of 1000 vectors/);
    },
    UNIT_TEST_MS,
  );

  it('parses a metadata header without its ids only when they, last, are the known ids’ JSON exactly', () => {
    const known = new KnownIds(['a', 'b"c', 'é\u2028']);
    const header = (fields: object) => Buffer.from(JSON.stringify(fields));
    expect(headerWithKnownIds(header({ dimension: 2, count: 3, ids: known.ids }), known)).toEqual({ dimension: 2, count: 3 });
    expect(headerWithKnownIds(header({ dimension: 2, count: 3, ids: ['a', 'b"c', 'e\u2028'] }), known)).toBeUndefined();
    expect(headerWithKnownIds(header({ dimension: 2, count: 3, ids: known.ids.slice(1) }), known)).toBeUndefined();
    expect(headerWithKnownIds(header({ ids: known.ids, dimension: 2 }), known)).toBeUndefined();
    expect(headerWithKnownIds(Buffer.from(`{"dimension":2,"idz":${known.json}}`), known)).toBeUndefined();
  });

  it('refuses non-finite and wrong-sized vectors on either thread', async () => {
    const poisoned = [...vectors.slice(0, 3), Float32Array.from({ length: DIMENSION }, () => Number.NaN)];
    expect(() => AnnIndex.build(poisoned, ids.slice(0, 4), DIMENSION)).toThrow(/Vector 3 contains a non-finite value/);
    await expect(AnnIndex.buildInWorker([new Float32Array(DIMENSION - 1)], ['short'], DIMENSION)).rejects.toThrow(
      /Vector 0 has 23 dimensions/,
    );
  });

  it(
    'says by kind why a saved graph is not loaded: missing, stale or damaged',
    async () => {
      const scratch = await temporaryDir('paperscope-ann-');
      try {
        const layout = dataDirLayout(scratch.dir);
        const small = vectors.slice(0, 200);
        await AnnIndex.build(small, ids.slice(0, 200), DIMENSION).save(layout, 3);
        const expected = { dimension: DIMENSION, count: 200, tableVersion: 3 };
        const kind = async (wanted = expected) => {
          const loaded = await AnnIndex.load(layout, wanted);
          return 'problem' in loaded ? loaded.problem.kind : 'loaded';
        };
        expect(await kind()).toBe('loaded');
        // Metadata listing the ids known already is read without parsing them; other ids are parsed.
        const known = new KnownIds(ids.slice(0, 200));
        const withKnown = await AnnIndex.load(layout, expected, Promise.resolve(known));
        expect('index' in withKnown && withKnown.index.ids).toBe(known.ids);
        const others = new KnownIds(['another', ...ids.slice(1, 200)]);
        const withOthers = await AnnIndex.load(layout, expected, Promise.resolve(others));
        expect('index' in withOthers && withOthers.index.ids).toEqual(ids.slice(0, 200));
        // The JSON metadata of earlier versions still loads, until the next save replaces it.
        const sealed = await readFile(layout.annMeta);
        const opened = openSealedFile(sealed, 'PSHM', 'HNSW metadata');
        if ('problem' in opened) throw new Error(opened.problem);
        await rm(layout.annMeta);
        await writeFile(layout.legacyAnnMeta, JSON.stringify(opened.header));
        expect(await kind()).toBe('loaded');
        await writeFile(layout.annMeta, sealed);
        await rm(layout.legacyAnnMeta);
        expect(await kind({ ...expected, tableVersion: 4 })).toBe('stale');
        expect(await kind({ ...expected, count: 201 })).toBe('stale');
        const graph = await readFile(layout.annIndex);
        // A saved graph's header is the one hnswlib is handed before the checksum is known.
        expect(graphHeaderFits(graph, graph.length, expected)).toBe(true);
        graph[graph.length - 1] = (graph[graph.length - 1] as number) ^ 0xff;
        await writeFile(layout.annIndex, graph);
        expect(await kind()).toBe('damaged');
        await writeFile(layout.annMeta, '{"dimension": 24, "count": ');
        expect(await kind()).toBe('damaged');
        await rm(layout.annMeta);
        expect(await kind()).toBe('missing');
      } finally {
        await scratch.remove();
      }
    },
    UNIT_TEST_MS,
  );

  it("hands hnswlib a graph before its checksum only when the file's header is the graph expected", () => {
    // hnswlib's header: level-0 offset, capacity, element count, bytes per element (u64 LE each).
    const header = (fields: bigint[]) => {
      const bytes = Buffer.alloc(32);
      fields.forEach((value, at) => {
        bytes.writeBigUInt64LE(value, at * 8);
      });
      return bytes;
    };
    const expected = { dimension: DIMENSION, count: 200 };
    const size = 96 + 200 * 236 + 4 * 200;
    expect(graphHeaderFits(header([0n, 200n, 200n, 236n]), size, expected)).toBe(true);
    expect(graphHeaderFits(header([0n, 200n, 200n, 236n]), size, { ...expected, count: 201 })).toBe(false);
    expect(graphHeaderFits(header([0n, 200n, 200n, 236n]), size, { ...expected, dimension: 200 })).toBe(false);
    expect(graphHeaderFits(header([0n, 200n, 200n, 236n]), 200 * 236, expected)).toBe(false);
    expect(graphHeaderFits(header([0n, 200n, 200n, 236n]).subarray(0, 31), size, expected)).toBe(false);
    expect(graphHeaderFits(header([8n, 200n, 200n, 236n]), size, expected)).toBe(false);
    expect(graphHeaderFits(header([0n, 1n << 40n, 200n, 236n]), size, expected)).toBe(false);
    expect(graphHeaderFits(header([0n, 200n, 1n << 40n, 236n]), size, expected)).toBe(false);
    expect(graphHeaderFits(header([0n, 200n, 200n, 4n]), size, expected)).toBe(false);
  });
});
