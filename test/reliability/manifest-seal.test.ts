import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSettings } from '../../core/config.js';
import { checkIndex } from '../../indexer/check.js';
import { type IndexEvent, runIndex } from '../../indexer/index.js';
import { dataDirLayout } from '../../indexer/store/index.js';
import { SearchEngine } from '../../server/engine/index.js';
import { INDEX_SAMPLE_MS } from '../helpers/limits.js';
import { buildSampleIndex, offlineIndexOptions, temporaryDir } from '../helpers/sample-index.js';

describe('the sealed manifest', () => {
  let scratch: { dir: string; remove: () => Promise<void> };

  async function copy(): Promise<{ dataDir: string; manifestFile: string; sealed: { sha256: string; payload: Record<string, unknown> } }> {
    const dataDir = await buildSampleIndex();
    const manifestFile = dataDirLayout(dataDir).manifest;
    return { dataDir, manifestFile, sealed: JSON.parse(await readFile(manifestFile, 'utf8')) };
  }

  async function open(dataDir: string, events: IndexEvent[]): Promise<SearchEngine> {
    return SearchEngine.open({ dataDir, cacheDir: readSettings().cacheDir, offline: true, onEvent: (event) => events.push(event) });
  }

  beforeAll(async () => {
    scratch = await temporaryDir('paperscope-seal-');
  });
  afterAll(async () => scratch?.remove());

  it(
    'with an edited count is caught: served from the table with a warning, and rewritten by the next index',
    async () => {
      const { dataDir, manifestFile, sealed } = await copy();
      expect(sealed.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(sealed.payload).toMatchObject({ count: 62 });
      await writeFile(manifestFile, (await readFile(manifestFile, 'utf8')).replace('"count":62', '"count":99'));

      const events: IndexEvent[] = [];
      const engine = await open(dataDir, events);
      try {
        expect(engine.status().papers).toBe(62);
        expect(events).toContainEqual({
          type: 'warning',
          message: expect.stringMatching(/manifest\.json is damaged \(.*does not match its checksum/),
        });
      } finally {
        await engine.close();
      }
      expect((await checkIndex(offlineIndexOptions(dataDir))).derived.join('\n')).toContain('is damaged');

      const extra = path.join(scratch.dir, 'extra.json');
      await writeFile(extra, JSON.stringify([{ title: 'One more after the damage', abstract: 'Indexed after the manifest was edited.' }]));
      const summary = await runIndex({
        paths: [extra],
        dataDir,
        cacheDir: readSettings().cacheDir,
        offline: true,
        embedder: 'word-vectors',
        clusters: 'auto',
      });
      expect(summary).toMatchObject({ added: 1, total: 63 });
      expect(JSON.parse(await readFile(manifestFile, 'utf8'))).toMatchObject({ payload: { count: 63 } });
    },
    INDEX_SAMPLE_MS,
  );

  it(
    'of an earlier version (plain JSON, no checksum) is still read as it is',
    async () => {
      const { dataDir, manifestFile, sealed } = await copy();
      await writeFile(manifestFile, JSON.stringify(sealed.payload));
      const events: IndexEvent[] = [];
      const engine = await open(dataDir, events);
      try {
        expect(engine.status().papers).toBe(62);
        expect(events.filter((event) => event.type === 'warning')).toEqual([]);
      } finally {
        await engine.close();
      }
    },
    INDEX_SAMPLE_MS,
  );
});
