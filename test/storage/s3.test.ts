import { stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSettings } from '../../core/config.js';
import { runIndex } from '../../indexer/index.js';
import { openDataDir } from '../../indexer/store/index.js';
import { type RunningServer, startServer } from '../../server/index.js';
import { INDEX_SAMPLE_MS } from '../helpers/limits.js';
import { getJson, type LocalS3, seededCacheDir, startLocalS3 } from '../helpers/local-s3.js';
import { indexSample, SAMPLE_YEAR, temporaryDir } from '../helpers/sample-index.js';

const BUCKET = 'paperscope';
const URI = `s3://${BUCKET}/corpus/v1`;
const NEW_PAPER = {
  title: 'Quokka gradients: marsupial-inspired optimisation for sparse transformers',
  abstract:
    'We introduce quokka gradients, an optimiser that keeps sparse transformer training stable. Quokka gradients halve the loss spikes of Adam.',
};

/**
 * A real S3 server (s3rver, on 127.0.0.1) holds the LanceDB table and the index files; an indexer
 * writes to it and two servers with separate cache dirs — stateless replicas — serve from it.
 */
describe('a data dir on S3-compatible object storage', () => {
  let scratch: { dir: string; remove: () => Promise<void> };
  let s3: LocalS3 | undefined;
  const replicas: RunningServer[] = [];

  beforeAll(async () => {
    scratch = await temporaryDir('paperscope-s3-');
    s3 = await startLocalS3(path.join(scratch.dir, 's3'), BUCKET);
  }, INDEX_SAMPLE_MS);

  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.close()));
    await s3?.close();
    await scratch.remove();
  });

  /** A replica with its own cache dir (so its own working copy), seeded with the word vectors only. */
  async function startReplica(name: string): Promise<RunningServer> {
    const cacheDir = await seededCacheDir(path.join(scratch.dir, name));
    const replica = await startServer({ dataDir: URI, port: 0, cacheDir, offline: true, reloadIntervalMs: 200 });
    replicas.push(replica);
    return replica;
  }

  it(
    'indexes the sample into s3:// and publishes the manifest',
    async () => {
      const summary = await indexSample(URI);
      expect(summary).toMatchObject({ added: 62, total: 62 });
      const manifest = await openDataDir(URI, {
        cacheDir: readSettings().cacheDir,
        role: 'serve',
        objectStore: readSettings().objectStore,
      }).readManifest();
      expect(manifest).toMatchObject({ count: 62, embedder: { kind: 'word-vectors' } });
    },
    INDEX_SAMPLE_MS,
  );

  it(
    'downloads the index files once, then skips them while unchanged',
    async () => {
      const copy = openDataDir(URI, {
        cacheDir: path.join(scratch.dir, 'pull-check'),
        role: 'serve',
        objectStore: readSettings().objectStore,
      });
      await copy.pull();
      const first = await stat(copy.layout.annIndex);
      expect(first.size).toBeGreaterThan(0);
      await copy.pull();
      expect((await stat(copy.layout.annIndex)).mtimeMs).toBe(first.mtimeMs);
      await writeFile(copy.layout.annIndex, 'changed locally');
      await copy.pull();
      expect((await stat(copy.layout.annIndex)).size).toBe(first.size);
    },
    INDEX_SAMPLE_MS,
  );

  it(
    'serves the same results from two replicas',
    async () => {
      const [first, second] = await Promise.all([startReplica('replica-a'), startReplica('replica-b')]);
      if (!first || !second) throw new Error('replicas did not start');
      const query = '/api/search?q=noisy%20reward%20models&k=5';
      const [a, b] = await Promise.all([getJson(first.url + query), getJson(second.url + query)]);
      expect(a.results.length).toBe(5);
      expect(a.results.map((result: { id: string }) => result.id)).toEqual(b.results.map((result: { id: string }) => result.id));
      expect((await getJson(`${first.url}/api/status`)).papers).toBe(62);
    },
    INDEX_SAMPLE_MS,
  );

  it(
    'refuses a second indexer while the lock object exists',
    async () => {
      const release = await openDataDir(URI, {
        cacheDir: path.join(scratch.dir, 'other-indexer'),
        role: 'index',
        objectStore: readSettings().objectStore,
      }).acquireLock();
      try {
        await expect(indexSample(URI)).rejects.toMatchObject({
          code: 'INDEX_LOCKED',
          message: expect.stringContaining(`${URI}/index.lock`),
        });
      } finally {
        await release();
      }
    },
    INDEX_SAMPLE_MS,
  );

  it(
    'running replicas pick up papers added by another index run, without a restart',
    async () => {
      const input = path.join(scratch.dir, 'new.jsonl');
      await writeFile(input, `${JSON.stringify(NEW_PAPER)}\n`);
      const summary = await runIndex({
        paths: [input],
        dataDir: URI,
        cacheDir: readSettings().cacheDir,
        objectStore: readSettings().objectStore,
        offline: true,
        embedder: 'word-vectors',
        clusters: 'auto',
        year: SAMPLE_YEAR,
      });
      expect(summary).toMatchObject({ added: 1, total: 63 });
      for (const replica of replicas) {
        const deadline = Date.now() + 20_000;
        while ((await getJson(`${replica.url}/api/status`)).papers !== 63 && Date.now() < deadline) await sleep(100);
        expect((await getJson(`${replica.url}/api/status`)).papers).toBe(63);
        const { results } = await getJson(`${replica.url}/api/search?q=quokka%20gradients&k=1`);
        expect(results[0]?.title).toBe(NEW_PAPER.title);
      }
    },
    INDEX_SAMPLE_MS,
  );
});
