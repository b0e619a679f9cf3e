import { describe, expect, it } from 'vitest';
import { generateCorpus } from '../../bench/corpus.js';
import { createRandom } from '../../core/random.js';
import { buildLexicalIndex, countCorpusTerms, DEFAULT_LEXICAL_PARAMS, type LexicalIndex, PROXIMITY } from '../../indexer/lexical/index.js';
import {
  BLOCK_SHIFT,
  foldBlockMaxima,
  highestWeights,
  maxScoreTopK,
  PruningScratch,
  type Reach,
  type ScoredTerm,
} from '../../indexer/lexical/max-score.js';
import { pairBonus, proximityBound, windowCloseness } from '../../indexer/lexical/proximity.js';
import { readSampleCorpus } from './sample-corpus.js';

// 1,500 papers of the sample's sentences: long lists for common words, short ones for rare words.
const docs = generateCorpus(readSampleCorpus(), 1500, 3);
const withPositions = buildLexicalIndex(docs);
const withoutPositions = buildLexicalIndex(docs, {}, countCorpusTerms(docs));
const vocabulary = [...new Set(docs.flatMap((doc) => `${doc.title} ${doc.abstract}`.toLowerCase().match(/[a-z][a-z-]+/g) ?? []))];

/** Seeded random queries of 1–6 words, some with weighted expansions (as word-vector variants give them). */
function randomQueries(index: LexicalIndex, count: number, seed: number) {
  const random = createRandom(seed);
  const word = () => vocabulary[Math.floor(random() * vocabulary.length)] as string;
  return Array.from({ length: count }, () => {
    const words = Array.from({ length: 1 + Math.floor(random() * 6) }, word);
    const expansions = new Map<string, number>();
    if (random() < 0.5)
      for (const variant of words.flatMap((w) => index.variants(w.slice(0, 5)))) expansions.set(variant.term, 0.1 + 0.4 * random());
    return { query: words.join(' '), expansions };
  });
}

/** No document probed. */
const noProbe = new Int32Array(0);

describe('MaxScore pruning', () => {
  it('ranks exactly as scoring every posting does: same documents, same scores, same counts up to the cap', () => {
    let compared = 0;
    for (const [index, seed] of [
      [withPositions, 1],
      [withoutPositions, 2],
    ] as const) {
      for (const { query, expansions } of randomQueries(index, 60, seed)) {
        for (const [k, cap] of [
          [1, undefined],
          [10, 40],
          [120, 300],
        ] as const) {
          // Probed documents: whether each is counted in `total`, as scoring every posting says.
          const probe = [-1, 0, 7, 100, 499, 1499];
          const pruned = index.rank(query, { k, expansions, probe, cap });
          const exhaustive = index.rank(query, { k, expansions, prune: false, probe });
          expect(pruned, `${query} (k=${k})`).toEqual(index.rank(query, { k, expansions, prune: false, probe, cap }));
          // A holey array (what `Array.prototype.map` makes on its slower path) probes as the packed one.
          const holey = new Array<number>(probe.length);
          for (const [i, doc] of probe.entries()) holey[i] = doc;
          expect(index.rank(query, { k, expansions, probe: holey, cap })).toEqual(pruned);
          // Exact below the cap, the cap itself (a lower bound) from it on.
          expect(pruned.hits).toEqual(exhaustive.hits);
          // The widest list is a lower bound of the count, known without walking it.
          expect(exhaustive.total).toBeGreaterThanOrEqual(index.widestTerm(index.analyse(query, { expansions })));
          if (!query.includes(' ') && expansions.size === 0)
            expect(index.widestTerm(index.analyse(query, { expansions }))).toBe(exhaustive.total);
          if (cap === undefined || exhaustive.total < cap) expect(pruned).toMatchObject({ total: exhaustive.total, totalRelation: 'eq' });
          else expect(pruned).toMatchObject({ total: cap, totalRelation: 'gte' });
          compared += pruned.hits.length;
        }
      }
    }
    expect(compared).toBeGreaterThan(5_000);
  });

  it('keeps the top k of brute-force scoring on random posting lists, ties to the lower document, counting up to a cap', () => {
    const random = createRandom(9);
    for (let trial = 0; trial < 200; trial++) {
      const documentCount = 50 + Math.floor(random() * 400);
      const lists = Array.from({ length: 1 + Math.floor(random() * 5) }, () => {
        const share = random() ** 2;
        return Array.from({ length: documentCount }, (_, doc) => doc).filter(() => random() < share);
      });
      const docs = Uint32Array.from(lists.flat());
      // Few distinct weights, so ties are common.
      const weights = Float32Array.from(docs, () => 1 + Math.floor(random() * 3));
      let start = 0;
      const terms = lists.map((list) => {
        const term = { start, end: start + list.length, queryWeight: 0.5 + Math.floor(random() * 3), maxWeight: 0 };
        for (let at = term.start; at < term.end; at++) term.maxWeight = Math.max(term.maxWeight, weights[at] as number);
        start = term.end;
        return term;
      });
      const expected = new Float64Array(documentCount);
      for (const term of terms)
        for (let at = term.start; at < term.end; at++) {
          const doc = docs[at] as number;
          expected[doc] = (expected[doc] as number) + term.queryWeight * (weights[at] as number);
        }
      const k = 1 + Math.floor(random() * 20);
      const ranking = Array.from(expected.keys())
        .filter((doc) => (expected[doc] as number) > 0)
        .sort((a, b) => (expected[b] as number) - (expected[a] as number) || a - b);
      const brute = ranking.slice(0, k);
      const scratch = new PruningScratch(documentCount);
      const { scores } = scratch;
      const probe = Int32Array.from([-1, ...Array.from({ length: 30 }, () => Math.floor(random() * documentCount))]);
      // Counting stops at the cap: before the switch, while walking the remaining lists, or never.
      const cap = trial % 3 === 0 ? Number.POSITIVE_INFINITY : 1 + Math.floor(random() * documentCount);
      const found = maxScoreTopK(terms, docs, weights, k, scratch, probe, cap);
      expect(found.best).toEqual(brute);
      expect(found.total).toBe(Math.min(cap, expected.filter((score) => score > 0).length));
      expect(found.matched).toEqual(Array.from(probe, (doc) => doc >= 0 && (expected[doc] as number) > 0));
      for (const doc of brute) expect(scores[doc]).toBe(expected[doc]);

      // Beyond the k best: those of the best `depth` within `margin` of the k-th, for a re-ranking
      // that adds at most the margin to each of them.
      const reach = { depth: k + Math.floor(random() * 40), margin: trial % 5 === 0 ? Number.POSITIVE_INFINITY : random() * 6 };
      const kth = expected[brute[k - 1] ?? 0] as number;
      const within = ranking.slice(0, reach.depth).filter((doc, place) => place < k || (expected[doc] as number) >= kth - reach.margin);
      const reached = maxScoreTopK(terms, docs, weights, k, new PruningScratch(documentCount), probe, cap, reach);
      expect(reached.best).toEqual(within);
      expect(reached.total).toBe(found.total);
      expect(reached.matched).toEqual(found.matched);
    }
  });

  it("skips blocks by their largest weight (block-max) and starts from the lists' highest weights, keeping the exact top k; wrong bounds would not", () => {
    const random = createRandom(21);
    const block = 1 << BLOCK_SHIFT;
    let differedWithLowBounds = 0;
    let differedWithHighSeeds = 0;
    for (let trial = 0; trial < 60; trial++) {
      const documentCount = 500 + Math.floor(random() * 3000);
      const lists = Array.from({ length: 1 + Math.floor(random() * 4) }, () => {
        const share = 0.05 + random() ** 2;
        return Array.from({ length: documentCount }, (_, doc) => doc).filter(() => random() < share);
      });
      const docs = Uint32Array.from(lists.flat());
      // Mostly low weights with a few high ones, in runs, so that whole blocks can be skipped.
      let high = false;
      const weights = Float32Array.from(docs, () => {
        if (random() < 0.02) high = !high;
        return high ? 2 + random() : 0.05 + 0.5 * random() ** 3;
      });
      let start = 0;
      const terms = lists.map((list) => {
        const term = { start, end: start + list.length, queryWeight: 0.5 + 2 * random(), maxWeight: 0 };
        for (let at = term.start; at < term.end; at++) term.maxWeight = Math.max(term.maxWeight, weights[at] as number);
        start = term.end;
        return term;
      });
      const maxima = new Float32Array(Math.ceil(docs.length / block));
      // Folded list by list, as terms are weighed on first use.
      for (const term of terms) foldBlockMaxima(weights, term.start, term.end, maxima);
      for (let b = 0; b < maxima.length; b++)
        expect(maxima[b]).toBe(Math.max(...weights.subarray(b * block, Math.min(docs.length, (b + 1) * block))));
      const k = 1 + Math.floor(random() * 12);
      const reach: Reach = trial % 2 === 0 ? { depth: k, margin: 0 } : { depth: k + 20, margin: random() * 2 };
      const plain = maxScoreTopK(terms, docs, weights, k, new PruningScratch(documentCount), noProbe, Number.POSITIVE_INFINITY, reach);
      // Each list's highest weights start the bar where the list is too long to be read for it.
      const seeded: ScoredTerm[] = terms.map((term) => ({ ...term, highest: highestWeights(weights, term.start, term.end, 40) }));
      for (const { start, end, highest } of seeded)
        expect(Array.from(highest ?? [])).toEqual(
          Array.from(weights.subarray(start, end))
            .sort((a, b) => b - a)
            .slice(0, 40),
        );
      const scratch = new PruningScratch(documentCount);
      const skipping = maxScoreTopK(seeded, docs, weights, k, scratch, noProbe, Number.POSITIVE_INFINITY, reach, maxima);
      expect(skipping.best).toEqual(plain.best);
      expect(skipping.total).toBe(plain.total);
      for (const doc of plain.best) expect(scratch.scores[doc]).toBeGreaterThan(0);
      // The same walk with block bounds below the true maxima, or highest weights above the true
      // ones, loses documents it should have kept.
      const low = maxima.map((weight) => weight / 2);
      const wrong = maxScoreTopK(terms, docs, weights, k, new PruningScratch(documentCount), noProbe, Number.POSITIVE_INFINITY, reach, low);
      if (JSON.stringify(wrong.best) !== JSON.stringify(plain.best)) differedWithLowBounds++;
      const raised = seeded.map((term) => ({ ...term, highest: term.highest?.map((weight) => weight * 1.5) }));
      const overSeeded = maxScoreTopK(
        raised,
        docs,
        weights,
        k,
        new PruningScratch(documentCount),
        noProbe,
        Number.POSITIVE_INFINITY,
        reach,
      );
      if (JSON.stringify(overSeeded.best) !== JSON.stringify(plain.best)) differedWithHighSeeds++;
    }
    expect(differedWithLowBounds).toBeGreaterThan(5);
    expect(differedWithHighSeeds).toBeGreaterThan(5);
  });

  it("resumes at the first document after a skipped block: the best paper may be the next block's first", () => {
    const block = 1 << BLOCK_SHIFT;
    // One term in every document of three blocks; only the first document of each later block weighs much.
    const docs = Uint32Array.from({ length: 3 * block }, (_, doc) => doc);
    const weights = Float32Array.from(docs, (doc) => (doc === block ? 3 : doc === 2 * block ? 2 : 0.1));
    const term: ScoredTerm = { start: 0, end: docs.length, queryWeight: 1, maxWeight: 3 };
    const maxima = new Float32Array(3);
    foldBlockMaxima(weights, term.start, term.end, maxima);
    for (const k of [1, 2]) {
      const { best } = maxScoreTopK(
        [term],
        docs,
        weights,
        k,
        new PruningScratch(docs.length),
        new Int32Array(0),
        Number.POSITIVE_INFINITY,
        { depth: k, margin: 0 },
        maxima,
      );
      expect(best).toEqual([block, 2 * block].slice(0, k));
    }
  });

  it("bounds the proximity bonus tightly: no document's bonus exceeds it, and words side by side come near it", () => {
    const random = createRandom(11);
    const pairs = [
      { a: 0, b: 1, idf: 3.5 },
      { a: 0, b: 2, idf: 0.4 },
      { a: 1, b: 2, idf: 7 },
    ];
    const bound = proximityBound(pairs, DEFAULT_LEXICAL_PARAMS.k1);
    const bonusOf = (lists: Uint16Array[]) =>
      PROXIMITY.weight *
      pairs.reduce(
        (sum, { a, b, idf }) =>
          sum +
          pairBonus(idf, windowCloseness(lists[a] as Uint16Array, lists[b] as Uint16Array, PROXIMITY.window), DEFAULT_LEXICAL_PARAMS.k1),
        0,
      );
    const positions = (count: number, spread: number) =>
      Uint16Array.from(new Set(Array.from({ length: count }, () => Math.floor(random() * spread)))).sort();
    for (let trial = 0; trial < 500; trial++) {
      const spread = 5 + Math.floor(random() * 300);
      expect(bonusOf([0, 1, 2].map(() => positions(1 + Math.floor(random() * 60), spread)))).toBeLessThanOrEqual(bound);
    }
    // Three words in turn, 300 times over: every pair's closeness is large, its saturation near k1 + 1.
    const inTurn = [0, 1, 2].map((word) => Uint16Array.from({ length: 300 }, (_, time) => 3 * time + word));
    expect(bonusOf(inTurn)).toBeGreaterThan(0.99 * bound);
  });

  it('keeps the k best after the proximity bonus, which lifts papers from below the k-th BM25 score', () => {
    // Papers holding both words side by side (a bonus near its bound) or apart (none), with
    // filler of varied length: many papers sit within the bonus of the k-th score, few beyond.
    const random = createRandom(5);
    const filler = ['model', 'data', 'method', 'result', 'study', 'analysis', 'value', 'system', 'signal', 'network'];
    const pick = () => filler[Math.floor(random() * filler.length)] as string;
    const papers = Array.from({ length: 600 }, (_, paper) => {
      const words = Array.from({ length: 10 + Math.floor(random() * 80) }, pick);
      const together = random() < 0.4;
      for (let times = 1 + Math.floor(random() * 4); times > 0; times--) {
        if (together) words.splice(Math.floor(random() * words.length), 0, 'alpha', 'beta');
        else {
          if (random() < 0.8) words.splice(Math.floor(random() * words.length), 0, 'alpha');
          if (random() < 0.8) words.unshift('beta');
        }
      }
      return { id: `p${paper}`, title: `${pick()} ${pick()}`, abstract: words.join(' ') };
    });
    const index = buildLexicalIndex(papers);
    const plain = buildLexicalIndex(papers, {}, countCorpusTerms(papers));
    let differs = 0;
    for (const query of ['alpha beta', 'alpha beta model', 'beta alpha signal network'])
      for (const k of [1, 2, 3, 5, 10, 20]) {
        const pruned = index.rank(query, { k, cap: 50 });
        expect(pruned.hits, `${query} (k=${k})`).toEqual(index.rank(query, { k, prune: false }).hits);
        // Only the documents that can reach the first k get a bonus: the same as giving it to every
        // document of the re-ranked head (k = its depth) and reading the first k.
        expect(pruned.hits).toEqual(index.rank(query, { k: PROXIMITY.depth, prune: false }).hits.slice(0, k));
        // The bonus did lift papers into the k best: BM25's own k best are others.
        const bm25 = new Set(plain.rank(query, { k }).hits.map((hit) => hit.id));
        if (pruned.hits.some((hit) => !bm25.has(hit.id))) differs++;
      }
    expect(differs).toBeGreaterThan(0);
  });
});
