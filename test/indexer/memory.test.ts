import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { docsOf, shareDocs } from '../../core/shared-texts.js';
import { buildDerivedIndexes } from '../../indexer/derive.js';
import { createIndexer, SENTENCES_FIRST_MIN_PAPERS, sentencesBeforeDerived } from '../../indexer/index.js';
import { countCorpusTerms, countCorpusTermsOffThread, withoutPositions } from '../../indexer/lexical/index.js';
import { dataDirLayout } from '../../indexer/store/index.js';
import { hashedWordsEmbedder } from '../helpers/hashed-words-embedder.js';
import { offlineIndexOptions, SAMPLE_FILE, SAMPLE_YEAR, temporaryDir } from '../helpers/sample-index.js';
import { storedPaper } from '../helpers/stored-paper.js';

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

  it('grows the term counts in place: the finished lists are views of the buffers they were built in, not copies', () => {
    const docs = Array.from({ length: 400 }, (_, n) => ({
      title: `Paper ${n} on rewards`,
      abstract: `Noisy reward ${n} and policy ${n % 7} gradients.`,
    }));
    const counted = countCorpusTerms(docs, { positions: true });
    const lists = [counted.termIds, counted.titleCounts, counted.abstractCounts, counted.positions] as Uint32Array[];
    // Past the first buffer's 1,024 entries, so every list grew.
    expect(counted.termIds.length).toBeGreaterThan(1_024);
    for (const list of lists) expect((list.buffer as SharedArrayBuffer & { growable: boolean }).growable).toBe(true);
    // Nothing lost while growing: every word counted once, and one position each.
    let occurrences = 0;
    for (let entry = 0; entry < counted.termIds.length; entry++)
      occurrences += (counted.titleCounts[entry] as number) + (counted.abstractCounts[entry] as number);
    const words = docs.reduce((sum, _, d) => sum + (counted.titleLengths[d] as number) + (counted.abstractLengths[d] as number), 0);
    expect(occurrences).toBe(words);
    expect(counted.positions).toHaveLength(words);
    expect(counted.terms[counted.termIds[counted.starts[399] as number] as number]).toBe('paper');
  });

  it('counts terms on a worker as on this thread, the lists coming back in shared memory', async () => {
    const docs = Array.from({ length: 300 }, (_, n) => ({
      title: `Paper ${n} on “rewards”`,
      abstract: `Noisy reward ${n}: policy ${n % 7} gradients, naïve.`,
    }));
    const counted = await countCorpusTermsOffThread(docs, { positions: true });
    expect(counted).toEqual(countCorpusTerms(docs, { positions: true }));
    expect(counted.termIds.buffer).toBeInstanceOf(SharedArrayBuffer);
  });

  it('hands the topics the term counts without the word positions, which only BM25 reads', () => {
    const counted = countCorpusTerms([{ title: 'Reward noise', abstract: 'Noisy rewards hurt policies.' }], { positions: true });
    const rows = withoutPositions(counted);
    expect(rows?.positions).toBeUndefined();
    expect(rows?.positionStarts).toBeUndefined();
    expect(rows?.termIds).toBe(counted.termIds);
    expect(withoutPositions(undefined)).toBeUndefined();
  });

  it('writes the records file before the derived indexes, not beside their workers at the end', async () => {
    const { dir, remove } = await temporaryDir();
    try {
      const layout = dataDirLayout(dir);
      const embedder = hashedWordsEmbedder();
      const seen: Array<{ records: boolean; lexical: boolean }> = [];
      const summary = await createIndexer({ embedder: { create: async () => embedder, reopen: async () => embedder } }).run(
        offlineIndexOptions(dir, {
          paths: [SAMPLE_FILE],
          year: SAMPLE_YEAR,
          onEvent: (event) => {
            if (event.type === 'info' && event.message.startsWith('Building the search indexes'))
              seen.push({ records: existsSync(layout.records), lexical: existsSync(layout.lexical) });
          },
        }),
      );
      expect(seen).toEqual([{ records: true, lexical: false }]);
      expect(summary.stages.records).toBeGreaterThan(0);
      expect(existsSync(layout.lexical)).toBe(true);
    } finally {
      await remove();
    }
  });

  it('shares the papers’ texts with the workers as one buffer they read in place', () => {
    const docs = [
      { title: 'Reward noise', abstract: 'Noisy rewards hurt policies.' },
      { title: 'TNF-α and “β” cells', abstract: '' },
      { title: '', abstract: 'Étude des protéines 蛋白质.' },
    ];
    const shared = shareDocs(docs);
    expect(shared.bytes).toBeInstanceOf(SharedArrayBuffer);
    expect(shared.offsets.buffer).toBeInstanceOf(SharedArrayBuffer);
    // Structured cloning (what a worker receives) keeps the memory shared rather than copying it.
    expect(structuredClone(shared).bytes).toBeInstanceOf(SharedArrayBuffer);
    expect(docsOf(structuredClone(shared)).map(({ title, abstract }) => ({ title, abstract }))).toEqual(docs);
    expect(docsOf(shareDocs([]))).toEqual([]);
  });

  it('takes the term counts made beside the embedding instead of counting again, and fits the related view at the topic count found', async () => {
    const papers = Array.from({ length: 12 }, (_, n) =>
      storedPaper(n, { vector: Float32Array.from([Math.cos(n), Math.sin(n), 0.5]), abstract: `Noisy rewards ${n % 3} hurt policies.` }),
    );
    // Counted on a worker from other texts than the papers', to tell the counts taken from those counted again.
    const terms = countCorpusTermsOffThread(
      papers.map(({ title }) => ({ title, abstract: 'Zebras graze.' })),
      { positions: true },
    );
    const derived = await buildDerivedIndexes(papers, 1, 3, { clusters: 2, seed: 1, terms });
    expect(derived.lexical.search('zebras', { k: 20 })).toHaveLength(12);
    expect((await derived.related).topicCount).toBe(derived.topics.k);
  });
});
