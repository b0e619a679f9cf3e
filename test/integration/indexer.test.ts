import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSettings } from '../../core/config.js';
import { sentenceIndexFor } from '../../indexer/derive.js';
import { createIndexer, type IndexEvent, type IndexerComponents } from '../../indexer/index.js';
import type { Paper } from '../../indexer/parse/index.js';
import { loadSentenceIndex } from '../../indexer/sentences/index.js';
import { type DataDir, dataDirLayout, openDataDir, PapersTable, readManifest } from '../../indexer/store/index.js';
import { splitSentences } from '../../indexer/text/index.js';
import { hashedWordsEmbedder } from '../helpers/hashed-words-embedder.js';
import { INDEX_SAMPLE_MS } from '../helpers/limits.js';
import { SAMPLE_FILE, SAMPLE_YEAR, temporaryDir } from '../helpers/sample-index.js';

const EXTRA: Paper = {
  id: 'extra',
  title: 'Reward noise in code generation',
  abstract: 'Noisy unit-test rewards in RLVR for code models. Rewards flip on flaky tests.',
  authors: [],
  categories: [],
  date: null,
  url: null,
  upvotes: 0,
  organization: null,
  authorsCount: null,
  source: { file: 'test', line: 1 },
};

function sampleOptions(dataDir: string) {
  return {
    paths: [SAMPLE_FILE],
    dataDir,
    cacheDir: readSettings().cacheDir,
    offline: true,
    embedder: 'word-vectors' as const,
    clusters: 'auto' as const,
    year: SAMPLE_YEAR,
  };
}

describe('createIndexer', () => {
  let scratch: { dir: string; remove: () => Promise<void> };
  beforeAll(async () => {
    scratch = await temporaryDir('paperscope-indexer-');
  });
  afterAll(() => scratch.remove());

  it(
    'indexes with the embedder and the store it is given',
    async () => {
      const embedder = hashedWordsEmbedder();
      const opened: string[] = [];
      let published = 0;
      const components: IndexerComponents = {
        embedder: { create: async () => embedder, reopen: async () => embedder },
        store: (options, onWarning) => {
          opened.push(options.dataDir);
          const dataDir: DataDir = openDataDir(options.dataDir, { cacheDir: options.cacheDir, role: 'index', onWarning });
          return {
            ...dataDir,
            name: dataDir.name,
            layout: dataDir.layout,
            publish: async () => {
              published++;
              await dataDir.publish();
            },
          };
        },
      };
      const options = sampleOptions(scratch.dir);
      const summary = await createIndexer(components).run(options);
      expect(summary).toMatchObject({ added: 62, total: 62, embedder: embedder.info });
      expect(embedder.calls).toMatchObject({ fit: 1, documents: expect.any(Number) });
      expect(embedder.calls.documents).toBeGreaterThan(62);
      expect(opened).toEqual([scratch.dir]);
      expect(published).toBe(1);
      const layout = dataDirLayout(scratch.dir);
      expect((await readManifest(layout))?.embedder).toEqual(embedder.info);
      const table = await PapersTable.open(layout);
      expect(await table?.dimension()).toBe(embedder.info.dimension);

      // A second run reopens the index's embedder (not a new one) and adds only what is new.
      const again = await createIndexer(components).add([EXTRA], { ...options, source: 'test' });
      expect(again).toMatchObject({ added: 1, total: 63 });
      expect(embedder.calls.fit).toBe(1);
      expect(published).toBe(2);
    },
    INDEX_SAMPLE_MS,
  );

  it(
    'rebuilds a lost sentence BM25 file without embedding the stored sentences again',
    async () => {
      const embedder = hashedWordsEmbedder();
      const indexer = createIndexer({ embedder: { create: async () => embedder, reopen: async () => embedder } });
      const options = sampleOptions(path.join(scratch.dir, 'sentences'));
      await indexer.run(options);
      const layout = dataDirLayout(options.dataDir);
      const first = await loadSentenceIndex(layout, embedder.info);
      if (!('index' in first)) throw new Error(first.problem.message);

      // A new paper and no sentence BM25 file: only the new paper and its own sentences are embedded.
      await rm(layout.sentenceLexical);
      const warnings: string[] = [];
      const onEvent = (event: IndexEvent) => event.type === 'warning' && warnings.push(event.message);
      const before = embedder.calls.documents;
      await indexer.add([EXTRA], { ...options, source: 'test', onEvent });
      const extraSentences = splitSentences(EXTRA.abstract).length;
      expect(embedder.calls.documents - before).toBe(1 + extraSentences);
      expect(warnings.join('\n')).toMatch(/Rebuilding the sentence index: its BM25 file is missing/);
      const second = await loadSentenceIndex(layout, embedder.info);
      if (!('index' in second)) throw new Error(second.problem.message);
      expect(second.index.size).toBe(first.index.size + extraSentences);
      expect(second.index.search('flaky tests', 1)).toHaveLength(1);

      // The same table version (a server repairing the file): nothing embedded, the calibration kept.
      await rm(layout.sentenceLexical);
      const table = await PapersTable.open(layout);
      if (!table) throw new Error('no papers table');
      const calls = { ...embedder.calls };
      const repaired = await sentenceIndexFor(layout, await table.readAll(), await table.version(), embedder);
      expect(embedder.calls).toEqual(calls);
      expect(repaired.calibration).toEqual(second.index.calibration);
      expect(Array.from(repaired.vectors.codes)).toEqual(Array.from(second.index.vectors.codes));
      expect(Array.from(repaired.vectors.scales)).toEqual(Array.from(second.index.vectors.scales));
      expect(repaired.search('flaky tests', 1)).toEqual(second.index.search('flaky tests', 1));
      expect('index' in (await loadSentenceIndex(layout, embedder.info))).toBe(true);
    },
    INDEX_SAMPLE_MS,
  );
});
