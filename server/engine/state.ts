import { PaperscopeError } from '../../core/errors.js';
import type { AnnIndex } from '../../indexer/ann/index.js';
import { topicOf } from '../../indexer/derive.js';
import type { Embedder } from '../../indexer/embed/index.js';
import type { LexicalIndex } from '../../indexer/lexical/index.js';
// paper.ts alone: the input parsers load only when papers are posted (test/layout/startup.test.ts).
import { findArxivId } from '../../indexer/parse/paper.js';
import { OFF_TOPIC_DIGEST, OFF_TOPIC_PROBES } from '../../indexer/sentences/index.js';
import {
  assignmentColumns,
  type Manifest,
  type PaperBrief,
  type PaperBriefs,
  type PaperDetails,
  type PaperRecord,
  type PaperRecords,
  type StoredPaper,
  type Topic,
  type TopicsFile,
} from '../../indexer/store/index.js';
import { bestSnippet, type Near, QueryExpander, similarityFloor } from '../ranking/index.js';
import type { BrowseHit, ClusterRef, PaperSummary, SearchHit } from './schemas.js';

/**
 * Everything a query needs, loaded once: the papers, the HNSW and BM25 indexes, the topics, the
 * embedder that built the index, and the maps between a paper's id, its position in the papers
 * table, its HNSW label, its BM25 document and its topic. The operations (search.ts, similar.ts …)
 * read papers only through it.
 */
export class EngineState {
  readonly manifest: Manifest;
  readonly embedder: Embedder;
  /** Without vectors (the HNSW index holds them: `vectorAt`) nor details (`recordAt` decodes those per paper). */
  readonly papers: PaperBriefs;
  readonly #details: (position: number) => PaperDetails;
  /** Closes the records file the details are read from. */
  readonly #closeRecords: (() => Promise<void>) | undefined;
  /** Id → position, made on first use: a search answers by position, and at a million papers the map is ≈ 0.3 s of a start. */
  #positionById: Map<string, number> | undefined;
  readonly ann: AnnIndex;
  /** HNSW label → paper position. */
  readonly #annToPaper: Int32Array;
  /** Paper position → HNSW label. */
  readonly #paperToAnn: Int32Array;
  /** BM25 document → paper position. */
  readonly lexicalToPaper: Int32Array;
  /** Paper position → BM25 document: a search need not build the index's own id map. */
  readonly #paperToLexical: Int32Array;
  readonly lexical: LexicalIndex;
  readonly topics: TopicsFile;
  readonly topicOfPaper: Int32Array;
  /** Topic id → positions of its papers; fixed for the engine's lifetime, so built once, on first use. */
  #membersOfTopic: Map<number, number[]> | undefined;
  #floor: Promise<number> | undefined;
  #expander: QueryExpander | undefined;
  #topicLabels: Map<number, string> | undefined;

  constructor(parts: {
    manifest: Manifest;
    papers: PaperRecords;
    ann: AnnIndex;
    lexical: LexicalIndex;
    topics: TopicsFile;
    embedder: Embedder;
  }) {
    this.manifest = parts.manifest;
    this.embedder = parts.embedder;
    this.papers = parts.papers.briefs;
    this.#details = parts.papers.details;
    this.#closeRecords = parts.papers.close;
    this.ann = parts.ann;
    this.#annToPaper = this.#positionsOf(parts.ann.ids);
    this.#paperToAnn = new Int32Array(this.papers.length).fill(-1);
    this.#annToPaper.forEach((position, label) => {
      if (position >= 0) this.#paperToAnn[position] = label;
    });
    // Compared in place: the BM25 file keeps its ids as UTF-8, made strings only when all are asked for.
    this.lexicalToPaper = parts.lexical.hasIds(this.papers.length, (position) => this.papers.ids[position] as string)
      ? tableOrder(this.papers.length)
      : this.#positionsOf(parts.lexical.ids);
    this.#paperToLexical = new Int32Array(this.papers.length).fill(-1);
    this.lexicalToPaper.forEach((position, doc) => {
      if (position >= 0) this.#paperToLexical[position] = doc;
    });
    this.lexical = parts.lexical;
    this.topics = parts.topics;
    // A vector is fetched only for a paper the topics file does not assign.
    this.topicOfPaper = this.#topicsByPosition(parts.topics);
  }

  get positionById(): ReadonlyMap<string, number> {
    if (!this.#positionById) {
      const byId = new Map<string, number>();
      const { ids } = this.papers;
      for (let position = 0; position < ids.length; position++) byId.set(ids[position] as string, position);
      this.#positionById = byId;
    }
    return this.#positionById;
  }

  /**
   * Each paper's topic: the topics file's column when it lists the papers in their order (as the
   * indexer writes it), else by id, a paper it does not assign by its nearest centroid.
   */
  #topicsByPosition(topics: TopicsFile): Int32Array {
    const columns = assignmentColumns(topics);
    const { ids } = this.papers;
    if (columns && columns.ids.length === ids.length && columns.ids.every((id, position) => id === ids[position]))
      return columns.topics.slice();
    // Indexed loops: a typed array's `from` with a mapping function is several times slower at 100k.
    const byPosition = new Int32Array(this.papers.length);
    for (let position = 0; position < this.papers.length; position++)
      byPosition[position] = topics.assignments[ids[position] as string] ?? topicOf(topics, this.withVector(position));
    return byPosition;
  }

  /** The query words' variants (`expandQuery`), when the embedder has word vectors to weigh them. */
  get expander(): QueryExpander | undefined {
    const similarities = this.embedder.wordSimilarities?.bind(this.embedder);
    if (!similarities) return undefined;
    this.#expander ??= new QueryExpander((term) => this.lexical.variants(term), similarities);
    return this.#expander;
  }

  /** Releases the embedder, the records file and the BM25 file. */
  async close(): Promise<void> {
    await this.embedder.close();
    await this.#closeRecords?.();
    this.lexical.close();
  }

  /** The topic `id`; a 404 naming `parameter`, the query or path parameter that gave it, when there is none. */
  topic(id: number, parameter = 'id'): Topic {
    const topic = this.topics.topics.find((candidate) => candidate.id === id);
    if (!topic) throw new PaperscopeError('NOT_FOUND', `No topic with id ${id}.`, { parameter });
    return topic;
  }

  memberPositions(id: number): readonly number[] {
    if (!this.#membersOfTopic) {
      const byTopic = new Map<number, number[]>();
      this.topicOfPaper.forEach((topic, position) => {
        const members = byTopic.get(topic);
        if (members) members.push(position);
        else byTopic.set(topic, [position]);
      });
      this.#membersOfTopic = byTopic;
    }
    return this.#membersOfTopic.get(id) ?? [];
  }

  vectorAt(position: number): Float32Array {
    const label = this.#paperToAnn[position] ?? -1;
    if (label < 0)
      throw new PaperscopeError('INDEX_MISMATCH', `Paper ${this.papers.ids[position]} has no vector in the HNSW index; rebuild the index.`);
    return this.ann.vector(label);
  }

  withVector(position: number): StoredPaper {
    return { ...this.recordAt(position), vector: this.vectorAt(position) };
  }

  paperById(id: string): PaperRecord {
    return this.recordAt(this.positionOf(id));
  }

  /** Without the details, which cost a decode: enough to sort by or to name a paper. */
  briefById(id: string): PaperBrief {
    return this.papers.at(this.positionOf(id)) as PaperBrief;
  }

  positionOf(id: string): number {
    const position = this.positionById.get(id);
    if (position === undefined) throw new PaperscopeError('NOT_FOUND', `No paper with id "${id}".`, { parameter: 'id' });
    return position;
  }

  /** The BM25 document of the paper at `position`, -1 when the index lacks it. */
  lexicalDocAt(position: number): number {
    return this.#paperToLexical[position] ?? -1;
  }

  /** The paper position of each id (-1 when absent); indexes built in the table's order need no lookup per id. */
  #positionsOf(ids: readonly string[]): Int32Array {
    const positions = new Int32Array(ids.length);
    const papers = this.papers.ids;
    const inTableOrder = ids.length === papers.length && ids.every((id, position) => id === papers[position]);
    for (let index = 0; index < ids.length; index++)
      positions[index] = inTableOrder ? index : (this.positionById.get(ids[index] as string) ?? -1);
    return positions;
  }

  recordAt(position: number): PaperRecord {
    return { ...(this.papers.at(position) as PaperBrief), ...this.#details(position) };
  }

  /**
   * The similarity a paper must reach to match a query by vector (`similarityFloor`): the off-topic
   * probes' nearest papers: as the index stored them (`AnnIndex.offTopic`), else one HNSW search
   * each, on the first vector search, once the graph is loaded (a probe's exact scan costs more than
   * waiting for it). A failure is not kept.
   */
  vectorFloor(): Promise<number> {
    if (!this.#floor) {
      const { offTopic } = this.ann;
      const floor = (
        offTopic?.digest === OFF_TOPIC_DIGEST
          ? Promise.resolve(offTopic.best)
          : this.ann.graphLoaded.then(() =>
              Promise.all(
                OFF_TOPIC_PROBES.map(async (probe) => this.vectorRanking(await this.embedder.embedQuery(probe), 1)[0]?.score ?? -1),
              ),
            )
      ).then(similarityFloor);
      floor.catch(() => {
        if (this.#floor === floor) this.#floor = undefined;
      });
      this.#floor = floor;
    }
    return this.#floor;
  }

  /** Without `accept` the graph search runs natively, with no call back into JS per visited node. */
  vectorRanking(vector: Float32Array, k: number, accept?: (position: number) => boolean): Near[] {
    return this.ann
      .search(vector, k, accept && ((label) => accept(this.#annToPaper[label] ?? -1)))
      .map(({ label, similarity }) => ({ id: this.ann.ids[label] ?? '', score: similarity, position: this.#annToPaper[label] ?? -1 }));
  }

  #clusterRef(position: number): ClusterRef {
    const id = this.topicOfPaper[position] ?? 0;
    // Every hit names its topic: a map, not a scan of the topics per hit.
    if (!this.#topicLabels) {
      this.#topicLabels = new Map();
      for (const topic of this.topics.topics) if (!this.#topicLabels.has(topic.id)) this.#topicLabels.set(topic.id, topic.label);
    }
    return { id, label: this.#topicLabels.get(id) ?? '' };
  }

  summary(paper: PaperRecord): PaperSummary {
    return this.#summaryOf(paper, paper, this.positionById.get(paper.id) ?? 0);
  }

  #summaryOf(brief: PaperBrief, details: Pick<PaperDetails, 'organization' | 'url'>, position: number): PaperSummary {
    return {
      id: brief.id,
      title: brief.title,
      date: brief.date,
      authors_count: brief.authorsCount,
      organization: details.organization,
      upvotes: brief.upvotes,
      url: details.url,
      arxiv_id: findArxivId(brief.id, details.url),
      cluster: this.#clusterRef(position),
    };
  }

  hit(paper: PaperRecord, score: number, query: string): SearchHit {
    return this.#hitOf(paper, paper, this.positionById.get(paper.id) ?? 0, score, query);
  }

  /** `hit` for the paper at `position`, its brief and details not merged into a record first (a search shows ten). */
  hitAt(position: number, score: number, query: string): SearchHit {
    return this.#hitOf(this.papers.at(position) as PaperBrief, this.#details(position), position, score, query);
  }

  #hitOf(brief: PaperBrief, details: PaperDetails, position: number, score: number, query: string): SearchHit {
    const snippet = bestSnippet(details.abstract, query);
    // Completed in place: copying the summary into a new object (a spread) cost more than making it.
    const hit = this.#summaryOf(brief, details, position) as SearchHit;
    hit.score = round(score, 5);
    hit.snippet = snippet.text;
    hit.highlights = snippet.highlights;
    return hit;
  }

  /** A listed paper without a query: its abstract's opening as the snippet. */
  preview(paper: PaperRecord): BrowseHit {
    return { ...this.summary(paper), snippet: bestSnippet(paper.abstract, '').text, highlights: [] };
  }

  reference(id: string): { id: string; title: string } {
    return { id, title: this.briefById(id).title };
  }
}

/** Positions 0 … count − 1: a map from an index built in the table's order. */
function tableOrder(count: number): Int32Array {
  const positions = new Int32Array(count);
  for (let position = 0; position < count; position++) positions[position] = position;
  return positions;
}

export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
