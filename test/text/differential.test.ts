import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { terms, tokenize } from '../../indexer/text/index.js';
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
});
