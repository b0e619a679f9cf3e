import { closeSync, fstatSync, mkdtempSync, openSync, readSync } from 'node:fs';
import { open, readFile, rm, stat, writeFile } from 'node:fs/promises';
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
import { GRAPH_HEADER_BYTES, graphHeaderFits, Level0Vectors } from './exact-scan.js';
import { buildGraph, DEFAULT_ANN_OPTIONS, efSearchFor, type GraphBuildJob } from './graph.js';

export { DEFAULT_ANN_OPTIONS, efSearchFor, graphHeaderFits };

/**
 * From this many papers a saved graph whose metadata holds the off-topic probes' best matches is
 * served by an exact scan of its vectors until hnswlib has loaded it (≈ 4–6 s of CPU at a million
 * papers); below, the graph loads in about the time its vectors take to read.
 */
export const EXACT_SCAN_MIN_PAPERS = 250_000;

/** The best similarity each off-topic probe reaches among the papers, for the probes whose texts `digest` names. */
const offTopicBestSchema = z.object({ digest: z.string(), best: z.array(z.number()) });
export type OffTopicBest = z.infer<typeof offTopicBestSchema>;

/** The off-topic probes embedded by the index's embedder, and the digest of their texts. */
export interface OffTopicProbes {
  digest: string;
  vectors: readonly Float32Array[];
}

const annMetaSchema = z.object({
  dimension: z.number().int().positive(),
  count: z.number().int().nonnegative(),
  tableVersion: z.number().int().nonnegative(),
  checksum: z.string(),
  bytes: z.number().int().nonnegative(),
  /** Stored at index time (absent from older files): a server's similarity floor without a search per probe. */
  offTopic: offTopicBestSchema.optional(),
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

/**
 * A cosine HNSW index over unit vectors, with the paper ids of its labels. One loaded for an exact
 * scan (`load` from `EXACT_SCAN_MIN_PAPERS`) answers from its vectors, every one compared, until
 * hnswlib's graph is loaded beside it (`graphLoaded`), then from the graph.
 */
export class AnnIndex {
  readonly ids: readonly string[];
  readonly dimension: number;
  /** The graph search's breadth for this many papers (`efSearchFor`). */
  readonly efSearch: number;
  /** The off-topic probes' best similarities stored with the index, when it has them. */
  readonly offTopic: OffTopicBest | undefined;
  /** Resolves once searches use the graph, or once its load failed (the scan then goes on). */
  readonly graphLoaded: Promise<void>;
  #index: hnswlib.HierarchicalNSW | undefined;
  /** The vectors as the graph file holds them, searched exactly while the graph loads. */
  #scan: Level0Vectors | undefined;

  constructor(
    graph: hnswlib.HierarchicalNSW | { scan: Level0Vectors; loading: Promise<hnswlib.HierarchicalNSW> },
    ids: readonly string[],
    dimension: number,
    offTopic?: OffTopicBest,
  ) {
    this.ids = ids;
    this.dimension = dimension;
    this.efSearch = efSearchFor(ids.length);
    this.offTopic = offTopic;
    if (graph instanceof hnswlib.HierarchicalNSW) {
      this.#index = graph;
      this.graphLoaded = Promise.resolve();
    } else {
      this.#scan = graph.scan;
      this.graphLoaded = graph.loading.then(
        (index) => {
          this.#index = index;
          this.#scan = undefined;
        },
        () => {},
      );
    }
  }

  /** Whether searches scan every vector (the graph still loading, or its load failed). */
  get scanning(): boolean {
    return this.#index === undefined;
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
    return this.#index ? this.#index.getCurrentCount() : this.ids.length;
  }

  /** The stored (unit) vector of a label: the index keeps every vector, so callers need not. */
  vector(label: number): Float32Array {
    if (this.#index) return Float32Array.from(this.#index.getPoint(label));
    return (this.#scan as Level0Vectors).vector(label);
  }

  /**
   * The k nearest papers to `vector`; `accept` filters labels during the graph search. `ef`: the
   * graph search's breadth (a bench compares several). By default `efSearchFor` the index's size,
   * but the tuned one with a filter: hnswlib calls `accept` for each node it visits, and at a million
   * papers a topic's filter costs ≈ 66 ms of CPU a search at ef 100, 135 ms at 450.
   */
  search(vector: Float32Array, k: number, accept?: (label: number) => boolean, ef?: number): Neighbour[] {
    const count = Math.min(k, this.size);
    if (count === 0) return [];
    if (!this.#index) return (this.#scan as Level0Vectors).nearest(vector, count, accept);
    const breadth = ef ?? (accept ? DEFAULT_ANN_OPTIONS.efSearch : this.efSearch);
    // hnswlib returns fewer than k when ef < k; widen ef for deep pages.
    this.#index.setEf(Math.max(breadth, count));
    const result = this.#index.searchKnn(Array.from(vector), count, accept);
    return result.neighbors.map((label, rank) => ({ label, similarity: 1 - (result.distances[rank] ?? 1) }));
  }

  /** With `probes`, each one's best similarity is stored in the metadata (`offTopic`). */
  async save(layout: DataDirLayout, tableVersion: number, probes?: OffTopicProbes): Promise<void> {
    await this.graphLoaded;
    const index = this.#index;
    if (!index) throw new PaperscopeError('INTERNAL', 'The HNSW graph to save did not load.');
    await replaceFileAtomically(layout.annIndex, async (temporary) => {
      await index.writeIndex(temporary);
      crashPoint('hnsw-write');
    });
    const { size } = await stat(layout.annIndex);
    const meta: AnnMeta = {
      dimension: this.dimension,
      count: this.ids.length,
      tableVersion,
      checksum: await sha256OfFile(layout.annIndex),
      bytes: size,
      offTopic: probes && { digest: probes.digest, best: probes.vectors.map((vector) => this.search(vector, 1)[0]?.similarity ?? -1) },
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
   * From `scanMinPapers`, an index whose metadata holds `offTopic` is returned once its vectors
   * are read and its checksum checked, before hnswlib has loaded the graph (`graphLoaded`).
   */
  static async load(
    layout: DataDirLayout,
    expected: { dimension: number; count: number; tableVersion: number },
    known?: Promise<KnownIds | undefined>,
    scanMinPapers = EXACT_SCAN_MIN_PAPERS,
  ): Promise<{ index: AnnIndex } | { problem: LoadProblem }> {
    // The exact scan's vectors are read first and hnswlib's load starts once they are checked: the
    // two at once would slow the start that the scan is there to shorten. Otherwise the graph's read starts now.
    const scanFirst = expected.count >= scanMinPapers && (await mentionsOffTopic(layout.annMeta));
    const scanning = scanFirst ? Level0Vectors.read(layout.annIndex, expected) : undefined;
    scanning?.catch(() => {});
    const reading = scanFirst ? undefined : readGraphIfExpected(layout.annIndex, expected);
    reading?.catch(() => {});
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
      // The vectors came from a header of `count` elements (`level0Layout`), in a file whose checksum matched.
      const scan = meta.offTopic && (await scanning?.catch(() => undefined));
      const loading = (async () => {
        const index = (await reading) ?? (await readGraph(layout.annIndex, meta.dimension));
        index.setEf(DEFAULT_ANN_OPTIONS.efSearch);
        return index;
      })();
      loading.catch(() => {});
      if (scan) return { index: new AnnIndex({ scan, loading }, meta.ids, meta.dimension, meta.offTopic) };
      const index = await loading;
      if (index.getCurrentCount() !== meta.count) return { problem: damagedFile('the file holds a different number of points') };
      return { index: new AnnIndex(index, meta.ids, meta.dimension, meta.offTopic) };
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
  /** The rows the worker reads; dropped once its graph is built (at a million papers 0.4 GB, else held to the run's peak). */
  #rows: Float32Array | undefined;
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
    const rows = this.#rows;
    if (!rows) throw new PaperscopeError('INTERNAL', 'The HNSW graph is finished: it takes no more vectors.');
    vectors.forEach((vector, position) => {
      rows.set(vector, (this.#added + position) * this.#dimension);
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
      this.#rows = undefined;
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

/** Where `save` writes `offTopic`: before the ids, in the metadata's first bytes. */
const META_HEAD_BYTES = 4096;
const OFF_TOPIC_KEY = Buffer.from('"offTopic":');

/**
 * Whether the metadata's first bytes name `offTopic`: only which read starts first depends on it
 * (`load`); the metadata itself is checked and parsed after.
 */
async function mentionsOffTopic(file: string): Promise<boolean> {
  try {
    const handle = await open(file, 'r');
    try {
      const head = Buffer.alloc(META_HEAD_BYTES);
      const { bytesRead } = await handle.read(head, 0, META_HEAD_BYTES, 0);
      return head.subarray(0, bytesRead).includes(OFF_TOPIC_KEY);
    } finally {
      await handle.close();
    }
  } catch {
    return false;
  }
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
