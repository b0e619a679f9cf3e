import { closeSync, fstatSync, mkdtempSync, openSync, readSync } from 'node:fs';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import hnswlib from 'hnswlib-node';
import { z } from 'zod';
import { crashPoint } from '../../core/config.js';
import { PaperscopeError } from '../../core/errors.js';
import { runModuleWorker, runTask, type WorkerLane } from '../../core/worker.js';
import {
  type DataDirLayout,
  damagedFile,
  type KnownIds,
  type LoadProblem,
  missingFile,
  openSealedBytes,
  parseSealedHeader,
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
/** The metadata without its ids, for a file whose ids are known already (`headerWithKnownIds`). */
const annMetaHeadSchema = annMetaSchema.omit({ ids: true });

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
    return new AnnIndex(buildGraph(packRows(vectors, dimension), vectors.length, dimension), ids, dimension);
  }

  /**
   * The same index as `build`, built on a worker thread so that the caller's thread (the BM25
   * index, the topics) runs beside it: hnswlib-node inserts on one thread only, so this is the
   * parallelism it allows. The worker's own build time goes into `timings.hnsw`. On `lane` (a
   * corpus whose off-thread stages share one) it is a task there, not a thread of its own.
   */
  static buildInWorker(
    vectors: readonly Float32Array[],
    ids: readonly string[],
    dimension: number,
    timings?: StageTimings,
    lane?: WorkerLane,
  ): Promise<AnnIndex> {
    const graph = new GraphStream(vectors.length, dimension, lane);
    try {
      graph.add(vectors);
    } catch (error) {
      graph.abort();
      return Promise.reject(error);
    }
    return graph.finish(ids, timings);
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
      // Last: a reader that knows the ids compares the header's tail with their JSON (`headerWithKnownIds`).
      ids: [...this.ids],
    };
    const sealed = Buffer.concat(sealFile(META_MAGIC, meta, []));
    await replaceFileAtomically(layout.annMeta, (temporary) => writeFile(temporary, sealed));
    await rm(layout.legacyAnnMeta, { force: true });
  }

  /**
   * Loads the saved index when it matches what is expected, else says why not, so the caller
   * can rebuild it from the table instead of crashing on a missing or damaged file. With `known`
   * (the papers' ids, once read), metadata listing the same ids is read without parsing them.
   */
  static async load(
    layout: DataDirLayout,
    expected: { dimension: number; count: number; tableVersion: number },
    known?: Promise<KnownIds | undefined>,
  ): Promise<{ index: AnnIndex } | { problem: LoadProblem }> {
    const reading = readGraphIfExpected(layout.annIndex, expected);
    reading.catch(() => {});
    const read = await readMeta(layout, known);
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
      const index = (await reading) ?? (await readGraph(layout.annIndex, meta.dimension));
      if (index.getCurrentCount() !== meta.count) return { problem: damagedFile('the file holds a different number of points') };
      index.setEf(DEFAULT_ANN_OPTIONS.efSearch);
      return { index: new AnnIndex(index, meta.ids, meta.dimension) };
    } catch (error) {
      return { problem: unreadableFile(error, 'the file is missing') };
    }
  }
}

/**
 * An HNSW graph built on a worker thread from vectors given in order, a part at a time (`add`): at a
 * large corpus the indexer hands it each chunk of papers as they are embedded, so the graph (one core,
 * ≈ 300 s of CPU at a million papers) is built on the second core while this one embeds, not after.
 */
export class GraphStream {
  readonly #count: number;
  readonly #dimension: number;
  readonly #rows: Float32Array;
  readonly #ready: Int32Array;
  readonly #dir: string;
  readonly #file: string;
  readonly #built: Promise<StageCost>;
  #added = 0;

  /**
   * With `lane`, the graph is built as a task there (one isolate fewer: at a few thousand papers
   * a worker's start and compilation cost a quarter of the build), after the tasks sent before it.
   * It holds the lane until its rows are in, so a lane is only for rows given at once (`buildInWorker`).
   */
  constructor(count: number, dimension: number, lane?: WorkerLane) {
    this.#count = count;
    this.#dimension = dimension;
    const vectors = new SharedArrayBuffer(count * dimension * Float32Array.BYTES_PER_ELEMENT);
    const ready = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT);
    this.#rows = new Float32Array(vectors);
    this.#ready = new Int32Array(ready);
    this.#dir = mkdtempSync(path.join(os.tmpdir(), 'paperscope-hnsw-'));
    this.#file = path.join(this.#dir, 'papers.hnsw');
    const job: GraphBuildJob = { vectors, count, dimension, file: this.#file, ready };
    // Started now: the worker loads its modules and waits for the first rows.
    this.#built = lane
      ? runTask<StageCost>(lane, import.meta.url, './build-task', job)
      : runModuleWorker<StageCost>(import.meta.url, './build-worker', job);
    // Observed at once: it may fail before `finish` is awaited.
    this.#built.catch(() => {});
  }

  /** The next vectors, in label order, checked: a bad one is refused before the worker sees it. */
  add(vectors: readonly Float32Array[]): void {
    if (this.#added + vectors.length > this.#count)
      throw new PaperscopeError('INTERNAL', `The HNSW graph was sized for ${this.#count} vectors, not more.`);
    assertValidVectors(vectors, this.#dimension, this.#added);
    vectors.forEach((vector, position) => {
      this.#rows.set(vector, (this.#added + position) * this.#dimension);
    });
    this.#added += vectors.length;
    Atomics.store(this.#ready, 0, this.#added);
    Atomics.notify(this.#ready, 0);
  }

  /** Stops the worker (its vectors will not all come) and removes its file; nothing once every vector is given. */
  abort(): void {
    if (this.#added === this.#count) return;
    Atomics.store(this.#ready, 0, -1);
    Atomics.notify(this.#ready, 0);
    void this.#built.catch(() => {}).finally(() => rm(this.#dir, { recursive: true, force: true }));
  }

  /** The finished graph, with the paper id of each label; the worker's own build time goes into `timings.hnsw`. */
  async finish(ids: readonly string[], timings?: StageTimings): Promise<AnnIndex> {
    try {
      if (this.#added !== this.#count || ids.length !== this.#count)
        throw new PaperscopeError('INTERNAL', `The HNSW graph has ${this.#added} of ${this.#count} vectors for ${ids.length} ids.`);
      recordStage(timings, 'hnsw', await this.#built);
      const index = await readGraph(this.#file, this.#dimension);
      index.setEf(DEFAULT_ANN_OPTIONS.efSearch);
      return new AnnIndex(index, ids, this.#dimension);
    } finally {
      this.abort();
      await this.#built.catch(() => {});
      await rm(this.#dir, { recursive: true, force: true });
    }
  }
}

/** The vectors, checked, one after another. */
function packRows(vectors: readonly Float32Array[], dimension: number): Float32Array {
  assertValidVectors(vectors, dimension);
  const rows = new Float32Array(vectors.length * dimension);
  vectors.forEach((vector, row) => {
    rows.set(vector, row * dimension);
  });
  return rows;
}

/** Keeps non-finite or wrong-sized vectors out of the index, where they would poison every search; `first` numbers them in messages. */
export function assertValidVectors(vectors: readonly Float32Array[], dimension: number, first = 0): void {
  vectors.forEach((vector, position) => {
    if (vector.length !== dimension) {
      throw new PaperscopeError('INDEX_MISMATCH', `Vector ${first + position} has ${vector.length} dimensions, expected ${dimension}.`);
    }
    if (!vector.every(Number.isFinite)) {
      throw new PaperscopeError('INVALID_INPUT', `Vector ${first + position} contains a non-finite value.`);
    }
  });
}

/** hnswlib's file opens with offsetLevel0, maxElements, the element count and the bytes per element (u64 LE each). */
const GRAPH_HEADER_BYTES = 32;

async function readGraph(file: string, dimension: number): Promise<hnswlib.HierarchicalNSW> {
  const index = new hnswlib.HierarchicalNSW('cosine', dimension);
  await index.readIndex(file);
  return index;
}

/**
 * The graph in `file` read by hnswlib when its header is that of the graph expected, else undefined
 * (nothing read). hnswlib reads the file on the libuv pool element by element, with two `lseek`s for
 * each (≈ 6 s of CPU at a million papers, the longest part of a server's start): started at once, it
 * runs beside the metadata's read and the file's checksum instead of after them. Only a header whose
 * sizes match what the index expects is handed to hnswlib before the checksum is known (a damaged
 * element count could make it allocate for billions), and the caller uses the graph only once the
 * checksum matched.
 */
function readGraphIfExpected(file: string, expected: { dimension: number; count: number }): Promise<hnswlib.HierarchicalNSW | undefined> {
  // Read here, not on the libuv pool: hnswlib's read is queued before this thread goes on to the other files.
  const header = Buffer.alloc(GRAPH_HEADER_BYTES);
  let size: number;
  try {
    const descriptor = openSync(file, 'r');
    try {
      if (readSync(descriptor, header, 0, GRAPH_HEADER_BYTES, 0) < GRAPH_HEADER_BYTES) return Promise.resolve(undefined);
      ({ size } = fstatSync(descriptor));
    } finally {
      closeSync(descriptor);
    }
  } catch {
    return Promise.resolve(undefined);
  }
  return graphHeaderFits(header, size, expected) ? readGraph(file, expected.dimension) : Promise.resolve(undefined);
}

/**
 * Whether hnswlib's file header (its first `GRAPH_HEADER_BYTES`: level-0 offset, capacity, element
 * count and bytes per element, u64 LE each) describes `expected`'s graph in a file of `size` bytes.
 */
export function graphHeaderFits(header: Buffer, size: number, expected: { dimension: number; count: number }): boolean {
  if (header.length < GRAPH_HEADER_BYTES) return false;
  const field = (at: number) => Number(header.readBigUInt64LE(at));
  const [capacity, count, elementBytes] = [field(8), field(16), field(24)];
  return (
    field(0) === 0 &&
    count === expected.count &&
    capacity === Math.max(1, count) &&
    elementBytes > expected.dimension * Float32Array.BYTES_PER_ELEMENT &&
    count * elementBytes < size
  );
}

/** The saved metadata: the sealed file, else the JSON file of earlier versions (still loadable). */
async function readMeta(
  layout: DataDirLayout,
  knownLoading: Promise<KnownIds | undefined> | undefined,
): Promise<{ meta: Omit<AnnMeta, 'ids'> & { ids: readonly string[] } } | { problem: LoadProblem }> {
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
      const sealed = openSealedBytes(bytes, META_MAGIC, 'HNSW metadata');
      if ('problem' in sealed) return { problem: damagedFile(`its manifest: ${sealed.problem}`) };
      const known = await knownLoading?.catch(() => undefined);
      const head = known && headerWithKnownIds(sealed.header, known);
      if (head) {
        const parsed = annMetaHeadSchema.safeParse(head);
        return parsed.success ? { meta: { ...parsed.data, ids: known.ids } } : { problem: damagedFile('its manifest is invalid') };
      }
      const parsed = parseSealedHeader(sealed.header);
      if ('problem' in parsed) return { problem: damagedFile(`its manifest: ${parsed.problem}`) };
      raw = parsed.header;
    }
  } catch (error) {
    return { problem: damagedFile(`its manifest could not be read (${(error as Error).message})`) };
  }
  const parsed = annMetaSchema.safeParse(raw);
  return parsed.success ? { meta: parsed.data } : { problem: damagedFile('its manifest is invalid') };
}

const IDS_KEY = Buffer.from(',"ids":');
const CLOSING_BRACE = 0x7d;

/**
 * The metadata header's other fields when its ids, which `save` writes last, are exactly `known`'s
 * JSON (`{…,"ids":[…]}`), parsed without the ids; undefined otherwise (the caller parses it all).
 */
export function headerWithKnownIds(header: Buffer, known: KnownIds): unknown {
  const idsAt = header.length - 1 - known.json.length;
  const keyAt = idsAt - IDS_KEY.length;
  if (keyAt < 1 || header[header.length - 1] !== CLOSING_BRACE || !IDS_KEY.equals(header.subarray(keyAt, idsAt))) return undefined;
  if (!known.matches(header.subarray(idsAt, header.length - 1))) return undefined;
  try {
    return JSON.parse(`${header.toString('utf8', 0, keyAt)}}`);
  } catch {
    return undefined;
  }
}
