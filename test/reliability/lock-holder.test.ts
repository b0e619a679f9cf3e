import { type ChildProcess, spawn } from 'node:child_process';
import { stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PaperscopeError } from '../../core/errors.js';
import { processStartTime } from '../../core/process.js';
import { acquireWriterLock, type DataDirLayout, dataDirLayout } from '../../indexer/store/index.js';
import { temporaryDir } from '../helpers/sample-index.js';

const TTL_MS = 60_000;

function lock(fields: Record<string, unknown>): string {
  return JSON.stringify({ startedAt: new Date().toISOString(), nonce: '0123456789abcdef', ...fields });
}

async function outcome(layout: DataDirLayout, ttlMs = TTL_MS): Promise<string> {
  try {
    const release = await acquireWriterLock(layout, { ttlMs });
    await release();
    return 'taken';
  } catch (error) {
    if (error instanceof PaperscopeError && error.code === 'INDEX_LOCKED') return `refused: ${error.message}`;
    throw error;
  }
}

describe('the writer lock and its holder', () => {
  let scratch: { dir: string; remove: () => Promise<void> };
  let layout: DataDirLayout;
  /** A live process that is not an indexer: what a recycled pid points at. */
  let bystander: ChildProcess;

  beforeAll(async () => {
    scratch = await temporaryDir('paperscope-lock-holder-');
    layout = dataDirLayout(scratch.dir);
    bystander = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 600000)'], { stdio: 'ignore' });
    await new Promise((resolve) => bystander.once('spawn', resolve));
  });
  afterAll(async () => {
    bystander?.kill();
    await scratch?.remove();
  });

  it('is taken over when its pid now belongs to another process (a different start time)', async () => {
    const pid = bystander.pid as number;
    expect(processStartTime(pid)).toMatch(/^\d+$/);
    await writeFile(layout.lock, lock({ host: os.hostname(), pid, processStart: '1' }));
    expect(await outcome(layout)).toBe('taken');
  });

  it('is refused while its holder runs, naming the pid and the host', async () => {
    const pid = bystander.pid as number;
    await writeFile(layout.lock, lock({ host: os.hostname(), pid, processStart: processStartTime(pid) }));
    expect(await outcome(layout)).toMatch(
      new RegExp(`^refused: Another indexer \\(pid ${pid} on ${os.hostname()}, heartbeat \\d+ s ago\\)`),
    );
  });

  it('held on another host, is taken over once its heartbeat is older than the TTL', async () => {
    await writeFile(layout.lock, lock({ host: 'another-host.example', pid: bystander.pid, processStart: '1' }));
    expect(await outcome(layout)).toMatch(/^refused: .*pid \d+ on another-host\.example/);
    const old = new Date(Date.now() - 2 * TTL_MS);
    await utimes(layout.lock, old, old);
    expect(await outcome(layout)).toBe('taken');
  });

  it('is kept fresh by its holder: the heartbeat is the lock file time', async () => {
    const release = await acquireWriterLock(layout, { ttlMs: 300 });
    try {
      const old = new Date(Date.now() - 60_000);
      await utimes(layout.lock, old, old);
      await sleep(400);
      expect(Date.now() - (await stat(layout.lock)).mtimeMs).toBeLessThan(300);
    } finally {
      await release();
    }
  });
});
