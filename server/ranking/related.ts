import { LRUCache } from 'lru-cache';
import { createRandom } from '../../core/random.js';
import type { RelatedView } from '../../indexer/related/index.js';

/** What related papers need of the corpus, by paper position. */
export interface RelatedSource {
  /** The corpus' TF-IDF and topic mixtures, computed at index time (indexer/related). */
  view: RelatedView;
  /** The paper's embedding (any length; compared by cosine). */
  vector: (position: number) => Float32Array;
  /** The `k` papers nearest to `position` by embedding (the paper itself may be among them). */
  nearestByVector: (position: number, k: number) => number[];
  /** How much the embedding counts beside the words: see `embeddingWeight`. */
  embeddingWeight: number;
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
  readonly #tfIdf: RelatedView['tfIdf'];
  /** The TF-IDF by term (CSC): TF-IDF cosine against one paper touches only the papers sharing its terms. */
  readonly #postings: { offsets: Int32Array; docs: Int32Array; weights: Float32Array };
  /** Scratch for one paper's TF-IDF cosines (zero between uses). */
  readonly #scores: Float64Array;
  readonly #unit: (position: number) => Float32Array;
  readonly #text: Scale;
  readonly #embedding: Scale;
  readonly #topic: Scale;
  readonly #fused: Scale;
  /** The text and embedding fused without the topic view: what the floor is judged on. */
  readonly #direct: Scale;
  readonly #profiles = new LRUCache<number, Profile>({ max: PROFILE_CACHE });

  constructor(source: RelatedSource) {
    this.#source = source;
    this.#tfIdf = source.view.tfIdf;
    this.#postings = transpose(this.#tfIdf);
    const n = this.#tfIdf.offsets.length - 1;
    this.#scores = new Float64Array(n);
    const units = new Map<number, Float32Array>();
    this.#unit = (position) => {
      let unit = units.get(position);
      if (!unit) {
        unit = toUnit(source.vector(position));
        if (units.size < PROFILE_CACHE * 4) units.set(position, unit);
      }
      return unit;
    };
    const pairs = randomPairs(n, CALIBRATION_PAIRS, source.seed ?? 42);
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
    const scores = this.#scores;
    const touched = this.#textScores(position);
    let scored: Array<{ other: number; closeness: number; direct: number }>;
    try {
      const candidates = new Set(topByScore(touched, scores, CANDIDATES));
      for (const other of this.#source.nearestByVector(position, CANDIDATES + 1)) if (other !== position) candidates.add(other);
      // A paper sharing no term with this one has TF-IDF cosine 0: its score is still 0.
      scored = [...candidates].map((other) => {
        const views = this.#views(position, other, scores[other] as number);
        return {
          other,
          closeness: standardize(this.#combine(views, TOPIC_WEIGHT), this.#fused),
          direct: standardize(this.#combine(views, 0), this.#direct),
        };
      });
    } finally {
      for (const doc of touched) scores[doc] = 0;
    }
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

  /** TF-IDF cosine with every paper sharing a term, into the scratch scores; returns those papers. */
  #textScores(position: number): number[] {
    const { offsets, columns, weights } = this.#tfIdf;
    const postings = this.#postings;
    const scores = this.#scores;
    const touched: number[] = [];
    for (let entry = offsets[position] as number; entry < (offsets[position + 1] as number); entry++) {
      const weight = weights[entry] as number;
      const column = columns[entry] as number;
      for (let at = postings.offsets[column] as number; at < (postings.offsets[column + 1] as number); at++) {
        const doc = postings.docs[at] as number;
        if (doc === position) continue;
        if (scores[doc] === 0) touched.push(doc);
        scores[doc] = (scores[doc] as number) + weight * (postings.weights[at] as number);
      }
    }
    return touched;
  }

  #textCosine(a: number, b: number): number {
    const { offsets, columns, weights } = this.#tfIdf;
    let i = offsets[a] as number;
    let j = offsets[b] as number;
    const endA = offsets[a + 1] as number;
    const endB = offsets[b + 1] as number;
    let sum = 0;
    while (i < endA && j < endB) {
      const left = columns[i] as number;
      const right = columns[j] as number;
      if (left === right) sum += (weights[i++] as number) * (weights[j++] as number);
      else if (left < right) i++;
      else j++;
    }
    return sum;
  }

  /** TF-IDF cosine, embedding cosine and topic-mixture cosine of two papers. */
  #views(a: number, b: number, text = this.#textCosine(a, b)): [number, number, number] {
    const { mixtures, mixtureSize } = this.#source.view;
    let topic = 0;
    for (let j = 0; j < mixtureSize; j++) topic += (mixtures[a * mixtureSize + j] as number) * (mixtures[b * mixtureSize + j] as number);
    return [text, dot(this.#unit(a), this.#unit(b)), topic];
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

/** The TF-IDF's columns as rows (papers in ascending order within each term). */
function transpose({ vocabularySize, offsets, columns, weights }: RelatedView['tfIdf']): {
  offsets: Int32Array;
  docs: Int32Array;
  weights: Float32Array;
} {
  const starts = new Int32Array(vocabularySize + 1);
  for (const column of columns) starts[column + 1] = (starts[column + 1] as number) + 1;
  for (let column = 0; column < vocabularySize; column++) starts[column + 1] = (starts[column + 1] as number) + (starts[column] as number);
  const filled = starts.slice(0, vocabularySize);
  const docs = new Int32Array(columns.length);
  const byTerm = new Float32Array(columns.length);
  for (let doc = 0; doc + 1 < offsets.length; doc++) {
    for (let entry = offsets[doc] as number; entry < (offsets[doc + 1] as number); entry++) {
      const column = columns[entry] as number;
      const at = filled[column] as number;
      docs[at] = doc;
      byTerm[at] = weights[entry] as number;
      filled[column] = at + 1;
    }
  }
  return { offsets: starts, docs, weights: byTerm };
}

/**
 * The `count` papers of `docs` with the highest scores, highest first (lowest position on ties):
 * a selection, where sorting every paper sharing a term was most of a request's time.
 */
function topByScore(docs: readonly number[], scores: Float64Array, count: number): number[] {
  const before = (a: number, b: number) => (scores[a] as number) > (scores[b] as number) || (scores[a] === scores[b] && a < b);
  const top: number[] = [];
  for (const doc of docs) {
    if (top.length === count && !before(doc, top[count - 1] as number)) continue;
    let at = top.length === count ? count - 1 : top.length;
    while (at > 0 && before(doc, top[at - 1] as number)) {
      top[at] = top[at - 1] as number;
      at--;
    }
    top[at] = doc;
  }
  return top;
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
