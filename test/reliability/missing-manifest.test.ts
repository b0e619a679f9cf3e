import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSettings } from '../../core/config.js';
import { PaperscopeError } from '../../core/errors.js';
import { type IndexEvent, runIndex } from '../../indexer/index.js';
import { dataDirLayout, PapersTable, readManifest } from '../../indexer/store/index.js';
import { SearchEngine } from '../../server/engine/index.js';
import { INDEX_SAMPLE_MS } from '../helpers/limits.js';
import { buildSampleIndex, openCollectingEvents, temporaryDir } from '../helpers/sample-index.js';
import { storedIds } from './harness.js';

const ONE_MORE = {
  id: '2506.01234',
  title: 'One more paper on reward noise',
  abstract: 'We add one more paper about noisy rewards in reinforcement learning.',
  date: '2025-06-02',
};

describe('a data dir whose manifest.json is missing', () => {
  let scratch: { dir: string; remove: () => Promise<void> };
  let sampleIds: string[];
  let extraFile: string;

  /** A private copy of the sample index without its manifest. */
  async function copyWithoutManifest(): Promise<string> {
    const dataDir = await buildSampleIndex();
    await rm(dataDirLayout(dataDir).manifest);
    return dataDir;
  }

  function indexExtra(dataDir: string, events: IndexEvent[], reembed = false) {
    return runIndex({
      paths: [extraFile],
      dataDir,
      cacheDir: readSettings().cacheDir,
      offline: true,
      embedder: 'word-vectors',
      clusters: 'auto',
      reembed,
      onEvent: (event) => events.push(event),
    });
  }

  beforeAll(async () => {
    scratch = await temporaryDir('paperscope-manifest-');
    sampleIds = await storedIds(await buildSampleIndex());
    extraFile = path.join(scratch.dir, 'extra.json');
    await writeFile(extraFile, JSON.stringify([ONE_MORE]));
  }, INDEX_SAMPLE_MS);
  afterAll(async () => scratch?.remove());

  it(
    'keeps every earlier paper when one more is indexed: the manifest is rebuilt from the table',
    async () => {
      const dataDir = await copyWithoutManifest();
      const events: IndexEvent[] = [];
      const summary = await indexExtra(dataDir, events);
      expect(summary).toMatchObject({ added: 1, total: 63 });
      expect(events.some((event) => event.type === 'warning' && event.message.includes('rebuilt it from the papers table'))).toBe(true);
      expect(new Set(await storedIds(dataDir))).toEqual(new Set([...sampleIds, ONE_MORE.id]));
      expect((await readManifest(dataDirLayout(dataDir)))?.count).toBe(63);
      // Merged rows keep the vector column's record: losing the manifest again loses nothing either.
      await rm(dataDirLayout(dataDir).manifest);
      expect((await indexExtra(dataDir, [])).total).toBe(63);
    },
    INDEX_SAMPLE_MS,
  );

  it(
    'is served from the table with a warning',
    async () => {
      const dataDir = await copyWithoutManifest();
      const { engine, events } = await openCollectingEvents(dataDir);
      try {
        expect(engine.status().papers).toBe(62);
        expect(events.some((event) => event.type === 'warning' && event.message.includes('manifest.json is missing'))).toBe(true);
      } finally {
        await engine.close();
      }
    },
    INDEX_SAMPLE_MS,
  );

  it(
    'of a table that does not record its embedder (an older version made it): refused clearly, and --reembed keeps every paper',
    async () => {
      const dataDir = await copyWithoutManifest();
      const layout = dataDirLayout(dataDir);
      const raw = await (await lancedb.connect(layout.database)).openTable('papers');
      await raw.updateFieldMetadata([{ path: 'vector', metadata: {}, replace: true }]);
      expect(await (await PapersTable.open(layout))?.recordedEmbedder()).toBeUndefined();

      const refusal = await indexExtra(dataDir, []).catch((error: unknown) => error);
      expect(refusal).toBeInstanceOf(PaperscopeError);
      expect((refusal as PaperscopeError).message).toMatch(/62 papers.*Nothing was changed.*--reembed/s);
      expect(await storedIds(dataDir)).toHaveLength(62);
      const serving = await SearchEngine.open({ dataDir, cacheDir: readSettings().cacheDir, offline: true }).catch(
        (error: unknown) => error,
      );
      expect((serving as PaperscopeError).message).toContain('Restore manifest.json');

      const summary = await indexExtra(dataDir, [], true);
      expect(summary).toMatchObject({ added: 1, total: 63 });
      expect(new Set(await storedIds(dataDir))).toEqual(new Set([...sampleIds, ONE_MORE.id]));
    },
    INDEX_SAMPLE_MS,
  );
});
