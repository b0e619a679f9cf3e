import { APP_VERSION } from '../../core/version.js';
import type { QualityReport } from '../../indexer/cluster/index.js';
import type { LatestRun } from '../../indexer/sources/index.js';
import type { Manifest } from '../../indexer/store/index.js';
import type { LlmSettings } from '../ask/index.js';
import type { RelatedPapers } from '../ranking/index.js';
import type { SubtopicsResponse } from '../topics/index.js';
import { type ApiAskEvent, AskIndex, type AskOptions, ask, askStream } from './ask.js';
import { browse } from './browse.js';
import { type EngineOptions, type LazyParts, loadEngine } from './load.js';
import { map } from './map.js';
import { Preparing } from './preparing.js';
import type {
  AskParams,
  BrowseParams,
  BrowseResponse,
  MapPoint,
  NewPapers,
  PaperDetail,
  SearchHit,
  SearchParams,
  SearchResponse,
  SimilarHit,
} from './schemas.js';
import { search } from './search.js';
import { paper, relatedPapers, similar, similarToText } from './similar.js';
import type { EngineState } from './state.js';
import { cluster, clusters, subtopics, topicReport, trend } from './topics.js';

/**
 * The loaded index and the operations on it. Loading lives in load.ts, each operation in its own
 * file (search.ts, similar.ts, topics.ts, map.ts, ask.ts); this class only binds them to one
 * loaded index, with the per-index caches (sub-topics, the sentence index behind ask).
 *
 * @example
 * const engine = await SearchEngine.open({ dataDir: 'index', cacheDir, offline: true });
 * const { results } = await engine.search(searchParamsSchema.parse({ q: 'diffusion' }));
 */
export class SearchEngine {
  readonly manifest: Manifest;
  /** The manifest file's stamp (`DataDir.manifestStamp`) from before it was read; undefined if there was none. */
  readonly manifestStamp: string | undefined;
  readonly #state: EngineState;
  readonly #askIndex: AskIndex;
  /** The lazy parts being rebuilt (the sentence index, the related-papers view). */
  readonly #preparing: Preparing;
  readonly #subtopics = new Map<number, Promise<SubtopicsResponse>>();
  readonly #loadRelated: LazyParts['loadRelated'];
  /** Loaded on the first related-papers request (or by `loadRelated`); a failed load is tried again. */
  #related: Promise<RelatedPapers> | undefined;
  readonly #llm: LlmSettings | undefined;
  readonly #latestRun: () => Promise<LatestRun | undefined>;

  private constructor(
    state: EngineState,
    manifestStamp: string | undefined,
    askIndex: AskIndex,
    preparing: Preparing,
    loadRelated: LazyParts['loadRelated'],
    llm: LlmSettings | undefined,
    latestRun: () => Promise<LatestRun | undefined>,
  ) {
    this.manifest = state.manifest;
    this.manifestStamp = manifestStamp;
    this.#loadRelated = loadRelated;
    this.#latestRun = latestRun;
    this.#state = state;
    this.#askIndex = askIndex;
    this.#preparing = preparing;
    this.#llm = llm;
  }

  static async open(options: EngineOptions): Promise<SearchEngine> {
    const { state, manifestStamp, loadSentences, rereadSentences, loadRelated, latestRun } = await loadEngine(options);
    const preparing = new Preparing();
    const askIndex = new AskIndex(loadSentences, preparing, rereadSentences);
    return new SearchEngine(state, manifestStamp, askIndex, preparing, loadRelated, options.llm, latestRun);
  }

  async close(): Promise<void> {
    await this.#state.close();
  }

  status() {
    return {
      version: APP_VERSION,
      papers: this.#state.papers.length,
      built_at: this.manifest.builtAt,
      build_ms: this.manifest.buildMs,
      embedder: this.manifest.embedder,
      fallback: this.manifest.embedder.kind === 'word-vectors',
      topics: this.#state.topics.topics.length,
      llm: this.#llm !== undefined,
      ask_index: this.#askIndex.status,
      preparing: this.#preparing.status(),
    };
  }

  /**
   * The papers the latest fetch or sync added, among those this index holds; null before any.
   * Read on each call (on object storage, an ETag check): a background sync records its run after
   * the index it published was loaded.
   */
  async newPapers(): Promise<NewPapers | null> {
    const latest = await this.#latestRun();
    if (!latest) return null;
    return { synced_at: latest.at, ids: latest.added.filter((id) => this.#state.positionById.has(id)) };
  }

  search(params: SearchParams): Promise<SearchResponse> {
    return search(this.#state, params);
  }

  paper(id: string): PaperDetail {
    return paper(this.#state, id);
  }

  /** The papers that pass the filters, without a query, newest or most upvoted first. */
  browse(params: BrowseParams): BrowseResponse {
    return browse(this.#state, params);
  }

  /** With `refuseWhilePreparing`, a related-papers view being fitted again is an INDEX_PREPARING error after a second, not a long wait. */
  async similar(id: string, k: number, options: AskOptions = {}): Promise<{ results: SimilarHit[]; note?: string }> {
    // An unknown id is a 404 before anything loads.
    this.#state.positionOf(id);
    const loading = this.loadRelated();
    const related = await (options.refuseWhilePreparing ? this.#preparing.orRefuse('related-papers view', loading) : loading);
    return similar(this.#state, related, id, k);
  }

  /**
   * Reads the related-papers view the indexer saved (TF-IDF and topic mixtures): a file read and
   * a calibration over random pairs. A missing, stale or damaged one is fitted again, on a worker
   * for a large corpus, and saved (a warning says why unless it was missing).
   */
  loadRelated(): Promise<RelatedPapers> {
    if (!this.#related) {
      const hooks = this.#preparing.hooks('related-papers view');
      const loading = this.#loadRelated(hooks).then((view) => relatedPapers(this.#state, view));
      loading.then(hooks.settled, () => {
        hooks.settled();
        if (this.#related === loading) this.#related = undefined;
      });
      this.#related = loading;
    }
    return this.#related;
  }

  similarToText(text: string, k: number): Promise<{ results: SearchHit[] }> {
    return similarToText(this.#state, text, k);
  }

  clusters() {
    return clusters(this.#state);
  }

  cluster(id: number) {
    return cluster(this.#state, id);
  }

  /** The topic's papers split into sub-topics, computed once per topic and kept. */
  subtopics(id: number): Promise<SubtopicsResponse> {
    return subtopics(this.#state, this.#subtopics, id);
  }

  trend(id: number) {
    return trend(this.#state, id);
  }

  /** Clustering quality of the indexed papers, beside a TF-IDF baseline and against hand labels. */
  topicReport(options: { clusters?: 'auto' | number; handLabels?: Record<string, string> }): Promise<QualityReport> {
    return topicReport(this.#state, options);
  }

  map(): { points: MapPoint[] } {
    return map(this.#state);
  }

  /**
   * Answers from the abstracts' own sentences, each claim cited. A sentence index being rebuilt is
   * waited for, or with `refuseWhilePreparing` (the HTTP API) an INDEX_PREPARING error after a second.
   */
  ask(params: AskParams, options: AskOptions = {}) {
    return ask(this.#state, this.#askIndex, params, options);
  }

  /** The answer as events for `POST /api/ask/stream`; `signal` stops a generation whose client went away. */
  askStream(params: AskParams, signal: AbortSignal, options: AskOptions = {}): Promise<AsyncGenerator<ApiAskEvent>> {
    return askStream(this.#state, this.#askIndex, this.#llm, params, signal, options);
  }

  /**
   * Loads the sentence index behind ask now instead of on the first question: loading it is most
   * of a cold start's memory and time at 100k papers, and search does not need it. A stale or
   * damaged one is rebuilt here (a warning says so); a failed load is retried on the next call.
   */
  async loadAskIndex(): Promise<void> {
    await this.#askIndex.load();
  }
}
