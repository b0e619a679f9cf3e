import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { z } from 'zod';
import { PaperscopeError } from '../../core/errors.js';
import { describeError, type RemoteStore, type StoredObject, statusOf } from './remote-store.js';

export interface LockOptions {
  /** A lock object whose heartbeat is older than this is taken over. */
  ttlMs: number;
  onWarning: (message: string) => void;
}

/** Rounds of "create the lock object, else take over a stale one" before giving up. */
const LOCK_ATTEMPTS = 3;

/**
 * The writer lock on object storage: one lock object beside the index files, with a heartbeat.
 * `take()` holds it until the returned release runs; `checkStillHeld()` refuses a run that lost it.
 */
export class RemoteLock {
  readonly #store: RemoteStore;
  readonly #key: string;
  readonly #options: LockOptions;
  /** The lock this process holds, while it holds it. */
  #nonce: string | undefined;

  constructor(store: RemoteStore, name: string, options: LockOptions) {
    this.#store = store;
    this.#key = store.key(name);
    this.#options = options;
  }

  /**
   * The lock object, created with If-None-Match: * when absent. One present is refused while its
   * heartbeat is fresh; a stale one (its indexer was killed) is overwritten with If-Match: <its
   * ETag>, so that of indexers racing to take it over only one write succeeds. Both conditions make
   * the lock exclusive only on a store that honours them (AWS S3, MinIO, R2; s3rver ignores them):
   * reading the object back after the write narrows, but does not close, the race elsewhere.
   */
  async take(): Promise<() => Promise<void>> {
    const store = this.#store;
    const key = this.#key;
    const lock = { host: os.hostname(), pid: process.pid, startedAt: new Date().toISOString(), nonce: randomBytes(8).toString('hex') };
    for (let attempt = 0; attempt < LOCK_ATTEMPTS; attempt++) {
      const stored = await store.get(key);
      const body = JSON.stringify({ ...lock, heartbeatAt: new Date().toISOString() });
      if (stored) {
        const age = heartbeatAge(stored, Date.now());
        if (age < this.#options.ttlMs) throw this.#locked(stored.text, age);
      }
      try {
        await store.send(({ sdk, client }) =>
          client.send(
            new sdk.PutObjectCommand({
              Bucket: store.location.bucket,
              Key: key,
              Body: body,
              ...(stored ? { IfMatch: stored.etag } : { IfNoneMatch: '*' }),
            }),
          ),
        );
      } catch (error) {
        // Another indexer created, refreshed or took over the lock since it was read (412, or 409 for
        // a concurrent conditional write), or deleted it (404 to If-Match): look again.
        const status = statusOf(error);
        if (status === 412 || status === 409 || (stored && status === 404)) continue;
        throw store.failed(stored ? 'take over the stale writer lock' : 'create the writer lock', key, error);
      }
      if ((await store.getText(key)) === body) {
        if (stored) this.#options.onWarning(`Took over the stale writer lock ${store.uri(key)} (${describeHolder(stored.text)}).`);
        return this.#hold(lock.nonce, (heartbeatAt) => JSON.stringify({ ...lock, heartbeatAt }));
      }
    }
    throw new PaperscopeError('INDEX_LOCKED', `Could not take the writer lock ${store.uri(key)}: other indexers kept changing it.`, {
      lock: store.uri(key),
    });
  }

  /** Throws when this process took the lock and another indexer has since taken it over (or it was deleted). */
  async checkStillHeld(): Promise<void> {
    if (this.#nonce === undefined) return;
    // A run that stalled past the TTL may have been taken over: its files must not replace the new holder's.
    const uri = this.#store.uri(this.#key);
    const stored = await this.#store.getText(this.#key);
    if (stored === undefined || lockContent(stored).nonce !== this.#nonce) {
      throw new PaperscopeError(
        'INDEX_LOCKED',
        `This indexer lost the writer lock ${uri} (${stored ? `now held by ${describeHolder(stored)}` : 'deleted'}); nothing was published. Run the index again.`,
        { lock: uri },
      );
    }
  }

  /**
   * Refreshes the held lock's heartbeat every third of the TTL until released. A refresh first
   * checks the lock is still ours and writes with If-Match, so it never overwrites another
   * indexer's takeover. A failed refresh warns once and is retried on the next tick; losing the
   * lock warns and stops the refreshes, and `publish` then refuses to run.
   */
  #hold(nonce: string, render: (heartbeatAt: string) => string): () => Promise<void> {
    const { ttlMs, onWarning } = this.#options;
    const store = this.#store;
    const key = this.#key;
    const uri = store.uri(key);
    this.#nonce = nonce;
    let failing = false;
    let refreshing: Promise<void> | undefined;
    const refresh = async () => {
      try {
        const stored = await store.get(key);
        if (!stored || lockContent(stored.text).nonce !== nonce) {
          clearInterval(timer);
          onWarning(
            `Lost the writer lock ${uri}: ${stored ? `taken over by ${describeHolder(stored.text)}` : 'the object was deleted'}; this run will not publish.`,
          );
          return;
        }
        await store.send(({ sdk, client }) =>
          client.send(
            new sdk.PutObjectCommand({
              Bucket: store.location.bucket,
              Key: key,
              Body: render(new Date().toISOString()),
              IfMatch: stored.etag,
            }),
          ),
        );
        failing = false;
      } catch (error) {
        if (!failing)
          onWarning(`Could not refresh the writer lock ${uri} (retrying every ${formatSeconds(ttlMs / 3)}): ${describeError(error)}`);
        failing = true;
      }
    };
    // One refresh at a time; unref'd so that the timer alone does not keep the process running.
    const timer = setInterval(
      () => {
        refreshing ??= refresh().finally(() => {
          refreshing = undefined;
        });
      },
      Math.max(1, Math.floor(ttlMs / 3)),
    );
    timer.unref();
    return async () => {
      clearInterval(timer);
      await refreshing;
      this.#nonce = undefined;
      // Deleted only while it is still ours: another indexer may have taken it over as stale.
      const stored = await store.get(key);
      if (stored && lockContent(stored.text).nonce === nonce) await store.delete(key);
    };
  }

  #locked(content: string, ageMs: number): PaperscopeError {
    const uri = this.#store.uri(this.#key);
    const ttl = formatSeconds(this.#options.ttlMs);
    return new PaperscopeError(
      'INDEX_LOCKED',
      `Another indexer holds ${uri} (${describeHolder(content)}); its heartbeat is ${formatSeconds(ageMs)} old. Wait for it to finish: the lock is taken over once its heartbeat is older than ${ttl} (PAPERSCOPE_LOCK_TTL_MS).`,
      { lock: uri, holder: lockContent(content), heartbeatAgeMs: ageMs },
    );
  }
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
