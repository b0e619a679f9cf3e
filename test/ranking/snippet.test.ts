import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tokenize } from '../../indexer/text/index.js';
import { bestSnippet } from '../../server/ranking/index.js';
import { foldCase, neededText } from '../../server/ranking/snippet.js';
import { readSampleCorpus } from '../lexical/sample-corpus.js';
import { trickyText, wordyText } from '../text/random-text.js';

const abstract =
  'Large language models are trained with reinforcement learning. Noisy rewards are common in practice. ' +
  'We show that a reward model with noise still helps. The method scales to many tasks.';

const highlighted = (snippet: { text: string; highlights: Array<{ start: number; end: number }> }) =>
  snippet.highlights.map(({ start, end }) => snippet.text.slice(start, end));

describe('bestSnippet', () => {
  it('picks the best sentence and highlights the query words in any inflection and case', () => {
    const snippet = bestSnippet(abstract, 'noisy rewards', { maxSentences: 1 });
    expect(snippet.text).toBe('Noisy rewards are common in practice.');
    expect(highlighted(snippet)).toEqual(['Noisy', 'rewards']);
  });

  it('adds a second sentence only for query terms the first lacks, marking the gap', () => {
    const snippet = bestSnippet(abstract, 'noisy rewards scales');
    expect(snippet.text).toBe('Noisy rewards are common in practice. … The method scales to many tasks.');
    expect(highlighted(snippet)).toEqual(['Noisy', 'rewards', 'scales']);
  });

  it('uses IDF when given to choose between sentences', () => {
    const text = 'Reward shaping is studied. Noise robustness is studied.';
    expect(bestSnippet(text, 'reward noise', { maxSentences: 1 }).text).toBe('Reward shaping is studied.');
    const idf = (term: string) => (term === 'nois' ? 5 : 1);
    expect(bestSnippet(text, 'reward noise', { maxSentences: 1, idf }).text).toBe('Noise robustness is studied.');
  });

  it('highlights a compound once, whether matched whole or by part', () => {
    const snippet = bestSnippet('We train a Text-to-Image model. Other text.', 'text-to-image', { maxSentences: 1 });
    expect(highlighted(snippet)).toEqual(['Text-to-Image']);
    expect(highlighted(bestSnippet('We train a Text-to-Image model.', 'image'))).toEqual(['Image']);
  });

  it('falls back to the opening sentence without highlights', () => {
    expect(bestSnippet(abstract, 'tungsten', { maxSentences: 1 })).toEqual({
      text: 'Large language models are trained with reinforcement learning.',
      highlights: [],
    });
    expect(bestSnippet('', 'anything')).toEqual({ text: '', highlights: [] });
  });

  it('trims a long sentence around the matches with ellipses, keeping offsets right', () => {
    const filler = 'lorem ipsum dolor sit amet '.repeat(12);
    const long = `${filler}and here noisy rewards appear ${filler}end.`;
    const snippet = bestSnippet(long, 'noisy rewards', { maxChars: 80 });
    expect(snippet.text.length).toBeLessThanOrEqual(80);
    expect(snippet.text.startsWith('…')).toBe(true);
    expect(snippet.text.endsWith('…')).toBe(true);
    expect(highlighted(snippet)).toEqual(['noisy', 'rewards']);
  });
});

// The tokenizer is checked against its previous implementation in test/text/differential.test.ts;
// here the snippet cache must hand back what the first call computed, unaffected by callers.
describe('bestSnippet with its per-abstract cache', () => {
  const abstracts = readSampleCorpus().map((paper) => paper.abstract);
  const queries = ['noisy rewards', 'text-to-image diffusion', 'RLVR', 'GRPO policy optimization', 'reward model', 'tungsten'];

  it('gives the same snippets on every sample abstract, first call and cached call alike', () => {
    for (const abstract of abstracts) {
      for (const query of [...queries, abstract.split(' ').slice(3, 6).join(' ')]) {
        const first = bestSnippet(abstract, query);
        const expected = structuredClone(first);
        first.highlights.push({ start: 0, end: 1 });
        expect(bestSnippet(abstract, query)).toEqual(expected);
        for (const { start, end } of expected.highlights) expect(end).toBeGreaterThan(start);
      }
    }
  });

  it('gives the same snippets again on random text, queries and options', () => {
    const sentence = fc.oneof(fc.constantFrom(...abstracts.flatMap((abstract) => abstract.split('. '))), wordyText, trickyText);
    const options = fc.record(
      {
        maxSentences: fc.integer({ min: 1, max: 3 }),
        maxChars: fc.integer({ min: 20, max: 400 }),
        idf: fc.constant((term: string) => term.length),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.array(sentence, { maxLength: 6 }), fc.oneof(wordyText, trickyText), options, (parts, query, chosen) => {
        const abstract = parts.join('. ');
        const expected = structuredClone(bestSnippet(abstract, query, chosen));
        expect(bestSnippet(abstract, query, chosen)).toEqual(expected);
      }),
      { seed: 20261128, numRuns: 800 },
    );
  });
});

// Snippets tokenize only the sentences holding a query term's `neededText`: were a token's term to
// lack it in its sentence, a matching sentence would be skipped and the snippet would change.
describe('the sentence test that spares snippets from tokenizing', () => {
  const holdsEveryTerm = (text: string) => {
    const folded = foldCase(text);
    for (const token of tokenize(text)) if (!folded.includes(neededText(token.term))) return token.term;
    return undefined;
  };
  // Porter's suffixes, each rewritten at the end of a word: the cases where a stem is not a prefix of its word.
  const SUFFIXES = ['ational', 'tional', 'enci', 'anci', 'izer', 'bli', 'alli', 'entli', 'eli', 'ousli', 'ization', 'ation', 'ator'];
  const MORE = ['alism', 'iveness', 'fulness', 'ousness', 'aliti', 'iviti', 'biliti', 'ability', 'logi', 'icate', 'ative', 'alize'];
  const ENDINGS = ['iciti', 'ical', 'ful', 'ness', 'ing', 'ed', 'eed', 'ies', 'sses', 'y', 'ly', 'at', 'bl', 'iz', 'e', 'ement'];

  it('holds on every sample abstract', () => {
    for (const { title, abstract } of readSampleCorpus()) expect(holdsEveryTerm(`${title} ${abstract}`)).toBeUndefined();
  });

  it('holds on words whose terms are spelled otherwise (British forms, Greek letters)', () => {
    expect(holdsEveryTerm('Tumours, haemoglobin and TNF-α in ischaemic NF-κB signalling; Σ and ς.')).toBeUndefined();
  });

  it('holds on random text and on words built from the suffixes Porter rewrites', () => {
    const stemmed = fc
      .tuple(fc.stringMatching(/^[a-zA-Z]{1,7}$/), fc.array(fc.constantFrom(...SUFFIXES, ...MORE, ...ENDINGS), { maxLength: 3 }))
      .map(([start, suffixes]) => start + suffixes.join(''));
    const text = fc.oneof(
      wordyText,
      trickyText,
      fc.array(stemmed, { maxLength: 8 }).map((words) => words.join(' ')),
    );
    fc.assert(
      fc.property(text, (sample) => holdsEveryTerm(sample) === undefined),
      { seed: 20261206, numRuns: 3000 },
    );
  });
});

describe('bestSnippet on a huge abstract', () => {
  // One sentence of about 1 MB holding the query words 150,000 times: comparing every highlight
  // with every other took minutes; the snippet now comes from a bounded window in one pass.
  const huge = 'charlie noise alpha '.repeat(52_000);

  it('answers from a bounded window, with the words highlighted', () => {
    const snippet = bestSnippet(huge, 'charlie noise');
    expect(snippet.text.length).toBeLessThanOrEqual(320);
    expect(snippet.highlights.length).toBeGreaterThan(20);
    expect(new Set(highlighted(snippet))).toEqual(new Set(['charlie', 'noise']));
  });

  it('ends its window before the end of the abstract', () => {
    const tail = `${huge}only the tail mentions zebras.`;
    expect(bestSnippet(tail, 'zebras').highlights).toEqual([]);
  });
});
