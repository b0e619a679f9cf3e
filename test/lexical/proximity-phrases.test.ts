import { describe, expect, it } from 'vitest';
import {
  buildLexicalIndex,
  countCorpusTerms,
  loadLexicalFile,
  loadLexicalIndex,
  parseQuery,
  QUERY_TERMS,
  queryTermWeights,
} from '../../indexer/lexical/index.js';
import { openSealedFile } from '../../indexer/store/index.js';

// Three documents have "reward" and "noise" once each, at different distances.
const filler = 'alpha beta gamma delta epsilon zeta eta theta iota kappa';
const corpus = [
  { id: 'apart', title: 'Study one', abstract: `The reward is given. ${filler} Then noise is added.` },
  { id: 'near', title: 'Study two', abstract: `We add reward noise here. ${filler} Nothing else.` },
  { id: 'reversed', title: 'Study three', abstract: `The noise in the reward. ${filler} Nothing else.` },
  { id: 'other', title: 'Study four', abstract: `Only policy gradients. ${filler} Nothing else at all here.` },
];

describe('proximity and phrases', () => {
  const index = buildLexicalIndex(corpus);
  const ids = (query: string, k = 10) => index.rank(query, { k }).hits.map((hit) => hit.id);

  it('ranks documents whose query terms stand together above those where they are far apart', () => {
    expect(ids('reward noise').slice(0, 3)).toEqual(['near', 'reversed', 'apart']);
    // Without positions BM25 alone puts the shortest abstract first.
    const flat = buildLexicalIndex(corpus, {}, countCorpusTerms(corpus));
    expect(flat.hasPositions).toBe(false);
    expect(flat.search('reward noise', { k: 3 })[0]?.id).toBe('apart');
  });

  it('matches a quoted phrase exactly, stop words counted as gaps, and counts only the documents holding it', () => {
    expect(index.rank('"reward noise"', { k: 10 })).toMatchObject({ total: 1, hits: [{ id: 'near' }] });
    expect(ids('"noise in the reward"')).toEqual(['reversed']);
    expect(ids('"noise the reward"')).toEqual([]);
    expect(index.rank('"reward unseenword"', { k: 10, probe: [0, 1] })).toEqual({
      hits: [],
      total: 0,
      totalRelation: 'eq',
      matched: [false, false],
    });
    // An unmatched quote is ignored: the words are searched as usual.
    expect(index.rank('"reward noise', { k: 10 }).total).toBe(3);
  });

  it('counts every matching document whatever k is, and keeps the head of the ranking for every k', () => {
    const totals = [1, 2, 10].map((k) => index.rank('reward noise policy', { k }).total);
    expect(totals).toEqual([4, 4, 4]);
    expect(ids('reward noise policy', 2)).toEqual(ids('reward noise policy', 10).slice(0, 2));
    expect(index.matches('"reward noise"', [0, 1, 2, 3])).toEqual([false, true, false, false]);
    expect(index.matches('policy', [0, 3])).toEqual([false, true]);
  });

  it("adds weighted expansions, and lists a stem's longer single-word variants", () => {
    const variants = buildLexicalIndex([
      { id: 'x', title: 'Noisy rewards', abstract: 'Noisy labels.' },
      { id: 'y', title: 'Noise', abstract: 'Noise and noiseless signals, a noisier world.' },
    ]);
    expect(
      variants
        .variants('nois')
        .map((variant) => variant.term)
        .sort(),
    ).toEqual(['noiseless', 'noisi', 'noisier']);
    expect(variants.variants('noi')).toEqual([]);
    expect(variants.rank('noise', { k: 5 }).total).toBe(1);
    expect(variants.rank('noise', { k: 5, expansions: new Map([['noisi', 0.5]]) })).toMatchObject({
      total: 2,
      hits: [{ id: 'y' }, { id: 'x' }],
    });
  });

  it('keeps positions through the binary file and the JSON form', () => {
    const saved = loadLexicalFile(Buffer.concat(index.toFile(3)));
    if ('problem' in saved) throw new Error(saved.problem.message);
    const fromFile = saved.index;
    const fromJson = loadLexicalIndex(JSON.stringify(index.toJSON()));
    for (const loaded of [fromFile, fromJson]) {
      expect(loaded.hasPositions).toBe(true);
      expect(loaded.rank('"noise in the reward"', { k: 5 })).toEqual(index.rank('"noise in the reward"', { k: 5 }));
      expect(loaded.search('reward noise', { k: 5 })).toEqual(index.search('reward noise', { k: 5 }));
    }
  });

  it('refuses a file whose positions are damaged, naming them', () => {
    const sealed = openSealedFile(Buffer.concat(index.toFile(3)), 'PSBM', 'lexical index');
    if ('problem' in sealed) throw new Error(sealed.problem);
    expect((sealed.header as { positionCount: number }).positionCount).toBeGreaterThan(0);
    const json = index.toJSON();
    expect(() => loadLexicalIndex({ ...json, positions: 'AQ==' })).toThrow(/field "positions"/);
  });
});

describe('parseQuery', () => {
  it('splits terms from quoted phrases, with word offsets that count stop words and compound parts', () => {
    expect(parseQuery('"reward noise" RLVR')).toEqual({
      terms: ['reward', 'nois', 'rlvr'],
      phrases: [
        [
          { term: 'reward', offset: 0 },
          { term: 'nois', offset: 1 },
        ],
      ],
      codes: new Set(),
    });
    expect(parseQuery('“noise in the reward”').phrases).toEqual([
      [
        { term: 'nois', offset: 0 },
        { term: 'reward', offset: 3 },
      ],
    ]);
    expect(parseQuery('"text-to-image models"').phrases[0]).toEqual([
      { term: 'text-to-image', offset: 0 },
      { term: 'text', offset: 0 },
      { term: 'imag', offset: 1 },
      { term: 'model', offset: 2 },
    ]);
    expect(parseQuery('"the of"').phrases).toEqual([]);
  });
});

describe('query term weights', () => {
  it('counts a repeated term once in a query and as often as it occurs in a pasted text, and a compound whole below its parts', () => {
    const terms = parseQuery('Cancer-associated fibroblasts interact with cancer cells').terms;
    expect(queryTermWeights(terms)).toEqual(
      new Map([
        ['cancer-associated', QUERY_TERMS.compoundWeight],
        ['cancer', 1],
        ['associ', 1],
        ['fibroblast', 1],
        ['interact', 1],
        ['cell', 1],
      ]),
    );
    expect(queryTermWeights(terms, { repeats: 'counted' }).get('cancer')).toBe(2);
    expect(QUERY_TERMS.compoundWeight).toBeLessThan(1);
  });

  it('weighs the terms holding a digit (a gene or protein name) above the rest, in a query only', () => {
    const { terms, codes } = parseQuery('IL-10 and BRCA1 in TNF signalling, 5-fold');
    // The parts without a digit ("il", "fold") are ordinary words.
    expect(codes).toEqual(new Set(['il-10', 'brca1', '5-fold']));
    const weights = queryTermWeights(terms, { codes });
    expect(weights.get('brca1')).toBe(QUERY_TERMS.codeWeight);
    expect(weights.get('il-10')).toBe(QUERY_TERMS.compoundWeight * QUERY_TERMS.codeWeight);
    expect(weights.get('il')).toBe(1);
    expect(weights.get('fold')).toBe(1);
    expect(weights.get('tnf')).toBe(1);
    expect(QUERY_TERMS.codeWeight).toBeGreaterThan(1);
    const index = buildLexicalIndex([
      { id: 'signalling', title: 'Signalling', abstract: 'Signalling in a cohort study of the gut.' },
      { id: 'brca1', title: 'Carriers', abstract: 'BRCA1 carriers in a cohort study of the gut.' },
      { id: 'other', title: 'Other', abstract: 'Nothing relevant here at all.' },
    ]);
    expect(index.rank('BRCA1 signalling', { k: 2 }).hits[0]?.id).toBe('brca1');
    expect(index.rank('BRCA1 signalling', { k: 2, repeats: 'counted' }).hits[0]?.id).toBe('signalling');
  });

  it('ranks a query that repeats a word as the query that says it once', () => {
    const index = buildLexicalIndex([
      { id: 'cells', title: 'Cells', abstract: 'Cells and more cells divide; cell cycle of cells.' },
      { id: 'fibroblasts', title: 'Fibroblasts', abstract: 'Fibroblasts shape the tumour stroma; a cell appears once.' },
      { id: 'other', title: 'Other', abstract: 'Nothing relevant here at all.' },
    ]);
    const once = index.rank('fibroblast cell', { k: 3 });
    expect(index.rank('fibroblast cell cells', { k: 3 })).toEqual(once);
    expect(once.hits[0]?.id).toBe('fibroblasts');
    // Counted (a pasted text), the word said three times weighs three times as much.
    const scoreOf = (hits: Array<{ id: string; score: number }>) => hits.find((hit) => hit.id === 'cells')?.score ?? 0;
    const counted = index.rank('fibroblast cell cells cell', { k: 3, repeats: 'counted' }).hits;
    expect(scoreOf(counted)).toBeCloseTo(3 * scoreOf(once.hits), 6);
  });
});
