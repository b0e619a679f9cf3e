import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AnalysedWord, forEachWord, terms, tokenize } from '../../indexer/text/index.js';
import { readSampleCorpus } from '../lexical/sample-corpus.js';
import { trickyText, wordyText } from './random-text.js';
import { referenceTerms, referenceTokenize } from './reference.js';

const settings = { seed: 20261128, numRuns: 1500 };

describe('tokenize against the reference implementation', () => {
  it('gives the same tokens on every sample abstract and title', () => {
    for (const paper of readSampleCorpus()) {
      for (const text of [paper.abstract, paper.title]) {
        expect(tokenize(text)).toEqual(referenceTokenize(text));
        expect(terms(text)).toEqual(referenceTerms(text));
      }
    }
  });

  it('gives the same tokens on random text, also when the text repeats (cached words)', () => {
    fc.assert(
      fc.property(fc.oneof(trickyText, wordyText), (text) => {
        const expected = referenceTokenize(text);
        expect(tokenize(text)).toEqual(expected);
        expect(tokenize(text)).toEqual(expected);
        expect(terms(text)).toEqual(expected.map((token) => token.term));
      }),
      settings,
    );
  });

  it('returns fresh tokens, so a caller that edits one does not corrupt the next call', () => {
    const first = tokenize('noisy-rewards');
    for (const token of first) token.term = 'changed';
    expect(tokenize('noisy-rewards')).toEqual(referenceTokenize('noisy-rewards'));
  });

  it('gives the same tokens once more distinct words were read than its cache holds (it drops some and refills)', () => {
    // 120,000 distinct words: past the word cache's bound of 100,000, so it drops the ones met once.
    const many = Array.from({ length: 120_000 }, (_, i) => `w${i.toString(36)}x`).join(' ');
    const tokens = tokenize(many);
    expect(tokens).toHaveLength(120_000);
    expect(tokens.slice(-2).map(({ term, start }) => [term, start])).toEqual([
      ['w2klax', many.length - 13],
      ['w2klbx', many.length - 6],
    ]);
    const text = 'Noisy rewards hurt RLVR; w1x and wzzx-7b.';
    expect(tokenize(text)).toEqual(referenceTokenize(text));
    // Refilled, it still gives every occurrence of a word one shared object.
    const seen: AnalysedWord[] = [];
    forEachWord('w1x wzzx-7b w1x wzzx-7b', (word) => seen.push(word));
    expect(seen[2]).toBe(seen[0]);
    expect(seen[3]).toBe(seen[1]);
  });
});
