import { PaperscopeError } from '../../core/errors.js';
import { APP_VERSION } from '../../core/version.js';
import type { AnnIndex } from '../../indexer/ann/index.js';
import { buildDerivedIndexes, loadDerivedIndexes, saveDerivedIndexes } from '../../indexer/derive.js';
import { type Embedder, embedderForIndex } from '../../indexer/embed/index.js';
import { type IndexEvent, topicOf } from '../../indexer/index.js';
import type { LexicalIndex } from '../../indexer/lexical/index.js';
import { dataDirLayout, type Manifest, PapersTable, readManifest, type StoredPaper, type Topic, type TopicsFile } from '../../indexer/store/index.js';
import { splitSentences } from '../../indexer/text/index.js';
import { bestSnippet, composeAnswer, fuseRankings } from '../ranking/index.js';
import type { AskParams, SearchParams } from './schemas.js';

export { askSchema, searchParamsSchema, similarParamsSchema, similarTextSchema, type AskParams, type SearchParams } from './schemas.js';

export interface EngineOptions {
  dataDir: string;
  cacheDir: string;
  modelDir?: string;
  offline: boolean;
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
/** Papers whose sentences are considered as evidence for a question. */
const ASK_PAPERS = 8;

/**
 * Everything a query needs, loaded once: the papers, the HNSW and BM25 indexes, the topics and
 * the embedder that built the index. Derived indexes that are missing or stale are rebuilt
 * from the papers table instead of failing.
 */
export class SearchEngine {
  readonly manifest: Manifest;
  readonly #papers: StoredPaper[];
  readonly #positionById: Map<string, number>;
  readonly #ann: AnnIndex;
  /** HNSW label → paper position. */
  readonly #annToPaper: Int32Array;
  readonly #lexical: LexicalIndex;
  readonly #topics: TopicsFile;
  readonly #topicOfPaper: Int32Array;
  readonly #embedder: Embedder;

  private constructor(parts: {
    manifest: Manifest;
    papers: StoredPaper[];
    ann: AnnIndex;
    lexical: LexicalIndex;
    topics: TopicsFile;
    embedder: Embedder;
  }) {
    this.manifest = parts.manifest;
    this.#papers = parts.papers;
    this.#positionById = new Map(parts.papers.map((paper, position) => [paper.id, position]));
    this.#ann = parts.ann;
    this.#annToPaper = Int32Array.from(parts.ann.ids, (id) => this.#positionById.get(id) ?? -1);
    this.#lexical = parts.lexical;
    this.#topics = parts.topics;
    this.#topicOfPaper = Int32Array.from(parts.papers, (paper) => topicOf(parts.topics, paper));
    this.#embedder = parts.embedder;
  }

  static async open(options: EngineOptions): Promise<SearchEngine> {
    const emit = options.onEvent ?? (() => {});
    const layout = dataDirLayout(options.dataDir);
    const manifest = await readManifest(layout);
    const table = manifest ? await PapersTable.open(layout) : undefined;
    if (!manifest || !table) {
      throw new PaperscopeError('NO_INDEX', `No index in ${layout.root}; run "paperscope index <files>" first.`);
    }
    const [papers, tableVersion, dimension] = await Promise.all([table.readAll(), table.version(), table.dimension()]);
    if (papers.length === 0) throw new PaperscopeError('NO_INDEX', `The index in ${layout.root} holds no papers; run "paperscope index <files>".`);
    const loaded = await loadDerivedIndexes(layout, { dimension, count: papers.length, tableVersion });
    let { ann, lexical, topics } = loaded;
    if (!ann || !lexical || !topics) {
      emit({ type: 'warning', message: `Rebuilding derived indexes from the papers table: ${loaded.problems.join('; ')}` });
      const rebuilt = buildDerivedIndexes(papers, tableVersion, dimension, { clusters: manifest.clustering.requested, seed: manifest.clustering.seed });
      ann = ann ?? rebuilt.ann;
      lexical = lexical ?? rebuilt.lexical;
      topics = topics ?? rebuilt.topics;
      await saveDerivedIndexes(layout, { ann, lexical, topics }, tableVersion).catch((error: unknown) => {
        // A read-only data dir still serves; the rebuild just happens again next start.
        emit({ type: 'warning', message: `Could not save the rebuilt indexes: ${(error as Error).message}` });
      });
    }
    const embedder = await embedderForIndex(manifest.embedder, manifest.embedderState, {
      cacheDir: options.cacheDir,
      modelDir: options.modelDir,
      offline: options.offline,
      onWarning: (message) => emit({ type: 'warning', message }),
    });
    return new SearchEngine({ manifest, papers, ann, lexical, topics, embedder });
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
      rankings.push(this.#lexical.search(params.q, { k: depth, filter: (position) => accept(this.#positionById.get(this.#lexical.idAt(position)) ?? -1) }));
    }
    let ranked = rankings.length === 1 ? (rankings[0] ?? []) : fuseRankings(rankings);
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
    const neighbours = this.#vectorRanking(paper.vector, k + 1, (other) => other !== position).slice(0, k);
    return {
      results: neighbours.map(({ id: otherId, score }) => {
        const other = this.#paperById(otherId);
        return { ...this.#hit(other, score, paper.title), shared_terms: this.#lexical.sharedTerms(id, otherId, 6) };
      }),
    };
  }

  async similarToText(text: string, k: number): Promise<{ results: SearchHit[] }> {
    const vector = await this.#embedder.embedQuery(text);
    const ranked = fuseRankings([this.#vectorRanking(vector, k * 3, () => true), this.#lexical.search(text, { k: k * 3 })]);
    return { results: ranked.slice(0, k).map(({ id, score }) => this.#hit(this.#paperById(id), score, text)) };
  }

  clusters(): { clusters: Array<ReturnType<SearchEngine['cluster']>> } {
    return { clusters: this.#topics.topics.map((topic) => this.cluster(topic.id)) };
  }

  cluster(id: number) {
    const topic = this.#topics.topics.find((candidate) => candidate.id === id);
    if (!topic) throw new PaperscopeError('NOT_FOUND', `No topic with id ${id}.`, { parameter: 'id' });
    const members = this.#papers.filter((_, position) => this.#topicOfPaper[position] === id);
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
    const { results } = await this.search({ q: params.question, k: ASK_PAPERS, offset: 0, mode: 'hybrid', sort: 'relevance' });
    const candidates = results.flatMap((hit) =>
      splitSentences(this.#paperById(hit.id).abstract).map((sentence) => ({ paperId: hit.id, title: hit.title, sentence: sentence.text })),
    );
    const question = await this.#embedder.embedQuery(params.question);
    const vectors = await this.#embedder.embedDocuments(candidates.map((candidate) => candidate.sentence));
    const evidence = candidates.map((candidate, index) => {
      const vector = vectors[index] ?? new Float32Array(question.length);
      return { ...candidate, vector, relevance: dot(question, vector) };
    });
    return composeAnswer(params.question, evidence);
  }

  #paperById(id: string): StoredPaper {
    const position = this.#positionById.get(id);
    const paper = position === undefined ? undefined : this.#papers[position];
    if (!paper) throw new PaperscopeError('NOT_FOUND', `No paper with id "${id}".`, { parameter: 'id' });
    return paper;
  }

  #vectorRanking(vector: Float32Array, k: number, accept: (position: number) => boolean): Array<{ id: string; score: number }> {
    return this.#ann
      .search(vector, k, (label) => accept(this.#annToPaper[label] ?? -1))
      .map(({ label, similarity }) => ({ id: this.#ann.ids[label] ?? '', score: similarity }));
  }

  /** Filters run inside both rankers, so a filtered search finds every match that exists. */
  #filterFor(params: SearchParams): (position: number) => boolean {
    const { from, to, topic, min_upvotes: minUpvotes } = params;
    if (from === undefined && to === undefined && topic === undefined && minUpvotes === undefined) return (position) => position >= 0;
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
      const paper = this.#paperById(id);
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
    const topic: Topic | undefined = this.#topics.topics[id];
    return { id, label: topic?.label ?? '' };
  }

  #summary(paper: StoredPaper): PaperSummary {
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

  #hit(paper: StoredPaper, score: number, query: string): SearchHit {
    const snippet = bestSnippet(paper.abstract, query);
    return { ...this.#summary(paper), score: round(score, 5), snippet: snippet.text, highlights: snippet.highlights };
  }

  #reference(id: string): { id: string; title: string } {
    return { id, title: this.#paperById(id).title };
  }
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] ?? 0) * (b[i] ?? 0);
  return sum;
}

function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

