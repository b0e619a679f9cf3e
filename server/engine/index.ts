import { PaperscopeError } from '../../core/errors.js';
import { APP_VERSION } from '../../core/version.js';
import type { AnnIndex } from '../../indexer/ann/index.js';
import { buildDerivedIndexes, loadDerivedIndexes, loadRecords, saveDerivedIndexes, sentenceIndexFor, topicOf } from '../../indexer/derive.js';
import { type Embedder, embedderForIndex } from '../../indexer/embed/index.js';
import { embedderEvents, type IndexEvent } from '../../indexer/events.js';
import type { LexicalIndex } from '../../indexer/lexical/index.js';
import { type DataDirLayout, type Manifest, openDataDir, type PaperBrief, type PaperDetails, type PaperRecord, type PaperRecords, PapersTable, readManifest, type StoredPaper, type Topic, type TopicsFile } from '../../indexer/store/index.js';
import type { SentenceIndex } from '../../indexer/sentences/index.js';
import type { QualityReport } from '../../indexer/cluster/index.js';
import { type SubtopicsResponse, subtopicsOf, trendOf } from '../topics/index.js';
import { answerEvents, answerQuestion, type AskEvent, type AskSources, type LlmSettings } from '../ask/index.js';
import { bestSnippet, fuseRankings, hybridFusion } from '../ranking/index.js';
import type { AskParams, SearchParams } from './schemas.js';

export { askSchema, searchParamsSchema, similarParamsSchema, similarTextSchema, type AskParams, type SearchParams } from './schemas.js';

export interface EngineOptions {
  dataDir: string;
  cacheDir: string;
  modelDir?: string;
  offline: boolean;
  /** An OpenAI-compatible server that writes answers from the evidence (`POST /api/ask/stream`). */
  llm?: LlmSettings;
  onEvent?: (event: IndexEvent) => void;
}

export interface ClusterRef {
  id: number;
  label: string;
}

export interface PaperSummary {
  id: string;
  title: string;
  date: string | null;
  authors_count: number | null;
  organization: string | null;
  upvotes: number;
  url: string | null;
  cluster: ClusterRef;
}

export interface SearchHit extends PaperSummary {
  score: number;
  snippet: string;
  highlights: Array<{ start: number; end: number }>;
}

export interface SimilarHit extends SearchHit {
  shared_terms: string[];
}

export interface PaperDetail extends PaperSummary {
  abstract: string;
  authors: string[];
  categories: string[];
}

/** How many candidates each ranker contributes before fusion, per result asked for. */
const CANDIDATES_PER_RESULT = 4;
const MIN_CANDIDATES = 50;
/** Sentences of evidence a model gets to write from (the extractive answer quotes 4). */
const LLM_EVIDENCE_SENTENCES = 8;

/**
 * Everything a query needs, loaded once: the papers, the HNSW and BM25 indexes, the topics and
 * the embedder that built the index. Derived indexes that are missing or stale are rebuilt
 * from the papers table instead of failing.
 */
export class SearchEngine {
  readonly manifest: Manifest;
  /** Without vectors (the HNSW index holds them: `#vectorAt`) nor details (`#recordAt` decodes those per paper). */
  readonly #papers: PaperBrief[];
  readonly #details: (position: number) => PaperDetails;
  readonly #positionById: Map<string, number>;
  readonly #ann: AnnIndex;
  /** HNSW label → paper position. */
  readonly #annToPaper: Int32Array;
  /** Paper position → HNSW label. */
  readonly #paperToAnn: Int32Array;
  /** BM25 document → paper position. */
  readonly #lexicalToPaper: Int32Array;
  readonly #lexical: LexicalIndex;
  readonly #topics: TopicsFile;
  readonly #topicOfPaper: Int32Array;
  /** Topic id → positions of its papers; fixed for the engine's lifetime, so built once. */
  readonly #membersOfTopic = new Map<number, number[]>();
  readonly #subtopics = new Map<number, Promise<SubtopicsResponse>>();
  readonly #embedder: Embedder;
  /** Loads the sentence index behind ask; only /api/ask needs it, so it loads on the first question (or `loadAskIndex`). */
  readonly #loadSentences: () => Promise<SentenceIndex>;
  #sentences: Promise<SentenceIndex> | undefined;
  #sentencesReady = false;
  readonly #llm: LlmSettings | undefined;

  private constructor(parts: {
    manifest: Manifest;
    papers: PaperRecords;
    ann: AnnIndex;
    lexical: LexicalIndex;
    topics: TopicsFile;
    embedder: Embedder;
    loadSentences: () => Promise<SentenceIndex>;
    llm: LlmSettings | undefined;
  }) {
    this.manifest = parts.manifest;
    this.#papers = parts.papers.briefs;
    this.#details = parts.papers.details;
    this.#positionById = new Map();
    for (const [position, paper] of this.#papers.entries()) this.#positionById.set(paper.id, position);
    this.#ann = parts.ann;
    this.#annToPaper = this.#positionsOf(parts.ann.ids);
    this.#paperToAnn = new Int32Array(this.#papers.length).fill(-1);
    this.#annToPaper.forEach((position, label) => {
      if (position >= 0) this.#paperToAnn[position] = label;
    });
    this.#lexicalToPaper = this.#positionsOf(parts.lexical.ids);
    this.#lexical = parts.lexical;
    this.#topics = parts.topics;
    // A vector is fetched only for a paper the topics file does not assign.
    this.#topicOfPaper = Int32Array.from(this.#papers, (paper, position) => parts.topics.assignments[paper.id] ?? topicOf(parts.topics, this.#withVector(position)));
    this.#topicOfPaper.forEach((topic, position) => {
      const members = this.#membersOfTopic.get(topic);
      if (members) members.push(position);
      else this.#membersOfTopic.set(topic, [position]);
    });
    this.#embedder = parts.embedder;
    this.#loadSentences = parts.loadSentences;
    this.#llm = parts.llm;
  }

  static async open(options: EngineOptions): Promise<SearchEngine> {
    const emit = options.onEvent ?? (() => {});
    // On object storage the index files are first copied to a local working copy; the table stays remote.
    const dataDir = openDataDir(options.dataDir, { cacheDir: options.cacheDir, role: 'serve' });
    await dataDir.pull();
    const { layout } = dataDir;
    const manifest = await readManifest(layout);
    const table = manifest ? await PapersTable.open(layout) : undefined;
    if (!manifest || !table) {
      throw new PaperscopeError('NO_INDEX', `No index in ${dataDir.name}; run "paperscope index <files>" first.`);
    }
    // An indexer may be writing rows its manifest does not describe yet: read the table as the
    // manifest does, so the derived files (stamped with that version) are the ones to load. A
    // manifest written before the first build finished (count 0) describes no papers yet: then the
    // rows committed so far are served, rebuilt from the table.
    if (manifest.count > 0 && (await table.version()) !== manifest.tableVersion) {
      await table.checkout(manifest.tableVersion).catch((error: unknown) => {
        emit({ type: 'warning', message: `Reading the latest papers table: version ${manifest.tableVersion} of the manifest could not be opened (${(error as Error).message})` });
      });
    }
    const [count, tableVersion, dimension] = await Promise.all([table.count(), table.version(), table.dimension()]);
    if (count === 0) throw new PaperscopeError('NO_INDEX', `The index in ${layout.root} holds no papers; run "paperscope index <files>".`);
    // The embedder and the papers (without vectors: the HNSW index serves them) load while the
    // derived indexes are read; handlers are attached now so an early failure is not unhandled.
    const embedderLoading = embedderForIndex(manifest.embedder, manifest.embedderState, {
      cacheDir: options.cacheDir,
      modelDir: options.modelDir,
      offline: options.offline,
      ...embedderEvents(emit),
    });
    const recordsLoading = loadRecords(layout, table, { tableVersion, count }, (message) => emit({ type: 'warning', message }));
    embedderLoading.catch(() => {});
    recordsLoading.catch(() => {});
    try {
      return await SearchEngine.#assemble(options, { layout, manifest, table, count, tableVersion, dimension, embedderLoading, recordsLoading });
    } catch (error) {
      void embedderLoading.then((embedder) => embedder.close()).catch(() => {});
      throw error;
    }
  }

  static async #assemble(
    options: EngineOptions,
    parts: {
      layout: DataDirLayout;
      manifest: Manifest;
      table: PapersTable;
      count: number;
      tableVersion: number;
      dimension: number;
      embedderLoading: Promise<Embedder>;
      recordsLoading: Promise<PaperRecords>;
    },
  ): Promise<SearchEngine> {
    const emit = options.onEvent ?? (() => {});
    const { layout, manifest, table, count, tableVersion, dimension } = parts;
    const loaded = await loadDerivedIndexes(layout, { dimension, count, tableVersion });
    let { ann, lexical, topics } = loaded;
    if (!ann || !lexical || !topics) {
      emit({ type: 'warning', message: `Rebuilding derived indexes from the papers table: ${loaded.problems.join('; ')}` });
      const stored = await table.readAll();
      const policy = { clusters: manifest.clustering.requested, seed: manifest.clustering.seed, previous: loaded.previousTopics };
      ({ ann, lexical, topics } = await buildDerivedIndexes(stored, tableVersion, dimension, policy, { ann, lexical, topics }));
      await saveDerivedIndexes(layout, { ann, lexical, topics }, tableVersion, stored).catch((error: unknown) => {
        // A read-only data dir still serves; the rebuild just happens again next start.
        emit({ type: 'warning', message: `Could not save the rebuilt indexes: ${(error as Error).message}` });
      });
    }
    const [papers, embedder] = await Promise.all([parts.recordsLoading, parts.embedderLoading]);
    // Abstracts are decoded only when the sentence index must be rebuilt from them.
    const sources = () => papers.briefs.map(({ id, title, contentHash }, position) => ({ id, title, contentHash, get abstract() { return papers.details(position).abstract; } }));
    const loadSentences = () => sentenceIndexFor(layout, sources(), tableVersion, embedder, { onWarning: (message) => emit({ type: 'warning', message }) });
    return new SearchEngine({ manifest, papers, ann, lexical, topics, embedder, loadSentences, llm: options.llm });
  }

  async close(): Promise<void> {
    await this.#embedder.close();
  }

  status() {
    return {
      version: APP_VERSION,
      papers: this.#papers.length,
      built_at: this.manifest.builtAt,
      build_ms: this.manifest.buildMs,
      embedder: this.manifest.embedder,
      fallback: this.manifest.embedder.kind === 'word-vectors',
      topics: this.#topics.topics.length,
      llm: this.#llm !== undefined,
      ask_index: this.#sentencesReady ? 'ready' : this.#sentences ? 'loading' : 'loads on the first question',
    };
  }

  async search(params: SearchParams): Promise<{ query: string; took_ms: number; total: number; offset: number; results: SearchHit[] }> {
    const started = performance.now();
    const accept = this.#filterFor(params);
    const depth = Math.max(MIN_CANDIDATES, (params.offset + params.k) * CANDIDATES_PER_RESULT);
    const rankings: Array<Array<{ id: string; score: number }>> = [];
    if (params.mode !== 'lexical') {
      const vector = await this.#embedder.embedQuery(params.q);
      rankings.push(this.#vectorRanking(vector, depth, accept));
    }
    if (params.mode !== 'vector') {
      const lexicalAccept = accept && ((position: number) => accept(this.#lexicalToPaper[position] ?? -1));
      rankings.push(this.#lexical.search(params.q, { k: depth, filter: lexicalAccept }));
    }
    let ranked = rankings.length === 1 ? (rankings[0] ?? []) : fuseRankings(rankings, hybridFusion(this.manifest.embedder.kind));
    if (params.sort !== 'relevance') ranked = this.#sortBy(ranked, params.sort);
    const page = ranked.slice(params.offset, params.offset + params.k);
    const results = page.map(({ id, score }) => this.#hit(this.#paperById(id), score, params.q));
    return { query: params.q, took_ms: round(performance.now() - started), total: ranked.length, offset: params.offset, results };
  }

  paper(id: string): PaperDetail {
    const paper = this.#paperById(id);
    return { ...this.#summary(paper), abstract: paper.abstract, authors: paper.authors, categories: paper.categories };
  }

  similar(id: string, k: number): { results: SimilarHit[] } {
    const paper = this.#paperById(id);
    const position = this.#positionById.get(id) ?? -1;
    const neighbours = this.#vectorRanking(this.#vectorAt(position), k + 1, (other) => other !== position).slice(0, k);
    return {
      results: neighbours.map(({ id: otherId, score }) => {
        const other = this.#paperById(otherId);
        return { ...this.#hit(other, score, paper.title), shared_terms: this.#lexical.sharedTerms(id, otherId, 6) };
      }),
    };
  }

  async similarToText(text: string, k: number): Promise<{ results: SearchHit[] }> {
    const vector = await this.#embedder.embedQuery(text);
    const ranked = fuseRankings([this.#vectorRanking(vector, k * 3), this.#lexical.search(text, { k: k * 3 })], hybridFusion(this.manifest.embedder.kind));
    return { results: ranked.slice(0, k).map(({ id, score }) => this.#hit(this.#paperById(id), score, text)) };
  }

  clusters(): { clusters: Array<ReturnType<SearchEngine['cluster']>> } {
    return { clusters: this.#topics.topics.map((topic) => this.cluster(topic.id)) };
  }

  cluster(id: number) {
    const topic = this.#topic(id);
    const members = this.#memberPositions(id).map((position) => this.#papers[position] as PaperBrief);
    return {
      id: topic.id,
      label: topic.label,
      size: members.length,
      keywords: topic.keywords,
      representatives: topic.representatives.filter((paperId) => this.#positionById.has(paperId)).map((paperId) => this.#reference(paperId)),
      first: topic.first,
      last: topic.last,
      median: topic.median,
      months: topic.months,
      papers: members.map((paper) => ({ id: paper.id, title: paper.title })),
    };
  }

  /** The topic's papers split into sub-topics, computed once per topic and kept. */
  subtopics(id: number): Promise<SubtopicsResponse> {
    const topic = this.#topic(id);
    let response = this.#subtopics.get(topic.id);
    if (!response) {
      response = subtopicsOf(this.#memberPositions(id).map((position) => this.#withVector(position)), this.#topics.seed);
      // A failure is not kept: the next request tries again.
      response.catch(() => this.#subtopics.delete(topic.id));
      this.#subtopics.set(topic.id, response);
    }
    return response;
  }

  trend(id: number) {
    return trendOf(this.#topic(id));
  }

  /** Clustering quality of the indexed papers, beside a TF-IDF baseline and against hand labels. */
  async topicReport(options: { clusters?: 'auto' | number; handLabels?: Record<string, string> }): Promise<QualityReport> {
    const { qualityReport } = await import('../../indexer/cluster/index.js');
    return qualityReport(this.#papers.map((_, position) => this.#withVector(position)), { k: options.clusters ?? this.#topics.requested, seed: this.#topics.seed, handLabels: options.handLabels });
  }

  #topic(id: number): Topic {
    const topic = this.#topics.topics.find((candidate) => candidate.id === id);
    if (!topic) throw new PaperscopeError('NOT_FOUND', `No topic with id ${id}.`, { parameter: 'id' });
    return topic;
  }

  #memberPositions(id: number): readonly number[] {
    return this.#membersOfTopic.get(id) ?? [];
  }

  #vectorAt(position: number): Float32Array {
    const label = this.#paperToAnn[position] ?? -1;
    if (label < 0) throw new PaperscopeError('INDEX_MISMATCH', `Paper ${this.#papers[position]?.id} has no vector in the HNSW index; rebuild the index.`);
    return this.#ann.vector(label);
  }

  #withVector(position: number): StoredPaper {
    return { ...this.#recordAt(position), vector: this.#vectorAt(position) };
  }

  map(): { points: Array<{ id: string; title: string; x: number; y: number; cluster: number }> } {
    return {
      points: this.#topics.map.flatMap(({ id, x, y }) => {
        const position = this.#positionById.get(id);
        if (position === undefined) return [];
        return [{ id, title: this.#papers[position]?.title ?? '', x, y, cluster: this.#topicOfPaper[position] ?? 0 }];
      }),
    };
  }

  /** Answers from the abstracts' own sentences, each claim cited. */
  async ask(params: AskParams) {
    const sources = await this.#askSources();
    const { answer, grounded, citations, seeAlso } = answerQuestion(sources, params.question, await this.#embedder.embedQuery(params.question));
    return { answer, grounded, citations, seeAlso };
  }

  /**
   * The answer as events for `POST /api/ask/stream`: written by the configured model from the
   * evidence, or the extractive answer. Evidence is gathered before this resolves, so its failures
   * are ordinary errors; `signal` stops a generation whose client went away.
   */
  async askStream(params: AskParams, signal: AbortSignal): Promise<AsyncGenerator<AskEvent>> {
    const sources = await this.#askSources();
    const vector = await this.#embedder.embedQuery(params.question);
    const extractive = answerQuestion(sources, params.question, vector);
    const evidence = this.#llm ? answerQuestion(sources, params.question, vector, { maxSentences: LLM_EVIDENCE_SENTENCES }) : extractive;
    return answerEvents({ question: params.question, extractive, evidence }, this.#llm, signal);
  }

  /**
   * Loads the sentence index behind ask now instead of on the first question: loading it is most
   * of a cold start's memory and time at 100k papers, and search does not need it. A stale or
   * damaged one is rebuilt here (a warning says so); a failed load is retried on the next call.
   */
  async loadAskIndex(): Promise<void> {
    await this.#askSources();
  }

  async #askSources(): Promise<AskSources> {
    if (!this.#sentences) {
      const loading = this.#loadSentences();
      this.#sentences = loading;
      loading.then(
        () => {
          this.#sentencesReady = true;
        },
        () => {
          if (this.#sentences === loading) this.#sentences = undefined;
        },
      );
    }
    return { sentences: await this.#sentences, paper: (id) => this.#paperById(id), idf: (term) => this.#lexical.idf(term) };
  }

  #paperById(id: string): PaperRecord {
    return this.#recordAt(this.#positionOf(id));
  }

  /** Without the details, which cost a decode: enough to sort by or to name a paper. */
  #briefById(id: string): PaperBrief {
    return this.#papers[this.#positionOf(id)] as PaperBrief;
  }

  #positionOf(id: string): number {
    const position = this.#positionById.get(id);
    if (position === undefined) throw new PaperscopeError('NOT_FOUND', `No paper with id "${id}".`, { parameter: 'id' });
    return position;
  }

  /** The paper position of each id (-1 when absent); indexes built in the table's order need no lookup per id. */
  #positionsOf(ids: readonly string[]): Int32Array {
    const inTableOrder = ids.length === this.#papers.length && ids.every((id, position) => id === this.#papers[position]?.id);
    return inTableOrder ? Int32Array.from(ids, (_, position) => position) : Int32Array.from(ids, (id) => this.#positionById.get(id) ?? -1);
  }

  #recordAt(position: number): PaperRecord {
    return { ...(this.#papers[position] as PaperBrief), ...this.#details(position) };
  }

  /** Without `accept` the graph search runs natively, with no call back into JS per visited node. */
  #vectorRanking(vector: Float32Array, k: number, accept?: (position: number) => boolean): Array<{ id: string; score: number }> {
    return this.#ann
      .search(vector, k, accept && ((label) => accept(this.#annToPaper[label] ?? -1)))
      .map(({ label, similarity }) => ({ id: this.#ann.ids[label] ?? '', score: similarity }));
  }

  /** Filters run inside both rankers, so a filtered search finds every match that exists; undefined when none is set. */
  #filterFor(params: SearchParams): ((position: number) => boolean) | undefined {
    const { from, to, topic, min_upvotes: minUpvotes } = params;
    if (from === undefined && to === undefined && topic === undefined && minUpvotes === undefined) return undefined;
    return (position) => {
      const paper = this.#papers[position];
      if (!paper) return false;
      if (topic !== undefined && this.#topicOfPaper[position] !== topic) return false;
      if (minUpvotes !== undefined && paper.upvotes < minUpvotes) return false;
      if (from !== undefined && (!paper.date || paper.date.slice(0, from.length) < from)) return false;
      if (to !== undefined && (!paper.date || paper.date.slice(0, to.length) > to)) return false;
      return true;
    };
  }

  #sortBy(ranked: Array<{ id: string; score: number }>, key: 'date' | 'upvotes'): Array<{ id: string; score: number }> {
    const value = (id: string): string | number => {
      const paper = this.#briefById(id);
      return key === 'date' ? (paper.date ?? '') : paper.upvotes;
    };
    // Stable sort keeps relevance order among equal dates or upvotes.
    return [...ranked].sort((a, b) => {
      const left = value(a.id);
      const right = value(b.id);
      return left < right ? 1 : left > right ? -1 : 0;
    });
  }

  #clusterRef(position: number): ClusterRef {
    const id = this.#topicOfPaper[position] ?? 0;
    return { id, label: this.#topics.topics.find((topic) => topic.id === id)?.label ?? '' };
  }

  #summary(paper: PaperRecord): PaperSummary {
    return {
      id: paper.id,
      title: paper.title,
      date: paper.date,
      authors_count: paper.authorsCount,
      organization: paper.organization,
      upvotes: paper.upvotes,
      url: paper.url,
      cluster: this.#clusterRef(this.#positionById.get(paper.id) ?? 0),
    };
  }

  #hit(paper: PaperRecord, score: number, query: string): SearchHit {
    const snippet = bestSnippet(paper.abstract, query);
    return { ...this.#summary(paper), score: round(score, 5), snippet: snippet.text, highlights: snippet.highlights };
  }

  #reference(id: string): { id: string; title: string } {
    return { id, title: this.#briefById(id).title };
  }
}

function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

