import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { DataDirLayout } from './files.js';
import type { RemoteLock } from './remote-lock.js';
import { INDEX_FILES } from './remote-pull.js';
import type { RemoteStore } from './remote-store.js';

/** One PUT takes at most 5 GB; above this size a file goes in parts, which S3 requires be ≥ 5 MiB. */
export const MULTIPART_THRESHOLD_BYTES = 64 * 1024 * 1024;
export const MIN_PART_BYTES = 5 * 1024 * 1024;
/** S3 allows 10,000 parts; parts are sized for fewer, with margin. */
const MAX_PARTS = 9_000;
/** Parts uploaded at once: each is buffered, so this many times the part size is held in memory. */
const PART_QUEUE = 4;

/**
 * Uploads the index files, the manifest last, when the local manifest differs from the stored one;
 * refused when `lock` was lost to another indexer. `partBytes` is the multipart threshold and the
 * smallest part size.
 */
export async function publishIndexFiles(store: RemoteStore, layout: DataDirLayout, lock: RemoteLock, partBytes: number): Promise<void> {
  const manifestKey = store.key(path.basename(layout.manifest));
  const local = await readFile(layout.manifest, 'utf8').catch(() => undefined);
  if (local === undefined || local === (await store.getText(manifestKey))) return;
  await lock.checkStillHeld();
  for (const field of INDEX_FILES) {
    const file = layout[field];
    const key = store.key(path.basename(file));
    const size = (await stat(file).catch(() => undefined))?.size;
    try {
      if (size === undefined) await store.delete(key);
      else await uploadFile(store, key, file, size, partBytes);
    } catch (error) {
      throw store.failed('upload', key, error);
    }
  }
  await store
    .send(({ sdk, client }) => client.send(new sdk.PutObjectCommand({ Bucket: store.location.bucket, Key: manifestKey, Body: local })))
    .catch((error: unknown) => {
      throw store.failed('upload', manifestKey, error);
    });
}

/**
 * Uploads the sources file, when there is one: `fetch` and `sync` write it beside the index, outside
 * an index run. It is small, so it goes in one PUT from memory, as the manifest does.
 */
export async function publishSourcesFile(store: RemoteStore, layout: DataDirLayout): Promise<void> {
  const key = store.key(path.basename(layout.sources));
  const body = await readFile(layout.sources).catch(() => undefined);
  if (body === undefined) return;
  await store
    .send(({ sdk, client }) => client.send(new sdk.PutObjectCommand({ Bucket: store.location.bucket, Key: key, Body: body })))
    .catch((error: unknown) => {
      throw store.failed('upload', key, error);
    });
}

/**
 * One PUT below the threshold; above it a multipart upload, which a failure aborts (so no parts
 * are left behind to be billed). The part size grows with the file to stay under S3's part limit.
 */
async function uploadFile(store: RemoteStore, key: string, file: string, size: number, partBytes: number): Promise<void> {
  const params = { Bucket: store.location.bucket, Key: key, Body: createReadStream(file), ContentLength: size };
  if (size < partBytes) {
    await store.send(({ sdk, client }) => client.send(new sdk.PutObjectCommand(params)));
    return;
  }
  const [{ client }, { Upload }] = await Promise.all([store.s3, import('@aws-sdk/lib-storage')]);
  const partSize = Math.max(partBytes, Math.ceil(size / MAX_PARTS));
  await new Upload({ client, params, partSize, queueSize: PART_QUEUE, leavePartsOnError: false }).done();
}
