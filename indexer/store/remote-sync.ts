import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
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
  const settings = options.objectStore ?? readSettings().objectStore;
  const layout = { ...dataDirLayout(workingCopyDir(options.cacheDir, location, options.role)), database: `${location.uri}/lancedb`, storageOptions: lanceStorageOptions(settings) };
  return new RemoteDataDir(value, layout, location, s3For(settings));
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
const INDEX_FILES = ['annIndex', 'annMeta', 'lexical', 'topics', 'sentences', 'sentenceVectors', 'sentenceLexical'] as const satisfies readonly (keyof DataDirLayout)[];
/** Passes of `pull` when a writer publishes during one. */
const PULL_ATTEMPTS = 3;
/** What was last downloaded, so unchanged files are skipped. */
const SYNC_STATE_FILE = '.sync-state.json';

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
  #manifestSeen: { etag: string; manifest: Manifest } | undefined;

  constructor(name: string, layout: DataDirLayout, location: S3Location, s3: Promise<S3>) {
    this.name = name;
    this.layout = layout;
    this.#location = location;
    this.#s3 = s3;
  }

  async #send<T>(request: (s3: S3) => Promise<T>): Promise<T> {
    return request(await this.#s3);
  }

  async acquireLock(): Promise<() => Promise<void>> {
    await mkdir(this.layout.root, { recursive: true });
    const releaseLocal = await acquireWriterLock(this.layout);
    try {
      const releaseRemote = await this.#createLockObject();
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
   * The lock object: refused when present, and created with If-None-Match: * so that, on a store
   * that honours it (AWS S3, MinIO, R2), two indexers racing for it cannot both win.
   */
  async #createLockObject(): Promise<() => Promise<void>> {
    const key = this.#key(path.basename(this.layout.lock));
    const held = await this.#getText(key);
    if (held !== undefined) throw this.#locked(key, held);
    const content = JSON.stringify({ host: os.hostname(), pid: process.pid, startedAt: new Date().toISOString(), nonce: randomBytes(8).toString('hex') });
    try {
      await this.#send(({ sdk, client }) => client.send(new sdk.PutObjectCommand({ Bucket: this.#location.bucket, Key: key, Body: content, IfNoneMatch: '*' })));
    } catch (error) {
      if (statusOf(error) === 412 || statusOf(error) === 409) throw this.#locked(key, (await this.#getText(key)) ?? '');
      throw this.#failed('create the writer lock', key, error);
    }
    return async () => {
      // Deleted only while it is still ours: someone may have removed a lock they took for stale.
      if ((await this.#getText(key)) === content) await this.#send(({ sdk, client }) => client.send(new sdk.DeleteObjectCommand({ Bucket: this.#location.bucket, Key: key })));
    };
  }

  #locked(key: string, content: string): PaperscopeError {
    const uri = `s3://${this.#location.bucket}/${key}`;
    return new PaperscopeError('INDEX_LOCKED', `Another indexer holds ${uri} (${content || 'no details'}); wait for it to finish, or delete that object if no indexer is running.`, {
      lock: uri,
    });
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
    for (const field of INDEX_FILES) {
      const file = this.layout[field];
      const key = this.#key(path.basename(file));
      const size = (await stat(file).catch(() => undefined))?.size;
      try {
        if (size === undefined) await this.#send(({ sdk, client }) => client.send(new sdk.DeleteObjectCommand({ Bucket: this.#location.bucket, Key: key })));
        else await this.#send(({ sdk, client }) => client.send(new sdk.PutObjectCommand({ Bucket: this.#location.bucket, Key: key, Body: createReadStream(file), ContentLength: size })));
      } catch (error) {
        throw this.#failed('upload', key, error);
      }
    }
    await this.#send(({ sdk, client }) => client.send(new sdk.PutObjectCommand({ Bucket: this.#location.bucket, Key: manifestKey, Body: local }))).catch((error: unknown) => {
      throw this.#failed('upload', manifestKey, error);
    });
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
    try {
      const response = await this.#send(({ sdk, client }) => client.send(new sdk.GetObjectCommand({ Bucket: this.#location.bucket, Key: key })));
      return await response.Body?.transformToString('utf8');
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw this.#failed('read', key, error);
    }
  }

  #failed(action: string, key: string, error: unknown): PaperscopeError {
    const uri = `s3://${this.#location.bucket}/${key}`;
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return new PaperscopeError('INTERNAL', `Could not ${action} ${uri}: ${reason}`, { object: uri }, { cause: error });
  }
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
