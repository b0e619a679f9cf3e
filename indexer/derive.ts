import { PaperscopeError } from '../core/errors.js';
import { SharedDoc, type SharedTexts, shareDocs } from '../core/shared-texts.js';
import { type Deferred, deferred, WorkerLane } from '../core/worker.js';
import { AnnIndex, type GraphStream, type OffTopicProbes } from './ann/index.js';
import { assignToNearest } from './cluster/assign.js';
import type { DescribeBuild, DescribeNext, MapPoint, TopicPartition, TopicPolicy } from './cluster/index.js';
import type { Embedder, EmbedderInfo, EmbedProgress } from './embed/index.js';
import { readFile, writeFile } from 'node:fs/promises';
import {
  buildLexicalIndex,
  type CorpusTerms,
  countCorpusTerms,
  countCorpusTermsOnTwoThreads,
  type LexicalFileSummary,
  type LexicalIndex,
  openLexicalIndex,
  summarizeLexicalFile,
  withoutPositions,
} from './lexical/index.js';
import type { RelatedView, RelatedViewBuild } from './related/index.js';
import {
  buildSentenceIndex,
  completeSentenceIndex,
  type FreshSentenceVectors,
  loadSentenceIndex,
  SentenceIndex,
  type SentenceSource,
  type SentenceTexts,
  type SentenceVectors,
  saveSentenceIndex,
  summarizeSentenceFiles,
} from './sentences/index.js';
import {
  type DataDirLayout,
  type KnownIds,
  type LoadProblem,
  missingFile,
  type PaperRecords,
  type PapersTable,
  readPreviousTopics,
  readRecordsFile,
  readTopicsFile,
  replaceFileAtomically,
  staleFile,
  type StoredPaper,
  type TopicsFile,
  unreadableFile,
  writeRecordsFile,
  writeTopicsFile,
} from './store/index.js';
import { type StageTimings, timeStage } from './timings.js';

/**
 * The indexes derived from the papers table: the HNSW graph, the BM25 index, the topics and the
 * related-papers view. Each records the table version it was built from, so a stale one is
 * rebuilt, never trusted.
 */
export interface DerivedIndexes {
  ann: AnnIndex;
  lexical: LexicalIndex;
  topics: TopicsFile;
  /** Fitted once the topic count is known, while what follows runs (on a worker from 2,000 papers). */
  related: Promise<RelatedView>;
}

/** The files derived from the papers table, as messages name them. */
export const DERIVED_FILES = ['HNSW index', 'BM25 index', 'topics', 'records file', 'related-papers view', 'sentence index'] as const;
export type DerivedFile = (typeof DERIVED_FILES)[number];

/** Why a derived file cannot be used as it is: it is rebuilt from the table. */
export interface DerivedFileProblem {
  file: DerivedFile;
  problem: LoadProblem;
}

export function describeProblem({ file, problem }: DerivedFileProblem): string {
  return `${file}: ${problem.message}`;
}

export interface TopicOptions extends TopicPolicy {
  /** The topics built before: extended, or their ids kept across a re-clustering. */
  previous?: TopicsFile;
  /** Filled with the time of each build stage, when given. */
  timings?: StageTimings;
  /** `countCorpusTerms(papers)`, when counted already (for the BM25 index). */
  counted?: CorpusTerms;
  /** Called as each of the `DERIVED_STEPS` that is built is done. */
  onStep?: (step: DerivedStep) => void;
  /**
   * Work for the calling thread once the topics' first level is clustered, while worker threads lay
   * out the map, split the second level and fit the related-papers view (the indexer: the sentence index).
   */
  meanwhile?: () => Promise<void>;
  /** The worker the off-thread stages share (`workerLaneFor`); without it each has its own. */
  lane?: WorkerLane;
  /** The stages that need only the texts, started already (`startEarlyStages`, on `lane`). */
  early?: EarlyStages;
  /** The topic view and the map, started already (`startTopicView`) on the same papers in the same order. */
  view?: Promise<TopicView>;
  /** Queues on `lane` the tasks that wait for auto k's runs: called once the lane has its share of them (`shareChoiceRuns`). */
  afterChoiceRuns?: () => void;
}

/** What the derived indexes read of a paper; the rest of its record is in the table and the records file. */
export type DerivedSource = Pick<StoredPaper, 'id' | 'title' | 'abstract' | 'date' | 'vector'>;

/** A paper whose title and abstract are read in place from shared memory (`SharedDoc`), with only what the derived and sentence indexes read besides. */
class InPlacePaper extends SharedDoc implements DerivedSource, SentenceSource {
  constructor(
    texts: SharedTexts,
    row: number,
    readonly id: string,
    readonly date: string | null,
    readonly vector: Float32Array,
    readonly contentHash: string,
  ) {
    super(texts, row);
  }
}

/**
 * `papers` for the derived indexes, their titles and abstracts copied once into one shared UTF-8
 * buffer and read from it in place: the workers that read the texts (the related-papers view, the
 * topics' labels) get that buffer rather than a copy each (`shareDocs`), and once the caller drops
 * `papers` their strings and the rest of their records are free. At a million papers the texts are
 * ≈ 1.3 GB in shared memory, as strings in the heap as much, and a copy for each worker as much again.
 * `texts`: that buffer when the caller made it already (`shareDocs(papers)`).
 */
export function readInPlace(
  papers: ReadonlyArray<DerivedSource & SentenceSource>,
  texts: SharedTexts = shareDocs(papers),
): Array<DerivedSource & SentenceSource> {
  return papers.map(({ id, date, vector, contentHash }, row) => new InPlacePaper(texts, row, id, date, vector, contentHash));
}

/** What `buildDerivedIndexes` builds, for progress reports; the HNSW graph and the map finish in any order. */
export const DERIVED_STEPS = ['HNSW graph', 'BM25 index', 'topics', 'map'] as const;
export type DerivedStep = (typeof DERIVED_STEPS)[number];

/**
 * From this many papers the HNSW graph and the map are built on worker threads while this one
 * builds the BM25 index and clusters the topics (two cores do twice the work); below it each takes
 * a fraction of a second, less than starting a worker. On SciFact's 5,183 real abstracts the map
 * alone took as long as the topics.
 */
const WORKER_MIN_PAPERS = 2_000;

/**
 * Below this many papers the stages run off this thread (the term counts, the related-papers view,
 * the topics' description and the map) share one worker, one after another: each worker loads,
 * parses and optimizes the same modules again, which on SciFact's 5,183 abstracts cost more CPU than
 * the map itself, and two cores run two threads anyway. From here each has a worker of its own.
 */
const SHARED_LANE_MAX_PAPERS = 50_000;

/** The worker that the off-thread stages of a build of `papers` papers share, if they share one (see `SHARED_LANE_MAX_PAPERS`). */
export function workerLaneFor(papers: number): WorkerLane | undefined {
  return papers >= WORKER_MIN_PAPERS && papers < SHARED_LANE_MAX_PAPERS ? new WorkerLane() : undefined;
}

/**
 * From this many papers, terms not counted before (a new index from 100,000 papers, after its sentence
 * index; an update) are counted on two threads (`countCorpusTermsOnTwoThreads`): this thread would
 * count them alone with the second core idle (at a million papers ≈ 200 s), and below it a worker of
 * their own costs more than half the count saves.
 */
const TERMS_ON_TWO_THREADS_MIN_PAPERS = SHARED_LANE_MAX_PAPERS;

/**
 * Whether the related-papers view's TF-IDF waits until `papers` papers' terms are counted here: on two
 * threads (from `TERMS_ON_TWO_THREADS_MIN_PAPERS`) they hold both cores, and after them this thread
 * builds the BM25 index and the topic view alone. At a million papers the TF-IDF (≈ 60 s of CPU)
 * started with the sentence index, where the graph, the sentences' counts and LanceDB held both cores.
 */
export function relatedViewAfterTerms(papers: number, countedBefore: boolean): boolean {
  return !countedBefore && papers >= TERMS_ON_TWO_THREADS_MIN_PAPERS;
}

/** The papers' terms with positions, for the BM25 index and the topics: on two threads from `TERMS_ON_TWO_THREADS_MIN_PAPERS`. */
function countPaperTerms(papers: readonly DerivedSource[], timings: StageTimings | undefined): Promise<CorpusTerms> {
  return timeStage(timings, 'terms', async () =>
    papers.length >= TERMS_ON_TWO_THREADS_MIN_PAPERS
      ? countCorpusTermsOnTwoThreads(papers, { positions: true }, timings)
      : countCorpusTerms(papers, { positions: true }),
  );
}

/**
 * The topics file for `papers`: the previous topics extended with new papers, or a fresh
 * clustering (keeping the ids of matching topics) when `reclusterReason` says so. On large
 * corpora the map is laid out on a worker thread while this one clusters, and the topics are
 * described (labels, second level) on another; their timings (the workers' own) overlap the rest.
 */
export async function buildTopics(papers: readonly DerivedSource[], tableVersion: number, options: TopicOptions): Promise<TopicsFile> {
  return (await startTopics(papers, tableVersion, options)).finish();
}

/** The topics' partition is known; their description (labels, second level) and the map are still being made (on workers for a large corpus). */
interface StartedTopics {
  topicCount: number;
  /** Splits second-level topics here that the describing worker has not begun (`DescribeBuild.splitHere`). */
  splitHere: () => void;
  finish: () => Promise<TopicsFile>;
}

/** The topics' description, started on a worker from the papers' texts; the rest follows with the partition. */
interface EarlyDescribing {
  describing: DescribeBuild;
  next: Deferred<DescribeNext>;
}

/**
 * The off-thread stages that need only the papers' texts, started before the rest (on workers, from
 * 2,000 papers): the related-papers view's TF-IDF and the label sample's phrases. On a shared lane
 * they then run while this thread counts terms, embeds or clusters; the topic count, the partition
 * and the vectors follow (`buildDerivedIndexes`). `stop` ends what still waits after a failure.
 */
export interface EarlyStages {
  topicCount: Deferred<number>;
  related?: RelatedViewBuild;
  describing?: EarlyDescribing;
  stop: (error: unknown) => void;
}

/**
 * Starts the `EarlyStages` of `docs` (the papers in table order; a new index: in input order) on
 * `lane`; `related` and `describe` say which are needed. Without a lane (from 50,000 papers) the
 * related view starts on a worker of its own and the description waits for the clustering, as its
 * worker would otherwise hold its heap beside the BM25 build.
 */
export async function startEarlyStages(
  docs: ReadonlyArray<{ title: string; abstract: string }>,
  options: { timings?: StageTimings; lane?: WorkerLane; related?: boolean; describe?: boolean } = {},
): Promise<EarlyStages> {
  const { timings, lane } = options;
  const topicCount = deferred<number>();
  // Not awaited when the view is loaded already.
  topicCount.promise.catch(() => {});
  const related =
    options.related === false
      ? undefined
      : (await import('./related/index.js')).startRelatedView(docs, topicCount.promise, { timings, lane, mayFitHere: lane !== undefined });
  // A failure before it is awaited must not be unhandled.
  related?.view.catch(() => {});
  let describing: EarlyDescribing | undefined;
  if (options.describe !== false && lane && docs.length >= WORKER_MIN_PAPERS) {
    const { describeTextsInWorker } = await import('./cluster/index.js');
    const next = deferred<DescribeNext>();
    describing = { describing: describeTextsInWorker(docs, next.promise, timings, lane), next };
    describing.describing.topics.catch(() => {});
  }
  const stop = (error: unknown) => {
    topicCount.reject(error);
    describing?.next.reject(error);
  };
  return { topicCount, related, describing, stop };
}

/** The papers' clustering view (`clusterVectors`: the embedding beside the LSA of the TF-IDF) and their map, being laid out from it. */
export interface TopicView {
  vectors: Float32Array[];
  positioning: Promise<MapPoint[]>;
}

/**
 * Starts the topic view and the map of `papers` (in table order) once their terms are counted, before
 * the other derived indexes: a new index on a lane gets them from the vectors as soon as they are
 * embedded, so the lane lays out the map while this thread writes the table, the records file and the
 * BM25 index, rather than waiting for them idle. `buildDerivedIndexes` takes the result as `view`.
 */
export async function startTopicView(
  papers: readonly DerivedSource[],
  terms: Promise<CorpusTerms>,
  options: TopicPolicy & { previous?: TopicsFile; timings?: StageTimings; lane?: WorkerLane },
): Promise<TopicView> {
  const counted = await terms;
  const { clusterVectors } = await import('./cluster/index.js');
  // The word positions do not enter the TF-IDF: the same view as from the counts without them.
  const vectors = timeStage(options.timings, 'topic view', () => clusterVectors(papers, options.seed, counted));
  return { vectors, ...(await startMap(papers, vectors, options)) };
}

/** The map of `papers` laid out from their topic view: on a worker from `WORKER_MIN_PAPERS`, else here. */
async function startMap(
  papers: readonly DerivedSource[],
  vectors: readonly Float32Array[],
  options: TopicPolicy & { previous?: TopicsFile; timings?: StageTimings; lane?: WorkerLane },
): Promise<Pick<TopicView, 'positioning'>> {
  const { extendMap, extendMapInWorker, reclusterReason } = await import('./cluster/index.js');
  const { previous, seed, timings } = options;
  // Extended topics keep the map readers know; a re-clustering (new vectors, perhaps) lays it out afresh.
  const extended = previous !== undefined && reclusterReason(previous, papers, options) === undefined;
  const positionsById = new Map(extended ? previous.map.map((point) => [point.id, point]) : []);
  const known = papers.map((paper) => positionsById.get(paper.id));
  // The worker reports its own time: its message is read only once this thread has clustered.
  const positioning =
    papers.length >= WORKER_MIN_PAPERS
      ? extendMapInWorker(vectors, known, seed, timings, options.lane)
      : Promise.resolve(timeStage(timings, 'map', () => extendMap(vectors, known, { seed })));
  // A failure before it is awaited must not leave the promise rejected and unobserved.
  positioning.catch(() => {});
  return { positioning };
}

async function startTopics(
  papers: readonly DerivedSource[],
  tableVersion: number,
  options: TopicOptions,
  early?: EarlyDescribing,
): Promise<StartedTopics> {
  const { clusterVectors, DESCRIBE_STAGE, describeInWorker, describePartition, partitionTopics, shareChoiceRuns } = await import(
    './cluster/index.js'
  );
  const { previous } = options;
  const onWorkers = papers.length >= WORKER_MIN_PAPERS;
  // Labelling the topics and splitting their second level is most of their cost, and nothing here waits
  // for it: on a worker that starts now on what does not need the partition.
  const partitioned = deferred<TopicPartition>();
  // The early description gets the rest of the papers with the partition.
  partitioned.promise.then(
    (partition) =>
      early?.next.resolve({ papers: papers.map(({ id, date, vector }) => ({ id, date, vector })), partition, counted: options.counted }),
    (error: unknown) => early?.next.reject(error),
  );
  const build: DescribeBuild =
    early?.describing ??
    (onWorkers
      ? describeInWorker(papers, partitioned.promise, options.counted, options.timings, options.lane)
      : {
          topics: partitioned.promise.then((partition) =>
            timeStage(options.timings, DESCRIBE_STAGE, () => describePartition(papers, partition, options.counted)),
          ),
          splitHere: () => 0,
        });
  const describing = build.topics;
  describing.catch(() => {});
  let partition: TopicPartition;
  let positioning: Promise<MapPoint[]>;
  try {
    // Laid out on the view the topics are clustered on (embedding beside the LSA of the TF-IDF): a topic's
    // papers then sit together (2-D silhouette by topic on SciFact 0.17–0.19, against −0.04 for the embedding alone).
    // Computed once for both.
    const started = options.view ? await options.view : undefined;
    const vectors =
      started?.vectors ?? timeStage(options.timings, 'topic view', () => clusterVectors(papers, options.seed, options.counted));
    ({ positioning } = started ?? (await startMap(papers, vectors, options)));
    // The lane takes its share of auto k's runs once the map is laid out; the graph waits behind them (`afterChoiceRuns`).
    const runChoices = options.lane && shareChoiceRuns(options.lane, options.timings, options.afterChoiceRuns);
    partition = timeStage(options.timings, 'clustering', () =>
      partitionTopics(papers, options, previous, { counted: options.counted, vectors, runChoices }),
    );
  } catch (error) {
    partitioned.reject(error);
    throw error;
  }
  partitioned.resolve(partition);
  const finish = async (): Promise<TopicsFile> => {
    const topics = await describing;
    options.onStep?.('topics');
    const positions = await positioning;
    options.onStep?.('map');
    return {
      tableVersion,
      ...topics,
      map: papers.map((paper, index) => ({ id: paper.id, x: positions[index]?.x ?? 0, y: positions[index]?.y ?? 0 })),
    };
  };
  return { topicCount: partition.ids.length, splitHere: () => build.splitHere(papers), finish };
}

/** The topic id of a paper; one that arrived after the topics were built joins the nearest topic. */
export function topicOf(topics: TopicsFile, paper: StoredPaper): number {
  return topics.assignments[paper.id] ?? topics.topics[assignToNearest(paper.vector, topics.centroids)]?.id ?? 0;
}

export interface DeriveOptions extends TopicOptions {
  /**
   * `countCorpusTerms(papers, { positions: true })`, when started before: the indexer counts a new
   * corpus' terms on a worker while it embeds the papers.
   */
  terms?: Promise<CorpusTerms>;
  /** The HNSW graph of `papers`' vectors in this order, started before (the indexer: while it embedded them). */
  graph?: GraphStream;
}

/**
 * Builds the derived indexes, except those in `current` (loaded, and valid for `tableVersion`),
 * which are kept. The 'hnsw' timing of a graph built on a worker is the worker's own, overlapping
 * the other stages.
 */
export async function buildDerivedIndexes(
  papers: readonly DerivedSource[],
  tableVersion: number,
  dimension: number,
  options: DeriveOptions,
  current: Partial<DerivedIndexes> = {},
): Promise<DerivedIndexes> {
  const vectors = papers.map((paper) => paper.vector);
  const ids = papers.map((paper) => paper.id);
  const ownLane = options.lane ? undefined : workerLaneFor(papers.length);
  const lane = options.lane ?? ownLane;
  // The related-papers view and the topics' description start now (on workers from 2,000 papers) on
  // what needs only the texts, unless the indexer started them already, while this thread counts
  // terms and clusters; the topic count and the partition follow. Or once the terms are counted, when
  // their count takes both cores (`relatedViewAfterTerms`).
  const startEarly = async (): Promise<EarlyStages> => {
    const early =
      options.early ??
      (await startEarlyStages(papers, { timings: options.timings, lane, related: !current.related, describe: !current.topics }));
    if (current.topics) early.topicCount.resolve(current.topics.topics.length);
    return early;
  };
  const afterTerms = !current.lexical && relatedViewAfterTerms(papers.length, options.terms !== undefined);
  let early = afterTerms ? undefined : await startEarly();
  // On a lane the graph is queued behind auto k's runs, which the clustering waits for (the graph only
  // the save), or once the partition is known if the clustering runs none.
  const onLane =
    lane && !current.ann && !options.graph && papers.length >= WORKER_MIN_PAPERS
      ? queuedGraph(vectors, ids, dimension, lane, options.timings)
      : undefined;
  const annBuilding: Promise<AnnIndex> = current.ann
    ? Promise.resolve(current.ann)
    : options.graph
      ? options.graph.finish(ids, options.timings)
      : onLane
        ? onLane.building
        : papers.length >= WORKER_MIN_PAPERS
          ? AnnIndex.buildInWorker(vectors, ids, dimension, options.timings)
          : Promise.resolve(timeStage(options.timings, 'hnsw', () => AnnIndex.build(vectors, ids, dimension)));
  // A failure here must not leave the worker's promise rejected and unobserved.
  annBuilding.catch(() => {});
  if (!current.ann)
    void annBuilding.then(
      () => options.onStep?.('HNSW graph'),
      () => {},
    );
  let lexical: LexicalIndex;
  let started: StartedTopics | undefined;
  try {
    // Tokenized once for both the BM25 index and the topics' TF-IDF view.
    let counted = current.lexical ? undefined : ((await options.terms) ?? (await countPaperTerms(papers, options.timings)));
    early ??= await startEarly();
    lexical = current.lexical ?? timeStage(options.timings, 'bm25', () => buildLexicalIndex(papers, {}, counted));
    if (!current.lexical) options.onStep?.('BM25 index');
    // The word positions are the BM25 index's now: the topics read the counts, and a million papers' positions are ≈ 1 GB.
    counted = withoutPositions(counted);
    started = current.topics
      ? undefined
      : await startTopics(papers, tableVersion, { ...options, counted, lane, afterChoiceRuns: onLane?.queue }, early.describing);
    onLane?.queue();
  } catch (error) {
    // The related-papers worker waits for the topic count, the describing one for the partition: they stop instead.
    early?.stop(error);
    throw error;
  } finally {
    // Every task is on it: it ends once they finish.
    ownLane?.release();
  }
  // With the description coming to the lane, the related view's fit is this thread's, claimed before the
  // lane hears the topic count: the lane, warm with the description's code and holding the label
  // sample's phrases, describes the topics at once rather than after the fit.
  const fitsHere = early.describing !== undefined && started !== undefined && early.related?.claimFit() === true;
  const related = current.related ?? (early.related as RelatedViewBuild).view;
  // The view is fitted at the topic count just found; awaited only when saved, so a worker's fit overlaps the next stages.
  early.topicCount.resolve(started?.topicCount ?? 0);
  if (fitsHere) {
    // The partition goes to the lane first: it is posted once the pending callbacks have run.
    await new Promise((resolve) => setImmediate(resolve));
    await early.related?.fitHereIfWaiting();
  }
  // This thread's own work while the workers finish the map, the second level and the graph.
  await options.meanwhile?.();
  await early.related?.fitHereIfWaiting();
  started?.splitHere();
  const topics = current.topics ?? (await (started as StartedTopics).finish());
  return { ann: await annBuilding, lexical, topics, related };
}

/** The HNSW graph built on `lane` once `queue` is first called. */
function queuedGraph(
  vectors: readonly Float32Array[],
  ids: readonly string[],
  dimension: number,
  lane: WorkerLane,
  timings?: StageTimings,
): { building: Promise<AnnIndex>; queue: () => void } {
  const graph = deferred<AnnIndex>();
  let queued = false;
  const queue = () => {
    if (queued) return;
    queued = true;
    AnnIndex.buildInWorker(vectors, ids, dimension, timings, lane).then(graph.resolve, graph.reject);
  };
  return { building: graph.promise, queue };
}

/**
 * Saves the derived indexes and the records snapshot of `papers` (the table's rows, in order), or
 * only the `files` named (a repair). The HNSW file goes last: after a crash while writing it, the
 * costlier topics (the map) are already saved.
 */
export async function saveDerivedIndexes(
  layout: DataDirLayout,
  derived: DerivedIndexes,
  tableVersion: number,
  /** The table's rows, for the records file: undefined when `files` does not name it (the indexer wrote it before). */
  papers: readonly StoredPaper[] | undefined,
  files: ReadonlySet<DerivedFile> = new Set(DERIVED_FILES),
  /** The index's embedder's off-topic probes: their best matches are stored with the graph (`AnnIndex.save`). */
  probes?: OffTopicProbes,
): Promise<void> {
  if (files.has('BM25 index')) {
    // Written part by part: the posting arrays are not copied into one buffer.
    const lexical = derived.lexical.toFile(tableVersion);
    await replaceFileAtomically(layout.lexical, (temporary) => writeFile(temporary, lexical));
  }
  if (files.has('topics')) await writeTopicsFile(layout, derived.topics);
  if (files.has('records file')) {
    if (!papers) throw new PaperscopeError('INTERNAL', 'The records file was to be saved without the papers.');
    await writeRecordsFile(layout, papers, tableVersion);
  }
  if (files.has('related-papers view')) {
    const { writeRelatedFile } = await import('./related/index.js');
    await writeRelatedFile(layout, await derived.related, tableVersion);
  }
  if (files.has('HNSW index')) await derived.ann.save(layout, tableVersion, probes);
}

/**
 * Loads whichever of the HNSW, BM25 and topics files are valid for `tableVersion`; the caller
 * rebuilds the rest. `problems` says why each missing one was not loaded. With `lexical: 'check'`
 * the BM25 file is only judged (its checksum and header), not loaded: the costliest to decode.
 */
export async function loadDerivedIndexes(
  layout: DataDirLayout,
  expected: { dimension: number; count: number; tableVersion: number },
  options: {
    lexical?: 'load' | 'check';
    /** The papers' ids (the records'), when they are being read: the HNSW metadata and the topics file that list the same ids are read without parsing them. */
    knownIds?: Promise<KnownIds | undefined>;
  } = {},
): Promise<{ ann?: AnnIndex; lexical?: LexicalIndex; topics?: TopicsFile; previousTopics?: TopicsFile; problems: DerivedFileProblem[] }> {
  const { knownIds } = options;
  // Read together: the HNSW file's native load and each file's reading overlap the decoding of the others.
  // The graph's load is started first: the BM25 file's head is read before its loader first waits.
  const annLoading = AnnIndex.load(layout, expected, knownIds);
  const lexicalLoading: Promise<{ index?: LexicalIndex; problem?: LoadProblem }> =
    options.lexical === 'check' ? lexicalFileProblem(layout, expected).then((problem) => ({ problem })) : loadLexical(layout, expected);
  const topicsLoading = (knownIds ?? Promise.resolve(undefined)).catch(() => undefined).then((known) => readTopicsFile(layout, known));
  const [annResult, lexicalResult, saved] = await Promise.all([annLoading, lexicalLoading, topicsLoading]);
  const problems: DerivedFileProblem[] = [];
  const ann = 'index' in annResult ? annResult.index : undefined;
  if ('problem' in annResult) problems.push({ file: 'HNSW index', problem: annResult.problem });
  const lexical = lexicalResult.index;
  if (lexicalResult.problem) problems.push({ file: 'BM25 index', problem: lexicalResult.problem });
  const topics = saved?.tableVersion === expected.tableVersion ? saved : undefined;
  if (!topics)
    problems.push({
      file: 'topics',
      problem: saved
        ? staleFile(`built from table version ${saved.tableVersion}, not ${expected.tableVersion}`)
        : missingFile('missing or damaged'),
    });
  // Stale topics, or the backup of damaged ones, still seed the rebuild: their ids and membership carry over.
  return { ann, lexical, topics, previousTopics: saved ?? (await readPreviousTopics(layout)), problems };
}

/**
 * The papers' records (all but the vectors): from the snapshot when it is intact and of this table
 * version, else from the table itself, with a warning unless the snapshot is simply missing.
 */
export async function loadRecords(
  layout: DataDirLayout,
  table: () => Promise<PapersTable>,
  expected: { tableVersion: number; count: number },
  onWarning: (message: string) => void = () => {},
  save: (write: () => Promise<void>) => Promise<void> = (write) => write(),
): Promise<PaperRecords> {
  const snapshot = await readRecordsFile(layout, expected);
  if ('records' in snapshot) return snapshot.records;
  if (snapshot.problem.kind !== 'missing')
    onWarning(`Reading the papers from the table instead of the records file: ${snapshot.problem.message}`);
  const records = await (await table()).readRecords();
  // Written again so the next start reads it, unless an indexer has written a newer one meanwhile.
  if (!snapshot.newer) {
    await save(() => writeRecordsFile(layout, recordRows(records), expected.tableVersion)).catch((error: unknown) =>
      onWarning(`Could not save the records file: ${(error as Error).message}`),
    );
  }
  return records;
}

/** The records as rows to write a records file from (without vectors: that file holds none). */
export function recordRows(records: PaperRecords): StoredPaper[] {
  return records.briefs.all().map((brief, row) => {
    const { sourceFile, ...details } = records.details(row);
    return { ...brief, ...details, sourceFile, vector: new Float32Array(0) };
  });
}

/** The records as the sentence index reads them; an abstract is decoded only when it is read. */
export function sentenceSources(records: PaperRecords): SentenceSource[] {
  const { briefs } = records;
  // Read per field: checking the saved index reads every paper's hash, not its whole brief.
  return briefs.ids.map((id, position) => ({
    id,
    get title() {
      return briefs.title(position);
    },
    get contentHash() {
      return briefs.contentHash(position);
    },
    get abstract() {
      return records.details(position).abstract;
    },
  }));
}

/**
 * The BM25 index when its file is sound and of `expected`, else why not. Its postings stay in the
 * file, read per term on first use (`openLexicalIndex`).
 */
export async function loadLexical(
  layout: DataDirLayout,
  expected: { count: number; tableVersion: number },
): Promise<{ index: LexicalIndex } | { problem: LoadProblem }> {
  const saved = await openLexicalIndex(layout.lexical);
  if ('problem' in saved) return saved;
  const { index } = saved;
  const outdated = lexicalOutdated(
    { tableVersion: saved.tableVersion, documentCount: index.size, hasPositions: index.hasPositions },
    expected,
  );
  if (outdated) index.close();
  return outdated ? { problem: outdated } : { index };
}

/** Why the BM25 file would not serve `expected`, if it would not, from its checksum and header alone (no decoding). */
export async function lexicalFileProblem(
  layout: DataDirLayout,
  expected: { count: number; tableVersion: number },
): Promise<LoadProblem | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(layout.lexical);
  } catch (error) {
    return unreadableFile(error);
  }
  const saved = summarizeLexicalFile(bytes);
  return 'problem' in saved ? saved.problem : lexicalOutdated(saved, expected);
}

function lexicalOutdated(saved: LexicalFileSummary, expected: { count: number; tableVersion: number }): LoadProblem | undefined {
  if (saved.tableVersion !== expected.tableVersion)
    return staleFile(`built from table version ${saved.tableVersion}, not ${expected.tableVersion}`);
  if (saved.documentCount !== expected.count) return staleFile(`holds ${saved.documentCount} papers, not ${expected.count}`);
  if (!saved.hasPositions) return staleFile('written without word positions');
  return undefined;
}

/**
 * The saved sentence index when it serves `papers` (in table order) at `tableVersion`, else why not,
 * with the saved vectors a rebuild may reuse (of unchanged papers, even when the BM25 file is lost).
 */
export async function readSentenceIndex(
  layout: DataDirLayout,
  papers: ReadonlyArray<Pick<SentenceSource, 'id' | 'contentHash'>>,
  tableVersion: number,
  embedder: EmbedderInfo,
): Promise<{ index: SentenceIndex } | { problem: LoadProblem; previous?: SentenceVectors }> {
  const saved = await loadSentenceIndex(layout, embedder);
  if ('problem' in saved) return { problem: saved.problem, previous: saved.vectors };
  const previous = saved.index;
  const listed = { paperIds: previous.papers.map(({ id }) => id), paperHashes: previous.papers.map(({ hash }) => hash) };
  const outdated = sentencesOutdated({ tableVersion: previous.tableVersion, ...listed }, papers, tableVersion);
  return outdated ? { problem: outdated, previous } : { index: previous };
}

/**
 * Why the saved sentence index would not serve `papers` at `tableVersion`, if it would not, judged
 * from its files' checksums and headers without loading it (`summarizeSentenceFiles`).
 */
export async function sentenceFilesProblem(
  layout: DataDirLayout,
  papers: ReadonlyArray<Pick<SentenceSource, 'id' | 'contentHash'>>,
  tableVersion: number,
  embedder: EmbedderInfo,
): Promise<LoadProblem | undefined> {
  const saved = await summarizeSentenceFiles(layout, embedder);
  return 'problem' in saved ? saved.problem : sentencesOutdated(saved, papers, tableVersion);
}

function sentencesOutdated(
  saved: { tableVersion: number; paperIds: readonly string[]; paperHashes: readonly string[] },
  papers: ReadonlyArray<Pick<SentenceSource, 'id' | 'contentHash'>>,
  tableVersion: number,
): LoadProblem | undefined {
  if (saved.tableVersion !== tableVersion) return staleFile(`built from table version ${saved.tableVersion}, not ${tableVersion}`);
  const current =
    saved.paperIds.length === papers.length &&
    papers.every(({ id, contentHash }, position) => saved.paperIds[position] === id && saved.paperHashes[position] === contentHash);
  return current ? undefined : staleFile("its papers are not the table's");
}

/**
 * The sentence index for `tableVersion`: the saved one when it is current, else rebuilt with the
 * index's embedder (reusing the saved vectors of unchanged papers) and saved, through `events.save`
 * when given (the server saves only under the writer lock). `events.onRebuild`, when given, hears
 * why before a rebuild starts and reports it; else a file that does not read is warned of. A save failure is reported through `onWarning` and does not stop a read-only server.
 */
export async function sentenceIndexFor(
  layout: DataDirLayout,
  papers: readonly SentenceSource[],
  tableVersion: number,
  embedder: Embedder,
  events: {
    /** Sentence vectors made with the papers' own (`embedPapers`). */
    fresh?: FreshSentenceVectors;
    /** The papers' sentences, split and being counted since the papers were read (`countSentenceTerms`). */
    texts?: SentenceTexts;
    onProgress?: EmbedProgress;
    onWarning?: (message: string) => void;
    onRebuild?: (problem: LoadProblem) => void;
    timings?: StageTimings;
    save?: (write: () => Promise<void>) => Promise<void>;
  } = {},
): Promise<SentenceIndex> {
  const saved = await readSentenceIndex(layout, papers, tableVersion, embedder.info);
  if ('index' in saved) return saved.index;
  if (events.onRebuild) events.onRebuild(saved.problem);
  // A saved index of other papers is what an index run expects; only a file that does not read is worth a warning.
  else if (saved.problem.kind !== 'missing' && !(saved.previous instanceof SentenceIndex))
    events.onWarning?.(`Rebuilding the sentence index: ${saved.problem.message}`);
  const index = await buildSentenceIndex(papers, tableVersion, embedder, {
    previous: saved.previous,
    fresh: events.fresh,
    texts: events.texts,
    onProgress: events.onProgress,
    timings: events.timings,
  });
  const save = events.save ?? ((write) => write());
  await save(() => saveSentenceIndex(layout, index)).catch((error: unknown) =>
    events.onWarning?.(`Could not save the sentence index: ${(error as Error).message}`),
  );
  return index;
}

/**
 * The second step of a transformer index, once the first is committed and searchable: when the saved
 * sentence index of `tableVersion` still lacks vectors (`SentenceIndex.pending`), makes them and
 * saves it again. The save replaces the files atomically, so a run cut short leaves the first step's
 * index, which the next run completes. Returns how many sentences got their vectors.
 */
export async function completeSavedSentenceIndex(
  layout: DataDirLayout,
  papers: () => readonly SentenceSource[],
  tableVersion: number,
  embedder: Embedder,
  onProgress?: EmbedProgress,
): Promise<number> {
  // Only the transformer leaves sentences for later; the word vectors' file is not read again.
  if (!embedder.embedWithPieces) return 0;
  // The header says whether anything is left, without decoding the vectors or loading the BM25 index.
  const summary = await summarizeSentenceFiles(layout, embedder.info);
  if ('problem' in summary || summary.pending === 0 || summary.tableVersion !== tableVersion) return 0;
  const sources = papers();
  const saved = await readSentenceIndex(layout, sources, tableVersion, embedder.info);
  if (!('index' in saved)) return 0;
  const complete = await completeSentenceIndex(saved.index, sources, embedder, onProgress);
  await saveSentenceIndex(layout, complete);
  return saved.index.pending - complete.pending;
}

/**
 * The related-papers view for the loaded index: the saved one when it is current, else fitted again
 * (on a worker for a large corpus, so a server's other requests go on) and saved through
 * `events.save` (the server saves only under the writer lock), unless an indexer has written a newer one.
 * `events.onRebuild`, when given, hears why before the fit starts and reports it (else a warning does).
 */
export async function relatedViewFor(
  layout: DataDirLayout,
  docs: () => ReadonlyArray<{ title: string; abstract: string }>,
  expected: { tableVersion: number; count: number; topicCount: number },
  events: {
    onWarning?: (message: string) => void;
    onRebuild?: (problem: LoadProblem) => void;
    save?: (write: () => Promise<void>) => Promise<void>;
  } = {},
): Promise<RelatedView> {
  // Loaded on first use, like the topics' modules: a server start does not need the factorisation.
  const { buildRelatedViewOffThread, readRelatedFile, writeRelatedFile } = await import('./related/index.js');
  const saved = await readRelatedFile(layout, expected);
  if ('view' in saved) return saved.view;
  if (events.onRebuild) events.onRebuild(saved.problem);
  else if (saved.problem.kind !== 'missing') events.onWarning?.(`Rebuilding the related-papers view: ${saved.problem.message}`);
  const view = await buildRelatedViewOffThread(docs(), expected.topicCount);
  if (!saved.newer) {
    const save = events.save ?? ((write) => write());
    await save(() => writeRelatedFile(layout, view, expected.tableVersion)).catch((error: unknown) =>
      events.onWarning?.(`Could not save the related-papers view: ${(error as Error).message}`),
    );
  }
  return view;
}
