import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchSource, readLatestRun, syncSources } from '../../indexer/sources/index.js';
import { dataDirLayout } from '../../indexer/store/index.js';
import { startServer } from '../../server/index.js';
import { INDEX_SAMPLE_MS } from '../helpers/limits.js';
import { temporaryDir } from '../helpers/sample-index.js';
import { DAILY, fetchContext, fetchTwice, LATE_PAPER } from './fetched-twice.js';
import { type StandIn, startStandIn } from './stand-in.js';

/** "The page marks papers new since the last sync": each run remembers what it added, the API says which. */
describe('papers new since the last sync', () => {
  let scratch: { dir: string; remove: () => Promise<void> };
  let standIn: StandIn;

  beforeAll(async () => {
    scratch = await temporaryDir('paperscope-new-papers-');
    standIn = await startStandIn();
  });
  afterAll(async () => {
    await standIn.close();
    await scratch.remove();
  });

  async function newIds(): Promise<unknown> {
    const server = await startServer({ dataDir: scratch.dir, host: '127.0.0.1', port: 0, offline: true });
    try {
      const status = (await (await fetch(`${server.url}/api/status`)).json()) as { new_papers: { ids: string[] } | null };
      return status.new_papers?.ids;
    } finally {
      await server.close();
    }
  }

  it(
    'marks only the paper the second fetch added; a failed run keeps the marks, a sync that adds nothing clears them',
    async () => {
      const sourcesFile = dataDirLayout(scratch.dir).sources;
      await fetchSource(DAILY, fetchContext(standIn, scratch.dir));
      expect((await readLatestRun(sourcesFile))?.added.sort()).toEqual(['2601.00002', '2601.00009']);

      await fetchTwice(standIn, scratch.dir);
      const latest = await readLatestRun(sourcesFile);
      expect(latest).toEqual({ at: expect.any(String), added: [LATE_PAPER.id] });
      expect(await newIds()).toEqual([LATE_PAPER.id]);

      standIn.failNext('/api/daily_papers', { status: 200, body: '[{"paper": ' });
      await expect(fetchSource(DAILY, fetchContext(standIn, scratch.dir))).rejects.toThrow(/nothing was read/);
      expect(await readLatestRun(sourcesFile)).toEqual(latest);

      await syncSources(fetchContext(standIn, scratch.dir));
      expect((await readLatestRun(sourcesFile))?.added).toEqual([]);
      expect(await newIds()).toEqual([]);
    },
    INDEX_SAMPLE_MS,
  );
});
