import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CorpusTerms, countCorpusAndSentenceTerms, countCorpusTerms, type FieldedText } from '../../indexer/lexical/index.js';
import { splitSentences } from '../../indexer/text/index.js';
import { trickyText } from '../text/random-text.js';
import { readSampleCorpus } from './sample-corpus.js';

/** The sentence index's corpus: each sentence a document, under its paper's title, and where each paper's start. */
function sentenceCorpus(docs: readonly FieldedText[]) {
  const sentences: FieldedText[] = [];
  const first = new Uint32Array(docs.length + 1);
  const offsets: number[] = [];
  docs.forEach(({ title, abstract }, doc) => {
    first[doc] = sentences.length;
    for (const sentence of splitSentences(abstract)) {
      sentences.push({ title, abstract: sentence.text });
      offsets.push(sentence.start, sentence.end);
    }
  });
  first[docs.length] = sentences.length;
  return { sentences, ranges: { first, offsets: Uint32Array.from(offsets) } };
}

/** The counts as one string: comparing typed arrays element by element is slow in `toEqual`. */
function flat(counted: CorpusTerms): string {
  return JSON.stringify(counted, (_, value) =>
    ArrayBuffer.isView(value) ? Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') : value,
  );
}

/** Document `doc`'s entries by term text: what does not depend on the corpus' term ids. */
function entriesOf(counted: CorpusTerms, doc: number) {
  const entries = [];
  for (let entry = counted.starts[doc] as number; entry < (counted.starts[doc + 1] as number); entry++) {
    const positions =
      counted.positions && counted.positionStarts
        ? Array.from(counted.positions.subarray(counted.positionStarts[entry], counted.positionStarts[entry + 1]))
        : [];
    entries.push([counted.terms[counted.termIds[entry] as number], counted.titleCounts[entry], counted.abstractCounts[entry], positions]);
  }
  return { entries, title: counted.titleLengths[doc], abstract: counted.abstractLengths[doc] };
}

const PIECES = [
  'Reward',
  'noise',
  'RLVR',
  'rlvr',
  'models',
  "model's",
  'e.g.',
  'i.e.',
  'U.S.',
  'J.',
  'Fig.',
  '2.5',
  'v2.',
  'Text-to-Image',
  'k.',
  '(ii)',
  '"Quoted."',
  'end.)',
  'Why?',
  'Yes!',
  '. ',
  '.  ',
  '\n',
  ' ',
  ' ',
  ' ',
];
const abstractText = fc
  .array(fc.oneof(fc.constantFrom(...PIECES), trickyText), { maxLength: 40 })
  .map((pieces) => pieces.join(' ').replace(/ +([.\n])/g, '$1'));
// Few titles, so consecutive documents often share one (as a paper's sentences do).
const corpus = fc.array(
  fc.record({ title: fc.constantFrom('Reward noise', 'RLVR models', 'Rewards reward Text-to-Image text', ''), abstract: abstractText }),
  {
    minLength: 1,
    maxLength: 8,
  },
);

describe('countCorpusAndSentenceTerms', () => {
  it('counts the papers and their sentences in one pass as counting each corpus apart does, on the sample', () => {
    const papers = readSampleCorpus();
    const { sentences, ranges } = sentenceCorpus(papers);
    const counted = countCorpusAndSentenceTerms(papers, ranges, { positions: true });
    expect(flat(counted.papers)).toBe(flat(countCorpusTerms(papers, { positions: true })));
    expect(flat(counted.sentences)).toBe(flat(countCorpusTerms(sentences)));
  });

  it('does so on random abstracts: abbreviations, decimals, enumerators, quotes, empty and blank ones', () => {
    fc.assert(
      fc.property(corpus, (docs) => {
        const { sentences, ranges } = sentenceCorpus(docs);
        const counted = countCorpusAndSentenceTerms(docs, ranges, { positions: true });
        expect(flat(counted.papers)).toBe(flat(countCorpusTerms(docs, { positions: true })));
        expect(flat(counted.sentences)).toBe(flat(countCorpusTerms(sentences)));
      }),
      { seed: 20261207, numRuns: 150 },
    );
  });
});

describe('countCorpusTerms with a title shared by consecutive documents', () => {
  it('gives each document the entries, lengths and positions it has counted alone', () => {
    fc.assert(
      fc.property(corpus, (docs) => {
        const counted = countCorpusTerms(docs, { positions: true });
        docs.forEach((doc, index) => {
          expect(entriesOf(counted, index)).toEqual(entriesOf(countCorpusTerms([doc], { positions: true }), 0));
        });
        const alone = docs.map((doc) => new Set(countCorpusTerms([doc]).terms));
        const frequencies = counted.terms.map((term) => alone.filter((terms) => terms.has(term)).length);
        expect(Array.from(counted.documentFrequency)).toEqual(frequencies);
      }),
      { seed: 20261207, numRuns: 100 },
    );
  });

  it("counts a copied title's words once per document for the surfaces", () => {
    const title = 'RLVR rewards';
    // "RLVR" three times (one per title), "rlvr" twice: the written form is the title's.
    const docs = [
      { title, abstract: 'rlvr rlvr.' },
      { title, abstract: 'Noise.' },
      { title, abstract: 'More noise.' },
    ];
    const counted = countCorpusTerms(docs);
    expect(counted.surfaces[counted.terms.indexOf('rlvr')]).toBe('RLVR');
  });
});
