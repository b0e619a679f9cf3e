import { mkdir } from 'node:fs/promises';
import { crashPoint, type ObjectStoreSettings } from '../core/config.js';
import { PaperscopeError } from '../core/errors.js';
import { plural } from '../core/plural.js';
import { docsOf, type SharedTexts, shareDocs } from '../core/shared-texts.js';
import type { WorkerLane } from '../core/worker.js';
import { APP_VERSION } from '../core/version.js';
import { GraphStream } from './ann/index.js';
import {
  buildDerivedIndexes,
  completeSavedSentenceIndex,
  DERIVED_FILES,
  DERIVED_STEPS,
  type DerivedFile,
  readInPlace,
  saveDerivedIndexes,
  sentenceIndexFor,
  sentenceSources,
  type EarlyStages,
  startEarlyStages,
  startTopicView,
  type TopicView,
  workerLaneFor,
} from './derive.js';
import { createEmbedder, type Embedder, type EmbedderChoice, embedderForIndex } from './embed/index.js';
import {
  contentHash,
  countIssues,
  formatIssue,
  legacySlugId,
  normalizeTitle,
  type Paper,
  type ParseIssue,
  type ParseResult,
  readListings,
} from './parse/index.js';
import { DEFAULT_CLUSTER_SEED, reclusterReason } from './cluster/index.js';
import {
  type DamagedPaper,
  damagedPapers,
  type DataDir,
  type DataDirLayout,
  type Manifest,
  openDataDir,
  type PaperRecords,
  PapersTable,
  type RecordsBody,
  readManifest,
  readManifestOrProblem,
  readPreviousTopics,
  rebuildManifest,
  recordsBody,
  type StoredPaper,
  type TopicsFile,
  writeManifest,
  writeRecordsFile,
} from './store/index.js';
import { embedderEvents, type IndexEvent } from './events.js';
import { type CorpusTerms, countCorpusTermsOffThread } from './lexical/index.js';
import { describeIds, papersToPrune, papersToRemove } from './removal.js';
import { repairDerivedFiles } from './repair.js';
import {
  countPaperAndSentenceTerms,
  countSentenceTerms,
  countTermsWithSentences,
  documentText,
  embedOffTopicProbes,
  embedPapers,
  embedPapersOnTwoThreads,
  type QuantizedRows,
  type SentenceSource,
  type SentenceTexts,
} from './sentences/index.js';
import { cpuStage, type StageTimings, timeStage } from './timings.js';

export { buildTopics, loadDerivedIndexes, topicOf, type DerivedIndexes } from './derive.js';
export type { StageTimings } from './timings.js';
export { embedderEvents, type IndexEvent } from './events.js';
export { documentText } from './sentences/index.js';

export interface IndexOptions {
  paths: string[];
  dataDir: string;
  cacheDir: string;
  modelDir?: string;
  offline: boolean;
  embedder: EmbedderChoice;
  model?: string;
  /**
   * The transformer's weights, recorded in the manifest: true for the int8 copy
   * (`onnx/model_quantized.onnx`), false for float32. Undefined: for a new index the int8 copy where
   * the model offers one, else float32; for an existing one, as it was built.
   */
  quantized?: boolean;
  /** Number of topics, or 'auto'; when not given, what the index was last built with (else 'auto'). */
  clusters?: 'auto' | number;
  seed?: number;
  /** Cluster the topics afresh even when new papers could join the existing ones. */
  recluster?: boolean;
  /** Re-cluster when the corpus has grown by more than this share since the last clustering (default 0.2). */
  reclusterGrowth?: number;
  year?: number;
  strict?: boolean;
  /** Rebuild every vector, e.g. to switch embedder. */
  reembed?: boolean;
  /** Drop stored papers read from `paths` that they no longer hold (`index --prune`). */
  prune?: boolean;
  /** Model hub or mirror for transformer downloads (default https://huggingface.co/). */
  hubUrl?: string;
  /** For an `s3://` data dir (core/config.ts reads it from the AWS_* variables). */
  objectStore?: ObjectStoreSettings;
  /** An object-store lock whose heartbeat is older than this is taken over (PAPERSCOPE_LOCK_TTL_MS). */
  lockTtlMs?: number;
  /** Papers per committed table version (PAPERSCOPE_WRITE_BATCH); default 1,024, or a twentieth of the papers written when more. */
  writeBatch?: number;
  onEvent?: (event: IndexEvent) => void;
}

export interface IndexSummary {
  parsed: number;
  /** Records not read at all (missing title or abstract, unreadable, duplicate…). */
  skipped: number;
  /** Papers read with a bad optional field dropped. */
  kept: number;
  added: number;
  /** The ids of the papers added (not updated): a live source's run remembers them as the new ones. */
  addedIds: string[];
  updated: number;
  unchanged: number;
  /** Papers removed (`remove`, `index --prune`), and their ids. */
  removed: number;
  removedIds: string[];
  /** Stored papers that no longer matched their content hash and were written again from the input. */
  repaired: number;
  /** Stored papers that no longer match their content hash and were not in the input to repair them from. */
  damaged: DamagedPaper[];
  /**
   * Derived files of an unchanged index that were missing, stale or damaged, rebuilt from the table,
   * and why (a run that changed the papers writes every derived file afresh and lists none).
   */
  rebuiltFiles: Array<{ file: DerivedFile; reason: string }>;
  total: number;
  issues: ParseIssue[];
  embedder: Manifest['embedder'];
  topics: number;
  buildMs: number;
  /**
   * Milliseconds per stage: parse, fit, embed, write, read, records, hnsw, terms, bm25, clustering, labels, map, related, save;
   * with `cpuStage(stage)` the CPU time of the thread that ran it, where measured, and
   * `cpuStage('process')` that of every thread of the process.
   */
  stages: StageTimings;
}

/**
 * Papers per committed table version: a crash loses at most one batch. A large corpus is written in
 * about `WRITE_BATCHES` batches, so it does not leave hundreds of versions and data files behind.
 */
const MIN_WRITE_BATCH = 1_024;
const WRITE_BATCHES = 20;
/**
 * Every run that writes adds fragments and table versions. Past this many small fragments the table
 * is compacted (a few dozen incremental runs; a fresh build makes about 20) and versions older than
 * `KEEP_VERSIONS_MS` are pruned, so the data dir does not grow without bound. A week leaves any
 * replica time to have read the version its manifest names.
 */
const MAX_SMALL_FRAGMENTS = 64;
const KEEP_VERSIONS_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * From this many papers the sentence index is built, saved and dropped before the other derived
 * indexes, rather than on this thread while their workers run. Overlapped, the two stages' memory
 * adds up: at a million papers ≈ 8 M sentences with their BM25 (≈ 5 GB while built) beside the
 * term counts, the BM25 index, and the workers' copies of the papers for the topics, the map, the
 * graph and the related-papers view. Below it, the overlap saves the sentence stage's wall time.
 */
export const SENTENCES_FIRST_MIN_PAPERS = 100_000;

/** Whether a build of `papers` papers makes the sentence index before the other derived indexes. */
export function sentencesBeforeDerived(papers: number): boolean {
  return papers >= SENTENCES_FIRST_MIN_PAPERS;
}

/**
 * From this many new papers their terms are counted on a worker beside the embedding; below, the
 * worker costs more than it saves. Not when the sentence index is built first (from 100k papers):
 * the counts would be held through it, and its peak is the indexer's (measured at 200k: 6.5 GB
 * against ≈ 5 GB).
 */
const TERMS_WORKER_MIN_PAPERS = 2_000;

/**
 * From this many papers a new index's HNSW graph is built on a worker from each chunk of vectors as
 * the papers are embedded (`GraphStream`): the embedding holds one core, the graph the other (at a
 * million papers ≈ 300 s of CPU that came after the sentence index, beside the topics).
 */
const GRAPH_BESIDE_EMBEDDING_MIN_PAPERS = 50_000;

/**
 * From this many new papers, where no term counting runs beside the embedding (`sentencesBeforeDerived`),
 * an embedder that can be made again on a worker (`Embedder.copySpec`: the word vectors) embeds on
 * both threads (`embedPapersOnTwoThreads`), and the HNSW graph is built from the finished vectors
 * while the table and the records file are written and the sentence index assembled, where the second
 * core idled. Beside the embedding the graph took that core at two-thirds of the embedding's pace (at a
 * million papers 262 s of CPU in 480 s); the same vectors in the same order give the same graph.
 */
export const EMBED_ON_TWO_THREADS_MIN_PAPERS = SENTENCES_FIRST_MIN_PAPERS;

/** Whether a new index of `papers` papers embeds them on two threads: from `EMBED_ON_TWO_THREADS_MIN_PAPERS`, with an embedder that can be copied. */
export function embedOnTwoThreads(papers: number, copyable: boolean): boolean {
  return copyable && papers >= EMBED_ON_TWO_THREADS_MIN_PAPERS;
}

/**
 * From this many new papers the sentence index's terms are counted on a worker while the table and
 * the records file are written (below, the shared lane counts them beside the embedding).
 */
export const SENTENCE_TERMS_BESIDE_WRITE_MIN_PAPERS = 50_000;

/**
 * Whether a new index of `papers` papers counts its sentences' terms on a worker of their own beside
 * the writes: from `SENTENCE_TERMS_BESIDE_WRITE_MIN_PAPERS`, where no shared lane counted them already.
 */
export function sentenceTermsBesideWrite(papers: number, onLane: boolean): boolean {
  return !onLane && papers >= SENTENCE_TERMS_BESIDE_WRITE_MIN_PAPERS;
}

/** New papers with their content hashes, as the embedder and the sentence index read them. */
function sentenceSourcesOf(
  papers: ReadonlyArray<{ paper: Pick<SentenceSource, 'id' | 'title' | 'abstract'>; hash: string }>,
): SentenceSource[] {
  return papers.map(({ paper, hash }) => ({ id: paper.id, title: paper.title, abstract: paper.abstract, contentHash: hash }));
}

/** What `saveDerivedIndexes` writes after a build: the records file is written before, the sentence index on its own. */
const DERIVED_INDEX_FILES: ReadonlySet<DerivedFile> = new Set(
  DERIVED_FILES.filter((file) => file !== 'records file' && file !== 'sentence index'),
);

/** What indexing needs besides the input: `runIndex` reads files, `indexPapers` takes parsed papers. */
export type PipelineOptions = Omit<IndexOptions, 'paths' | 'year' | 'strict' | 'prune'>;

/**
 * Parses the inputs, embeds new and changed papers, writes them to the table, then rebuilds the
 * derived indexes and the manifest. Unchanged papers are not re-embedded; an index built by
 * another embedder is never mixed with new vectors.
 */
export function runIndex(options: IndexOptions): Promise<IndexSummary> {
  return createIndexer().run(options);
}

/**
 * Adds or updates papers that are already parsed and valid (e.g. posted to the admin API), with
 * the same guarantees as `runIndex`; `source` names them in messages.
 *
 * @example await indexPapers(parseListing(text, { file: 'post', format: 'jsonl' }).papers, { ...options, source: 'post' });
 */
export function indexPapers(papers: Paper[], options: AddOptions): Promise<IndexSummary> {
  return createIndexer().add(papers, options);
}

/**
 * Removes papers by id, with the same guarantees as `runIndex`: the table, topics, map and every
 * derived index follow, under the writer lock. An unknown id is a NOT_FOUND naming it, and nothing
 * is removed.
 */
export function removePapers(ids: string[], options: PipelineOptions): Promise<IndexSummary> {
  return createIndexer().remove(ids, options);
}

export interface AddOptions extends PipelineOptions {
  /** Names the papers in messages. */
  source: string;
  /**
   * Matches the papers to the stored ones (given when there is an index) before anything is
   * written, under the writer lock: e.g. a fetched copy that keeps a stored paper's id and upvotes.
   */
  reconcile?: (papers: Paper[], stored: PaperRecords | undefined) => Paper[];
}

/** The parts an indexer is made of; each defaults to the real one. */
export interface IndexerComponents {
  /**
   * Makes the embedder of a new index, and reopens the one an existing index was built with.
   * Default: the embedders of indexer/embed, as `options.embedder` and the manifest name them.
   */
  embedder?: {
    create(options: PipelineOptions, emit: (event: IndexEvent) => void): Promise<Embedder>;
    reopen(manifest: Manifest, options: PipelineOptions, emit: (event: IndexEvent) => void): Promise<Embedder>;
  };
  /** Opens the data dir to write. Default: `openDataDir` (a local folder or `s3://`). */
  store?: (options: PipelineOptions, onWarning: (message: string) => void) => DataDir;
}

export interface Indexer {
  /** Reads the input files and indexes their papers (`runIndex`). */
  run(options: IndexOptions): Promise<IndexSummary>;
  /** Indexes papers already parsed (`indexPapers`). */
  add(papers: Paper[], options: AddOptions): Promise<IndexSummary>;
  /** Removes stored papers by id (`removePapers`). */
  remove(ids: string[], options: PipelineOptions): Promise<IndexSummary>;
}

/**
 * What a run takes from the input and the stored papers. `read` is absent when there is no input
 * (a removal); `remove` picks, under the writer lock, the stored papers to drop.
 */
interface RunPlan {
  source: string;
  read?: (stages: StageTimings) => Promise<ParseResult>;
  reconcile?: AddOptions['reconcile'];
  remove?: (
    stored: PaperRecords,
    read: { ids: ReadonlySet<string>; issues: readonly ParseIssue[] },
    /** The ids of the published index, when the table is ahead of it (a run cut short after writing). */
    published: ReadonlySet<string> | undefined,
  ) => string[];
}

const DEFAULT_EMBEDDERS: Required<IndexerComponents>['embedder'] = {
  create: (options, emit) =>
    createEmbedder({
      choice: options.embedder,
      model: options.model,
      modelDir: options.modelDir,
      cacheDir: options.cacheDir,
      offline: options.offline,
      hubUrl: options.hubUrl,
      quantized: options.quantized,
      ...embedderEvents(emit),
    }),
  reopen: (manifest, options, emit) => reopenEmbedder(manifest, options, emit),
};

const openStore: Required<IndexerComponents>['store'] = (options, onWarning) =>
  openDataDir(options.dataDir, {
    cacheDir: options.cacheDir,
    role: 'index',
    objectStore: options.objectStore,
    lockTtlMs: options.lockTtlMs,
    onWarning,
  });

/**
 * An indexer with its components, the defaults for those not given: tests pass a fast fake
 * embedder where embedding quality is not what they check.
 *
 * @example
 * const summary = await createIndexer({ embedder: hashedWordsEmbedder }).run(options);
 */
export function createIndexer(components: IndexerComponents = {}): Indexer {
  const parts = { embedder: components.embedder ?? DEFAULT_EMBEDDERS, store: components.store ?? openStore };
  return {
    run: (options) => {
      // Re-embedding rebuilds the table from the input and every stored paper: nothing to prune against.
      if (options.prune && options.reembed)
        return Promise.reject(
          new PaperscopeError(
            'INVALID_PARAMETER',
            '--prune and --reembed cannot run together: run "index --prune" first, then "--reembed".',
            {
              parameter: 'prune',
            },
          ),
        );
      const source = options.paths.join(', ');
      const read = (stages: StageTimings) =>
        timeStage(stages, 'parse', () => readListings(options.paths, { year: options.year, strict: options.strict }));
      const prune: RunPlan['remove'] = (stored, input) => {
        const rows = stored.briefs.ids.map((id, row) => ({ id, sourceFile: stored.details(row).sourceFile }));
        const { ids, sparedFiles } = papersToPrune(rows, input, options.paths);
        for (const file of sparedFiles)
          options.onEvent?.({
            type: 'warning',
            message: `Not pruning the papers of ${file}: it has records that could not be read (fix them, or remove papers with "paperscope remove")`,
          });
        if (ids.length > 0) options.onEvent?.({ type: 'info', message: `Pruning ${describeIds(ids)} no longer in ${source}` });
        return ids;
      };
      return indexInput(parts, { source, read, remove: options.prune ? prune : undefined }, options);
    },
    add: (papers, options) =>
      indexInput(parts, { source: options.source, read: async () => ({ papers, issues: [] }), reconcile: options.reconcile }, options),
    remove: (requested, options) => {
      const remove: RunPlan['remove'] = (stored, _read, published) => {
        const ids = papersToRemove(requested, new Set(stored.briefs.ids), published);
        options.onEvent?.({ type: 'info', message: `Removing ${describeIds(ids)}` });
        return ids;
      };
      return indexInput(parts, { source: 'remove', remove }, options);
    },
  };
}

async function indexInput(parts: Required<IndexerComponents>, plan: RunPlan, options: PipelineOptions): Promise<IndexSummary> {
  const { source, reconcile } = plan;
  const started = performance.now();
  const emit = options.onEvent ?? (() => {});
  const stages: StageTimings = {};
  const dataDir = parts.store(options, (message) => emit({ type: 'warning', message }));
  const { layout } = dataDir;
  await mkdir(layout.root, { recursive: true });
  const release = await dataDir.acquireLock();
  let embedder: Embedder | undefined;
  // The worker the off-thread stages share, when they share one (`workerLaneFor`).
  let lane: WorkerLane | undefined;
  // The stages on it that need only the texts, started while this thread embeds.
  let early: EarlyStages | undefined;
  // A new index's HNSW graph, built while its papers are embedded (`GRAPH_BESIDE_EMBEDDING_MIN_PAPERS`).
  let graph: GraphStream | undefined;
  // The records file while it is written beside the next stages (from `SENTENCES_FIRST_MIN_PAPERS`).
  let recordsWritten: Promise<void> | undefined;
  try {
    await dataDir.pull();
    // Each list of papers is a `let`, emptied once written to the table: at a million papers their strings and
    // objects are ≈ 3 GB, and the derived indexes read the texts in place instead (`readInPlace`).
    let input: ParseResult = plan.read ? await plan.read(stages) : { papers: [], issues: [] };
    const { issues } = input;
    const parsedCount = input.papers.length;
    for (const issue of issues) emit({ type: 'warning', message: formatIssue(issue) });
    const counts = countIssues(issues);
    if (plan.read) emit({ type: 'info', message: `Parsed ${plural(input.papers.length, 'paper')} from ${source}${issueCounts(counts)}` });

    // A new index's rows are the changed papers in this order: their terms are counted on a worker
    // while this thread fits the embedder and embeds them (the BM25 index and the topics read the counts).
    let terms: Promise<CorpusTerms> | undefined;
    let sentenceTexts: SentenceTexts | undefined;
    const startTermsOffThread = async (news: ReadonlyArray<{ paper: Paper; hash: string }>): Promise<void> => {
      const termsOffThread = news.length >= TERMS_WORKER_MIN_PAPERS && !sentencesBeforeDerived(news.length);
      // The same worker then runs the derived stages' off-thread work, for a corpus of a size where they share one.
      lane = termsOffThread ? workerLaneFor(news.length) : undefined;
      // On a lane, their texts in shared memory once for every task that reads them there (not the
      // papers themselves: those are dropped once written).
      const texts = lane ? docsOf(shareDocs(news.map(({ paper }) => paper))) : undefined;
      // On a lane, the sentence index's sentences are split here and counted in the same pass as the papers' terms.
      const counting = texts && lane ? countTermsWithSentences(texts, sentenceSourcesOf(news), lane, stages) : undefined;
      terms =
        counting?.terms ??
        (termsOffThread
          ? countCorpusTermsOffThread(
              news.map(({ paper }) => paper),
              { positions: true },
              stages,
              lane,
            )
          : undefined);
      // A failure before it is awaited must not be unhandled.
      terms?.catch(() => {});
      sentenceTexts = counting?.sentences;
      // Then the related-papers view's TF-IDF and the label sample's phrases, on the lane while this thread embeds.
      early = texts ? await startEarlyStages(texts, { timings: stages, lane }) : undefined;
    };
    const found = options.reembed ? undefined : await readManifestOrProblem(layout);
    // Without a manifest and without a table (nor re-embedding, nor papers to reconcile) the index is new
    // and its papers are the input's: their terms are counted from now on, while this thread loads LanceDB,
    // the word-vector cache and the table (on SciFact ≈ 0.6 s of CPU on this thread, the second core idle).
    const surelyNew = found !== undefined && 'problem' in found && !reconcile && !(await PapersTable.mayExist(layout));
    let hashed = surelyNew ? hashPapers(input.papers, stages) : undefined;
    if (hashed) await startTermsOffThread(hashed);

    // A table that holds papers is never dropped because a derived file is missing: its manifest is
    // rebuilt from it, and re-embedding keeps every stored paper that the input does not replace.
    const present = await PapersTable.open(layout);
    let manifest = found && 'manifest' in found ? found.manifest : undefined;
    const rebuilt =
      found && 'problem' in found && present !== undefined ? await rebuildManifest(layout, present, found.problem) : undefined;
    if (rebuilt && found && 'problem' in found)
      emit({ type: 'warning', message: `${layout.manifest} ${found.problem}: rebuilt it from the papers table (${rebuilt.count} papers)` });
    manifest ??= rebuilt;
    if (!manifest && !plan.read)
      throw new PaperscopeError('NO_INDEX', `No index in ${options.dataDir}: there are no papers to remove.`, { dataDir: options.dataDir });
    // Re-embedding rebuilds the table, so what it held decides what is "updated" rather than "added".
    const previousIds = options.reembed ? await storedIds(layout) : new Set<string>();
    // A number of topics asked for once holds until another is asked for, across --reembed too.
    const clusters = options.clusters ?? (manifest ?? (await readManifest(layout).catch(() => undefined)))?.clustering.requested ?? 'auto';
    let kept = options.reembed && present ? await keptPapers(present, input.papers) : [];
    const keptCount = kept.length;
    let candidates = [...input.papers, ...kept];
    if (kept.length > 0) emit({ type: 'info', message: `Re-embedding ${plural(kept.length, 'stored paper')} that are not in ${source}` });
    embedder = manifest ? await parts.embedder.reopen(manifest, options, emit) : await parts.embedder.create(options, emit);
    const active = embedder;
    const dimension = embedder.info.dimension;
    emit({ type: 'info', message: `Embedder: ${embedder.info.kind} (${embedder.info.model}, ${dimension} dimensions)` });

    const table = manifest ? await PapersTable.open(layout, dimension) : await PapersTable.recreate(layout, dimension);
    if (!table) throw new PaperscopeError('INTERNAL', `Could not open the papers table in ${layout.database}.`);
    if ((await table.dimension()) !== dimension) {
      throw new PaperscopeError(
        'INDEX_MISMATCH',
        `The papers table holds ${await table.dimension()}-d vectors but the embedder makes ${dimension}-d ones; run "paperscope index --reembed".`,
      );
    }
    crashPoint('table-created');
    let papers = reconcile ? reconcile(candidates, manifest ? await table.readRecords() : undefined) : candidates;
    // Tables made before the vector column recorded its embedder get the record on their next run.
    if (manifest && !rebuilt && (await table.recordedEmbedder()) === undefined)
      await table.recordEmbedder(manifest.embedder, manifest.embedderState);

    // Every stored row is checked against its content hash (one read without vectors, one hash per
    // paper): a damaged row in the input counts as changed and is written again from it.
    const stored = manifest ? await timeStage(stages, 'verify', () => table.readRecords()) : undefined;
    const damagedRows = stored ? damagedPapers(stored) : [];
    const damagedIds = new Set(damagedRows.map(({ id }) => id));
    const known = new Map(stored?.briefs.all().map(({ id, contentHash: hash }) => [id, damagedIds.has(id) ? 'damaged' : hash]));
    let identified = manifest ? await withStoredIds(papers, known, table) : papers;
    hashed ??= hashPapers(identified, stages);
    let changed = hashed.filter(({ paper, hash }) => known.get(paper.id) !== hash);
    const changedCount = changed.length;
    const keptIds = new Set(kept.map((paper) => paper.id));
    const inputIds = new Set(identified.map(({ id }) => id));
    // A damaged row whose id itself was garbled is found by where its paper was read from: the
    // input paper read there replaces it.
    const garbled = new Map(
      damagedRows.filter(({ id }) => !inputIds.has(id)).map(({ id, source: where }) => [`${where.file}:${where.line}`, id]),
    );
    const superseded = new Map<string, string>();
    // A callback, not a loop: a loop's last paper would stay in this function's frame to its end.
    identified.forEach(({ id, source: where }) => {
      const damagedId = known.has(id) ? undefined : garbled.get(`${where.file}:${where.line}`);
      if (damagedId !== undefined) superseded.set(id, damagedId);
    });
    const replaced = new Set(superseded.values());
    const published =
      plan.remove && manifest && !rebuilt && manifest.tableVersion !== (await table.version())
        ? await publishedIds(layout, manifest.tableVersion, emit)
        : undefined;
    const removedIds = stored && plan.remove ? plan.remove(stored, { ids: inputIds, issues }, published) : [];
    if (removedIds.length > 0) {
      const remaining = new Set([...known.keys(), ...inputIds]);
      for (const id of [...replaced, ...removedIds]) remaining.delete(id);
      // Refused before anything is written: an index without papers cannot be searched or clustered.
      if (remaining.size === 0)
        throw new PaperscopeError(
          'INVALID_INPUT',
          `Removing ${describeIds(removedIds)} would leave the index in ${options.dataDir} empty; nothing was removed. Delete the data dir to start over.`,
        );
    }
    const addedIds = changed
      .filter(({ paper }) => !known.has(paper.id) && !previousIds.has(paper.id) && !keptIds.has(paper.id) && !superseded.has(paper.id))
      .map(({ paper }) => paper.id);
    const added = addedIds.length;
    const repaired = changed.filter(({ paper }) => damagedIds.has(paper.id) || superseded.has(paper.id)).length;
    const damaged = damagedRows.filter(({ id }) => !inputIds.has(id) && !replaced.has(id));
    for (const { id, source: where } of damagedRows) {
      const repair =
        inputIds.has(id) || replaced.has(id)
          ? 'written again from the input'
          : `index ${where.file} again (or run "paperscope check ${where.file}") to repair it`;
      emit({
        type: 'warning',
        message: `Paper "${id}" (from ${where.file}:${where.line}) is damaged in the papers table: its row does not match its content hash; ${repair}`,
      });
    }

    // A new index found only now (a re-embedding, papers to reconcile, a LanceDB folder without a table).
    if (!manifest && !surelyNew) await startTermsOffThread(changed);

    const twoThreads = !manifest && embedOnTwoThreads(changed.length, active.copySpec !== undefined);
    // A new index's rows are the changed papers in this order, and so are the graph's labels.
    if (!manifest && !twoThreads && changed.length >= GRAPH_BESIDE_EMBEDDING_MIN_PAPERS) graph = new GraphStream(changed.length, dimension);
    const addToGraph = graph && ((vectors: readonly Float32Array[]) => graph?.add(vectors));

    if (!manifest) {
      // The word-vector embedder fits its weighting on the corpus it will index.
      await timeStage(stages, 'fit', () => active.fit(papers.map(documentText)));
    }

    // Vectors from a new embedder do not belong to the old centroids: re-cluster, keeping matching ids.
    const topicPolicy = {
      clusters,
      seed: options.seed ?? DEFAULT_CLUSTER_SEED,
      recluster: options.recluster || options.reembed,
      reclusterGrowth: options.reclusterGrowth,
    };
    // A new index on a lane reads the previous topics (if any) once its papers are embedded, for its early topic view.
    let previousRead: Promise<TopicsFile | undefined> | undefined;
    let view: Promise<TopicView> | undefined;
    let written: StoredPaper[] = [];
    // `written`'s texts, when already in shared memory (a new index's, for its sentences' worker).
    let writtenTexts: SharedTexts | undefined;
    let recordsMaking: Promise<RecordsBody> | undefined;
    // The transformer gives the new papers' sentence vectors from their own forward passes.
    let freshSentences: Map<string, QuantizedRows> | undefined;
    if (changed.length > 0) {
      const onProgress = (done: number, total: number) => emit({ type: 'progress', stage: 'Embedding', done, total });
      // The sentences after the transformer's window wait until the index is committed (below).
      const embedded = await timeStage(stages, 'embed', () =>
        twoThreads && active.copySpec
          ? embedPapersOnTwoThreads(active, active.copySpec(), sentenceSourcesOf(changed), onProgress, 'first', stages)
          : embedPapers(active, sentenceSourcesOf(changed), onProgress, 'first', addToGraph),
      );
      const vectors = embedded.vectors;
      if (twoThreads) {
        graph = new GraphStream(vectors.length, dimension);
        graph.add(vectors);
      }
      freshSentences = embedded.sentences;
      // Without a lane (from 50,000 papers) the sentence index's terms are counted now, on a worker of
      // their own beside the table's and the records file's writes, which leave the second core idle
      // (at a million papers ≈ 190 s of the sentence stage, which then only assembles).
      if (!manifest && sentenceTermsBesideWrite(changed.length, sentenceTexts !== undefined)) {
        // Their texts in shared memory, where the worker splits them into sentences: the rows' texts, in
        // order, which the derived stages read in place after.
        writtenTexts = shareDocs(changed.map(({ paper }) => paper));
        const sentencePapers = changed.map(({ paper, hash }) => ({ id: paper.id, contentHash: hash }));
        // Not counted beside the embedding (from `SENTENCES_FIRST_MIN_PAPERS`), the papers' own terms are counted
        // there too, in the same pass over each abstract, not tokenized again after the sentence index.
        const counting = terms ? undefined : countPaperAndSentenceTerms(writtenTexts, sentencePapers, stages);
        terms ??= counting?.terms;
        sentenceTexts = counting?.sentences ?? countSentenceTerms(writtenTexts, sentencePapers, stages);
      }
      written = changed.map(({ paper, hash }, position) => {
        const { source, ...fields } = paper;
        const vector = vectors[position];
        if (!vector) throw new PaperscopeError('INTERNAL', `The embedder returned no vector for "${paper.title}".`);
        return { ...fields, sourceFile: source.file, sourceLine: source.line, contentHash: hash, vector };
      });
      // The rows are the table's, in order: the lane lays out the map while this thread writes them (`startTopicView`).
      if (lane && terms && !manifest) {
        previousRead = readPreviousTopics(layout);
        view = startTopicView(written, terms, { ...topicPolicy, previous: await previousRead, timings: stages, lane });
        view.catch(() => {});
      }
      // Record the embedder before the first batch lands, so committed rows are never orphaned.
      if (!manifest) {
        await table.recordEmbedder(embedder.info, embedder.state());
        await writeManifest(layout, manifestFor(embedder, 0, await table.version(), 0, { ...options, clusters }, 1));
      }
      // A new table's rows are `written`, in this order: the records file's body is made on this thread
      // while LanceDB's own threads write them.
      recordsMaking = manifest ? undefined : recordsBody(written);
      recordsMaking?.catch(() => {});
      await timeStage(stages, 'write', () =>
        table.upsert(written, options.writeBatch ?? Math.max(MIN_WRITE_BATCH, Math.ceil(written.length / WRITE_BATCHES)), (done) => {
          emit({ type: 'progress', stage: 'Writing', done, total: written.length });
          crashPoint('batch-written');
        }),
      );
    }
    // Every changed paper is in `written` now.
    input = { ...input, papers: [] };
    kept = candidates = papers = identified = [];
    hashed = changed = [];
    // Only once the input is written: a crash before leaves the damaged (or removed) rows, never less.
    // One delete is one committed table version, so a crash keeps all of them or none.
    if (replaced.size > 0 || removedIds.length > 0) await table.deleteIds([...replaced, ...removedIds]);
    if (changedCount > 0 || removedIds.length > 0) {
      const compacted = await timeStage(stages, 'compact', () =>
        table.compact({ maxSmallFragments: MAX_SMALL_FRAGMENTS, pruneBefore: new Date(Date.now() - KEEP_VERSIONS_MS) }),
      );
      if (compacted)
        emit({
          type: 'info',
          message: `Compacted the papers table: ${compacted.fragmentsRemoved} fragments merged, ${compacted.versionsRemoved} old versions removed`,
        });
    }
    const tableVersion = await table.version();
    const upToDate =
      manifest &&
      !rebuilt &&
      changedCount === 0 &&
      removedIds.length === 0 &&
      manifest.tableVersion === tableVersion &&
      clusters === manifest.clustering.requested &&
      !options.recluster;
    // Nothing changed: the table's rows need not be read back, but derived files that are missing,
    // stale (an earlier format) or damaged are rebuilt from them, and only those.
    let storedCount = upToDate ? await table.count() : 0;
    // The papers in table order, for the sentence vectors made after the commit.
    let tablePapers: () => readonly SentenceSource[] = () => (stored ? sentenceSources(stored) : []);
    let topicCount = manifest?.clustering.k ?? 0;
    const rebuiltFiles =
      upToDate && manifest && stored
        ? (await repairDerivedFiles(layout, table, stored, manifest, embedder, { onEvent: emit, timings: stages })).map(
            ({ file, problem }) => ({ file, reason: problem.message }),
          )
        : [];
    if (!upToDate) {
      // A table made afresh holds exactly the rows just written (ids are unique), in that order.
      let rows = manifest ? await timeStage(stages, 'read', () => table.readAll()) : written;
      written = [];
      if (rows.length === 0) throw new PaperscopeError('INVALID_INPUT', `No papers to index in ${source}.`);
      storedCount = rows.length;
      // Written now, not with the derived indexes: at a million papers the file is 1.7 GB, built in
      // memory, and beside the derived indexes' workers it was what ran the machine out of memory.
      // Taken now: `rows` is emptied below while the file may still be written.
      recordsWritten = writeRecordsWhenMade(layout, recordsMaking ?? Promise.resolve(rows), tableVersion, stages);
      recordsMaking = undefined;
      // A failure before it is awaited must not be unhandled.
      recordsWritten.catch(() => {});
      const sentencesFirst = sentencesBeforeDerived(rows.length);
      // When the sentence index comes first, the file is written while its terms are still counted on their
      // worker, this thread otherwise waiting: at a million papers the
      // write is ≈ 90 s, mostly I/O. Awaited before the sentence index is assembled, so its body is never
      // held at that stage's peak.
      if (!sentencesFirst) await recordsWritten;
      // The rest of the records is in that file: from here on only the texts (read in place from one shared
      // buffer, which the workers read too), ids, dates, hashes and vectors are kept.
      const stored = timeStage(stages, 'texts', () => readInPlace(rows, writtenTexts));
      rows = [];
      tablePapers = () => stored;
      emit({ type: 'info', message: `Building the search indexes and topics for ${stored.length} papers` });
      const previousTopics = await (previousRead ?? readPreviousTopics(layout));
      const recluster = reclusterReason(previousTopics, stored, topicPolicy);
      emit({
        type: 'info',
        message: recluster
          ? `Clustering topics: ${recluster}`
          : `${removedIds.length > 0 && changedCount === 0 ? 'Keeping' : 'Adding new papers to'} the existing topics (re-cluster with --recluster)`,
      });
      let built = 0;
      const onStep = () => emit({ type: 'progress', stage: 'Building', done: ++built, total: DERIVED_STEPS.length });
      const sentencesEmbedder = embedder as Embedder;
      // Built, saved and dropped: the index itself is not kept (the server loads it on the first question).
      const buildSentences = async (): Promise<void> => {
        await timeStage(stages, 'sentences', () =>
          sentenceIndexFor(layout, stored, tableVersion, sentencesEmbedder, {
            fresh: freshSentences,
            texts: sentenceTexts,
            onProgress: (done, total) => emit({ type: 'progress', stage: 'Embedding sentences', done, total }),
            onWarning: (message) => emit({ type: 'warning', message }),
            timings: stages,
          }),
        );
        // The fresh vectors are in the saved index now: a million papers' are 0.8 GB.
        freshSentences?.clear();
        sentenceTexts = undefined;
      };
      if (sentencesFirst) {
        // The related-papers view's TF-IDF waits for the papers' term counts (`relatedViewAfterTerms`): here the
        // graph, the sentences' counts and LanceDB's writes hold both cores already.
        emit({ type: 'info', message: `Building the sentence index for ${plural(stored.length, 'paper')}, then the other indexes` });
        await recordsWritten;
        await buildSentences();
      }
      const derived = await buildDerivedIndexes(stored, tableVersion, dimension, {
        ...topicPolicy,
        previous: previousTopics,
        timings: stages,
        onStep,
        terms,
        lane,
        early,
        view,
        graph,
        // Else the sentences while workers lay out the map, split the second level and fit the related-papers view (from 2,000 papers).
        meanwhile: sentencesFirst ? undefined : buildSentences,
      });
      topicCount = derived.topics.k;
      // The probes' best matches are stored with the graph: a server answers before it has loaded the graph (`AnnIndex.load`).
      const probes = await embedOffTopicProbes(sentencesEmbedder);
      await timeStage(stages, 'save', () => saveDerivedIndexes(layout, derived, tableVersion, undefined, DERIVED_INDEX_FILES, probes));
    }
    const buildMs = performance.now() - started;
    // Every thread's CPU time since the process started: what the stages cost the machine in all.
    const cpu = process.cpuUsage();
    stages[cpuStage('process')] = (cpu.user + cpu.system) / 1000;
    crashPoint('before-manifest');
    if (!upToDate)
      await writeManifest(layout, manifestFor(embedder, storedCount, tableVersion, buildMs, { ...options, clusters }, topicCount));
    // On object storage, the index files and then the manifest go up; a no-op for a local data dir.
    await dataDir.publish();
    // Committed and searchable: now the sentence vectors after the transformer's window, which Ask
    // reads by their words until then (a run cut short here is resumed by the next one).
    const completed = await timeStage(stages, 'sentences: after the window', () =>
      completeSavedSentenceIndex(layout, tablePapers, tableVersion, embedder as Embedder, (done, total) =>
        emit({ type: 'progress', stage: 'Embedding sentences', done, total }),
      ),
    );
    if (completed > 0) await dataDir.publish();

    return {
      parsed: parsedCount,
      ...counts,
      added,
      addedIds,
      updated: changedCount - added - keptCount - repaired,
      repaired,
      damaged,
      unchanged: parsedCount - (changedCount - keptCount),
      removed: removedIds.length,
      removedIds,
      rebuiltFiles,
      total: storedCount,
      issues,
      embedder: embedder.info,
      topics: topicCount,
      buildMs,
      stages,
    };
  } finally {
    // Tasks still waiting for the topics (a failed run) stop, so the lane can end.
    early?.stop(new PaperscopeError('INTERNAL', 'The index run ended before its topics were built.'));
    // A run that failed before the graph was finished stops its worker.
    graph?.abort();
    lane?.release();
    await embedder?.close();
    // A failed run's records file is not renamed into place after the writer lock is released.
    await recordsWritten?.catch(() => {});
    await release();
  }
}

/**
 * Writes the records file once its body is made. A function of its own: a closure in the pipeline's
 * block would keep the body (≈ 1.7 GB at a million papers, in shared memory) alive with that block,
 * through the sentence index and the derived indexes, where the build peaks.
 */
function writeRecordsWhenMade(
  layout: DataDirLayout,
  records: Promise<RecordsBody | readonly StoredPaper[]>,
  tableVersion: number,
  stages: StageTimings,
): Promise<void> {
  return timeStage(stages, 'records', async () => writeRecordsFile(layout, await records, tableVersion));
}

/** The papers with their content hashes. */
function hashPapers(papers: readonly Paper[], stages: StageTimings): Array<{ paper: Paper; hash: string }> {
  return timeStage(stages, 'hashes', () => papers.map((paper) => ({ paper, hash: contentHash(paper) })));
}

function issueCounts({ skipped, kept }: { skipped: number; kept: number }): string {
  const parts = [skipped ? `${skipped} skipped` : '', kept ? `${plural(kept, 'paper')} kept without a bad field` : ''].filter(Boolean);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

/** The ids of the table at `version` (what the manifest publishes), or none when that version cannot be read. */
async function publishedIds(layout: DataDirLayout, version: number, emit: (event: IndexEvent) => void): Promise<Set<string>> {
  const warn = (message: string) => emit({ type: 'warning', message });
  const table = await PapersTable.openForReading(layout, { version, onWarning: warn }).catch(() => undefined);
  if (!table || (await table.version()) !== version) return new Set();
  return new Set((await table.contentHashes()).keys());
}

/** The ids in the papers table, or none when it cannot be read (a re-embed rebuilds it anyway). */
async function storedIds(layout: DataDirLayout): Promise<Set<string>> {
  const table = await PapersTable.open(layout).catch(() => undefined);
  return new Set(table ? (await table.contentHashes().catch(() => new Map<string, string>())).keys() : []);
}

/**
 * Papers stored before ids of long titles carried a hash keep the id they are stored under, when
 * the stored paper has the same normalised title; another paper that shares the first 80
 * characters keeps its own id.
 */
async function withStoredIds(papers: readonly Paper[], known: ReadonlyMap<string, string>, table: PapersTable): Promise<readonly Paper[]> {
  const legacy = new Map<Paper, string>();
  for (const paper of papers) {
    const id = known.has(paper.id) ? undefined : legacySlugId(paper);
    if (id !== undefined && known.has(id)) legacy.set(paper, id);
  }
  if (legacy.size === 0) return papers;
  const titles = await table.titlesOf([...legacy.values()]);
  return papers.map((paper) => {
    const id = legacy.get(paper);
    const stored = id === undefined ? undefined : titles.get(id);
    return id !== undefined && stored !== undefined && normalizeTitle(stored) === normalizeTitle(paper.title) ? { ...paper, id } : paper;
  });
}

/** The stored papers that `input` does not replace, as parsed papers again (for --reembed). */
async function keptPapers(table: PapersTable, input: readonly Paper[]): Promise<Paper[]> {
  const replaced = new Set(input.map((paper) => paper.id));
  const { briefs, details } = await table.readRecords();
  return briefs.all().flatMap((brief, row) => {
    if (replaced.has(brief.id)) return [];
    const { sourceFile, ...detail } = details(row);
    const { sourceLine, contentHash: _hash, ...fields } = brief;
    return [{ ...fields, ...detail, source: { file: sourceFile, line: sourceLine } }];
  });
}

function manifestFor(
  embedder: Embedder,
  count: number,
  tableVersion: number,
  buildMs: number,
  options: PipelineOptions & { clusters: 'auto' | number },
  k: number,
): Manifest {
  return {
    format: 1,
    appVersion: APP_VERSION,
    builtAt: new Date().toISOString(),
    buildMs: Math.round(buildMs),
    embedder: embedder.info,
    embedderState: embedder.state(),
    count,
    tableVersion,
    clustering: { k, requested: options.clusters, seed: options.seed ?? DEFAULT_CLUSTER_SEED },
  };
}

/** Adding to an existing index: the embedder must be the one that built it. */
async function reopenEmbedder(manifest: Manifest, options: PipelineOptions, emit: (event: IndexEvent) => void): Promise<Embedder> {
  const built = manifest.embedder;
  const wantsOtherKind = options.embedder !== 'auto' && options.embedder !== built.kind;
  // A model named for an index of word vectors is a choice that cannot be honoured, not one to ignore.
  const wantsOtherModel = options.model !== undefined && (built.kind !== 'transformer' || options.model !== built.model);
  if (wantsOtherKind || wantsOtherModel) {
    throw new PaperscopeError(
      'INDEX_MISMATCH',
      `The index in ${options.dataDir} was built with ${built.kind} (${built.model}); vectors from another embedder cannot be mixed in. Run with --reembed to rebuild it.`,
    );
  }
  return embedderForIndex(built, manifest.embedderState, {
    cacheDir: options.cacheDir,
    modelDir: options.modelDir,
    offline: options.offline,
    hubUrl: options.hubUrl,
    quantized: options.quantized,
    ...embedderEvents(emit),
  });
}
