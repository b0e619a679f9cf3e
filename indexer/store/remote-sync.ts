import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ObjectStoreSettings } from '../../core/config.js';
import { type DataDirLayout, dataDirLayout } from './files.js';
import { lanceStorageOptions, parseDataDir, workingCopyDir } from './location.js';
import { acquireWriterLock, LOCK_TTL_MS } from './lock.js';
import { type Manifest, readManifest } from './manifest.js';
import { RemoteLock } from './remote-lock.js';
import { pullIndexFiles, pullSourcesFile, RemoteManifest } from './remote-pull.js';
import { RemoteStore } from './remote-store.js';
import { MIN_PART_BYTES, MULTIPART_THRESHOLD_BYTES, publishIndexFiles, publishSourcesFile } from './remote-upload.js';

/**
 * A data dir as the indexer and the server use it: a layout of local files to read and write,
 * plus the steps that keep them in step with object storage. For a local data dir the steps do
 * nothing; for `s3://` the LanceDB table is used in place and the derived index files are copied
 * (remote-pull.ts, remote-upload.ts) under a lock object (remote-lock.ts).
 */
export interface DataDir {
  /** The `--data-dir` value as the user gave it, for messages. */
  readonly name: string;
  readonly layout: DataDirLayout;
  /** Takes the writer lock (and, remotely, the lock object); returns the release function. */
  acquireLock(): Promise<() => Promise<void>>;
  /** Brings the local copy of the index files up to date with the store, skipping unchanged files. */
  pull(): Promise<void>;
  /** Uploads the index files, the manifest last, when the local manifest differs from the stored one. */
  publish(): Promise<void>;
  /** The stored manifest, cheaply (an ETag check, or a local file's stat) when unchanged; undefined without an index. */
  readManifest(): Promise<Manifest | undefined>;
  /**
   * What changes whenever the stored manifest does (a local file's inode, size and times, or the
   * object's ETag), without reading it; undefined without a manifest. Taken before a read, it
   * tells later whether what was read may have been replaced since.
   */
  manifestStamp(): Promise<string | undefined>;
  /** Brings the local sources file (`fetch`'s, `sync`'s) up to date with the store; an ETag check when unchanged. */
  pullSources(): Promise<void>;
  /** Uploads the local sources file. */
  publishSources(): Promise<void>;
}

export interface DataDirOptions {
  cacheDir: string;
  /** The indexer and the server keep separate working copies (see `workingCopyDir`). */
  role: 'index' | 'serve';
  /** Where and how to reach the store (core/config.ts reads it from the AWS_* variables). Default: nothing set, the S3 client's own defaults. */
  objectStore?: ObjectStoreSettings;
  /** A lock object whose heartbeat is older than this is taken over. Default: LOCK_TTL_MS (PAPERSCOPE_LOCK_TTL_MS sets it at the top). */
  lockTtlMs?: number;
  /** Heartbeat failures and a lost lock while indexing. Default: `process.emitWarning`. */
  onWarning?: (message: string) => void;
  /**
   * Index files of at least this size are uploaded in parts of (at least) this size rather than in
   * one PUT; at least 5 MiB, S3's smallest part. Default: MULTIPART_THRESHOLD_BYTES (64 MiB).
   */
  multipartThresholdBytes?: number;
}

/** Object-store settings with nothing set: the S3 client and LanceDB fall back to their own defaults. */
const NO_OBJECT_STORE_SETTINGS: ObjectStoreSettings = {
  endpoint: undefined,
  region: undefined,
  accessKeyId: undefined,
  secretAccessKey: undefined,
  sessionToken: undefined,
  allowHttp: false,
};
/**
 * @example
 * const dataDir = openDataDir('s3://corpus/papers', { cacheDir, role: 'serve', objectStore: settings.objectStore });
 * await dataDir.pull();
 * const manifest = await readManifest(dataDir.layout);
 */
export function openDataDir(value: string, options: DataDirOptions): DataDir {
  const location = parseDataDir(value);
  const lockTtlMs = options.lockTtlMs ?? LOCK_TTL_MS;
  if (location.kind === 'local') return localDataDir(value, dataDirLayout(location.path), lockTtlMs);
  const settings = options.objectStore ?? NO_OBJECT_STORE_SETTINGS;
  const layout = {
    ...dataDirLayout(workingCopyDir(options.cacheDir, location, options.role)),
    database: `${location.uri}/lancedb`,
    storageOptions: lanceStorageOptions(settings),
  };
  const lock = {
    ttlMs: lockTtlMs,
    onWarning: options.onWarning ?? ((message: string) => process.emitWarning(message)),
  };
  const partBytes = Math.max(MIN_PART_BYTES, options.multipartThresholdBytes ?? MULTIPART_THRESHOLD_BYTES);
  return new RemoteDataDir(value, layout, new RemoteStore(location, settings), lock, partBytes);
}

function localDataDir(name: string, layout: DataDirLayout, lockTtlMs: number): DataDir {
  return {
    name,
    layout,
    acquireLock: () => acquireWriterLock(layout, { ttlMs: lockTtlMs }),
    pull: async () => {},
    publish: async () => {},
    readManifest: localManifestReader(layout),
    manifestStamp: () => fileStamp(layout.manifest),
    pullSources: async () => {},
    publishSources: async () => {},
  };
}

/**
 * The local manifest, parsed again only when the file changed (its inode, size, modification or
 * change time), as the remote one is only when its ETag did: `serve` polls it every few seconds in
 * each worker, and reading, checking and validating its ≈ 0.7 MB at 100k papers held the worker's
 * event loop for 15–40 ms of CPU, a stall every request queued behind it waited out.
 */
function localManifestReader(layout: DataDirLayout): () => Promise<Manifest | undefined> {
  let seen: { stamp: string; manifest: Manifest } | undefined;
  return async () => {
    const stamp = await fileStamp(layout.manifest);
    if (stamp === undefined) return undefined;
    if (seen?.stamp === stamp) return seen.manifest;
    // Replaced between the stat and the read, the new manifest is kept under the old stamp: the next call reads it again.
    const manifest = await readManifest(layout);
    seen = manifest && { stamp, manifest };
    return manifest;
  };
}

/** What changes whenever a file is replaced or written; undefined when there is no file. */
async function fileStamp(file: string): Promise<string | undefined> {
  try {
    const { ino, size, mtimeNs, ctimeNs } = await stat(file, { bigint: true });
    return `${ino}:${size}:${mtimeNs}:${ctimeNs}`;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

class RemoteDataDir implements DataDir {
  readonly name: string;
  readonly layout: DataDirLayout;
  readonly #store: RemoteStore;
  readonly #lock: RemoteLock;
  readonly #lockTtlMs: number;
  readonly #manifest: RemoteManifest;
  readonly #partBytes: number;

  constructor(
    name: string,
    layout: DataDirLayout,
    store: RemoteStore,
    lock: { ttlMs: number; onWarning: (message: string) => void },
    partBytes: number,
  ) {
    this.name = name;
    this.layout = layout;
    this.#store = store;
    this.#lock = new RemoteLock(store, path.basename(layout.lock), lock);
    this.#lockTtlMs = lock.ttlMs;
    this.#manifest = new RemoteManifest(store, layout);
    this.#partBytes = partBytes;
  }

  async acquireLock(): Promise<() => Promise<void>> {
    await mkdir(this.layout.root, { recursive: true });
    const releaseLocal = await acquireWriterLock(this.layout, { ttlMs: this.#lockTtlMs });
    try {
      const releaseRemote = await this.#lock.take();
      return async () => {
        try {
          await releaseRemote();
        } finally {
          await releaseLocal();
        }
      };
    } catch (error) {
      await releaseLocal();
      throw error;
    }
  }

  pull(): Promise<void> {
    return pullIndexFiles(this.#store, this.layout);
  }

  publish(): Promise<void> {
    return publishIndexFiles(this.#store, this.layout, this.#lock, this.#partBytes);
  }

  manifestStamp(): Promise<string | undefined> {
    return this.#manifest.stamp();
  }

  readManifest(): Promise<Manifest | undefined> {
    return this.#manifest.read();
  }

  pullSources(): Promise<void> {
    return pullSourcesFile(this.#store, this.layout);
  }

  publishSources(): Promise<void> {
    return publishSourcesFile(this.#store, this.layout);
  }
}
