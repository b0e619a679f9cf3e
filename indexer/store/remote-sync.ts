import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { type ObjectStoreSettings, readSettings } from '../../core/config.js';
import { PaperscopeError } from '../../core/errors.js';
import { type DataDirLayout, dataDirLayout, readJsonIfPresent, replaceFileAtomically, writeJsonAtomically } from './files.js';
import { lanceStorageOptions, objectKey, parseDataDir, workingCopyDir, type DataDirLocation } from './location.js';
import { acquireWriterLock } from './lock.js';
import { type Manifest, manifestSchema, readManifest } from './manifest.js';

type S3Location = Extract<DataDirLocation, { kind: 's3' }>;

/**
 * A data dir as the indexer and the server use it: a layout of local files to read and write,
 * plus the steps that keep them in step with object storage. For a local data dir the steps do
 * nothing; for `s3://` the LanceDB table is used in place and the derived index files are copied.
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
  /** The stored manifest, cheaply (an ETag check) when unchanged; undefined without an index. */
  readManifest(): Promise<Manifest | undefined>;
}

export interface DataDirOptions {
  cacheDir: string;
  /** The indexer and the server keep separate working copies (see `workingCopyDir`). */
  role: 'index' | 'serve';
  /** Default: the AWS_* environment variables (core/config.ts). */
  objectStore?: ObjectStoreSettings;
  /** A lock object whose heartbeat is older than this is taken over. Default: PAPERSCOPE_LOCK_TTL_MS. */
  lockTtlMs?: number;
  /** Heartbeat failures and a lost lock while indexing. Default: `process.emitWarning`. */
  onWarning?: (message: string) => void;
  /**
   * Index files of at least this size are uploaded in parts of (at least) this size rather than in
   * one PUT; at least 5 MiB, S3's smallest part. Default: MULTIPART_THRESHOLD_BYTES (64 MiB).
   */
  multipartThresholdBytes?: number;
}

/**
 * @example
 * const dataDir = openDataDir('s3://corpus/papers', { cacheDir, role: 'serve' });
 * await dataDir.pull();
 * const manifest = await readManifest(dataDir.layout);
 */
export function openDataDir(value: string, options: DataDirOptions): DataDir {
  const location = parseDataDir(value);
  if (location.kind === 'local') return localDataDir(value, dataDirLayout(location.path));
  const defaults = readSettings();
  const settings = options.objectStore ?? defaults.objectStore;
  const layout = { ...dataDirLayout(workingCopyDir(options.cacheDir, location, options.role)), database: `${location.uri}/lancedb`, storageOptions: lanceStorageOptions(settings) };
  const lock = { ttlMs: options.lockTtlMs ?? defaults.lockTtlMs, onWarning: options.onWarning ?? ((message: string) => process.emitWarning(message)) };
  const partBytes = Math.max(MIN_PART_BYTES, options.multipartThresholdBytes ?? MULTIPART_THRESHOLD_BYTES);
  return new RemoteDataDir(value, layout, location, s3For(settings), lock, partBytes);
}

function localDataDir(name: string, layout: DataDirLayout): DataDir {
  return {
    name,
    layout,
    acquireLock: () => acquireWriterLock(layout),
    pull: async () => {},
    publish: async () => {},
    readManifest: () => readManifest(layout),
  };
}

/** The derived index files, copied in this order; the manifest is not among them: it goes last. */
const INDEX_FILES = ['annIndex', 'annMeta', 'lexical', 'topics', 'records', 'sentences', 'sentenceVectors', 'sentenceLexical'] as const satisfies readonly (keyof DataDirLayout)[];
/** Passes of `pull` when a writer publishes during one. */
const PULL_ATTEMPTS = 3;
/** What was last downloaded, so unchanged files are skipped. */
const SYNC_STATE_FILE = '.sync-state.json';
/** Rounds of "create the lock object, else take over a stale one" before giving up. */
const LOCK_ATTEMPTS = 3;
/** One PUT takes at most 5 GB; above this size a file goes in parts, which S3 requires be ≥ 5 MiB. */
const MULTIPART_THRESHOLD_BYTES = 64 * 1024 * 1024;
const MIN_PART_BYTES = 5 * 1024 * 1024;
/** S3 allows 10,000 parts; parts are sized for fewer, with margin. */
const MAX_PARTS = 9_000;
/** Parts uploaded at once: each is buffered, so this many times the part size is held in memory. */
const PART_QUEUE = 4;

interface SyncedFile {
  etag: string;
  size: number;
  mtimeMs: number;
}

class RemoteDataDir implements DataDir {
  readonly name: string;
  readonly layout: DataDirLayout;
  readonly #location: S3Location;
  readonly #s3: Promise<S3>;
  readonly #lockOptions: LockOptions;
  /** The multipart threshold, and the smallest part size. */
  readonly #partBytes: number;
  #manifestSeen: { etag: string; manifest: Manifest } | undefined;
  /** The lock object this data dir holds, while it holds it. */
  #held: { key: string; nonce: string } | undefined;

  constructor(name: string, layout: DataDirLayout, location: S3Location, s3: Promise<S3>, lockOptions: LockOptions, partBytes: number) {
    this.name = name;
    this.layout = layout;
    this.#location = location;
    this.#s3 = s3;
    this.#lockOptions = lockOptions;
    this.#partBytes = partBytes;
  }

  async #send<T>(request: (s3: S3) => Promise<T>): Promise<T> {
    return request(await this.#s3);
  }

  async acquireLock(): Promise<() => Promise<void>> {
    await mkdir(this.layout.root, { recursive: true });
    const releaseLocal = await acquireWriterLock(this.layout);
    try {
      const releaseRemote = await this.#takeLockObject();
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

  /**
   * The lock object, created with If-None-Match: * when absent. One present is refused while its
   * heartbeat is fresh; a stale one (its indexer was killed) is overwritten with If-Match: <its
   * ETag>, so that of indexers racing to take it over only one write succeeds. Both conditions make
   * the lock exclusive only on a store that honours them (AWS S3, MinIO, R2; s3rver ignores them):
   * reading the object back after the write narrows, but does not close, the race elsewhere.
   */
  async #takeLockObject(): Promise<() => Promise<void>> {
    const key = this.#key(path.basename(this.layout.lock));
    const lock = { host: os.hostname(), pid: process.pid, startedAt: new Date().toISOString(), nonce: randomBytes(8).toString('hex') };
    for (let attempt = 0; attempt < LOCK_ATTEMPTS; attempt++) {
      const stored = await this.#get(key);
      const body = JSON.stringify({ ...lock, heartbeatAt: new Date().toISOString() });
      if (stored) {
        const age = heartbeatAge(stored, Date.now());
        if (age < this.#lockOptions.ttlMs) throw this.#locked(key, stored.text, age);
      }
      try {
        await this.#send(({ sdk, client }) =>
          client.send(new sdk.PutObjectCommand({ Bucket: this.#location.bucket, Key: key, Body: body, ...(stored ? { IfMatch: stored.etag } : { IfNoneMatch: '*' }) })),
        );
      } catch (error) {
        // Another indexer created, refreshed or took over the lock since it was read (412, or 409 for
        // a concurrent conditional write), or deleted it (404 to If-Match): look again.
        const status = statusOf(error);
        if (status === 412 || status === 409 || (stored && status === 404)) continue;
        throw this.#failed(stored ? 'take over the stale writer lock' : 'create the writer lock', key, error);
      }
      if ((await this.#getText(key)) === body) {
        if (stored) this.#lockOptions.onWarning(`Took over the stale writer lock ${this.#uri(key)} (${describeHolder(stored.text)}).`);
        return this.#holdLock(key, lock.nonce, (heartbeatAt) => JSON.stringify({ ...lock, heartbeatAt }));
      }
    }
    throw new PaperscopeError('INDEX_LOCKED', `Could not take the writer lock ${this.#uri(key)}: other indexers kept changing it.`, { lock: this.#uri(key) });
  }

  /**
   * Refreshes the held lock's heartbeat every third of the TTL until released. A refresh first
   * checks the lock is still ours and writes with If-Match, so it never overwrites another
   * indexer's takeover. A failed refresh warns once and is retried on the next tick; losing the
   * lock warns and stops the refreshes, and `publish` then refuses to run.
   */
  #holdLock(key: string, nonce: string, render: (heartbeatAt: string) => string): () => Promise<void> {
    const { ttlMs, onWarning } = this.#lockOptions;
    const uri = this.#uri(key);
    this.#held = { key, nonce };
    let failing = false;
    let refreshing: Promise<void> | undefined;
    const refresh = async () => {
      try {
        const stored = await this.#get(key);
        if (!stored || lockContent(stored.text).nonce !== nonce) {
          clearInterval(timer);
          onWarning(`Lost the writer lock ${uri}: ${stored ? `taken over by ${describeHolder(stored.text)}` : 'the object was deleted'}; this run will not publish.`);
          return;
        }
        await this.#send(({ sdk, client }) =>
          client.send(new sdk.PutObjectCommand({ Bucket: this.#location.bucket, Key: key, Body: render(new Date().toISOString()), IfMatch: stored.etag })),
        );
        failing = false;
      } catch (error) {
        if (!failing) onWarning(`Could not refresh the writer lock ${uri} (retrying every ${formatSeconds(ttlMs / 3)}): ${describeError(error)}`);
        failing = true;
      }
    };
    // One refresh at a time; unref'd so that the timer alone does not keep the process running.
    const timer = setInterval(() => {
      refreshing ??= refresh().finally(() => {
        refreshing = undefined;
      });
    }, Math.max(1, Math.floor(ttlMs / 3)));
    timer.unref();
    return async () => {
      clearInterval(timer);
      await refreshing;
      this.#held = undefined;
      // Deleted only while it is still ours: another indexer may have taken it over as stale.
      const stored = await this.#get(key);
      if (stored && lockContent(stored.text).nonce === nonce) await this.#send(({ sdk, client }) => client.send(new sdk.DeleteObjectCommand({ Bucket: this.#location.bucket, Key: key })));
    };
  }

  #locked(key: string, content: string, ageMs: number): PaperscopeError {
    const uri = this.#uri(key);
    const ttl = formatSeconds(this.#lockOptions.ttlMs);
    return new PaperscopeError(
      'INDEX_LOCKED',
      `Another indexer holds ${uri} (${describeHolder(content)}); its heartbeat is ${formatSeconds(ageMs)} old. Wait for it to finish: the lock is taken over once its heartbeat is older than ${ttl} (PAPERSCOPE_LOCK_TTL_MS).`,
      { lock: uri, holder: lockContent(content), heartbeatAgeMs: ageMs },
    );
  }

  async pull(): Promise<void> {
    await mkdir(this.layout.root, { recursive: true });
    const statePath = path.join(this.layout.root, SYNC_STATE_FILE);
    const state = ((await readJsonIfPresent(statePath).catch(() => undefined)) ?? {}) as Record<string, SyncedFile>;
    for (let attempt = 0; attempt < PULL_ATTEMPTS; attempt++) {
      // The manifest first and again at the end: if it changed, a writer published meanwhile and
      // the files may be of two versions, so the pass is repeated.
      const before = await this.#pullFile(this.layout.manifest, state);
      for (const field of INDEX_FILES) await this.#pullFile(this.layout[field], state);
      await writeJsonAtomically(statePath, state);
      if ((await this.#head(this.#key(path.basename(this.layout.manifest))))?.etag === before) return;
    }
  }

  /** Downloads one file unless the local copy is the one last downloaded; returns the stored ETag. */
  async #pullFile(file: string, state: Record<string, SyncedFile>): Promise<string | undefined> {
    const name = path.basename(file);
    const key = this.#key(name);
    const remote = await this.#head(key);
    if (!remote) {
      await rm(file, { force: true });
      delete state[name];
      return undefined;
    }
    const known = state[name];
    const local = await stat(file).catch(() => undefined);
    if (known && local && known.etag === remote.etag && known.size === local.size && known.mtimeMs === local.mtimeMs) return remote.etag;
    let etag = remote.etag;
    await replaceFileAtomically(file, async (temporary) => {
      const response = await this.#send(({ sdk, client }) => client.send(new sdk.GetObjectCommand({ Bucket: this.#location.bucket, Key: key }))).catch((error: unknown) => {
        throw this.#failed('download', key, error);
      });
      etag = response.ETag ?? etag;
      await pipeline(response.Body as Readable, createWriteStream(temporary));
    });
    const written = await stat(file);
    state[name] = { etag, size: written.size, mtimeMs: written.mtimeMs };
    return etag;
  }

  async publish(): Promise<void> {
    const manifestKey = this.#key(path.basename(this.layout.manifest));
    const local = await readFile(this.layout.manifest, 'utf8').catch(() => undefined);
    if (local === undefined || local === (await this.#getText(manifestKey))) return;
    if (this.#held) {
      // A run that stalled past the TTL may have been taken over: its files must not replace the new holder's.
      const { key, nonce } = this.#held;
      const stored = await this.#getText(key);
      if (stored === undefined || lockContent(stored).nonce !== nonce) {
        throw new PaperscopeError('INDEX_LOCKED', `This indexer lost the writer lock ${this.#uri(key)} (${stored ? `now held by ${describeHolder(stored)}` : 'deleted'}); nothing was published. Run the index again.`, { lock: this.#uri(key) });
      }
    }
    for (const field of INDEX_FILES) {
      const file = this.layout[field];
      const key = this.#key(path.basename(file));
      const size = (await stat(file).catch(() => undefined))?.size;
      try {
        if (size === undefined) await this.#send(({ sdk, client }) => client.send(new sdk.DeleteObjectCommand({ Bucket: this.#location.bucket, Key: key })));
        else await this.#uploadFile(key, file, size);
      } catch (error) {
        throw this.#failed('upload', key, error);
      }
    }
    await this.#send(({ sdk, client }) => client.send(new sdk.PutObjectCommand({ Bucket: this.#location.bucket, Key: manifestKey, Body: local }))).catch((error: unknown) => {
      throw this.#failed('upload', manifestKey, error);
    });
  }

  /**
   * One PUT below the threshold; above it a multipart upload, which a failure aborts (so no parts
   * are left behind to be billed). The part size grows with the file to stay under S3's part limit.
   */
  async #uploadFile(key: string, file: string, size: number): Promise<void> {
    const params = { Bucket: this.#location.bucket, Key: key, Body: createReadStream(file), ContentLength: size };
    if (size < this.#partBytes) {
      await this.#send(({ sdk, client }) => client.send(new sdk.PutObjectCommand(params)));
      return;
    }
    const [{ client }, { Upload }] = await Promise.all([this.#s3, import('@aws-sdk/lib-storage')]);
    const partSize = Math.max(this.#partBytes, Math.ceil(size / MAX_PARTS));
    await new Upload({ client, params, partSize, queueSize: PART_QUEUE, leavePartsOnError: false }).done();
  }

  async readManifest(): Promise<Manifest | undefined> {
    const key = this.#key(path.basename(this.layout.manifest));
    const head = await this.#head(key);
    if (!head) return undefined;
    if (this.#manifestSeen?.etag === head.etag) return this.#manifestSeen.manifest;
    const text = await this.#getText(key);
    if (text === undefined) return undefined;
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      raw = undefined;
    }
    const parsed = manifestSchema.safeParse(raw);
    if (!parsed.success) {
      const reason = raw === undefined ? 'not valid JSON' : parsed.error.issues[0]?.message;
      throw new PaperscopeError('INDEX_MISMATCH', `The index manifest s3://${this.#location.bucket}/${key} is not one this version of Paperscope reads (${reason}).`);
    }
    this.#manifestSeen = { etag: head.etag, manifest: parsed.data };
    return parsed.data;
  }

  #key(name: string): string {
    return objectKey(this.#location, name);
  }

  async #head(key: string): Promise<{ etag: string } | undefined> {
    try {
      const response = await this.#send(({ sdk, client }) => client.send(new sdk.HeadObjectCommand({ Bucket: this.#location.bucket, Key: key })));
      return { etag: response.ETag ?? '' };
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw this.#failed('read', key, error);
    }
  }

  async #getText(key: string): Promise<string | undefined> {
    return (await this.#get(key))?.text;
  }

  async #get(key: string): Promise<StoredObject | undefined> {
    try {
      const response = await this.#send(({ sdk, client }) => client.send(new sdk.GetObjectCommand({ Bucket: this.#location.bucket, Key: key })));
      return { text: (await response.Body?.transformToString('utf8')) ?? '', etag: response.ETag ?? '', lastModified: response.LastModified };
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw this.#failed('read', key, error);
    }
  }

  #uri(key: string): string {
    return `s3://${this.#location.bucket}/${key}`;
  }

  #failed(action: string, key: string, error: unknown): PaperscopeError {
    const uri = this.#uri(key);
    return new PaperscopeError('INTERNAL', `Could not ${action} ${uri}: ${describeError(error)}`, { object: uri }, { cause: error });
  }
}

interface LockOptions {
  ttlMs: number;
  onWarning: (message: string) => void;
}

interface StoredObject {
  text: string;
  etag: string;
  lastModified: Date | undefined;
}

/** What an indexer writes into the lock object; every field optional, as the content may be foreign. */
const lockContentSchema = z.object({
  host: z.string().optional(),
  pid: z.number().optional(),
  startedAt: z.string().optional(),
  heartbeatAt: z.string().optional(),
  nonce: z.string().optional(),
});

type LockContent = z.infer<typeof lockContentSchema>;

function lockContent(text: string): LockContent {
  try {
    return lockContentSchema.safeParse(JSON.parse(text)).data ?? {};
  } catch {
    return {};
  }
}

/**
 * Milliseconds since the holder last showed it was alive: its heartbeat, else its start (indexers
 * before the heartbeat wrote none), else the object's write time. Clocks of different machines are
 * compared, so the TTL must well exceed their skew.
 */
function heartbeatAge(stored: StoredObject, now: number): number {
  const lock = lockContent(stored.text);
  const written = Date.parse(lock.heartbeatAt ?? lock.startedAt ?? '');
  return now - (Number.isNaN(written) ? (stored.lastModified?.getTime() ?? now) : written);
}

function describeHolder(text: string): string {
  const { host, pid, startedAt } = lockContent(text);
  if (host === undefined && pid === undefined) return `unreadable content: ${JSON.stringify(text.slice(0, 200))}`;
  return `host ${host ?? '?'}, pid ${pid ?? '?'}${startedAt ? `, started ${startedAt}` : ''}`;
}

function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function statusOf(error: unknown): number | undefined {
  // The SDK's S3ServiceException, recognised without loading the SDK.
  const status = (error as { $metadata?: { httpStatusCode?: unknown } } | undefined)?.$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

type Sdk = typeof import('@aws-sdk/client-s3');

/** A client with the SDK it came from, whose command classes it sends. */
interface S3 {
  sdk: Sdk;
  client: S3Client;
}

/** One client per settings: each holds a pool of keep-alive connections. */
const clients = new Map<string, Promise<S3>>();

/** The AWS SDK is loaded on first use: it adds a fifth of a second to every start on local data dirs. */
function s3For(settings: ObjectStoreSettings): Promise<S3> {
  const cacheKey = JSON.stringify(settings);
  let s3 = clients.get(cacheKey);
  if (!s3) {
    s3 = import('@aws-sdk/client-s3').then((sdk) => {
      const client = new sdk.S3Client({
        endpoint: settings.endpoint,
        // The SDK needs a region; LanceDB assumes the same one when none is set.
        region: settings.region ?? 'us-east-1',
        followRegionRedirects: true,
        // Self-hosted servers (MinIO, s3rver) address buckets by path, not by host name.
        forcePathStyle: settings.endpoint !== undefined,
        credentials: settings.accessKeyId && settings.secretAccessKey
          ? { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey, sessionToken: settings.sessionToken }
          : undefined,
      });
      return { sdk, client };
    });
    clients.set(cacheKey, s3);
  }
  return s3;
}
