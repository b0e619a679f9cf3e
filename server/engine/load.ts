import { stat } from 'node:fs/promises';
import type { ObjectStoreSettings } from '../../core/config.js';
import { PaperscopeError } from '../../core/errors.js';
import type { LoadProblem } from '../../core/load-problem.js';
import {
  buildDerivedIndexes,
  type DerivedFile,
  describeProblem,
  loadDerivedIndexes,
  loadRecords,
  readSentenceIndex,
  relatedViewFor,
  saveDerivedIndexes,
  sentenceIndexFor,
  sentenceSources,
} from '../../indexer/derive.js';
import { type Embedder, embedderForIndex } from '../../indexer/embed/index.js';
import { embedderEvents, type IndexEvent } from '../../indexer/events.js';
import type { RelatedView } from '../../indexer/related/index.js';
import type { SentenceIndex } from '../../indexer/sentences/index.js';
import type { LatestRun } from '../../indexer/sources/index.js';
import {
  acquireWriterLock,
  type DataDirLayout,
  KnownIds,
  type Manifest,
  openDataDir,
  type PaperRecords,
  PapersTable,
  readManifest,
  readManifestOrProblem,
  rebuildManifest,
} from '../../indexer/store/index.js';
import type { LlmSettings } from '../ask/index.js';
import { EngineState } from './state.js';

export interface EngineOptions {
  dataDir: string;
  cacheDir: string;
  modelDir?: string;
  offline: boolean;
  /** Must match the index's weights when given (`--precision`: int8 true, fp32 false); undefined: as the index was built. */
  quantized?: boolean;
  /** An OpenAI-compatible server that writes answers from the evidence (`POST /api/ask/stream`). */
  llm?: LlmSettings;
  /** For an `s3://` data dir (core/config.ts reads it from the AWS_* variables). */
  objectStore?: ObjectStoreSettings;
  /** The lock TTL of `POST /api/papers`'s index runs on object storage. */
  lockTtlMs?: number;
  onEvent?: (event: IndexEvent) => void;
  /**
   * Opens the embedder the index was built with (as `createIndexer`'s components do). Default: the
   * embedders of indexer/embed, as the manifest names them; tests pass a fast fake.
   */
  embedder?: (manifest: Manifest) => Promise<Embedder>;
  /**
   * Opens the papers table at start even when the manifest's files could be served without it, so
   * that a table the next index run cannot read is reported now (`paperscope status`).
   */
  openTable?: boolean;
}

/** What a lazy part's loader tells as it goes: a rebuild starts (and why), its progress. */
export interface LoadHooks {
  onRebuild?: (problem: LoadProblem) => void;
  onProgress?: (done: number, total: number) => void;
}

/** The parts of a loaded index that are read on first use: the sentence index behind ask, the related-papers view. */
export interface LazyParts {
  loadSentences: (hooks?: LoadHooks) => Promise<SentenceIndex>;
  /**
   * The saved sentence index when its file has changed since this was last called (or the index was
   * loaded) and serves this index; never rebuilds. Ask calls it while sentence vectors are still
   * being made (`SentenceIndex.pending`), to take them once the indexer has saved them.
   */
  rereadSentences: () => Promise<SentenceIndex | undefined>;
  loadRelated: (hooks?: LoadHooks) => Promise<RelatedView>;
}

/**
 * Opens the index in `options.dataDir`: the papers, the derived indexes and the embedder that
 * built it. Derived indexes that are missing or stale are rebuilt from the papers table instead
 * of failing. The sentence index behind ask and the related-papers view are returned as loaders:
 * only ask and related papers need them.
 */
export async function loadEngine(
  options: EngineOptions,
): Promise<{ state: EngineState; manifestStamp: string | undefined; latestRun: () => Promise<LatestRun | undefined> } & LazyParts> {
  const emit = options.onEvent ?? (() => {});
  // On object storage the index files are first copied to a local working copy; the table stays remote.
  const dataDir = openDataDir(options.dataDir, { cacheDir: options.cacheDir, role: 'serve', objectStore: options.objectStore });
  // Taken before the manifest is read, so a manifest replaced meanwhile is read again by the reload watch.
  const manifestStamp = await dataDir.manifestStamp();
  await dataDir.pull();
  const { layout } = dataDir;
  const read = await readManifestOrProblem(layout);
  let manifest = 'manifest' in read ? read.manifest : undefined;
  // An indexer may be writing rows its manifest does not describe yet: read the table as the
  // manifest does, so the derived files (stamped with that version) are the ones to load. A
  // manifest written before the first build finished (count 0) describes no papers yet: then the
  // rows committed so far are served, rebuilt from the table.
  const version = manifest && manifest.count > 0 ? manifest.tableVersion : undefined;
  const openTable = () => PapersTable.openForReading(layout, { version, onWarning: (message) => emit({ type: 'warning', message }) });
  let count: number;
  let tableVersion: number;
  let dimension: number;
  let table: () => Promise<PapersTable>;
  if (manifest && version !== undefined && !options.openTable) {
    // A manifest of a finished build names what its derived files and records snapshot are checked
    // against (papers, table version, vector dimension): the table (and LanceDB's native module,
    // ≈ 0.3 s of a start) is opened only if one of them has to be rebuilt from it.
    ({ count, tableVersion } = manifest);
    dimension = manifest.embedder.dimension;
    let opening: Promise<PapersTable> | undefined;
    const where = dataDir.name;
    table = () => {
      opening ??= openTable().then((opened) => {
        if (!opened) throw new PaperscopeError('NO_INDEX', `No papers table in ${where}; run "paperscope index <files>" first.`);
        return opened;
      });
      return opening;
    };
  } else {
    const opened = await openTable();
    if ('problem' in read && opened) {
      manifest = await rebuildManifest(layout, opened, read.problem);
      if (manifest)
        emit({
          type: 'warning',
          message: `${layout.manifest} ${read.problem}: serving the papers table as it is (the next "paperscope index" writes it again)`,
        });
    }
    if (!manifest || !opened) {
      throw new PaperscopeError('NO_INDEX', `No index in ${dataDir.name}; run "paperscope index <files>" first.`);
    }
    [count, tableVersion, dimension] = await Promise.all([opened.count(), opened.version(), opened.dimension()]);
    table = async () => opened;
  }
  if (count === 0) throw new PaperscopeError('NO_INDEX', `The index in ${layout.root} holds no papers; run "paperscope index <files>".`);
  // The papers (without vectors: the HNSW index serves them), the derived indexes and the embedder
  // load together; the records file's first read is only its open, so the HNSW graph's native load
  // (the longest part at a million papers) still starts at once. Handlers are attached now so an
  // early failure is not unhandled.
  const recordsLoading = loadRecords(
    layout,
    table,
    { tableVersion, count },
    (message) => emit({ type: 'warning', message }),
    (write) => saveRepair(layout, manifest, write),
  );
  // The records' ids stand for the HNSW metadata's and the topics file's when those list the same.
  const knownIds = recordsLoading.then((records) => new KnownIds(records.briefs.ids));
  const derivedLoading = loadDerivedIndexes(layout, { dimension, count, tableVersion }, { knownIds });
  const embedderLoading = options.embedder
    ? options.embedder(manifest)
    : embedderForIndex(manifest.embedder, manifest.embedderState, {
        cacheDir: options.cacheDir,
        modelDir: options.modelDir,
        offline: options.offline,
        quantized: options.quantized,
        ...embedderEvents(emit),
      });
  derivedLoading.catch(() => {});
  embedderLoading.catch(() => {});
  recordsLoading.catch(() => {});
  try {
    const loaded = await assemble(emit, {
      layout,
      manifest,
      table,
      count,
      tableVersion,
      dimension,
      derivedLoading,
      embedderLoading,
      recordsLoading,
    });
    const { ann } = loaded.state;
    // Vector searches compare every paper until then (`AnnIndex.load`): a few hundred ms each at a million.
    if (ann.scanning)
      void ann.graphLoaded.then(() =>
        emit({
          type: 'info',
          message: ann.scanning
            ? 'The HNSW graph did not load: vector searches go on comparing every paper'
            : 'The HNSW graph is loaded: vector searches use it from now on',
        }),
      );
    // The sources file is read on each call: a sync records its run after publishing the index it added.
    const latestRun = async () => {
      await dataDir.pullSources();
      // Loaded on first use: the sources import the parsers, which every server start would pay for.
      const { readLatestRun } = await import('../../indexer/sources/index.js');
      return readLatestRun(layout.sources);
    };
    return { ...loaded, manifestStamp, latestRun };
  } catch (error) {
    void embedderLoading.then((embedder) => embedder.close()).catch(() => {});
    void recordsLoading.then((records) => records.close?.()).catch(() => {});
    throw error;
  }
}

async function assemble(
  emit: (event: IndexEvent) => void,
  parts: {
    layout: DataDirLayout;
    manifest: Manifest;
    /** Opened on first call: only a rebuild reads it. */
    table: () => Promise<PapersTable>;
    count: number;
    tableVersion: number;
    dimension: number;
    derivedLoading: ReturnType<typeof loadDerivedIndexes>;
    embedderLoading: Promise<Embedder>;
    recordsLoading: Promise<PaperRecords>;
  },
): Promise<{ state: EngineState } & LazyParts> {
  const { layout, manifest, table, count, tableVersion, dimension } = parts;
  const loaded = await parts.derivedLoading;
  let { ann, lexical, topics } = loaded;
  let related: RelatedView | undefined;
  if (!ann || !lexical || !topics) {
    const reasons = loaded.problems.map(describeProblem).join('; ');
    emit({ type: 'warning', message: `Rebuilding derived indexes from the papers table: ${reasons}` });
    // For the page shown meanwhile (the port is open, the API answers 503 until the index is ready).
    emit({ type: 'info', message: `Rebuilding from the papers table: ${reasons}` });
    const stored = await (await table()).readAll();
    // The topics come with their map: two of `DERIVED_STEPS`.
    const steps = (ann ? 0 : 1) + (lexical ? 0 : 1) + (topics ? 0 : 2);
    let built = 0;
    const policy = {
      clusters: manifest.clustering.requested,
      seed: manifest.clustering.seed,
      previous: loaded.previousTopics,
      onStep: () => emit({ type: 'progress', stage: 'Rebuilding', done: ++built, total: steps }),
    };
    const rebuilt = await buildDerivedIndexes(stored, tableVersion, dimension, policy, { ann, lexical, topics });
    ({ ann, lexical, topics } = rebuilt);
    related = await rebuilt.related;
    // The related-papers view follows whatever was rebuilt (it was fitted again above); the records file is loadRecords'.
    const files = new Set<DerivedFile>([...loaded.problems.map(({ file }) => file), 'related-papers view']);
    await saveRepair(layout, manifest, () => saveDerivedIndexes(layout, rebuilt, tableVersion, stored, files)).catch((error: unknown) => {
      // A read-only data dir still serves; the rebuild just happens again next start.
      emit({ type: 'warning', message: `Could not save the rebuilt indexes: ${(error as Error).message}` });
    });
  }
  const [papers, embedder] = await Promise.all([parts.recordsLoading, parts.embedderLoading]);
  const warn = (message: string) => emit({ type: 'warning', message });
  /** A rebuild's reason is worth a warning unless the file is simply missing (a first start). */
  const onRebuild = (part: string, hooks: LoadHooks) => (problem: LoadProblem) => {
    if (problem.kind !== 'missing') warn(`Rebuilding the ${part}: ${problem.message}`);
    hooks.onRebuild?.(problem);
  };
  // The file is replaced by a rename: a new inode, whatever the clock's resolution.
  const sentencesChanged = () =>
    stat(layout.sentences).then(
      ({ ino, mtimeMs }) => `${ino}:${mtimeMs}`,
      () => undefined,
    );
  let sentencesRead: string | undefined;
  const loadSentences = async (hooks: LoadHooks = {}) => {
    sentencesRead = await sentencesChanged();
    return sentenceIndexFor(layout, sentenceSources(papers), tableVersion, embedder, {
      onWarning: warn,
      onRebuild: onRebuild('sentence index', hooks),
      onProgress: hooks.onProgress,
      save: (write) => saveRepair(layout, manifest, write),
    });
  };
  const rereadSentences = async () => {
    const changed = await sentencesChanged();
    if (changed === undefined || changed === sentencesRead) return undefined;
    sentencesRead = changed;
    const saved = await readSentenceIndex(layout, sentenceSources(papers), tableVersion, embedder.info);
    return 'index' in saved ? saved.index : undefined;
  };
  const expected = { tableVersion, count, topicCount: topics.topics.length };
  const loadRelated = async (hooks: LoadHooks = {}) =>
    related ??
    relatedViewFor(
      layout,
      () => papers.briefs.all().map(({ title }, position) => ({ title, abstract: papers.details(position).abstract })),
      expected,
      { onWarning: warn, onRebuild: onRebuild('related-papers view', hooks), save: (write) => saveRepair(layout, manifest, write) },
    );
  return { state: new EngineState({ manifest, papers, ann, lexical, topics, embedder }), loadSentences, rereadSentences, loadRelated };
}

/**
 * Saves files the server rebuilt, as an indexer would: under the data dir's writer lock, and only
 * while the manifest is still the one loaded, so a repair never writes beside an index run nor
 * over what one has published since. Otherwise the repair stays in memory (and is made again at
 * the next start, unless an index run has replaced the files meanwhile).
 */
async function saveRepair(layout: DataDirLayout, loaded: Manifest, write: () => Promise<void>): Promise<void> {
  const release = await acquireWriterLock(layout);
  try {
    const current = await readManifest(layout);
    if (current?.builtAt !== loaded.builtAt || current.tableVersion !== loaded.tableVersion) {
      throw new PaperscopeError(
        'INDEX_LOCKED',
        `An index run has published a new index in ${layout.root} since it was loaded; the repair is kept in memory only.`,
      );
    }
    await write();
  } finally {
    await release();
  }
}
