import { describe, expect, it } from 'vitest';
import {
  expandQuery,
  type HybridPlan,
  hybridPlan,
  MIN_POOL,
  needsVector,
  OkapiBm25,
  QueryExpander,
  type RankingSource,
  rankPapers,
  type Scored,
  similarityFloor,
  TOTAL_CAP,
} from '../../server/ranking/index.js';

describe('OkapiBm25', () => {
  it('scores plain Okapi BM25 (k1 0.9, b 0.4) over unstemmed words', () => {
    const bm25 = new OkapiBm25([
      { id: 'a', text: 'reward noise reward' },
      { id: 'b', text: 'noise' },
      { id: 'c', text: 'rewards only here' },
    ]);
    const [first, second] = bm25.search('reward', 3);
    // idf = ln(1 + (3 − 1 + 0.5) / (1 + 0.5)); tf 2 in a 3-word document, average length 7/3.
    const idf = Math.log(1 + 2.5 / 1.5);
    const norm = 0.9 * (1 - 0.4 + (0.4 * 3) / (7 / 3));
    expect(first).toEqual({ id: 'a', score: expect.closeTo((idf * 2 * 1.9) / (2 + norm), 12) });
    // "rewards" is not "reward": no stemming.
    expect(second).toBeUndefined();
  });
});

/** A ranking source over fixed lists: what `rankPapers` sees of an index. */
function source(
  lexical: Scored[],
  nearest: Scored[],
  options: { phrase?: boolean; lexicalIds?: string[]; atLeast?: number; searched?: string[] } = {},
): RankingSource {
  const matching = new Set(options.lexicalIds ?? lexical.map((hit) => hit.id));
  // A paper's position: its place in the nearest list.
  return {
    // Counted as `LexicalIndex.rank` counts: up to the cap.
    lexical: (k, cap, probe = []) => ({
      hits: lexical.slice(0, k),
      total: Math.min(matching.size, cap),
      totalRelation: matching.size >= cap ? 'gte' : 'eq',
      matched: probe.map((position) => matching.has(nearest[position]?.id ?? '')),
    }),
    lexicalAtLeast: () => options.atLeast ?? 0,
    nearest: (_vector, k) => {
      options.searched?.push('nearest');
      return nearest.slice(0, k).map((hit, position) => ({ ...hit, position }));
    },
    hasPhrase: () => options.phrase ?? false,
  };
}

const hits = (...ids: string[]) => ids.map((id, index) => ({ id, score: 1 - index / 10 }));
const vector = new Float32Array([1]);

describe('rankPapers', () => {
  const lexical = hits('a', 'b', 'c');
  const near = [
    { id: 'x', score: 0.9 },
    { id: 'a', score: 0.8 },
    { id: 'y', score: 0.5 },
    { id: 'z', score: 0.1 },
  ];

  it('with word vectors keeps the lexical order and adds the vector-only papers above the floor after it', () => {
    const ranked = rankPapers(source(lexical, near), { vector, mode: 'hybrid', depth: 10 }, hybridPlan('word-vectors'), 0.3);
    expect(ranked.ranked.map((hit) => hit.id)).toEqual(['a', 'b', 'c', 'x', 'y']);
    expect(ranked.total).toBe(5);
  });

  it('counts the same total for every depth, and adds nothing a quoted phrase excludes', () => {
    const totals = [1, 5, 200].map(
      (depth) => rankPapers(source(lexical, near), { vector, mode: 'hybrid', depth }, hybridPlan('word-vectors'), 0.3).total,
    );
    expect(totals).toEqual([5, 5, 5]);
    const quoted = rankPapers(
      source(lexical, near, { phrase: true }),
      { vector, mode: 'hybrid', depth: 10 },
      hybridPlan('word-vectors'),
      0.3,
    );
    expect(quoted).toEqual({ ranked: lexical, total: 3, totalRelation: 'eq' });
  });

  it('counts lexical matches up to the cap, or just past a deeper page, and says the total is then a lower bound', () => {
    const lexicalIds = ['a', 'b', 'c', ...Array.from({ length: 5000 }, (_, i) => `m${i}`)];
    const at = (depth: number, plan: HybridPlan, atLeast = 0) =>
      rankPapers(source(lexical, near, { lexicalIds, atLeast }), { vector, mode: 'hybrid', depth }, plan, 0.3);
    const words = hybridPlan('word-vectors');
    expect(at(10, words)).toMatchObject({ total: TOTAL_CAP, totalRelation: 'gte' });
    // A page ending at the cap or deeper counts one past its end: whether more exist.
    expect(at(TOTAL_CAP - 1, words)).toMatchObject({ total: TOTAL_CAP, totalRelation: 'gte' });
    expect(at(TOTAL_CAP, words)).toMatchObject({ total: TOTAL_CAP + 1, totalRelation: 'gte' });
    expect(at(2000, words)).toMatchObject({ total: 2001, totalRelation: 'gte' });
    // Fused, the vector-only x and y rank among the lexical matches and add to the lower bound.
    expect(at(10, hybridPlan('transformer'))).toMatchObject({ total: TOTAL_CAP + 2, totalRelation: 'gte' });
  });

  it('with word vectors skips the nearest papers when the lexical matches surely reach the cap, or a phrase is quoted', () => {
    const lexicalIds = ['a', 'b', 'c', ...Array.from({ length: 5000 }, (_, i) => `m${i}`)];
    const request = { vector, mode: 'hybrid', depth: 10 } as const;
    const rank = (options: { atLeast?: number; phrase?: boolean }) => {
      const searched: string[] = [];
      const ranked = rankPapers(source(lexical, near, { lexicalIds, searched, ...options }), request, hybridPlan('word-vectors'), 0.3);
      return { ...ranked, searched };
    };
    // The same page and total as searching them (the vector-only papers follow every lexical match).
    expect(rank({ atLeast: TOTAL_CAP })).toEqual({ ...rank({}), searched: [] });
    expect(rank({}).searched).toEqual(['nearest']);
    expect(rank({ phrase: true }).searched).toEqual([]);
  });

  it('embeds the query only when the ranking reads its vector, and ranks as well without it where it does not', () => {
    const lexicalIds = ['a', 'b', 'c', ...Array.from({ length: 5000 }, (_, i) => `m${i}`)];
    const words = hybridPlan('word-vectors');
    const request = (mode: 'hybrid' | 'vector' | 'lexical', depth = 10) => ({ mode, depth }) as const;
    const needs = (options: { atLeast?: number; phrase?: boolean }, mode: 'hybrid' | 'vector' | 'lexical' = 'hybrid', plan = words) =>
      needsVector(source(lexical, near, { lexicalIds, ...options }), request(mode), plan);
    // Word vectors: not when the lexical matches surely reach the cap, nor with a quoted phrase.
    expect(needs({ atLeast: TOTAL_CAP })).toBe(false);
    expect(needs({ phrase: true })).toBe(false);
    expect(needs({ atLeast: TOTAL_CAP - 1 })).toBe(true);
    // A page past the cap counts one beyond its end: there the vector-only papers still count.
    expect(needsVector(source(lexical, near, { lexicalIds, atLeast: TOTAL_CAP }), request('hybrid', TOTAL_CAP), words)).toBe(true);
    expect(needs({ atLeast: TOTAL_CAP }, 'lexical')).toBe(false);
    expect(needs({ atLeast: TOTAL_CAP }, 'vector')).toBe(true);
    expect(needs({ phrase: true }, 'hybrid', hybridPlan('transformer'))).toBe(true);
    // Where it is not read, the ranking without it is the ranking with it.
    for (const options of [{ atLeast: TOTAL_CAP }, { phrase: true }]) {
      const rank = (withVector: boolean) =>
        rankPapers(
          source(lexical, near, { lexicalIds, ...options }),
          { ...request('hybrid'), vector: withVector ? vector : undefined },
          words,
          0.3,
        );
      expect(rank(false)).toEqual(rank(true));
    }
  });

  it('asks the lexical ranking for the places the page reads with word vectors, for the whole pool to fuse', () => {
    const asked: number[] = [];
    const recording = (): RankingSource => {
      const inner = source(lexical, near);
      return {
        ...inner,
        lexical: (k, cap, probe) => {
          asked.push(k);
          return inner.lexical(k, cap, probe);
        },
      };
    };
    for (const mode of ['lexical', 'hybrid'] as const)
      rankPapers(recording(), { vector, mode, depth: 20 }, hybridPlan('word-vectors'), 0.3);
    rankPapers(recording(), { vector, mode: 'hybrid', depth: 20 }, hybridPlan('transformer'), 0.3);
    expect(asked).toEqual([20, 20, MIN_POOL]);
  });

  it("fuses a transformer's ranking by reciprocal rank, counting each paper once", () => {
    const fused = rankPapers(source(lexical, near), { vector, mode: 'hybrid', depth: 10 }, hybridPlan('transformer'), 0.3);
    expect(fused.ranked[0]?.id).toBe('a');
    expect(new Set(fused.ranked.map((hit) => hit.id))).toEqual(new Set(['a', 'b', 'c', 'x', 'y']));
    expect(fused.total).toBe(5);
  });

  it('returns only papers above the floor in vector mode, and nothing for a query that matches nothing', () => {
    expect(rankPapers(source(lexical, near), { vector, mode: 'vector', depth: 10 }, hybridPlan('word-vectors'), 0.3)).toEqual({
      ranked: near.slice(0, 3).map((hit, position) => ({ ...hit, position })),
      total: 3,
      totalRelation: 'eq',
    });
    expect(rankPapers(source([], near.slice(3)), { vector, mode: 'hybrid', depth: 10 }, hybridPlan('word-vectors'), 0.3)).toEqual({
      ranked: [],
      total: 0,
      totalRelation: 'eq',
    });
  });

  it('sets the floor at the lowest best similarity an off-topic probe reaches', () => {
    expect(similarityFloor([0.4, 0.21, 0.33])).toBe(0.21);
  });
});

describe('expandQuery', () => {
  const variants = (term: string) =>
    term === 'nois'
      ? [
          { term: 'noisi', surface: 'noisy' },
          { term: 'noiseless', surface: 'noiseless' },
        ]
      : [];
  const similarities = (word: string, others: readonly string[]) =>
    others.map((other) => (word === 'noise' && other === 'noisy' ? 0.5 : 0.02));

  it("weighs a query word's corpus variants by word-vector similarity, leaving out dissimilar ones and quoted words", () => {
    expect(expandQuery('reward noise', variants, similarities)).toEqual(new Map([['noisi', 0.25]]));
    expect(expandQuery('"reward noise"', variants, similarities)).toEqual(new Map());
  });

  it("QueryExpander gives what expandQuery gives, finding each word's variants once", () => {
    const asked: string[] = [];
    const expander = new QueryExpander((term) => {
      asked.push(term);
      return variants(term);
    }, similarities);
    for (const query of ['reward noise', 'noise', 'noise noisy', '"reward noise"', 'noise of rewards'])
      expect(expander.expand(query)).toEqual(expandQuery(query, variants, similarities));
    // A variant the query already holds ("noisy") is left out, yet found for the word only once.
    expect(asked.filter((term) => term === 'nois')).toEqual(['nois']);
  });
});
