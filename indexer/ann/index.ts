import { mkdtempSync } from 'node:fs';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import hnswlib from 'hnswlib-node';
import { z } from 'zod';
import { crashPoint } from '../../core/config.js';
import { PaperscopeError } from '../../core/errors.js';
import { runModuleWorker } from '../../core/worker.js';
import {
  type DataDirLayout,
  damagedFile,
  type LoadProblem,
  missingFile,
  openSealedFile,
  readJsonIfPresent,
  replaceFileAtomically,
  sealFile,
  sha256OfFile,
  staleFile,
  unreadableFile,
} from '../store/index.js';

import { recordStage, type StageCost, type StageTimings } from '../timings.js';
import { buildGraph, DEFAULT_ANN_OPTIONS, type GraphBuildJob } from './graph.js';

export { DEFAULT_ANN_OPTIONS };

const annMetaSchema = z.object({
  dimension: z.number().int().positive(),
  count: z.number().int().nonnegative(),
  tableVersion: z.number().int().nonnegative(),
  checksum: z.string(),
  bytes: z.number().int().nonnegative(),
  /** Paper id of each HNSW label. */
  ids: z.array(z.string()),
});

export type AnnMeta = z.infer<typeof annMetaSchema>;

/** The sealed metadata file's magic: the header is the metadata, the body empty. */
const META_MAGIC = 'PSHM';

export interface Neighbour {
  /** Position of the paper in the `ids` the index was built from. */
  label: number;
  similarity: number;
}

/** A cosine HNSW index over unit vectors, with the paper ids of its labels. */
export class AnnIndex {
  readonly ids: readonly string[];
  readonly dimension: number;
  readonly #index: hnswlib.HierarchicalNSW;

  constructor(index: hnswlib.HierarchicalNSW, ids: readonly string[], dimension: number) {
    this.#index = index;
    this.ids = ids;
    this.dimension = dimension;
  }

  static build(vectors: readonly Float32Array[], ids: readonly string[], dimension: number): AnnIndex {
    return new AnnIndex(buildGraph(packRows(vectors, dimension, new ArrayBuffer(0)), vectors.length, dimension), ids, dimension);
  }

  /**
   * The same index as `build`, built on a worker thread so that the caller's thread (the BM25
   * index, the topics) runs beside it: hnswlib-node inserts on one thread only, so this is the
   * parallelism it allows. The worker's own build time goes into `timings.hnsw`.
   */
  static async buildInWorker(
    vectors: readonly Float32Array[],
    ids: readonly string[],
    dimension: number,
    timings?: StageTimings,
  ): Promise<AnnIndex> {
    const shared = new SharedArrayBuffer(vectors.length * dimension * Float32Array.BYTES_PER_ELEMENT);
    packRows(vectors, dimension, shared);
    // Started before the first await: the caller keeps its thread busy with other indexes meanwhile.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'paperscope-hnsw-'));
    try {
      const job: GraphBuildJob = { vectors: shared, count: vectors.length, dimension, file: path.join(dir, 'papers.hnsw') };
      recordStage(timings, 'hnsw', await runModuleWorker<StageCost>(import.meta.url, './build-worker', job));
      const index = new hnswlib.HierarchicalNSW('cosine', dimension);
      await index.readIndex(job.file);
      index.setEf(DEFAULT_ANN_OPTIONS.efSearch);
      return new AnnIndex(index, ids, dimension);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  get size(): number {
    return this.#index.getCurrentCount();
  }

  /** The stored (unit) vector of a label: the index keeps every vector, so callers need not. */
  vector(label: number): Float32Array {
    return Float32Array.from(this.#index.getPoint(label));
  }

  /** The k nearest papers to `vector`; `accept` filters labels during the graph search. */
  search(vector: Float32Array, k: number, accept?: (label: number) => boolean): Neighbour[] {
    const count = Math.min(k, this.size);
    if (count === 0) return [];
    // hnswlib returns fewer than k when ef < k; widen ef for deep pages.
    this.#index.setEf(Math.max(DEFAULT_ANN_OPTIONS.efSearch, count));
    const result = this.#index.searchKnn(Array.from(vector), count, accept);
    return result.neighbors.map((label, rank) => ({ label, similarity: 1 - (result.distances[rank] ?? 1) }));
  }

  async save(layout: DataDirLayout, tableVersion: number): Promise<void> {
    await replaceFileAtomically(layout.annIndex, async (temporary) => {
      await this.#index.writeIndex(temporary);
      crashPoint('hnsw-write');
    });
    const { size } = await stat(layout.annIndex);
    const meta: AnnMeta = {
      dimension: this.dimension,
      count: this.ids.length,
      tableVersion,
      checksum: await sha256OfFile(layout.annIndex),
      bytes: size,
      ids: [...this.ids],
    };
    const sealed = Buffer.concat(sealFile(META_MAGIC, meta, []));
    await replaceFileAtomically(layout.annMeta, (temporary) => writeFile(temporary, sealed));
    await rm(layout.legacyAnnMeta, { force: true });
  }

  /**
   * Loads the saved index when it matches what is expected, else says why not, so the caller
   * can rebuild it from the table instead of crashing on a missing or damaged file.
   */
  static async load(
    layout: DataDirLayout,
    expected: { dimension: number; count: number; tableVersion: number },
  ): Promise<{ index: AnnIndex } | { problem: LoadProblem }> {
    const read = await readMeta(layout);
    if ('problem' in read) return read;
    const { meta } = read;
    if (meta.dimension !== expected.dimension)
      return { problem: staleFile(`it has dimension ${meta.dimension}, not ${expected.dimension}`) };
    if (meta.count !== expected.count || meta.ids.length !== expected.count)
      return { problem: staleFile(`it holds ${meta.count} papers, not ${expected.count}`) };
    if (meta.tableVersion !== expected.tableVersion)
      return { problem: staleFile(`it was built from table version ${meta.tableVersion}, not ${expected.tableVersion}`) };
    try {
      const { size } = await stat(layout.annIndex);
      if (size !== meta.bytes) return { problem: damagedFile(`the file has ${size} bytes, not ${meta.bytes}`) };
      if ((await sha256OfFile(layout.annIndex)) !== meta.checksum) return { problem: damagedFile('its checksum does not match') };
      const index = new hnswlib.HierarchicalNSW('cosine', meta.dimension);
      await index.readIndex(layout.annIndex);
      if (index.getCurrentCount() !== meta.count) return { problem: damagedFile('the file holds a different number of points') };
      index.setEf(DEFAULT_ANN_OPTIONS.efSearch);
      return { index: new AnnIndex(index, meta.ids, meta.dimension) };
    } catch (error) {
      return { problem: unreadableFile(error, 'the file is missing') };
    }
  }
}

/** The vectors, checked, one after another in `buffer` (a fresh one when it is empty). */
function packRows(vectors: readonly Float32Array[], dimension: number, buffer: ArrayBufferLike): Float32Array {
  assertValidVectors(vectors, dimension);
  const rows = buffer.byteLength > 0 ? new Float32Array(buffer) : new Float32Array(vectors.length * dimension);
  vectors.forEach((vector, row) => {
    rows.set(vector, row * dimension);
  });
  return rows;
}

/** Keeps non-finite or wrong-sized vectors out of the index, where they would poison every search. */
export function assertValidVectors(vectors: readonly Float32Array[], dimension: number): void {
  vectors.forEach((vector, position) => {
    if (vector.length !== dimension) {
      throw new PaperscopeError('INDEX_MISMATCH', `Vector ${position} has ${vector.length} dimensions, expected ${dimension}.`);
    }
    if (!vector.every(Number.isFinite)) {
      throw new PaperscopeError('INVALID_INPUT', `Vector ${position} contains a non-finite value.`);
    }
  });
}

/** The saved metadata: the sealed file, else the JSON file of earlier versions (still loadable). */
async function readMeta(layout: DataDirLayout): Promise<{ meta: AnnMeta } | { problem: LoadProblem }> {
  let raw: unknown;
  try {
    const bytes = await readFile(layout.annMeta).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    });
    if (bytes === undefined) {
      raw = await readJsonIfPresent(layout.legacyAnnMeta);
      if (raw === undefined) return { problem: missingFile('its manifest is missing') };
    } else {
      const sealed = openSealedFile(bytes, META_MAGIC, 'HNSW metadata');
      if ('problem' in sealed) return { problem: damagedFile(`its manifest: ${sealed.problem}`) };
      raw = sealed.header;
    }
  } catch (error) {
    return { problem: damagedFile(`its manifest could not be read (${(error as Error).message})`) };
  }
  const parsed = annMetaSchema.safeParse(raw);
  return parsed.success ? { meta: parsed.data } : { problem: damagedFile('its manifest is invalid') };
}
