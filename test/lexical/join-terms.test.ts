import { describe, expect, it } from 'vitest';
import { countCorpusTerms, countCorpusTermsOnTwoThreads, countCorpusTermsPart, joinCorpusTerms } from '../../indexer/lexical/index.js';
import { readSampleCorpus } from './sample-corpus.js';

const joined = (docs: ReadonlyArray<{ title: string; abstract: string }>, at: number, positions: boolean) =>
  joinCorpusTerms(countCorpusTermsPart(docs.slice(0, at), { positions }), countCorpusTermsPart(docs.slice(at), { positions }));

describe('joinCorpusTerms', () => {
  const sample = readSampleCorpus();

  it('joins two runs of documents into the counts of one pass over both, positions included', () => {
    expect(sample.length).toBeGreaterThan(20);
    expect(joined(sample, Math.floor(sample.length / 3), true)).toEqual(countCorpusTerms(sample, { positions: true }));
    const few = sample.slice(0, 6);
    for (const at of [0, 6]) expect(joined(few, at, true)).toEqual(countCorpusTerms(few, { positions: true }));
    expect(joined(few, 2, false)).toEqual(countCorpusTerms(few));
  });

  it('adds up the written forms across the two runs, the first seen winning a tie', () => {
    const docs = [
      { title: 'On llms', abstract: 'Small llms reason.' },
      { title: 'LLMs at scale', abstract: 'Big LLMs reason and LLMs plan.' },
      { title: 'Tied forms', abstract: 'Both Rlhf and RLHF once.' },
    ];
    const surface = (counted: ReturnType<typeof countCorpusTerms>, term: string) => counted.surfaces[counted.terms.indexOf(term)];
    const whole = countCorpusTerms(docs, { positions: true });
    // Two "llms" in the first document, three "LLMs" in the second: the second's form, seen only in the second run.
    expect(surface(joined(docs, 1, true), 'llm')).toBe('LLMs');
    expect(surface(countCorpusTerms(docs.slice(0, 1)), 'llm')).toBe('llms');
    // "Rlhf" (read "rlhf") and "RLHF" once each: the one seen first.
    expect(surface(whole, 'rlhf')).toBe('rlhf');
    for (const at of [1, 2]) expect(joined(docs, at, true)).toEqual(whole);
  });

  it('counts on two threads what one thread counts, the lists in shared memory', async () => {
    const timings: Record<string, number> = {};
    const counted = await countCorpusTermsOnTwoThreads(sample, { positions: true }, timings);
    expect(counted).toEqual(countCorpusTerms(sample, { positions: true }));
    expect(counted.termIds.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(counted.positions?.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(timings['terms: beside']).toBeGreaterThan(0);
  });
});
