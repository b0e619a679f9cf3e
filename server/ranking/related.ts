import { LRUCache } from 'lru-cache';
import { createRandom } from '../../core/random.js';
import { sparseCosine } from '../../indexer/cluster/baselines.js';
import { classicTfIdf } from '../../indexer/cluster/classic-tfidf.js';
import { foldIn, nmf } from '../../indexer/cluster/nmf.js';
import { sampleIndices } from '../../indexer/cluster/random.js';
import type { TermMatrix } from '../../indexer/cluster/text-view.js';

/** What related papers need of the corpus, by paper position. */
export interface RelatedSource {
  docs: ReadonlyArray<{ title: string; abstract: string }>;
  /** The paper's embedding (any length; compared by cosine). */
  vector: (position: number) => Float32Array;
  /** The `k` papers nearest to `position` by embedding (the paper itself may be among them). */
  nearestByVector: (position: number, k: number) => number[];
  /** How much the embedding counts beside the words: see `embeddingWeight`. */
  embeddingWeight: number;
  /** How many topics the index's topic model found: the granularity of the soft topic view. */
  topicCount: number;
  seed?: number;
}

export interface RelatedHit {
  position: number;
  /** How far above chance the pair is, in standard deviations of random pairs (text and embedding fused). */
  closeness: number;
}

/**
 * The embedding's share beside TF-IDF. Measured on the 62-paper sample against hand labels
 * (same-topic precision@5), averaged word vectors alone reach 0.37 against 0.48 for TF-IDF cosine,
 * and add nothing at equal weight; a sentence transformer is a real semantic model, so it counts as
 * much as the words.
 */
export function embeddingWeight(kind: 'transformer' | 'word-vectors'): number {
  return kind === 'word-vectors' ? 0.3 : 1;
}

/**
 * Weight of the soft topic view (NMF topic mixtures) beside TF-IDF. Same-topic precision@5 against
 * labels, all pairs scored (`bench/related-views.ts … topics`, "fused + w topic view"): see
 * docs/related-papers.md; it rises on both corpora up to 3.
 */
const TOPIC_WEIGHT = 3;
/**
 * Factorisations averaged in the topic view: the index's topic count and one either side. One NMF
 * depends on its k (the sample: 1.19× at k 6, 0.79× at k 10 alone); their consensus does not.
 */
const TOPIC_SPREAD = 1;
/** Soft memberships settle long before the factors do: 50 passes score as 200 on both corpora, in a quarter of the time. */
const TOPIC_ITERATIONS = 50;
/** Words the topic view keeps (the most widespread): the factorisation's cost grows with the vocabulary. */
const TOPIC_VOCABULARY = 4_096;
/** Papers each factorisation is fitted on; the others are folded in (NMF costs O(nnz·k) per pass). */
const TOPIC_FIT_SAMPLE = 2_000;
/** Candidates each view contributes before fusion. */
const CANDIDATES = 40;
/** Each paper's profile: its nearest papers by fused closeness, compared between papers (second order). */
const PROFILE_SIZE = 20;
/** Random pairs the closeness scale is calibrated on. */
const CALIBRATION_PAIRS = 4_000;
/**
 * The floor, in standard deviations above random pairs of the corpus, judged on the papers' own
 * words and embedding (the topic view says which topic a paper leans to, not whether any paper is
 * near it: it would find neighbours for an outlier too). A paper whose three closest papers are on
 * average below `NOTHING_CLOSE` gets none: one close paper can be a coincidence of
 * wording (a protein-folding abstract added to the sample finds one paper at 1.4, but its second is
 * at 0.2 and its third no closer than a random pair: mean 0.5), while every paper of the sample,
 * even one of a theme only two papers share, has a few close ones (mean 1.0–4.0). The others show
 * only papers closer than the average random pair. On a corpus about one theme random pairs are
 * already related, so a stricter floor hides papers of the same topic.
 */
const NOTHING_CLOSE = 0.75;
const CLOSE_COUNT = 3;
const BELOW_CHANCE = 0;
const PROFILE_CACHE = 2_000;

interface Profile {
  /** Nearest papers by fused closeness (standard deviations above random pairs), closest first. */
  neighbours: Map<number, number>;
  /** Mean closeness of the `CLOSE_COUNT` closest papers by words and embedding alone. */
  nearness: number;
}

interface Scale {
  mean: number;
  deviation: number;
}

/**
 * Related papers from the corpus' own statistics beside the embedding: TF-IDF cosine over title
 * and abstract ("more like this" over the whole abstract), embedding cosine and topic-mixture
 * cosine (`topicMixtures`), each put on the scale of random pairs of this corpus and added with its
 * weight (the embedder's, `TOPIC_WEIGHT`). Candidates above the
 * floor are ranked by how much their own nearest papers overlap the paper's (second-order
 * similarity: two papers of one topic share neighbours even when their wording differs).
 */
export class RelatedPapers {
  readonly #source: RelatedSource;
  readonly #matrix: TermMatrix;
  /** Term → papers holding it, with their weights: TF-IDF cosine against one paper touches only these. */
  readonly #postings: Array<{ docs: number[]; weights: number[] }>;
  readonly #unit: (position: number) => Float32Array;
  /** Each paper's topic mixtures, each factorisation's row at unit length, concatenated (dot = mean cosine). */
  readonly #mixtures: Float32Array[];
  readonly #text: Scale;
  readonly #embedding: Scale;
  readonly #topic: Scale;
  readonly #fused: Scale;
  /** The text and embedding fused without the topic view: what the floor is judged on. */
  readonly #direct: Scale;
  readonly #profiles = new LRUCache<number, Profile>({ max: PROFILE_CACHE });

  constructor(source: RelatedSource) {
    this.#source = source;
    this.#matrix = classicTfIdf(source.docs);
    this.#postings = Array.from({ length: this.#matrix.vocabularySize }, () => ({ docs: [] as number[], weights: [] as number[] }));
    this.#matrix.rows.forEach(({ columns, weights }, doc) => {
      columns.forEach((column, entry) => {
        const list = this.#postings[column] as { docs: number[]; weights: number[] };
        list.docs.push(doc);
        list.weights.push(weights[entry] as number);
      });
    });
    const units = new Map<number, Float32Array>();
    this.#unit = (position) => {
      let unit = units.get(position);
      if (!unit) {
        unit = toUnit(source.vector(position));
        if (units.size < PROFILE_CACHE * 4) units.set(position, unit);
      }
      return unit;
    };
    this.#mixtures = topicMixtures(this.#matrix, source.topicCount, source.seed ?? 42);
    const pairs = randomPairs(source.docs.length, CALIBRATION_PAIRS, source.seed ?? 42);
    const views = pairs.map(([a, b]) => this.#views(a, b));
    this.#text = scaleOf(views.map(([text]) => text));
    this.#embedding = scaleOf(views.map(([, embedding]) => embedding));
    this.#topic = scaleOf(views.map(([, , topic]) => topic));
    this.#fused = scaleOf(views.map((pair) => this.#combine(pair, TOPIC_WEIGHT)));
    this.#direct = scaleOf(views.map((pair) => this.#combine(pair, 0)));
  }

  /**
   * Up to `k` related papers, closest first by shared neighbourhood; [] when nothing is close.
   *
   * @example related.of(12, 10) // → [{ position: 40, closeness: 7.9 }, …]
   */
  of(position: number, k: number): RelatedHit[] {
    const { neighbours, nearness } = this.#profile(position);
    if (nearness < NOTHING_CLOSE) return [];
    const hits: Array<RelatedHit & { overlap: number }> = [];
    for (const [other, closeness] of neighbours) {
      if (closeness < BELOW_CHANCE) break;
      hits.push({ position: other, closeness, overlap: profileCosine(neighbours, this.#profile(other).neighbours, position, other) });
    }
    return hits
      .sort((a, b) => b.overlap - a.overlap || b.closeness - a.closeness || a.position - b.position)
      .slice(0, k)
      .map(({ position: other, closeness }) => ({ position: other, closeness: Math.round(closeness * 100) / 100 }));
  }

  /** The paper's nearest papers by fused closeness, closest first (insertion order), and how near its closest are. */
  #profile(position: number): Profile {
    const cached = this.#profiles.get(position);
    if (cached) return cached;
    const text = this.#textNeighbours(position);
    const candidates = new Set([...text.keys()].slice(0, CANDIDATES));
    for (const other of this.#source.nearestByVector(position, CANDIDATES + 1)) if (other !== position) candidates.add(other);
    const scored = [...candidates].map((other) => {
      const views = this.#views(position, other, text.get(other));
      return {
        other,
        closeness: standardize(this.#combine(views, TOPIC_WEIGHT), this.#fused),
        direct: standardize(this.#combine(views, 0), this.#direct),
      };
    });
    const closest = scored
      .map(({ direct }) => direct)
      .sort((a, b) => b - a)
      .slice(0, CLOSE_COUNT);
    const neighbours = scored.sort((a, b) => b.closeness - a.closeness || a.other - b.other).slice(0, PROFILE_SIZE);
    const profile = {
      neighbours: new Map(neighbours.map(({ other, closeness }) => [other, closeness])),
      nearness: closest.length === 0 ? Number.NEGATIVE_INFINITY : mean(closest),
    };
    this.#profiles.set(position, profile);
    return profile;
  }

  /** TF-IDF cosine with every paper sharing a term, highest first. */
  #textNeighbours(position: number): Map<number, number> {
    const { columns, weights } = this.#matrix.rows[position] as TermMatrix['rows'][number];
    const scores = new Map<number, number>();
    columns.forEach((column, entry) => {
      const weight = weights[entry] as number;
      const { docs, weights: others } = this.#postings[column] as { docs: number[]; weights: number[] };
      docs.forEach((doc, index) => {
        if (doc !== position) scores.set(doc, (scores.get(doc) ?? 0) + weight * (others[index] as number));
      });
    });
    return new Map([...scores].sort((a, b) => b[1] - a[1] || a[0] - b[0]));
  }

  #textCosine(a: number, b: number): number {
    return sparseCosine(this.#matrix.rows[a] as TermMatrix['rows'][number], this.#matrix.rows[b] as TermMatrix['rows'][number]);
  }

  /** TF-IDF cosine, embedding cosine and topic-mixture cosine of two papers. */
  #views(a: number, b: number, text = this.#textCosine(a, b)): [number, number, number] {
    return [text, dot(this.#unit(a), this.#unit(b)), dot(this.#mixtures[a] as Float32Array, this.#mixtures[b] as Float32Array)];
  }

  /** The views added on the scale of random pairs, the topic view with `topicWeight`. */
  #combine([text, embedding, topic]: [number, number, number], topicWeight: number): number {
    return (
      standardize(text, this.#text) +
      this.#source.embeddingWeight * standardize(embedding, this.#embedding) +
      topicWeight * standardize(topic, this.#topic)
    );
  }
}

/**
 * Soft topic membership: NMF of the TF-IDF at the index's topic count and one either side, each
 * paper's weights at unit length per factorisation, concatenated and scaled so that the dot product
 * of two papers is the mean of their cosines. Unlike sharing a topic (measured: it hurts the
 * sample), a paper between two topics stays close to both. Fitted on at most `TOPIC_FIT_SAMPLE`
 * papers, the rest folded in, so the cost is bounded on large corpora.
 */
export function topicMixtures(tfIdf: TermMatrix, topicCount: number, seed: number): Float32Array[] {
  const matrix = widespreadTerms(tfIdf, TOPIC_VOCABULARY);
  const n = matrix.rows.length;
  const ks = [...new Set([topicCount - TOPIC_SPREAD, topicCount, topicCount + TOPIC_SPREAD].map((k) => Math.max(2, k)))].filter(
    (k) => k < n,
  );
  if (ks.length === 0) return matrix.rows.map(() => new Float32Array(0));
  const fitted = sampleIndices(n, TOPIC_FIT_SAMPLE, seed);
  const sample =
    fitted.length < n
      ? { vocabularySize: matrix.vocabularySize, rows: fitted.map((index) => matrix.rows[index] as TermMatrix['rows'][number]) }
      : matrix;
  const factorisations = ks.map((k) => {
    const { weights, components } = nmf(sample, k, { seed, maxIterations: TOPIC_ITERATIONS });
    return sample === matrix ? weights : foldIn(matrix, components);
  });
  const share = 1 / Math.sqrt(ks.length);
  return matrix.rows.map((_, position) => {
    const mixture = new Float32Array(ks.reduce((sum, k) => sum + k, 0));
    let offset = 0;
    for (const weights of factorisations) {
      const row = weights[position] as Float64Array;
      const norm = Math.sqrt(row.reduce((sum, value) => sum + value * value, 0)) || 1;
      row.forEach((value, j) => {
        mixture[offset + j] = (share * value) / norm;
      });
      offset += row.length;
    }
    return mixture;
  });
}

/** The matrix over its `size` terms found in most papers (rows keep their weights). */
function widespreadTerms(matrix: TermMatrix, size: number): TermMatrix {
  if (matrix.vocabularySize <= size) return matrix;
  const frequency = new Int32Array(matrix.vocabularySize);
  for (const { columns } of matrix.rows) for (const column of columns) frequency[column] = (frequency[column] as number) + 1;
  const kept = Array.from(frequency.keys())
    .sort((a, b) => (frequency[b] as number) - (frequency[a] as number) || a - b)
    .slice(0, size);
  const index = new Int32Array(matrix.vocabularySize).fill(-1);
  kept.forEach((column, position) => {
    index[column] = position;
  });
  return {
    vocabularySize: size,
    rows: matrix.rows.map(({ columns, weights }) => {
      const entries = Array.from(columns.keys()).filter((entry) => (index[columns[entry] as number] as number) >= 0);
      return {
        columns: Int32Array.from(entries, (entry) => index[columns[entry] as number] as number),
        weights: Float32Array.from(entries, (entry) => weights[entry] as number),
      };
    }),
  };
}

/** Cosine of two profiles, each paper counting itself at its profile's top closeness. */
function profileCosine(a: Map<number, number>, b: Map<number, number>, selfA: number, selfB: number): number {
  const withSelf = (profile: Map<number, number>, self: number) => {
    const top = Math.max(0, ...profile.values());
    const entries = new Map<number, number>([[self, top]]);
    for (const [other, closeness] of profile) entries.set(other, Math.max(0, closeness));
    return entries;
  };
  const left = withSelf(a, selfA);
  const right = withSelf(b, selfB);
  let product = 0;
  for (const [other, value] of left) product += value * (right.get(other) ?? 0);
  const norm = (profile: Map<number, number>) => Math.sqrt([...profile.values()].reduce((sum, value) => sum + value * value, 0));
  const denominator = norm(left) * norm(right);
  return denominator > 0 ? product / denominator : 0;
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);
}

function standardize(value: number, scale: Scale): number {
  return (value - scale.mean) / scale.deviation;
}

function scaleOf(values: readonly number[]): Scale {
  const average = mean(values);
  const variance = mean(values.map((value) => (value - average) ** 2));
  return { mean: average, deviation: Math.sqrt(variance) || 1 };
}

function randomPairs(n: number, count: number, seed: number): Array<[number, number]> {
  if (n < 2) return [];
  const random = createRandom(seed);
  return Array.from({ length: count }, () => {
    const a = Math.floor(random() * n);
    const b = (a + 1 + Math.floor(random() * (n - 1))) % n;
    return [a, b];
  });
}

function toUnit(vector: Float32Array): Float32Array {
  let norm = 0;
  for (const value of vector) norm += value * value;
  norm = Math.sqrt(norm) || 1;
  return vector.map((value) => value / norm);
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] as number) * (b[i] as number);
  return sum;
}
