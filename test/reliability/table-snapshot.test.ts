import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataDirLayout, PapersTable } from '../../indexer/store/index.js';
import { INDEX_SAMPLE_MS } from '../helpers/limits.js';
import { buildSampleIndex, openCollectingEvents, temporaryDir } from '../helpers/sample-index.js';
import { storedPaper } from '../helpers/stored-paper.js';

describe('a server opening while an indexer writes', () => {
  let scratch: { dir: string; remove: () => Promise<void> };
  let dataDir: string;

  beforeAll(async () => {
    scratch = await temporaryDir('paperscope-snapshot-');
    dataDir = path.join(scratch.dir, 'data');
    await buildSampleIndex(dataDir);
  }, INDEX_SAMPLE_MS);
  afterAll(async () => scratch.remove());

  it('reads the table at the version its manifest describes: no rebuild, none of the unpublished rows', async () => {
    const table = await PapersTable.open(dataDirLayout(dataDir));
    if (!table) throw new Error('no papers table');
    const dimension = await table.dimension();
    // Rows an indexer has committed but not yet published a manifest for.
    await table.upsert([storedPaper(1, { title: 'Unpublished paper on reward noise', vector: new Float32Array(dimension).fill(0.1) })]);
    const { engine, events } = await openCollectingEvents(dataDir);
    try {
      expect(events.filter((event) => event.type === 'warning')).toEqual([]);
      expect(engine.status().papers).toBe(62);
      const { results } = await engine.search({ q: 'unpublished paper', k: 10, offset: 0, mode: 'hybrid', sort: 'relevance' });
      expect(results.map((hit) => hit.id)).not.toContain(storedPaper(1).id);
    } finally {
      await engine.close();
    }
  });
});
