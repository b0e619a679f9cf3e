import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readSettings } from '../../core/config.js';
import { openDataDir } from '../../indexer/store/index.js';
import { INDEX_SAMPLE_MS } from '../helpers/limits.js';
import { type LocalS3, startLocalS3 } from '../helpers/local-s3.js';
import { indexSample, temporaryDir } from '../helpers/sample-index.js';

const BUCKET = 'paperscope';
const URI = `s3://${BUCKET}/corpus/locked`;
const KEY = 'corpus/locked/index.lock';
/** A tiny TTL, so that heartbeats (every TTL/3) are seen within a second. */
const TTL_MS = 600;
/**
 * For the test that a held lock never goes stale: a loaded CI machine can stall the holder's
 * heartbeat past 600 ms, and s3rver can fail a read that races a rewrite of the object.
 */
const HEARTBEAT_TTL_MS = 2_000;

interface LockBody {
  host?: string;
  pid?: number;
  startedAt?: string;
  heartbeatAt?: string;
  nonce?: string;
}

/** The lock object of an `s3://` data dir on a real S3 server (s3rver): takeover, refusal, heartbeat, release. */
describe('the lock object of an s3:// data dir', () => {
  let scratch: { dir: string; remove: () => Promise<void> };
  let s3: LocalS3 | undefined;
  let client: S3Client;

  beforeAll(async () => {
    scratch = await temporaryDir('paperscope-s3-lock-');
    s3 = await startLocalS3(path.join(scratch.dir, 's3'), BUCKET);
    client = new S3Client({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
  });

  afterEach(async () => {
    await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: KEY }));
  });

  afterAll(async () => {
    client?.destroy();
    await s3?.close();
    await scratch.remove();
  });

  /** Each indexer gets its own cache dir, so its own local writer lock: only the lock object is shared. */
  function indexer(name: string, onWarning?: (message: string) => void, lockTtlMs = TTL_MS) {
    return openDataDir(URI, {
      cacheDir: path.join(scratch.dir, name),
      role: 'index',
      objectStore: readSettings().objectStore,
      lockTtlMs,
      onWarning: onWarning ?? (() => {}),
    });
  }

  async function plant(body: LockBody): Promise<void> {
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: KEY, Body: JSON.stringify(body) }));
  }

  async function stored(): Promise<LockBody | undefined> {
    try {
      const response = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: KEY }));
      return JSON.parse((await response.Body?.transformToString('utf8')) ?? '') as LockBody;
    } catch (error) {
      if ((error as { name?: string }).name === 'NoSuchKey') return undefined;
      throw error;
    }
  }

  const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

  it(
    'takes over a lock left by a killed indexer (old format, no heartbeat) and the index run succeeds',
    async () => {
      await plant({ host: 'gone-host', pid: 4242, startedAt: ago(3_600_000), nonce: 'dead' });
      // The default TTL (PAPERSCOPE_LOCK_TTL_MS, 2 minutes) applies: the lock is an hour old.
      const summary = await indexSample(URI);
      expect(summary).toMatchObject({ added: 62, total: 62 });
      expect(await stored()).toBeUndefined();
    },
    INDEX_SAMPLE_MS,
  );

  it('takes over a lock whose heartbeat is older than the TTL', async () => {
    await plant({ host: 'gone-host', pid: 4242, startedAt: ago(60_000), heartbeatAt: ago(TTL_MS * 2), nonce: 'dead' });
    const warnings: string[] = [];
    const release = await indexer('taker', (message) => warnings.push(message)).acquireLock();
    try {
      const lock = await stored();
      expect(lock?.nonce).not.toBe('dead');
      expect(lock?.pid).toBe(process.pid);
      expect(warnings).toEqual([expect.stringContaining(`Took over the stale writer lock ${URI}/index.lock (host gone-host, pid 4242`)]);
    } finally {
      await release();
    }
    expect(await stored()).toBeUndefined();
  });

  it('refuses a lock with a fresh heartbeat, naming the object, the holder and the heartbeat age', async () => {
    await plant({ host: 'busy-host', pid: 77, startedAt: ago(60_000), heartbeatAt: ago(100), nonce: 'alive' });
    const refusal = indexer('refused').acquireLock();
    await expect(refusal).rejects.toMatchObject({
      code: 'INDEX_LOCKED',
      details: { lock: `${URI}/index.lock`, holder: { host: 'busy-host', pid: 77 } },
    });
    await expect(refusal).rejects.toThrow(
      new RegExp(`${URI}/index\\.lock \\(host busy-host, pid 77, started .+\\); its heartbeat is 0\\.\\d s old`),
    );
    expect((await stored())?.nonce).toBe('alive');
  });

  it('refreshes the heartbeat while held, so the lock is never stale, and removes it on release', async () => {
    const release = await indexer('holder', undefined, HEARTBEAT_TTL_MS).acquireLock();
    try {
      const first = await stored();
      await sleep(HEARTBEAT_TTL_MS * 1.5);
      const later = await stored();
      expect(later?.nonce).toBe(first?.nonce);
      expect(later?.startedAt).toBe(first?.startedAt);
      expect(Date.parse(later?.heartbeatAt ?? '')).toBeGreaterThan(Date.parse(first?.heartbeatAt ?? ''));
      // Older than the TTL since it was taken, yet fresh: a rival is refused.
      await expect(indexer('rival', undefined, HEARTBEAT_TTL_MS).acquireLock()).rejects.toMatchObject({
        code: 'INDEX_LOCKED',
        message: expect.stringContaining(`${URI}/index.lock`),
      });
    } finally {
      await release();
    }
    expect(await stored()).toBeUndefined();
    const next = await indexer('rival').acquireLock();
    await next();
  });

  it('after a takeover, stops refreshing, refuses to publish and leaves the new lock on release', async () => {
    const warnings: string[] = [];
    const dataDir = indexer('stalled', (message) => warnings.push(message));
    const release = await dataDir.acquireLock();
    // Another indexer took the lock for stale (as it would after this one stalled past the TTL).
    const taken = { host: 'new-host', pid: 99, startedAt: ago(0), heartbeatAt: ago(0), nonce: 'new' };
    try {
      await plant(taken);
      const deadline = Date.now() + 5_000;
      while (warnings.length === 0 && Date.now() < deadline) await sleep(20);
      expect(warnings).toEqual([expect.stringContaining(`Lost the writer lock ${URI}/index.lock: taken over by host new-host, pid 99`)]);
      await writeFile(dataDir.layout.manifest, '{"count": 0}');
      await expect(dataDir.publish()).rejects.toMatchObject({
        code: 'INDEX_LOCKED',
        message: expect.stringContaining('lost the writer lock'),
      });
      await sleep(TTL_MS / 2);
      expect(await stored()).toEqual(taken);
    } finally {
      await release();
    }
    expect(await stored()).toEqual(taken);
  });
});
