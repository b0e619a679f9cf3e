import { createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type DataDirLayout, readJsonIfPresent, replaceFileAtomically, writeJsonAtomically } from './files.js';
import { type Manifest, parseManifest } from './manifest.js';
import type { RemoteStore } from './remote-store.js';

/** The derived index files, copied in this order; the manifest is not among them: it goes last. */
export const INDEX_FILES = [
  'annIndex',
  'annMeta',
  'lexical',
  'topics',
  'records',
  'related',
  'sentences',
  'sentenceLexical',
] as const satisfies readonly (keyof DataDirLayout)[];
/** Passes of `pull` when a writer publishes during one. */
const PULL_ATTEMPTS = 3;
/** What was last downloaded, so unchanged files are skipped. */
const SYNC_STATE_FILE = '.sync-state.json';

interface SyncedFile {
  etag: string;
  size: number;
  mtimeMs: number;
}

/** Brings the local copy of the index files up to date with the store, skipping unchanged files. */
export async function pullIndexFiles(store: RemoteStore, layout: DataDirLayout): Promise<void> {
  const { state, statePath } = await readSyncState(layout);
  for (let attempt = 0; attempt < PULL_ATTEMPTS; attempt++) {
    // The manifest first and again at the end: if it changed, a writer published meanwhile and
    // the files may be of two versions, so the pass is repeated.
    const before = await pullFile(store, layout.manifest, state);
    for (const field of INDEX_FILES) await pullFile(store, layout[field], state);
    await writeJsonAtomically(statePath, state);
    if ((await store.head(store.key(path.basename(layout.manifest))))?.etag === before) return;
  }
}

/**
 * Brings the local sources file up to date with the store. Unlike an index file, a local copy the
 * store lacks is kept: it may hold a fetch whose upload failed.
 */
export async function pullSourcesFile(store: RemoteStore, layout: DataDirLayout): Promise<void> {
  const { state, statePath } = await readSyncState(layout);
  await pullFile(store, layout.sources, state, { keepWhenAbsent: true });
  await writeJsonAtomically(statePath, state);
}

async function readSyncState(layout: DataDirLayout): Promise<{ state: Record<string, SyncedFile>; statePath: string }> {
  await mkdir(layout.root, { recursive: true });
  const statePath = path.join(layout.root, SYNC_STATE_FILE);
  const state = ((await readJsonIfPresent(statePath).catch(() => undefined)) ?? {}) as Record<string, SyncedFile>;
  return { state, statePath };
}

/** Downloads one file unless the local copy is the one last downloaded; returns the stored ETag. */
async function pullFile(
  store: RemoteStore,
  file: string,
  state: Record<string, SyncedFile>,
  options: { keepWhenAbsent?: boolean } = {},
): Promise<string | undefined> {
  const name = path.basename(file);
  const key = store.key(name);
  const remote = await store.head(key);
  if (!remote) {
    if (options.keepWhenAbsent) return undefined;
    await rm(file, { force: true });
    delete state[name];
    return undefined;
  }
  const known = state[name];
  const local = await stat(file).catch(() => undefined);
  if (known && local && known.etag === remote.etag && known.size === local.size && known.mtimeMs === local.mtimeMs) return remote.etag;
  let etag = remote.etag;
  await replaceFileAtomically(file, async (temporary) => {
    const response = await store
      .send(({ sdk, client }) => client.send(new sdk.GetObjectCommand({ Bucket: store.location.bucket, Key: key })))
      .catch((error: unknown) => {
        throw store.failed('download', key, error);
      });
    etag = response.ETag ?? etag;
    await pipeline(response.Body as Readable, createWriteStream(temporary));
  });
  const written = await stat(file);
  state[name] = { etag, size: written.size, mtimeMs: written.mtimeMs };
  return etag;
}

/** Reads the stored manifest, cheaply (an ETag check) when it has not changed since the last read. */
export class RemoteManifest {
  readonly #store: RemoteStore;
  readonly #key: string;
  #seen: { etag: string; manifest: Manifest } | undefined;

  constructor(store: RemoteStore, layout: DataDirLayout) {
    this.#store = store;
    this.#key = store.key(path.basename(layout.manifest));
  }

  /** The stored manifest's ETag, undefined without one. */
  async stamp(): Promise<string | undefined> {
    return (await this.#store.head(this.#key))?.etag;
  }

  async read(): Promise<Manifest | undefined> {
    const head = await this.#store.head(this.#key);
    if (!head) return undefined;
    if (this.#seen?.etag === head.etag) return this.#seen.manifest;
    const text = await this.#store.getText(this.#key);
    if (text === undefined) return undefined;
    const manifest = parseManifest(Buffer.from(text), this.#store.uri(this.#key));
    this.#seen = { etag: head.etag, manifest };
    return manifest;
  }
}
