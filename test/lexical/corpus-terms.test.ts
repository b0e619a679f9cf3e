import { describe, expect, it } from 'vitest';
import { buildLexicalIndex, countCorpusTerms } from '../../indexer/lexical/index.js';

const docs = [
  { id: 'a', title: 'Reward noise', abstract: 'Noisy rewards hurt RLVR. Reward models help.' },
  { id: 'b', title: 'Diffusion models', abstract: 'RLVR for diffusion.' },
];

describe('countCorpusTerms', () => {
  it("counts each document's distinct terms in its title and abstract, over one vocabulary", () => {
    const counted = countCorpusTerms(docs);
    const entries = (doc: number) =>
      Array.from({ length: (counted.starts[doc + 1] as number) - (counted.starts[doc] as number) }, (_, offset) => {
        const entry = (counted.starts[doc] as number) + offset;
        return [counted.terms[counted.termIds[entry] as number], counted.titleCounts[entry], counted.abstractCounts[entry]];
      });
    expect(entries(0)).toEqual([
      ['reward', 1, 2],
      ['nois', 1, 0],
      ['noisi', 0, 1],
      ['hurt', 0, 1],
      ['rlvr', 0, 1],
      ['model', 0, 1],
      ['help', 0, 1],
    ]);
    expect(entries(1)).toEqual([
      ['diffus', 1, 1],
      ['model', 1, 0],
      ['rlvr', 0, 1],
    ]);
    const df = (term: string) => counted.documentFrequency[counted.terms.indexOf(term)];
    expect([df('reward'), df('model'), df('rlvr')]).toEqual([1, 2, 2]);
    expect([...counted.titleLengths]).toEqual([2, 2]);
    expect([...counted.abstractLengths]).toEqual([7, 2]);
    // Capitals inside a word are part of the name; a capital first letter is sentence case.
    expect(counted.surfaces[counted.terms.indexOf('rlvr')]).toBe('RLVR');
    expect(counted.surfaces[counted.terms.indexOf('reward')]).toBe('reward');
  });

  it("keeps each term's entry per document when the vocabulary grows past the per-term arrays' first size", () => {
    // 3,000 distinct terms (the per-term state starts at 1,024 terms): each document repeats an early term and a new one.
    const word = (n: number) => `w${n.toString(36)}x`;
    const many = Array.from({ length: 1_500 }, (_, doc) => ({
      title: word(doc % 7),
      abstract: `${word(1_500 + doc)} ${word(doc % 7)} ${word(2 * doc)} ${word(1_500 + doc)} ${word(2 * doc + 1)}`,
    }));
    const counted = countCorpusTerms(many, { positions: true });
    expect(counted.terms.length).toBe(3_000);
    const entries = (doc: number) =>
      Array.from({ length: (counted.starts[doc + 1] as number) - (counted.starts[doc] as number) }, (_, offset) => {
        const entry = (counted.starts[doc] as number) + offset;
        const from = counted.positionStarts?.[entry] as number;
        const to = counted.positionStarts?.[entry + 1] as number;
        return [
          counted.terms[counted.termIds[entry] as number],
          counted.titleCounts[entry],
          counted.abstractCounts[entry],
          [...(counted.positions?.subarray(from, to) ?? [])],
        ];
      });
    // Document 1,400: its title term again in the abstract, a term met twice in it, terms first met long before.
    const abstractAt = (word: number) => 1 + 16 + word;
    expect(entries(1_400)).toEqual([
      [word(1_400 % 7), 1, 1, [0, abstractAt(1)]],
      [word(2_900), 0, 2, [abstractAt(0), abstractAt(3)]],
      [word(2_800), 0, 1, [abstractAt(2)]],
      [word(2_801), 0, 1, [abstractAt(4)]],
    ]);
    expect(counted.documentFrequency[counted.terms.indexOf(word(2_800))]).toBe(2);
  });

  it('gives each term its most frequent written form, the first met of equally frequent ones', () => {
    const counted = countCorpusTerms([
      // "LLMs" (stem "llm") twice, "LLM" twice, "llm" three times but all folded to one form: "llm" wins.
      { title: 'LLMs and LLM agents', abstract: 'llm llm. Llm LLMs LLM.' },
      // "GRPO" and "GrPO" once each: a tie, so the first met.
      { title: 'GRPO', abstract: 'GrPO.' },
      // "ReNO" and "RENO" once each, "reno" never: the first met of the two written with inner capitals.
      { title: 'ReNO', abstract: 'RENO.' },
    ]);
    const surface = (term: string) => counted.surfaces[counted.terms.indexOf(term)];
    expect([surface('llm'), surface('grpo'), surface('reno'), surface('agent')]).toEqual(['llm', 'GRPO', 'ReNO', 'agents']);
  });

  it('counts a corpus afresh after another one tallied the same words under other term ids', () => {
    const before = countCorpusTerms(docs, { positions: true });
    // The same words in another order: their term ids here differ from the first corpus'.
    const other = countCorpusTerms([{ title: 'Help models hurt RLVR', abstract: 'Diffusion rewards, noisy reward noise.' }]);
    expect(Array.from(other.termIds, (id) => other.terms[id])).toEqual([
      'help',
      'model',
      'hurt',
      'rlvr',
      'diffus',
      'reward',
      'noisi',
      'nois',
    ]);
    expect(countCorpusTerms(docs, { positions: true })).toEqual(before);
  });

  it('builds the same BM25 index when counted beforehand, and refuses counts of other documents', () => {
    const counted = countCorpusTerms(docs, { positions: true });
    expect(buildLexicalIndex(docs, {}, counted).toFile(1)).toEqual(buildLexicalIndex(docs).toFile(1));
    expect(() => buildLexicalIndex(docs.slice(0, 1), {}, counted)).toThrow(/Term counts for 2 documents given with 1 documents/);
  });
});
