import { existsSync } from 'node:fs';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { armMemoryTrace, type MemoryPoint } from '../../core/memory-trace.js';
import { docsOf, shareDocs } from '../../core/shared-texts.js';
import { buildDerivedIndexes, readInPlace, relatedViewAfterTerms, saveDerivedIndexes } from '../../indexer/derive.js';
import {
  createIndexer,
  EMBED_ON_TWO_THREADS_MIN_PAPERS,
  embedOnTwoThreads,
  SENTENCE_TERMS_BESIDE_WRITE_MIN_PAPERS,
  SENTENCES_FIRST_MIN_PAPERS,
  sentencesBeforeDerived,
  sentenceTermsBesideWrite,
} from '../../indexer/index.js';
import { countCorpusTerms, countCorpusTermsOffThread, withoutPositions } from '../../indexer/lexical/index.js';
import { readListings } from '../../indexer/parse/index.js';
import { dataDirLayout } from '../../indexer/store/index.js';
import { timeStage } from '../../indexer/timings.js';
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

  it('counts the sentences’ terms on a worker of their own beside the writes from 50k papers, where no lane counted them', () => {
    expect(SENTENCE_TERMS_BESIDE_WRITE_MIN_PAPERS).toBe(50_000);
    expect(sentenceTermsBesideWrite(1_000_000, false)).toBe(true);
    expect(sentenceTermsBesideWrite(50_000, false)).toBe(true);
    expect(sentenceTermsBesideWrite(49_999, false)).toBe(false);
    // Below 50k the shared lane counted them beside the embedding already.
    expect(sentenceTermsBesideWrite(49_999, true)).toBe(false);
  });

  it('starts the related view’s TF-IDF once the papers’ terms are counted, where they are counted on two threads (from 50k papers)', () => {
    expect(relatedViewAfterTerms(1_000_000, false)).toBe(true);
    expect(relatedViewAfterTerms(50_000, false)).toBe(true);
    // Below, a lane's worker prepares it while this thread counts.
    expect(relatedViewAfterTerms(49_999, false)).toBe(false);
    // Counted before (beside the embedding): nothing to wait for.
    expect(relatedViewAfterTerms(1_000_000, true)).toBe(false);
  });

  it('embeds on two threads from 100k papers, where nothing counts terms beside the embedding, with an embedder that can be copied', () => {
    expect(EMBED_ON_TWO_THREADS_MIN_PAPERS).toBe(SENTENCES_FIRST_MIN_PAPERS);
    expect(embedOnTwoThreads(1_000_000, true)).toBe(true);
    expect(embedOnTwoThreads(100_000, true)).toBe(true);
    expect(embedOnTwoThreads(99_999, true)).toBe(false);
    // The transformer's runtime uses every core already: no copy.
    expect(embedOnTwoThreads(1_000_000, false)).toBe(false);
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

  it('reads the derived stage’s texts in place, from one buffer that both workers get without a copy', () => {
    const papers = Array.from({ length: 5 }, (_, n) => storedPaper(n, { title: n === 2 ? 'TNF-α “β”' : `Paper ${n}` }));
    const inPlace = readInPlace(papers);
    expect(
      inPlace.map(({ id, title, abstract, date, vector, contentHash }) => ({ id, title, abstract, date, vector, contentHash })),
    ).toEqual(papers.map(({ id, title, abstract, date, vector, contentHash }) => ({ id, title, abstract, date, vector, contentHash })));
    // Nothing else of the records is kept: it is in the records file.
    expect(inPlace[0]).not.toHaveProperty('authors');
    // The related view's and the labels' workers each call shareDocs: the same buffer, not a copy each.
    const shared = shareDocs(inPlace);
    expect(shareDocs(inPlace)).toBe(shared);
    expect(docsOf(shared).map(({ title }) => title)).toEqual(papers.map(({ title }) => title));
    // Any other list of docs (a subset, another order, plain objects) is copied as before.
    expect(shareDocs(inPlace.slice(1))).not.toBe(shared);
    expect(shareDocs([...inPlace].reverse())).not.toBe(shared);
    expect(docsOf(shareDocs([...inPlace].reverse())).map(({ title }) => title)).toEqual(papers.map(({ title }) => title).reverse());
  });

  it('refuses to save a records file without the papers to write it from', async () => {
    const derived = await buildDerivedIndexes(
      Array.from({ length: 6 }, (_, n) => storedPaper(n)),
      1,
      3,
      { clusters: 2, seed: 1 },
    );
    await expect(saveDerivedIndexes(dataDirLayout('/nonexistent'), derived, 1, undefined, new Set(['records file']))).rejects.toThrow(
      /records file was to be saved without the papers/,
    );
  });

  it('lets the parsed papers go once they are written, before the derived indexes are built', async () => {
    const { dir, remove } = await temporaryDir();
    v8.setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    try {
      const embedder = hashedWordsEmbedder();
      const { papers } = await readListings([SAMPLE_FILE], { year: SAMPLE_YEAR });
      // The copies the indexer gets (a caller may keep its own list): each watched, none kept here.
      const watched: Array<WeakRef<object>> = [];
      const reconcile = (given: typeof papers) =>
        given.map((paper) => {
          const copy = { ...paper };
          watched.push(new WeakRef(copy));
          return copy;
        });
      const alive: number[] = [];
      await createIndexer({ embedder: { create: async () => embedder, reopen: async () => embedder } }).add(papers, {
        ...offlineIndexOptions(dir),
        source: 'sample',
        reconcile,
        onEvent: (event) => {
          if (event.type !== 'info' || !event.message.startsWith('Building the search indexes')) return;
          gc();
          alive.push(watched.filter((ref) => ref.deref() !== undefined).length);
        },
      });
      expect(watched.length).toBe(papers.length);
      expect(alive).toEqual([0]);
    } finally {
      await remove();
    }
  });

  it('traces what each stage leaves alive when asked (PAPERSCOPE_MEMORY_TRACE)', () => {
    const points: MemoryPoint[] = [];
    const size = 64 * 2 ** 20;
    const before = process.memoryUsage().arrayBuffers / 2 ** 20;
    armMemoryTrace((point) => points.push(point));
    try {
      // One stage leaves its buffer as garbage, the other returns it (alive when the point is taken).
      timeStage({}, 'garbage', () => new Uint8Array(size).fill(1).length);
      timeStage({}, 'kept', () => new Uint8Array(size).fill(1));
    } finally {
      armMemoryTrace(undefined);
    }
    timeStage({}, 'untraced', () => 0);
    expect(points.map(({ stage }) => stage)).toEqual(['garbage', 'kept']);
    const [garbage, kept] = points as [MemoryPoint, MemoryPoint];
    expect(garbage.rssMb).toBeGreaterThan(garbage.heapUsedMb);
    expect(garbage.heapUsedMb).toBeGreaterThan(0);
    // Collected before the point was taken: only what is alive is counted.
    expect(garbage.arrayBuffersMb - before).toBeLessThan(32);
    expect(kept.arrayBuffersMb - garbage.arrayBuffersMb).toBeGreaterThanOrEqual(60);
  });
});
