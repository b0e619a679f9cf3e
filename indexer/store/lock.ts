import { createHash, randomBytes } from 'node:crypto';
import { link, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PaperscopeError } from '../../core/errors.js';
import { isProcessAlive, processStartTime } from '../../core/process.js';
import { type DataDirLayout, temporaryFileOwner, temporaryPathFor } from './files.js';

/** Rounds of "create, else take over the stale lock" before giving up. */
const ATTEMPTS = 50;
/** The pause when another process is taking over the same stale lock. */
const BUSY_RETRY_MS = 10;
/** Takeover markers of takeover markers, each level needing a crash inside the one above. */
const MAX_TAKEOVER_DEPTH = 4;
const TAKEOVER_SUFFIX = '.takeover';
/** The default of PAPERSCOPE_LOCK_TTL_MS: a lock whose heartbeat is older than this is stale. */
export const LOCK_TTL_MS = 120_000;

/**
 * Takes the data directory's writer lock: one indexer at a time. A lock left by a process that no
 * longer runs is taken over, and the temporary files of dead writers are removed. Racing indexers
 * that all find the same stale lock end with exactly one holder (see `removeIfStale`).
 * Returns the release function.
 *
 * @example
 * const release = await acquireWriterLock(layout);
 * try { await write(); } finally { await release(); }
 */
export async function acquireWriterLock(layout: DataDirLayout, options: { ttlMs?: number } = {}): Promise<() => Promise<void>> {
  const ttlMs = options.ttlMs ?? LOCK_TTL_MS;
  const content = lockContent();
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (await createWith(layout.lock, content)) {
      await removeLeftovers(layout);
      // The heartbeat is the file's modification time, so the content (which a takeover is keyed on) never changes.
      const heartbeat = setInterval(() => {
        const now = new Date();
        utimes(layout.lock, now, now).catch(() => {});
      }, ttlMs / 3);
      heartbeat.unref();
      return async () => {
        clearInterval(heartbeat);
        await rm(layout.lock, { force: true });
      };
    }
    const outcome = await removeIfStale(layout.lock, 0, ttlMs);
    if (typeof outcome === 'object') {
      throw new PaperscopeError(
        'INDEX_LOCKED',
        `Another indexer (${outcome.description}) is writing to ${layout.root}; wait for it to finish or stop it.`,
        {
          pid: outcome.pid,
          host: outcome.host,
          lock: layout.lock,
        },
      );
    }
    if (outcome === 'busy') await sleep(BUSY_RETRY_MS);
  }
  throw new PaperscopeError('INDEX_LOCKED', `Could not take the writer lock ${layout.lock}.`, { lock: layout.lock });
}

/**
 * Unique per acquisition (the nonce), so a takeover can tell the stale lock from a new one. The
 * host and the process's start time tell a live holder from a process that later got its pid.
 */
function lockContent(): string {
  return JSON.stringify({
    host: os.hostname(),
    pid: process.pid,
    processStart: processStartTime(process.pid),
    startedAt: new Date().toISOString(),
    nonce: randomBytes(8).toString('hex'),
  });
}

/**
 * Creates `file` holding `content`, or returns false when it exists. The content is written to a
 * temporary file first and hard-linked into place, so nobody ever reads a lock without its pid.
 */
async function createWith(file: string, content: string): Promise<boolean> {
  const temporary = temporaryPathFor(file);
  try {
    await writeFile(temporary, content);
    await link(temporary, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await rm(temporary, { force: true });
  }
}

/**
 * Removes `file` if its holder is dead, such that among processes racing to do so exactly one
 * removes that very file, never a lock created since. Deleting by path after a check is not
 * enough: a slower process would delete the winner's new lock. So the remover must first create
 * a marker named after the stale content (O_EXCL: one process succeeds), and deletes the file
 * only if it still holds that content. A marker whose own holder died is taken over the same way.
 * Returns the live holder, 'busy' while another process takes over, else 'done'.
 */
async function removeIfStale(file: string, depth: number, ttlMs: number): Promise<LiveHolder | 'busy' | 'done'> {
  const content = await readIfPresent(file);
  if (content === undefined) return 'done';
  const heartbeatMs = await stat(file).then(
    (info) => info.mtimeMs,
    () => 0,
  );
  const holder = liveHolder(content, Date.now() - heartbeatMs, ttlMs);
  if (holder) return holder;
  if (depth >= MAX_TAKEOVER_DEPTH) {
    throw new PaperscopeError(
      'INDEX_LOCKED',
      `Could not take over the stale writer lock ${file}; remove it and the ${TAKEOVER_SUFFIX} files beside it.`,
      {
        lock: file,
      },
    );
  }
  const marker = `${file}.${createHash('sha256').update(content).digest('hex').slice(0, 16)}${TAKEOVER_SUFFIX}`;
  if (!(await createWith(marker, lockContent()))) {
    await removeIfStale(marker, depth + 1, ttlMs);
    return 'busy';
  }
  try {
    if ((await readIfPresent(file)) === content) await rm(file, { force: true });
  } finally {
    await rm(marker, { force: true });
  }
  return 'done';
}

async function readIfPresent(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

interface LiveHolder {
  pid: number;
  host: string | undefined;
  description: string;
}

/**
 * The holder of a lock, if it still runs. On this host: its pid is alive and, where /proc tells,
 * started when the lock says (else the pid now belongs to another process). On another host, or
 * for a lock without a start time: its heartbeat (the file's mtime) is younger than `ttlMs`.
 * Undefined for a lock that cannot be read (left by a crash of an older version).
 */
function liveHolder(content: string, heartbeatAgeMs: number, ttlMs: number): LiveHolder | undefined {
  let lock: { pid?: unknown; host?: unknown; processStart?: unknown };
  try {
    lock = JSON.parse(content) as typeof lock;
  } catch {
    return undefined;
  }
  const { pid } = lock;
  const host = typeof lock.host === 'string' ? lock.host : undefined;
  if (typeof pid !== 'number' || (pid === process.pid && (host === undefined || host === os.hostname()))) return undefined;
  const heartbeat = `heartbeat ${Math.round(heartbeatAgeMs / 1000)} s ago`;
  const fresh = heartbeatAgeMs < ttlMs;
  if (host !== undefined && host !== os.hostname())
    return fresh ? { pid, host, description: `pid ${pid} on ${host}, ${heartbeat}` } : undefined;
  if (!isProcessAlive(pid)) return undefined;
  const started = processStartTime(pid);
  const verifiable = typeof lock.processStart === 'string' && started !== undefined;
  if (verifiable ? started === lock.processStart : fresh)
    return { pid, host, description: `pid ${pid}${host ? ` on ${host}` : ''}, ${heartbeat}` };
  return undefined;
}

/**
 * Half-written files of writers that were killed (kill -9, power cut) before they could clean up,
 * and takeover markers of earlier locks: with the lock held, a takeover of an older one finds
 * that lock gone and does nothing, so its marker is of no use.
 */
async function removeLeftovers(layout: DataDirLayout): Promise<void> {
  const markerPrefix = `${path.basename(layout.lock)}.`;
  for (const name of await readdir(layout.root)) {
    const owner = temporaryFileOwner(name);
    const deadTemporary = owner !== undefined && owner !== process.pid && !isProcessAlive(owner);
    const oldMarker = name.startsWith(markerPrefix) && name.endsWith(TAKEOVER_SUFFIX);
    if (deadTemporary || oldMarker) await rm(path.join(layout.root, name), { force: true });
  }
}
