import { cp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSettings } from '../../core/config.js';
import { checkIndex } from '../../indexer/check.js';
import { createIndexer, type IndexEvent, type IndexOptions } from '../../indexer/index.js';
import { loadSentenceIndex } from '../../indexer/sentences/index.js';
import { dataDirLayout, openSealedFile, sealFile } from '../../indexer/store/index.js';
import { hashedWordsEmbedder } from '../helpers/hashed-words-embedder.js';
import { INDEX_SAMPLE_MS } from '../helpers/limits.js';
import { SAMPLE_FILE, SAMPLE_YEAR, temporaryDir } from '../helpers/sample-index.js';

/** Rewrites a sealed derived file as an earlier format version wrote it: the same body, an older `version`. */
export async function writeAsOlderVersion(file: string, magic: string): Promise<void> {
  const sealed = openSealedFile(await readFile(file), magic, file);
  if ('problem' in sealed) throw new Error(sealed.problem);
  const header = sealed.header as { version: number };
  await writeFile(file, Buffer.concat(sealFile(magic, { ...header, version: header.version - 1 }, [sealed.body])));
}

/** Every file of the data dir (the table's folder aside) with its size and modification time. */
async function fileStamps(dataDir: string): Promise<Record<string, string>> {
  const names = (await readdir(dataDir)).filter((name) => name !== 'lancedb' && name !== 'index.lock');
  const stamps = await Promise.all(names.map(async (name) => [name, `${(await stat(path.join(dataDir, name))).mtimeMs}`]));
  return Object.fromEntries(stamps);
}

const embedder = hashedWordsEmbedder();
const indexer = createIndexer({ embedder: { create: async () => embedder, reopen: async () => embedder } });

describe('index on an unchanged corpus rebuilds the derived files that are stale, missing or damaged', () => {
  let scratch: { dir: string; remove: () => Promise<void> };
  let pristine: string;
  const options = (dataDir: string, events: IndexEvent[] = []): IndexOptions => ({
    paths: [SAMPLE_FILE],
    dataDir,
    cacheDir: readSettings().cacheDir,
    offline: true,
    embedder: 'word-vectors',
    clusters: 'auto',
    year: SAMPLE_YEAR,
    onEvent: (event) => events.push(event),
  });
  const copy = async (name: string) => {
    const dataDir = path.join(scratch.dir, name);
    await cp(pristine, dataDir, { recursive: true });
    return dataDir;
  };

  beforeAll(async () => {
    scratch = await temporaryDir('paperscope-stale-');
    pristine = path.join(scratch.dir, 'pristine');
    await indexer.run(options(pristine));
  }, INDEX_SAMPLE_MS);
  afterAll(() => scratch.remove());

  it('a healthy index is a no-op: nothing embedded, nothing written', async () => {
    const dataDir = await copy('healthy');
    const before = await fileStamps(dataDir);
    const calls = { ...embedder.calls };
    const summary = await indexer.run(options(dataDir));
    expect(summary.rebuiltFiles).toEqual([]);
    expect(summary.unchanged).toBe(summary.parsed);
    expect(embedder.calls.documents).toBe(calls.documents);
    expect(await fileStamps(dataDir)).toEqual(before);
  });

  it(
    'a sentence index of an earlier format is rebuilt by a plain index run, and nothing else is written',
    async () => {
      const dataDir = await copy('old-sentences');
      const layout = dataDirLayout(dataDir);
      await writeAsOlderVersion(layout.sentences, 'PSSN');
      const found = await checkIndex({ ...options(dataDir), paths: [] });
      expect(found.derived).toEqual([expect.stringMatching(/^sentence index: it is of format version \d+, not \d+/)]);
      const before = await fileStamps(dataDir);

      const events: IndexEvent[] = [];
      const summary = await indexer.run(options(dataDir, events));
      expect(summary.rebuiltFiles).toEqual([{ file: 'sentence index', reason: expect.stringMatching(/format version/) }]);
      expect(events).toContainEqual({ type: 'warning', message: expect.stringMatching(/^Rebuilding the sentence index: it is of format/) });
      expect('index' in (await loadSentenceIndex(layout, embedder.info))).toBe(true);
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
      const dataDir = await copy('old-lexical');
      const layout = dataDirLayout(dataDir);
      await writeAsOlderVersion(layout.lexical, 'PSBM');
      const { rm } = await import('node:fs/promises');
      await rm(layout.related);
      const before = await fileStamps(dataDir);
      const calls = { ...embedder.calls };
      const summary = await indexer.run(options(dataDir));
      expect(summary.rebuiltFiles.map(({ file }) => file).sort()).toEqual(['BM25 index', 'related-papers view']);
      expect(summary.rebuiltFiles.find(({ file }) => file === 'BM25 index')?.reason).toMatch(/version/);
      expect(embedder.calls.documents).toBe(calls.documents);
      const after = await fileStamps(dataDir);
      const changed = Object.keys(after).filter((name) => after[name] !== before[name]);
      expect(changed.sort()).toEqual(['lexical.bin', 'related.bin']);
      expect((await checkIndex({ ...options(dataDir), paths: [] })).derived).toEqual([]);
    },
    INDEX_SAMPLE_MS,
  );
});
