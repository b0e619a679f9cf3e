import { open, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { PaperscopeError } from '../../core/errors.js';
import { isProcessAlive } from '../../core/process.js';
import { type DataDirLayout, temporaryFileOwner } from './files.js';

/**
 * Takes the data directory's writer lock: one indexer at a time. A lock left by a process
 * that no longer runs is taken over, and the temporary files of dead writers are removed.
 * Returns the release function.
 */
export async function acquireWriterLock(layout: DataDirLayout): Promise<() => Promise<void>> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(layout.lock, 'wx');
      await handle.writeFile(JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString() }));
      await handle.close();
      await removeDeadTemporaries(layout);
      return async () => {
        await rm(layout.lock, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = await readLockHolder(layout);
      if (holder !== undefined && holder !== process.pid && isProcessAlive(holder)) {
        throw new PaperscopeError(
          'INDEX_LOCKED',
          `Another indexer (pid ${holder}) is writing to ${layout.root}; wait for it to finish or stop it.`,
          { pid: holder, lock: layout.lock },
        );
      }
      await rm(layout.lock, { force: true });
    }
  }
  throw new PaperscopeError('INDEX_LOCKED', `Could not take the writer lock ${layout.lock}.`);
}

async function readLockHolder(layout: DataDirLayout): Promise<number | undefined> {
  try {
    const { pid } = JSON.parse(await readFile(layout.lock, 'utf8')) as { pid?: unknown };
    return typeof pid === 'number' ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Half-written files of writers that were killed (kill -9, power cut) before they could clean up. */
async function removeDeadTemporaries(layout: DataDirLayout): Promise<void> {
  for (const name of await readdir(layout.root)) {
    const owner = temporaryFileOwner(name);
    if (owner !== undefined && owner !== process.pid && !isProcessAlive(owner)) await rm(path.join(layout.root, name), { force: true });
  }
}
