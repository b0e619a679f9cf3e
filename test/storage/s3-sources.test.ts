import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSettings } from '../../core/config.js';
import { readLatestRun, readSources } from '../../indexer/sources/index.js';
import { openDataDir } from '../../indexer/store/index.js';
import { type RunningServer, startServer } from '../../server/index.js';
import { INDEX_SAMPLE_MS } from '../helpers/limits.js';
import { getJson, type LocalS3, seededCacheDir, startLocalS3 } from '../helpers/local-s3.js';
import { temporaryDir } from '../helpers/sample-index.js';
import { DAILY, fetchTwice, LATE_PAPER } from '../sources/fetched-twice.js';
import { type StandIn, startStandIn } from '../sources/stand-in.js';

const BUCKET = 'paperscope';
const URI = `s3://${BUCKET}/fresh`;

/** `fetch` on an s3:// data dir uploads the sources file; another machine's `sync` and a replica's "new" marks read it. */
describe('the sources file on object storage', () => {
  let scratch: { dir: string; remove: () => Promise<void> };
  let s3: LocalS3 | undefined;
  let standIn: StandIn;
  let replica: RunningServer | undefined;

  beforeAll(async () => {
    scratch = await temporaryDir('paperscope-s3-sources-');
    s3 = await startLocalS3(path.join(scratch.dir, 's3'), BUCKET);
    standIn = await startStandIn();
  }, INDEX_SAMPLE_MS);

  afterAll(async () => {
    await replica?.close();
    await standIn?.close();
    await s3?.close();
    await scratch.remove();
  });

  it(
    'uploads the sources and the latest run, which another working copy and a replica read',
    async () => {
      await fetchTwice(standIn, URI);
      const other = openDataDir(URI, { cacheDir: path.join(scratch.dir, 'other'), role: 'index', objectStore: readSettings().objectStore });
      expect(await readSources(other.layout.sources)).toEqual([]);
      await other.pullSources();
      expect((await readSources(other.layout.sources)).map((entry) => entry.spec)).toEqual([DAILY]);
      expect((await readLatestRun(other.layout.sources))?.added).toEqual([LATE_PAPER.id]);

      const cacheDir = await seededCacheDir(path.join(scratch.dir, 'replica'));
      replica = await startServer({ dataDir: URI, port: 0, cacheDir, offline: true });
      expect((await getJson(`${replica.url}/api/status`)).new_papers.ids).toEqual([LATE_PAPER.id]);
    },
    INDEX_SAMPLE_MS,
  );
});
