import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkIndex } from '../../indexer/check.js';
import { createIndexer, type IndexEvent, type IndexOptions } from '../../indexer/index.js';
import { loadSentenceIndex } from '../../indexer/sentences/index.js';
import { dataDirLayout } from '../../indexer/store/index.js';
import { heldEmbedder } from '../helpers/held-embedder.js';
import { writeAsOlderVersion } from '../helpers/legacy-files.js';
import { INDEX_SAMPLE_MS } from '../helpers/limits.js';
import { buildSampleIndex, offlineIndexOptions, SAMPLE_FILE, SAMPLE_YEAR } from '../helpers/sample-index.js';

/** Every file of the data dir (the table's folder aside) with its modification time. */
async function fileStamps(dataDir: string): Promise<Record<string, string>> {
  const names = (await readdir(dataDir)).filter((name) => name !== 'lancedb' && name !== 'index.lock');
  const stamps = await Promise.all(names.map(async (name) => [name, `${(await stat(path.join(dataDir, name))).mtimeMs}`]));
  return Object.fromEntries(stamps);
}

/** The embedder each run reopened (the index's word vectors), counting what it embeds. */
let opened: Awaited<ReturnType<typeof heldEmbedder>> | undefined;
const indexer = createIndexer({
  embedder: {
    create: () => Promise.reject(new Error('these runs index into an existing index')),
    reopen: async (manifest) => {
      opened = await heldEmbedder(manifest);
      return opened.embedder;
    },
  },
});

describe('index on an unchanged corpus rebuilds the derived files that are stale, missing or damaged', () => {
  const options = (dataDir: string, events: IndexEvent[] = []): IndexOptions => ({
    ...offlineIndexOptions(dataDir, { paths: [SAMPLE_FILE], year: SAMPLE_YEAR }),
    onEvent: (event) => events.push(event),
  });

  it('a healthy index is a no-op: nothing embedded, nothing written', async () => {
    const dataDir = await buildSampleIndex();
    const before = await fileStamps(dataDir);
    const summary = await indexer.run(options(dataDir));
    expect(summary.rebuiltFiles).toEqual([]);
    expect(summary.unchanged).toBe(summary.parsed);
    expect(opened?.counts.documents).toBe(0);
    expect(await fileStamps(dataDir)).toEqual(before);
  });

  it(
    'a sentence index of an earlier format is rebuilt by a plain index run, and nothing else is written',
    async () => {
      const dataDir = await buildSampleIndex();
      const layout = dataDirLayout(dataDir);
      await writeAsOlderVersion(layout.sentences, 'PSSN');
      const found = await checkIndex({ ...options(dataDir), paths: [] });
      expect(found.derived).toEqual([expect.stringMatching(/^sentence index: it is of format version \d+, not \d+/)]);
      const before = await fileStamps(dataDir);

      const events: IndexEvent[] = [];
      const summary = await indexer.run(options(dataDir, events));
      expect(summary.rebuiltFiles).toEqual([{ file: 'sentence index', reason: expect.stringMatching(/format version/) }]);
      expect(events).toContainEqual({ type: 'warning', message: expect.stringMatching(/^Rebuilding the sentence index: it is of format/) });
      expect(opened?.counts.documents).toBeGreaterThan(0);
      expect('index' in (await loadSentenceIndex(layout, summary.embedder))).toBe(true);
      // Only the sentence files were written (the manifest too is left as it was).
      const after = await fileStamps(dataDir);
      const changed = Object.keys(after).filter((name) => after[name] !== before[name]);
      expect(changed.sort()).toEqual(['sentences.bin', 'sentences.bm25']);
      expect((await checkIndex({ ...options(dataDir), paths: [] })).derived).toEqual([]);
      // And once repaired, the next run is a no-op again.
      expect((await indexer.run(options(dataDir))).rebuiltFiles).toEqual([]);
    },
    INDEX_SAMPLE_MS,
  );

  it(
    'a BM25 file of an earlier format and a missing related-papers view are rebuilt, each from the table',
    async () => {
      const dataDir = await buildSampleIndex();
      const layout = dataDirLayout(dataDir);
      await writeAsOlderVersion(layout.lexical, 'PSBM');
      await rm(layout.related);
      const before = await fileStamps(dataDir);
      const summary = await indexer.run(options(dataDir));
      expect(summary.rebuiltFiles.map(({ file }) => file).sort()).toEqual(['BM25 index', 'related-papers view']);
      expect(summary.rebuiltFiles.find(({ file }) => file === 'BM25 index')?.reason).toMatch(/version/);
      expect(opened?.counts.documents).toBe(0);
      const after = await fileStamps(dataDir);
      const changed = Object.keys(after).filter((name) => after[name] !== before[name]);
      expect(changed.sort()).toEqual(['lexical.bin', 'related.bin']);
      expect((await checkIndex({ ...options(dataDir), paths: [] })).derived).toEqual([]);
    },
    INDEX_SAMPLE_MS,
  );
});
