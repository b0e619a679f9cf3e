import { PaperscopeError } from '../../core/errors.js';
import { BOILERPLATE_WORDS, STOP_WORDS, stem } from '../text/index.js';
import {
  encodeLexicalData,
  encodeLexicalFile,
  invalid,
  type PostingReader,
  type SerializedLexicalIndex,
  termPositionStarts,
} from './format.js';
import { GENERIC_WORDS } from './generic-words.js';
import {
  BLOCK_SHIFT,
  foldBlockMaxima,
  highestWeights,
  maxScoreTopK,
  PruningScratch,
  type Reach,
  type ScoredTerm,
  SEED_LENGTH,
  termBound,
} from './max-score.js';
import { type LexicalParams, PROXIMITY } from './params.js';
import { pairBonus, proximityBound, type TermPair, windowCloseness } from './proximity.js';
import { type ParsedQuery, parseQuery, queryTermWeights } from './query.js';
import type { PackedStrings, TermTable } from './term-table.js';
import { topK } from './top-k.js';

export interface LexicalHit {
  /** Position of the document in the list the index was built from. */
  index: number;
  id: string;
  score: number;
}

/** How a query's text is analysed into weighted terms (`LexicalIndex.analyse`). */
export interface QueryAnalysisOptions {
  /** Extra terms (stemmed, as `variants` gives them) and their weight relative to a query term. */
  expansions?: ReadonlyMap<string, number>;
  /** 'counted' for a pasted text, whose repeated words weigh more; a query counts each term once (`queryTermWeights`). */
  repeats?: 'once' | 'counted';
}

/**
 * A query as this index ranks it: parsed, its terms' ids and weights, the expansions added. Made
 * once per search by `LexicalIndex.analyse` and handed to each use (the phrase test, the count's
 * lower bound, the ranking), so none analyses it again. Valid only with the index that made it.
 */
export interface AnalysedQuery {
  readonly parsed: ParsedQuery;
  /** The query's own terms and their weights: the proximity bonus pairs these. */
  readonly queryTerms: ReadonlyMap<number, number>;
  /** The query's terms and the expansions, with their weights: what is ranked and counted. */
  readonly termWeights: ReadonlyMap<number, number>;
}

export interface RankOptions {
  k: number;
  /** Applied before ranking: only documents it accepts compete for the `k` places. */
  filter?: (docIndex: number) => boolean;
  /**
   * Dynamic pruning (MaxScore) for queries without a filter or a quoted phrase; on by default.
   * The ranking is the same either way: off scores every posting, to check or measure it.
   */
  prune?: boolean;
  /** Documents to tell, in `matched`, whether they are among the `total` (-1: none). */
  probe?: readonly number[];
  /**
   * Matches are counted up to this many (unlimited by default): when at least `cap` match, `total`
   * is `cap` and `totalRelation` 'gte', and the pruned ranking stops walking lists for the count.
   */
  cap?: number;
}

export type LexicalSearchOptions = RankOptions & QueryAnalysisOptions;

export interface LexicalRanking {
  hits: LexicalHit[];
  /** Documents that match: at least one query term, every quoted phrase, and the filter; at most `cap`. */
  total: number;
  /** 'eq': `total` is the count; 'gte': at least `total` (the `cap`) match. */
  totalRelation: 'eq' | 'gte';
  /** Whether each of `probe` matches (is counted in `total`, or would be without the cap). */
  matched: boolean[];
}

/**
 * The raw statistics an index is made of; everything else (IDF, per-posting weights, distinctive
 * terms) is derived from them, so the stored form holds only these.
 * Postings of term `t` are `postingDocs[termOffsets[t] .. termOffsets[t + 1]]`, in ascending document order.
 */
/** The `depth` best documents, how many match, the documents given a score (to clear), and `probe`'s matches. */
interface Ranked {
  best: number[];
  total: number;
  scored: ArrayLike<number>;
  matched: boolean[];
}

export interface LexicalData {
  params: LexicalParams;
  /**
   * Undefined when the ids are "0", "1", … (the sentence index's millions of documents): document
   * `i`'s id is then `String(i)`, made when asked for.
   */
  ids: PackedStrings | undefined;
  /** The terms, by id, with the most frequent readable surface form of each ("rewards" for "reward", "RLVR" for "rlvr"). */
  terms: TermTable;
  titleLengths: Uint32Array;
  abstractLengths: Uint32Array;
  termOffsets: Uint32Array;
  postingDocs: Uint32Array;
  titleTf: Uint16Array;
  abstractTf: Uint16Array;
  /**
   * Word positions of each posting's occurrences (title ones first, ascending), in posting order;
   * absent in an index built without them (the sentence index), which then ranks without proximity
   * and matches quoted phrases as plain terms.
   */
  positions?: Uint16Array;
  /** Where each term's positions start, when the loader summed the counts already (else made from them). */
  termPositions?: Uint32Array;
  /**
   * Present when the postings and positions stay in the file until a term is first used
   * (`openLexicalFile`): the arrays above are then filled per term, by `#weigh` and `#startsOf`.
   */
  reader?: PostingReader;
}

/** How many distinctive terms are kept per document for `termsOf` and `sharedTerms`. */
const DISTINCTIVE_PER_DOC = 64;
const NO_TERM = 0xffffffff;
/** Variants of a query word considered, and the shortest stem that has any. */
const MAX_VARIANTS = 16;
const MIN_VARIANT_STEM = 4;
/** Pair IDFs kept for the proximity bonus, each estimated from up to `PROXIMITY.sample` position lookups. */
const PAIR_IDF_CACHE = 50_000;

const BOILERPLATE_STEMS: ReadonlySet<string> = new Set([...BOILERPLATE_WORDS, ...GENERIC_WORDS].map((word) => stem(word)));
/**
 * A shared term explains a relation only if few papers use it: one in more than this share of the
 * corpus ("model", "noise" in a corpus about noise) is its theme, not a reason two papers pair up.
 */
const MAX_SHARED_DOCUMENT_SHARE = 0.3;
/** Compounds and acronyms ("reward hacking" written "reward-hacking", "RLVR", "MATH-500") name things; they rank first. */
const NAME_BOOST = 1.5;
// URLs, e-mail addresses and file names are indexed (they can be searched) but explain nothing.
const NOT_A_TOPIC = /[/@]|^(?:https?|www)\b|\.(?:com|org|net|io|ai|html?|pdf)$/;

/** Lists longer than MaxScore reads for its starting bar keep their highest weights for it. */
const HIGHEST = 64;

/** A BM25F index over titles and abstracts. Build it with `buildLexicalIndex` or `loadLexicalIndex`. */
export class LexicalIndex {
  readonly params: LexicalParams;
  readonly #data: LexicalData;
  /** The ids as strings, made when all are asked for (`ids`). */
  #idList: string[] | undefined;
  /** Built on first lookup by id: search never needs it, and the sentence index has one id per sentence. */
  #docIndexes: Map<string, number> | undefined;
  readonly #idf: Float64Array;
  /**
   * The saturated, length-normalised term frequency of each posting; a query adds idf × weight.
   * Computed per term on its first use (`#weigh`): a start-up would otherwise pay for every posting.
   */
  readonly #weights: Float32Array;
  /** The largest posting weight of each term: with the query weight, the term's upper bound for pruning. */
  readonly #maxWeights: Float32Array;
  /**
   * The largest weight of each block of 128 postings (`foldBlockMaxima`), raised as terms are
   * weighed: MaxScore skips the blocks that cannot lift a document far enough. Not stored in the file.
   */
  #blockMax: Float32Array | undefined;
  /** The highest weights of each long list (`ScoredTerm.highest`), kept as it is weighed; short lists need none. */
  readonly #highest = new Map<number, Float32Array>();
  /** 1 once a term's weights are computed. */
  readonly #weighed: Uint8Array;
  /** Each document's BM25 length normalisers, per field. */
  readonly #titleNorms: Float64Array;
  readonly #abstractNorms: Float64Array;
  readonly #maxIdf: number;
  /**
   * Where each term's positions start (the running sum of its postings' counts), so that a term's
   * per-posting starts (`#startsOf`) are made when it is first needed, not for every posting at
   * start-up.
   */
  readonly #termPositions: Uint32Array | undefined;
  /** Term → where each of its postings' positions start in `positions`; one more than its postings. */
  readonly #postingStarts = new Map<number, Uint32Array>();
  /** Per-query buffers, made on the first query: a query allocates nothing proportional to the corpus. */
  #scratch: PruningScratch | undefined;
  #admitted: Int8Array | undefined;
  #distinctive: Uint32Array | undefined;
  readonly #pairIdfs = new Map<number, number>();

  constructor(data: LexicalData) {
    this.#data = data;
    this.params = { ...data.params };
    const documentCount = data.titleLengths.length;
    const termCount = data.terms.size;
    // Filled per term by `#weigh`, which every use of a term's IDF follows.
    this.#idf = new Float64Array(termCount);
    this.#maxIdf = idf(documentCount, 0);
    this.#titleNorms = lengthNorms(data.titleLengths, data.params.b);
    this.#abstractNorms = lengthNorms(data.abstractLengths, data.params.b);
    this.#weights = new Float32Array(data.postingDocs.length);
    this.#maxWeights = new Float32Array(termCount);
    this.#weighed = new Uint8Array(termCount);
    this.#termPositions = data.positions && (data.termPositions ?? termPositionStarts(data, data.positions.length));
  }

  /** Closes the file a loaded index reads its postings from (`openLexicalFile`); a built index holds none. */
  close(): void {
    this.#data.reader?.close();
  }

  /** The stored data, every posting and position read from the file first when they were left there. */
  #whole(): LexicalData {
    const { reader, positions, postingDocs } = this.#data;
    reader?.readPostings(0, postingDocs.length);
    if (positions) reader?.readPositions(0, positions.length);
    return { ...this.#data, ...(this.#termPositions ? { termPositions: this.#termPositions } : {}) };
  }

  get size(): number {
    return this.#data.titleLengths.length;
  }

  /** Whether word positions are stored: proximity ranking and exact phrases. */
  get hasPositions(): boolean {
    return this.#termPositions !== undefined;
  }

  get ids(): readonly string[] {
    this.#idList ??= this.#data.ids?.all() ?? Array.from({ length: this.size }, (_, index) => String(index));
    return this.#idList;
  }

  /** Whether the documents' ids are the `count` that `idAt` gives, in order (the papers' table order), without making each id a string. */
  hasIds(count: number, idAt: (index: number) => string): boolean {
    const stored = this.#data.ids;
    if (stored) return stored.equals(count, idAt);
    if (count !== this.size) return false;
    for (let index = 0; index < count; index++) if (idAt(index) !== String(index)) return false;
    return true;
  }

  #idOf(doc: number): string | undefined {
    if (!Number.isInteger(doc) || doc < 0 || doc >= this.size) return undefined;
    return this.#data.ids ? this.#data.ids.at(doc) : String(doc);
  }

  /** The id of the document at a hit `index` (the position in the build input). */
  idAt(index: number): string {
    const id = this.#idOf(index);
    if (id === undefined) throw new PaperscopeError('NOT_FOUND', `No document at position ${index} in the lexical index`, { index });
    return id;
  }

  indexOf(id: string): number | undefined {
    return this.#docIndex().get(id);
  }

  /** Inverse document frequency of a stemmed term; a term absent from the corpus counts as the rarest. */
  idf(term: string): number {
    const id = this.#data.terms.idOf(term);
    const { termOffsets } = this.#data;
    return id < 0 ? this.#maxIdf : idf(this.size, (termOffsets[id + 1] as number) - (termOffsets[id] as number));
  }

  /**
   * The `k` best documents for a free-text query, best first.
   * @example index.search('noisy rewards', { k: 10, filter: (i) => years[i] >= 2025 })
   */
  search(query: string, options: LexicalSearchOptions): LexicalHit[] {
    return this.rank(query, options).hits;
  }

  /**
   * The `k` best documents and how many match. BM25F over titles and abstracts; with positions,
   * the best `PROXIMITY.depth` are re-ranked with a bonus for query terms near each other, and
   * quoted phrases ("reward noise") must occur exactly. The first `PROXIMITY.depth` places do not
   * depend on `k`, so pages of one query agree.
   */
  rank(query: string, options: LexicalSearchOptions): LexicalRanking {
    return this.rankAnalysed(this.analyse(query, options), options);
  }

  /** `rank` for a query this index has analysed (`analyse`): a search that also tests or counts it analyses it once. */
  rankAnalysed(query: AnalysedQuery, options: RankOptions): LexicalRanking {
    const { k, filter, cap = Number.POSITIVE_INFINITY } = options;
    // One map for every probe, whatever array the caller built: `Array.prototype.map` gives a
    // holey array or a packed one depending on its path, and the other kind deoptimises
    // `maxScoreTopK` at its end at each search (V8 keeps the code), for ≈ 600 searches per process.
    const probe = Int32Array.from(options.probe ?? []);
    if (!Number.isInteger(k) || k < 1) {
      throw new PaperscopeError('INVALID_PARAMETER', `k must be a positive integer, got ${k}`, { field: 'k' });
    }
    const { parsed, queryTerms, termWeights } = query;
    const phrases = this.#termPositions
      ? parsed.phrases.map((phrase) => phrase.map(({ term, offset }) => ({ term: this.#data.terms.idOf(term), offset })))
      : [];
    // A phrase with a word no document has matches nothing.
    if (phrases.some((phrase) => phrase.some(({ term }) => term < 0)))
      return { hits: [], total: 0, totalRelation: 'eq', matched: Array.from(probe, () => false) };
    // Weighs every term first, which reads its postings when they stay in the file: pairs need them.
    const terms = this.#scoredTerms(termWeights);
    const nearTerms = this.#termPositions && queryTerms.size > 1 ? [...queryTerms.keys()] : [];
    const pairs = this.#termPairs(nearTerms);
    // The bonus re-ranks the best PROXIMITY.depth and adds at most this much: MaxScore needs only
    // those of them that can reach the k best with it.
    const reach = { depth: pairs.length > 0 ? Math.max(k, PROXIMITY.depth) : k, margin: proximityBound(pairs, this.params.k1) };
    const { best, total, scored, matched } =
      options.prune !== false && !filter && phrases.length === 0
        ? this.#prunedTop(terms, k, reach, probe, cap)
        : this.#exhaustiveTop(terms, reach.depth, phrases, filter, probe);
    const { scores } = this.#buffers();
    if (pairs.length > 0) this.#addProximity(best, k, nearTerms, pairs, reach.margin);
    const hits = best.slice(0, k).map((doc) => ({ index: doc, id: this.#idOf(doc) as string, score: scores[doc] as number }));
    for (let i = 0; i < scored.length; i++) scores[scored[i] as number] = 0;
    return total >= cap ? { hits, total: cap, totalRelation: 'gte', matched } : { hits, total, totalRelation: 'eq', matched };
  }

  /**
   * How many documents the query's most widespread term (or expansion) is in: at least that many
   * match the query when no filter or quoted phrase narrows it. Costs no posting's walk.
   */
  widestTerm(query: AnalysedQuery): number {
    const { termOffsets } = this.#data;
    let widest = 0;
    for (const term of query.termWeights.keys())
      widest = Math.max(widest, (termOffsets[term + 1] as number) - (termOffsets[term] as number));
    return widest;
  }

  /** The query's terms and quoted phrases as this index analyses text, their ids and weights, and those with the expansions added. */
  analyse(query: string, options: QueryAnalysisOptions = {}): AnalysedQuery {
    const { repeats = 'once', expansions } = options;
    const parsed = parseQuery(query);
    const queryTerms = new Map<number, number>();
    for (const [term, weight] of queryTermWeights(parsed.terms, {
      repeats,
      // A pasted text's numbers are as likely figures or references as names.
      codes: repeats === 'counted' ? undefined : parsed.codes,
    })) {
      const id = this.#data.terms.idOf(term);
      if (id >= 0) queryTerms.set(id, weight);
    }
    const termWeights = new Map(queryTerms);
    for (const [term, weight] of expansions ?? []) {
      const id = this.#data.terms.idOf(term);
      if (id >= 0 && !termWeights.has(id)) termWeights.set(id, weight);
    }
    return { parsed, queryTerms, termWeights };
  }

  /**
   * The query's terms with their postings and weights, highest upper bound first (rare terms
   * first): the order both rankers sum in, so their scores agree to the bit, and the order in which
   * MaxScore can stop walking lists soonest.
   */
  #scoredTerms(termWeights: ReadonlyMap<number, number>): ScoredTerm[] {
    const { termOffsets } = this.#data;
    for (const term of termWeights.keys()) this.#weigh(term);
    // Pushed, not mapped: `Array.prototype.map` makes a holey array or a packed one depending on
    // its path, and MaxScore's code, optimised for one, deoptimises at each search given the other.
    const terms: (ScoredTerm & { term: number })[] = [];
    for (const [term, weight] of termWeights)
      terms.push({
        term,
        start: termOffsets[term] as number,
        end: termOffsets[term + 1] as number,
        queryWeight: (this.#idf[term] as number) * weight,
        maxWeight: this.#maxWeights[term] as number,
        highest: this.#highest.get(term),
      });
    return terms.sort((a, b) => termBound(b) - termBound(a) || a.term - b.term);
  }

  /**
   * The `depth` best documents by BM25F, found with MaxScore over the terms' upper bounds, and the
   * number that match (the union of the posting lists, counted up to `cap`). Exact: the proximity bonus re-ranks only
   * these `depth`, so the head is the one exhaustive scoring gives.
   */
  #prunedTop(terms: readonly ScoredTerm[], k: number, reach: Reach, probe: Int32Array, cap: number): Ranked {
    const { best, touched, total, matched } = maxScoreTopK(
      terms,
      this.#data.postingDocs,
      this.#weights,
      k,
      this.#buffers(),
      probe,
      cap,
      reach,
      this.#blockMax,
    );
    return { best, total, scored: touched, matched };
  }

  /** Every posting of every term scored, the filter and the phrases applied: the `depth` best and the number that match. */
  #exhaustiveTop(
    terms: readonly ScoredTerm[],
    depth: number,
    phrases: ReadonlyArray<ReadonlyArray<{ term: number; offset: number }>>,
    filter: ((docIndex: number) => boolean) | undefined,
    probe: Int32Array,
  ): Ranked {
    const { scores } = this.#buffers();
    this.#admitted ??= new Int8Array(this.size);
    const admitted = this.#admitted;
    const { postingDocs } = this.#data;
    let touched: number[] = [];
    const checked: number[] = [];
    for (const { start, end, queryWeight } of terms) {
      for (let posting = start; posting < end; posting++) {
        const doc = postingDocs[posting] as number;
        if (filter) {
          if (admitted[doc] === 0) {
            admitted[doc] = filter(doc) ? 1 : -1;
            checked.push(doc);
          }
          if (admitted[doc] === -1) continue;
        }
        // Every weight is positive, so a zero score means "not seen yet".
        if (scores[doc] === 0) touched.push(doc);
        scores[doc] = (scores[doc] as number) + queryWeight * (this.#weights[posting] as number);
      }
    }
    for (const doc of checked) admitted[doc] = 0;
    if (phrases.length > 0) {
      const kept: number[] = [];
      for (const doc of touched) {
        if (phrases.every((phrase) => this.#hasPhrase(doc, phrase))) kept.push(doc);
        else scores[doc] = 0;
      }
      touched = kept;
    }
    // Every weight is positive: a document counted has a score, the others none.
    const matched = Array.from(probe, (doc) => doc >= 0 && (scores[doc] as number) > 0);
    return { best: topK(touched, scores, depth), total: touched.length, scored: touched, matched };
  }

  #buffers(): PruningScratch {
    this.#scratch ??= new PruningScratch(this.size);
    return this.#scratch;
  }

  /** Whether each document matches the query as `rank` counts it: a query term or expansion, and every quoted phrase. */
  matches(query: string, docs: readonly number[], expansions?: ReadonlyMap<string, number>): boolean[] {
    return this.rank(query, { k: 1, expansions, probe: docs }).matched;
  }

  /**
   * Single-word terms of the corpus that extend `term` ("noisi" for "nois"), with their readable
   * forms, most frequent first: the candidates for a query word's variants. Stems under
   * `MIN_VARIANT_STEM` letters are too short to say anything ("ai" would bring "aim").
   */
  variants(term: string, limit = MAX_VARIANTS): Array<{ term: string; surface: string }> {
    if (term.length < MIN_VARIANT_STEM || !/^\p{L}+$/u.test(term)) return [];
    const { terms, termOffsets } = this.#data;
    // The terms that extend it are one range of the table, in byte order: no pass over the vocabulary.
    const found = terms.withPrefix(term).filter((id) => isWord(terms, id) && terms.term(id) !== term);
    const frequency = (id: number) => (termOffsets[id + 1] as number) - (termOffsets[id] as number);
    return found
      .sort((a, b) => frequency(b) - frequency(a) || a - b)
      .slice(0, limit)
      .map((id) => ({ term: terms.term(id), surface: terms.surface(id).toLowerCase() }));
  }

  /** The document's most distinctive terms (highest BM25 weight), as readable words. */
  termsOf(id: string, limit = 10): string[] {
    const doc = this.#requireDoc(id);
    const distinctive = this.#distinctiveTerms();
    const ranked: number[] = [];
    for (let slot = 0; slot < DISTINCTIVE_PER_DOC; slot++) {
      const term = distinctive[doc * DISTINCTIVE_PER_DOC + slot] as number;
      if (term !== NO_TERM) ranked.push(term);
    }
    return this.#readableWords(ranked, limit);
  }

  /**
   * Distinctive terms the two documents have in common, as readable words, best first: a term
   * counts when it is among either document's distinctive terms and occurs in both, ranked by the
   * product of its weights in the two documents.
   */
  sharedTerms(idA: string, idB: string, limit = 5): string[] {
    const docA = this.#requireDoc(idA);
    const docB = this.#requireDoc(idB);
    const distinctive = this.#distinctiveTerms();
    const scored = new Map<number, number>();
    for (const doc of [docA, docB]) {
      for (let slot = 0; slot < DISTINCTIVE_PER_DOC; slot++) {
        const term = distinctive[doc * DISTINCTIVE_PER_DOC + slot] as number;
        if (term === NO_TERM || scored.has(term)) continue;
        if (this.#isTheme(term)) continue;
        const product = this.#termWeight(docA, term) * this.#termWeight(docB, term);
        if (product > 0)
          scored.set(term, isName(this.#data.terms.term(term), this.#data.terms.surface(term)) ? product * NAME_BOOST : product);
      }
    }
    const ranked = [...scored].sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([term]) => term);
    return this.#readableWords(ranked, limit);
  }

  /** The JSON-ready stored form; `loadLexicalIndex` restores an equal index from it. */
  toJSON(): SerializedLexicalIndex {
    return encodeLexicalData(this.#whole());
  }

  /** The binary file form, stamped with the table version, as parts to write in order; `loadLexicalFile` restores it. */
  toFile(tableVersion: number): Uint8Array[] {
    return encodeLexicalFile(this.#whole(), tableVersion);
  }

  /**
   * Computes a term's posting weights and their maximum, once, checking its postings on the way
   * (ascending documents, each counting an occurrence): a file's postings are checked per term on
   * first use, not all at start-up. BM25F: each field's frequency is normalised by that field's
   * length against its average, the fields are summed with their weights, and the sum is saturated
   * once with k1.
   */
  #weigh(term: number): void {
    if (this.#weighed[term] === 1) return;
    const { params, termOffsets, postingDocs, titleTf, abstractTf } = this.#data;
    const { k1, titleWeight } = params;
    const titleNorms = this.#titleNorms;
    const abstractNorms = this.#abstractNorms;
    const weights = this.#weights;
    const documentCount = this.size;
    const start = termOffsets[term] as number;
    const end = termOffsets[term + 1] as number;
    this.#data.reader?.readPostings(start, end);
    if (!postingsInOrder(postingDocs, titleTf, abstractTf, start, end, documentCount)) this.#damaged(term, 'postings');
    let max = 0;
    for (let posting = start; posting < end; posting++) {
      const doc = postingDocs[posting] as number;
      const title = titleTf[posting] as number;
      const abstract = abstractTf[posting] as number;
      const frequency =
        titleWeight * (title === 0 ? 0 : title / (titleNorms[doc] as number)) +
        (abstract === 0 ? 0 : abstract / (abstractNorms[doc] as number));
      weights[posting] = (frequency * (k1 + 1)) / (frequency + k1);
      if ((weights[posting] as number) > max) max = weights[posting] as number;
    }
    this.#maxWeights[term] = max;
    this.#blockMax ??= new Float32Array(Math.ceil(postingDocs.length / (1 << BLOCK_SHIFT)));
    foldBlockMaxima(weights, start, end, this.#blockMax);
    if (end - start > SEED_LENGTH) this.#highest.set(term, highestWeights(weights, start, end, HIGHEST));
    this.#idf[term] = idf(documentCount, end - start);
    this.#weighed[term] = 1;
  }

  /**
   * Adds the proximity bonus to the head of `ranked` (its first `PROXIMITY.depth`, best BM25F
   * first) and re-sorts the documents given one in place, so that the first k are exact. Once k
   * have their bonus, a document whose score plus the most a bonus adds (`margin`) falls below the
   * k-th of those cannot reach the first k, nor can the documents after it (lower still): they get
   * none and stay below.
   */
  #addProximity(ranked: number[], k: number, terms: number[], pairs: readonly TermPair[], margin: number): void {
    const { scores } = this.#buffers();
    const { k1 } = this.params;
    const better = (a: number, b: number) => (scores[b] as number) - (scores[a] as number) || a - b;
    // The documents given a bonus, best first.
    const head: number[] = [];
    for (const doc of ranked.slice(0, PROXIMITY.depth)) {
      if (head.length >= k && (scores[doc] as number) + margin < (scores[head[k - 1] as number] as number)) break;
      // Each term's positions are looked up once per document, not once per pair.
      const found = terms.map((term) => this.#positionsOf(term, doc));
      let bonus = 0;
      for (const { a, b, idf: pairIdf } of pairs) {
        const first = found[a];
        const second = found[b];
        if (!first || !second) continue;
        bonus += pairBonus(pairIdf, windowCloseness(first, second, PROXIMITY.window), k1);
      }
      scores[doc] = (scores[doc] as number) + PROXIMITY.weight * bonus;
      let at = head.length;
      while (at > 0 && better(doc, head[at - 1] as number) < 0) at--;
      head.splice(at, 0, doc);
    }
    head.forEach((doc, index) => {
      ranked[index] = doc;
    });
  }

  /** Pairs of positions in `terms`, each with the IDF of the two standing together. */
  #termPairs(terms: readonly number[]): TermPair[] {
    const pairs: TermPair[] = [];
    for (let a = 0; a < terms.length; a++) {
      for (let b = a + 1; b < terms.length; b++) pairs.push({ a, b, idf: this.#cachedPairIdf(terms[a] as number, terms[b] as number) });
    }
    return pairs;
  }

  /** `#pairIdf`, kept for the next query with the pair: distinct queries share their common pairs. */
  #cachedPairIdf(first: number, second: number): number {
    const key = first * this.#data.terms.size + second;
    let found = this.#pairIdfs.get(key);
    if (found === undefined) {
      found = this.#pairIdf(first, second);
      // The oldest out first, so a long-running server keeps the pairs of its recent queries.
      if (this.#pairIdfs.size >= PAIR_IDF_CACHE) this.#pairIdfs.delete(this.#pairIdfs.keys().next().value as number);
      this.#pairIdfs.set(key, found);
    }
    return found;
  }

  /**
   * The IDF of two terms standing within the proximity window of each other, as of a term of its
   * own: in a corpus about rewards "reward" is in every paper, but "reward" near "noise" is rare,
   * and that is what the bonus should weigh. The document frequency is counted over the shorter
   * posting list, or estimated from `PROXIMITY.sample` documents evenly spread along it.
   */
  #pairIdf(first: number, second: number): number {
    const { termOffsets, postingDocs } = this.#data;
    const length = (term: number) => (termOffsets[term + 1] as number) - (termOffsets[term] as number);
    const [shorter, other] = length(first) <= length(second) ? [first, second] : [second, first];
    const count = length(shorter);
    const step = Math.max(1, count / PROXIMITY.sample);
    let seen = 0;
    let near = 0;
    for (let at = 0; at < count; at += step) {
      const doc = postingDocs[(termOffsets[shorter] as number) + Math.floor(at)] as number;
      seen++;
      const otherPositions = this.#positionsOf(other, doc);
      const shorterPositions = otherPositions && this.#positionsOf(shorter, doc);
      if (shorterPositions && otherPositions && windowCloseness(shorterPositions, otherPositions, PROXIMITY.window) > 0) near++;
    }
    return idf(this.size, seen === 0 ? 0 : (near / seen) * count);
  }

  /** Whether the document holds the phrase: its terms at the same gaps as in the query. */
  #hasPhrase(doc: number, phrase: ReadonlyArray<{ term: number; offset: number }>): boolean {
    const lists = phrase.map(({ term }) => this.#positionsOf(term, doc));
    if (lists.some((list) => list === undefined)) return false;
    const [first, ...rest] = lists as Uint16Array[];
    const offsets = phrase.map(({ offset }) => offset);
    return (first as Uint16Array).some((start) =>
      rest.every((list, index) => sortedIncludes(list, start + (offsets[index + 1] as number) - (offsets[0] as number))),
    );
  }

  /** The positions of a term in a document, undefined when absent (binary search in the posting list). */
  #positionsOf(term: number, doc: number): Uint16Array | undefined {
    const positions = this.#data.positions;
    if (!positions) return undefined;
    const starts = this.#startsOf(term, positions);
    const posting = this.#postingOf(term, doc);
    if (posting < 0) return undefined;
    const local = posting - (this.#data.termOffsets[term] as number);
    return positions.subarray(starts[local] as number, starts[local + 1] as number);
  }

  /** Where each posting of `term` has its positions, made and checked (ascending within each posting) on first use. */
  #startsOf(term: number, positions: Uint16Array): Uint32Array {
    let starts = this.#postingStarts.get(term);
    if (starts) return starts;
    this.#weigh(term);
    const { termOffsets, titleTf, abstractTf } = this.#data;
    const first = termOffsets[term] as number;
    const end = termOffsets[term + 1] as number;
    starts = new Uint32Array(end - first + 1);
    let at = (this.#termPositions as Uint32Array)[term] as number;
    this.#data.reader?.readPositions(at, (this.#termPositions as Uint32Array)[term + 1] as number);
    starts[0] = at;
    for (let posting = first; posting < end; posting++) {
      at += (titleTf[posting] as number) + (abstractTf[posting] as number);
      starts[posting - first + 1] = at;
    }
    // The stored starts must agree with the counts, as the ones made from them do.
    if (at !== (this.#termPositions as Uint32Array)[term + 1] || !positionsInOrder(positions, starts)) this.#damaged(term, 'positions');
    this.#postingStarts.set(term, starts);
    return starts;
  }

  /** A term whose stored postings or positions break the format, though the file's checksum held: it was written so. */
  #damaged(term: number, part: 'postings' | 'positions'): never {
    const word = this.#data.terms.term(term);
    const problem = part === 'postings' ? 'lists a document twice, out of order or with no occurrence' : 'has positions out of order';
    throw new PaperscopeError(
      'INDEX_DAMAGED',
      `The BM25 index is damaged: term "${word}" ${problem}; remove lexical.bin from the data dir and run "paperscope index" to rebuild it.`,
      {
        term: word,
        part,
      },
    );
  }

  /** The posting of `term` for `doc`, -1 when the document lacks the term. */
  #postingOf(term: number, doc: number): number {
    const { termOffsets, postingDocs } = this.#data;
    let low = termOffsets[term] as number;
    let high = (termOffsets[term + 1] as number) - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const found = postingDocs[middle] as number;
      if (found === doc) return middle;
      if (found < doc) low = middle + 1;
      else high = middle - 1;
    }
    return -1;
  }

  #requireDoc(id: string): number {
    const doc = this.#docIndex().get(id);
    if (doc === undefined) throw new PaperscopeError('NOT_FOUND', `No document "${id}" in the lexical index`, { id });
    return doc;
  }

  #docIndex(): Map<string, number> {
    if (!this.#docIndexes) {
      const byId = new Map<string, number>();
      const { ids } = this;
      for (let index = 0; index < ids.length; index++) byId.set(ids[index] as string, index);
      if (byId.size !== ids.length) throw invalid('ids', 'contains duplicates');
      this.#docIndexes = byId;
    }
    return this.#docIndexes;
  }

  /** In more than MAX_SHARED_DOCUMENT_SHARE of the documents; a term only two documents have is never a theme. */
  #isTheme(term: number): boolean {
    const { termOffsets } = this.#data;
    const frequency = (termOffsets[term + 1] as number) - (termOffsets[term] as number);
    return frequency > 2 && frequency > MAX_SHARED_DOCUMENT_SHARE * this.size;
  }

  /** idf × saturated tf of a term in a document, 0 when absent (binary search in the posting list). */
  #termWeight(doc: number, term: number): number {
    this.#weigh(term);
    const posting = this.#postingOf(term, doc);
    return posting < 0 ? 0 : (this.#idf[term] as number) * (this.#weights[posting] as number);
  }

  /**
   * Surface words for ranked terms. A compound and its parts say the same thing, so whichever
   * ranks first is listed: "ReNO" keeps out "ReNO-enhanced", "text-to-image" keeps out "image".
   */
  #readableWords(ranked: readonly number[], limit: number): string[] {
    const { terms } = this.#data;
    const chosen: string[] = [];
    const chosenIds: number[] = [];
    for (const term of ranked) {
      if (chosen.length >= limit) break;
      const candidate = terms.term(term);
      if (chosen.some((other) => isPartOf(candidate, other) || isPartOf(other, candidate))) continue;
      chosen.push(candidate);
      chosenIds.push(term);
    }
    return chosenIds.map((term) => terms.surface(term));
  }

  /**
   * Top distinctive terms per document, computed on first use from the postings (not stored):
   * the topical postings are regrouped by document, and each document's few are sorted by weight.
   */
  #distinctiveTerms(): Uint32Array {
    if (this.#distinctive) return this.#distinctive;
    const { terms, termOffsets, postingDocs } = this.#data;
    const documentCount = this.size;
    const topical = new Uint8Array(terms.size);
    for (let term = 0; term < terms.size; term++) topical[term] = isTopical(terms.term(term), terms.surface(term)) ? 1 : 0;
    const documentStart = new Uint32Array(documentCount + 1);
    for (let term = 0; term < terms.size; term++) {
      if (!topical[term]) continue;
      this.#weigh(term);
      for (let posting = termOffsets[term] as number; posting < (termOffsets[term + 1] as number); posting++) {
        const next = (postingDocs[posting] as number) + 1;
        documentStart[next] = (documentStart[next] as number) + 1;
      }
    }
    for (let doc = 0; doc < documentCount; doc++) {
      documentStart[doc + 1] = (documentStart[doc + 1] as number) + (documentStart[doc] as number);
    }
    const entryTerms = new Uint32Array(documentStart[documentCount] as number);
    const entryWeights = new Float32Array(entryTerms.length);
    const cursor = documentStart.slice(0, documentCount);
    for (let term = 0; term < terms.size; term++) {
      if (!topical[term]) continue;
      this.#weigh(term);
      const termIdf = this.#idf[term] as number;
      for (let posting = termOffsets[term] as number; posting < (termOffsets[term + 1] as number); posting++) {
        const doc = postingDocs[posting] as number;
        const entry = cursor[doc] as number;
        cursor[doc] = entry + 1;
        entryTerms[entry] = term;
        entryWeights[entry] = termIdf * (this.#weights[posting] as number);
      }
    }
    const best = new Uint32Array(documentCount * DISTINCTIVE_PER_DOC).fill(NO_TERM);
    for (let doc = 0; doc < documentCount; doc++) {
      const entries: number[] = [];
      for (let entry = documentStart[doc] as number; entry < (documentStart[doc + 1] as number); entry++) entries.push(entry);
      entries.sort(
        (a, b) => (entryWeights[b] as number) - (entryWeights[a] as number) || (entryTerms[a] as number) - (entryTerms[b] as number),
      );
      entries.slice(0, DISTINCTIVE_PER_DOC).forEach((entry, slot) => {
        best[doc * DISTINCTIVE_PER_DOC + slot] = entryTerms[entry] as number;
      });
    }
    this.#distinctive = best;
    return best;
  }
}

/**
 * Whether `postingDocs[start .. end)` ascend strictly below `documentCount`, each posting counting
 * an occurrence. A tight loop of its own: with the error thrown inline the loop ran ≈ 3× slower.
 */
function postingsInOrder(
  postingDocs: Uint32Array,
  titleTf: Uint16Array,
  abstractTf: Uint16Array,
  start: number,
  end: number,
  documentCount: number,
): boolean {
  let previous = -1;
  for (let posting = start; posting < end; posting++) {
    const doc = postingDocs[posting] as number;
    if (doc <= previous || doc >= documentCount || (titleTf[posting] === 0 && abstractTf[posting] === 0)) return false;
    previous = doc;
  }
  return true;
}

/** Whether each posting's positions (`positions[starts[i] .. starts[i + 1])`) ascend. */
function positionsInOrder(positions: Uint16Array, starts: Uint32Array): boolean {
  for (let i = 0; i + 1 < starts.length; i++) {
    const end = starts[i + 1] as number;
    for (let index = (starts[i] as number) + 1; index < end; index++)
      if ((positions[index] as number) < (positions[index - 1] as number)) return false;
  }
  return true;
}

function sortedIncludes(list: Uint16Array, value: number): boolean {
  let low = 0;
  let high = list.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const found = list[middle] as number;
    if (found === value) return true;
    if (found < value) low = middle + 1;
    else high = middle - 1;
  }
  return false;
}

/** BM25's IDF in the form that stays positive for terms in more than half the documents. */
function idf(documentCount: number, df: number): number {
  return Math.log(1 + (documentCount - df + 0.5) / (df + 0.5));
}

/** BM25's length normaliser per document: 1 − b + b × length / average length. */
function lengthNorms(lengths: Uint32Array, b: number): Float64Array {
  const averageLength = average(lengths);
  const norms = new Float64Array(lengths.length);
  for (let doc = 0; doc < lengths.length; doc++) norms[doc] = 1 - b + (b * (lengths[doc] as number)) / averageLength;
  return norms;
}

function average(values: Uint32Array): number {
  let sum = 0;
  for (const value of values) sum += value;
  return values.length === 0 || sum === 0 ? 1 : sum / values.length;
}

/** Whether term `id` is a single word, letters only (`/^\p{L}+$/u`), read from its bytes when they are ASCII. */
function isWord(terms: TermTable, id: number): boolean {
  const { bytes, offsets } = terms.sorted;
  const place = terms.rank[id] as number;
  const end = offsets[place + 1] as number;
  for (let at = offsets[place] as number; at < end; at++) {
    const byte = bytes[at] as number;
    if (byte >= 0x80) return /^\p{L}+$/u.test(terms.term(id));
    // ASCII letters: A–Z and a–z.
    if ((byte | 0x20) < 0x61 || (byte | 0x20) > 0x7a) return false;
  }
  return end > (offsets[place] as number);
}

function isTopical(term: string, surface: string): boolean {
  const lower = surface.toLowerCase();
  if (BOILERPLATE_WORDS.has(lower) || BOILERPLATE_STEMS.has(term) || STOP_WORDS.has(lower)) return false;
  // Adverbs ("surprisingly", "systematically") qualify a claim; they never name its subject.
  if (/^\p{Ll}+ly$/u.test(surface) && surface.length > 4) return false;
  return /\p{L}/u.test(term) && !NOT_A_TOPIC.test(term);
}

function isName(term: string, surface: string): boolean {
  return /[-^/.]/.test(term) || /\p{Lu}/u.test(surface.slice(1));
}

/** Whether the term `part` is one of the stemmed pieces of the compound term `whole` ("imag" of "text-to-image"). */
function isPartOf(part: string, whole: string): boolean {
  return part !== whole && /[-^/.]/.test(whole) && whole.split(/[-^/.]/).some((piece) => stem(piece) === part);
}
