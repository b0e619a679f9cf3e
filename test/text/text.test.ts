import { describe, expect, it } from 'vitest';
import { splitSentences, stem, terms, tokenize } from '../../indexer/text/index.js';

describe('tokenize', () => {
  it('keeps compounds whole and in parts, with offsets into the text', () => {
    const text = 'A Text-to-Image model';
    const tokens = tokenize(text);
    expect(tokens.map((token) => token.term)).toEqual(['text-to-image', 'text', 'imag', 'model']);
    for (const token of tokens) expect(text.slice(token.start, token.end).toLowerCase()).toBe(token.word);
  });

  it('stems consistently, including from the memo', () => {
    expect(terms('rewards Rewards rewarding')).toEqual(['reward', 'reward', 'reward']);
    expect(stem('rewards')).toBe(stem('rewards'));
    expect(terms("GRPO's RLVR")).toEqual(['grpo', 'rlvr']);
  });

  it('stems words of letters only, of either case and any script, and leaves the others as they are', () => {
    expect(['Rewards', 'rewards', 'cafés', 'ναοί', 'straßen', 't2is', 'rewards!', 'x-rays', ''].map(stem)).toEqual([
      'reward',
      'reward',
      'café',
      'ναοί',
      'straßen',
      't2is',
      'rewards!',
      'x-rays',
      '',
    ]);
  });

  it('matches non-ASCII letters', () => {
    expect(terms('Café naïve-Bayes')).toEqual(['café', 'naïve-bayes', 'naïv', 'bay']);
  });

  it("ends a word at the text's end, after a quote or a joiner with nothing behind it", () => {
    const ends = (text: string) => tokenize(text).map(({ word, start, end }) => `${word}@${start}-${end}`);
    expect(ends('noisy rewards')).toEqual(['noisy@0-5', 'rewards@6-13']);
    expect(ends("GRPO's")).toEqual(['grpo@0-4']);
    expect(ends("models'")).toEqual(['models@0-6']);
    expect(ends('text-to-image-')).toEqual(['text-to-image@0-13', 'text@0-4', 'image@8-13']);
    expect(ends('qwen-2.5.')).toEqual(['qwen-2.5@0-8', 'qwen@0-4']);
    expect(ends('dp^2o/')).toEqual(['dp^2o@0-5', 'dp@0-2', '2o@3-5']);
  });
});

describe('splitSentences', () => {
  it('keeps abbreviations, initials and decimals inside a sentence', () => {
    const text = 'We use e.g. RL on Qwen-2.5-7B. Fig. 3 shows J. Smith et al. results. Done.';
    expect(splitSentences(text).map((sentence) => sentence.text)).toEqual([
      'We use e.g. RL on Qwen-2.5-7B.',
      'Fig. 3 shows J. Smith et al. results.',
      'Done.',
    ]);
  });

  it('ends a sentence after a lower-case single letter', () => {
    expect(splitSentences('We pick the top k. Then we rank.').map((sentence) => sentence.text)).toEqual([
      'We pick the top k.',
      'Then we rank.',
    ]);
  });

  it('ends a sentence after a name whose last part is a capital letter', () => {
    expect(
      splitSentences('We finetune MusicLM into MusicRL-R. We deploy it in the U.S. to users.').map((sentence) => sentence.text),
    ).toEqual(['We finetune MusicLM into MusicRL-R.', 'We deploy it in the U.S. to users.']);
  });

  it('returns offsets into the original text', () => {
    const text = '  First one.  Second one!  ';
    for (const sentence of splitSentences(text)) expect(text.slice(sentence.start, sentence.end)).toBe(sentence.text);
  });

  it('ends a sentence before an enumerator such as "(ii)", but not inside "(i.e. …)"', () => {
    const text =
      'Our results are: (i) phase diagrams for performance. (ii) Most importantly, we find a power law (i.e. in P). (b) It holds.';
    expect(splitSentences(text).map((sentence) => sentence.text)).toEqual([
      'Our results are: (i) phase diagrams for performance.',
      '(ii) Most importantly, we find a power law (i.e. in P).',
      '(b) It holds.',
    ]);
  });
});
