import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSettings } from '../../core/config.js';
import { createIndexer, type IndexerComponents } from '../../indexer/index.js';
import { type DataDir, dataDirLayout, openDataDir, PapersTable, readManifest } from '../../indexer/store/index.js';
import { hashedWordsEmbedder } from '../helpers/hashed-words-embedder.js';
import { INDEX_SAMPLE_MS } from '../helpers/limits.js';
import { SAMPLE_FILE, SAMPLE_YEAR, temporaryDir } from '../helpers/sample-index.js';

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
      const options = {
        paths: [SAMPLE_FILE],
        dataDir: scratch.dir,
        cacheDir: readSettings().cacheDir,
        offline: true,
        embedder: 'word-vectors' as const,
        clusters: 'auto' as const,
        year: SAMPLE_YEAR,
      };
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
      const again = await createIndexer(components).add(
        [
          {
            id: 'extra',
            title: 'Reward noise in code generation',
            abstract: 'Noisy unit-test rewards in RLVR for code models.',
            authors: [],
            categories: [],
            date: null,
            url: null,
            upvotes: 0,
            organization: null,
            authorsCount: null,
            source: { file: 'test', line: 1 },
          },
        ],
        { ...options, source: 'test' },
      );
      expect(again).toMatchObject({ added: 1, total: 63 });
      expect(embedder.calls.fit).toBe(1);
      expect(published).toBe(2);
    },
    INDEX_SAMPLE_MS,
  );
});
