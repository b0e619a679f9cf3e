import { describe, expect, it } from 'vitest';
import { generateCorpus } from '../../bench/corpus.js';
import { createRandom } from '../../core/random.js';
import { buildLexicalIndex, countCorpusTerms, type LexicalIndex } from '../../indexer/lexical/index.js';
import { maxScoreTopK, PruningScratch } from '../../indexer/lexical/max-score.js';
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
          // Exact below the cap, the cap itself (a lower bound) from it on.
          expect(pruned.hits).toEqual(exhaustive.hits);
          // The widest list is a lower bound of the count, known without walking it.
          expect(exhaustive.total).toBeGreaterThanOrEqual(index.widestTerm(query, expansions));
          if (!query.includes(' ') && expansions.size === 0) expect(index.widestTerm(query, expansions)).toBe(exhaustive.total);
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
      const brute = Array.from(expected.keys())
        .filter((doc) => (expected[doc] as number) > 0)
        .sort((a, b) => (expected[b] as number) - (expected[a] as number) || a - b)
        .slice(0, k);
      const scratch = new PruningScratch(documentCount);
      const { scores } = scratch;
      const probe = [-1, ...Array.from({ length: 30 }, () => Math.floor(random() * documentCount))];
      // Counting stops at the cap: before the switch, while walking the remaining lists, or never.
      const cap = trial % 3 === 0 ? Number.POSITIVE_INFINITY : 1 + Math.floor(random() * documentCount);
      const found = maxScoreTopK(terms, docs, weights, k, scratch, probe, cap);
      expect(found.best).toEqual(brute);
      expect(found.total).toBe(Math.min(cap, expected.filter((score) => score > 0).length));
      expect(found.matched).toEqual(probe.map((doc) => doc >= 0 && (expected[doc] as number) > 0));
      for (const doc of brute) expect(scores[doc]).toBe(expected[doc]);
    }
  });
});
