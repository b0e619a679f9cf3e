import { describe, expect, it } from 'vitest';
import { SENTENCES_FIRST_MIN_PAPERS, sentencesBeforeDerived } from '../../indexer/index.js';
import { countCorpusTerms, withoutPositions } from '../../indexer/lexical/index.js';

describe('the indexer’s memory at a million papers', () => {
  it('builds the sentence index before the other derived indexes from 100k papers, beside them below', () => {
    expect(SENTENCES_FIRST_MIN_PAPERS).toBe(100_000);
    expect(sentencesBeforeDerived(1_000_000)).toBe(true);
    expect(sentencesBeforeDerived(100_000)).toBe(true);
    expect(sentencesBeforeDerived(99_999)).toBe(false);
  });

  it('keeps the term counts in shared memory, so the topics’ worker reads them without a copy', () => {
    const counted = countCorpusTerms([{ title: 'Reward noise', abstract: 'Noisy rewards hurt policies.' }], { positions: true });
    for (const array of [counted.termIds, counted.titleCounts, counted.abstractCounts, counted.positions])
      expect(array?.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(Array.from(counted.termIds)).toEqual(counted.terms.map((_, term) => term));
  });

  it('hands the topics the term counts without the word positions, which only BM25 reads', () => {
    const counted = countCorpusTerms([{ title: 'Reward noise', abstract: 'Noisy rewards hurt policies.' }], { positions: true });
    const rows = withoutPositions(counted);
    expect(rows?.positions).toBeUndefined();
    expect(rows?.positionStarts).toBeUndefined();
    expect(rows?.termIds).toBe(counted.termIds);
    expect(withoutPositions(undefined)).toBeUndefined();
  });
});
