import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataDirLayout } from '../../indexer/store/index.js';
import { INDEX_SAMPLE_MS } from '../helpers/limits.js';
import { temporaryDir } from '../helpers/sample-index.js';
import { TSX_COMMAND } from './cli.js';

const CONTENDERS = 6;
const ROUNDS = 6;

interface Contender {
  child: ChildProcessWithoutNullStreams;
  next: () => Promise<string>;
}

/** A process running lock-child.ts, answering one line per command. */
function contender(dataDir: string): Contender {
  const [node, loader, tsx] = TSX_COMMAND;
  const child = spawn(node, [loader, tsx, path.join(import.meta.dirname, 'lock-child.ts'), dataDir]);
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return {
    child,
    next: async () => {
      const { value, done } = await lines.next();
      if (done) throw new Error('the contender exited');
      return value;
    },
  };
}

/** A pid no process has any more: that of a child that has exited. */
function deadPid(): number {
  const { pid } = spawnSync(process.execPath, ['-e', '']);
  return pid;
}

/** Locks left by a killed indexer: with a dead pid, and half-written by an older version. */
const STALE_LOCKS = [
  () => JSON.stringify({ pid: deadPid(), startedAt: new Date().toISOString() }),
  () => JSON.stringify({ pid: deadPid(), startedAt: new Date().toISOString(), nonce: '0123456789abcdef' }),
  () => '',
];

describe('the writer lock', () => {
  let dir: string;
  let remove: () => Promise<void>;
  let contenders: Contender[];

  beforeAll(async () => {
    ({ dir, remove } = await temporaryDir('paperscope-lock-'));
    contenders = Array.from({ length: CONTENDERS }, () => contender(dir));
    for (const { next } of contenders) expect(await next()).toBe('ready');
  }, INDEX_SAMPLE_MS);
  afterAll(async () => {
    for (const { child } of contenders ?? []) child.stdin.end();
    await remove();
  });

  it(
    'is taken over by exactly one of several processes that find the same stale lock at once',
    async () => {
      const layout = dataDirLayout(dir);
      for (let round = 0; round < ROUNDS; round++) {
        await writeFile(layout.lock, STALE_LOCKS[round % STALE_LOCKS.length]?.() ?? '');
        for (const { child } of contenders) child.stdin.write('go\n');
        const answers = await Promise.all(contenders.map(({ next }) => next()));
        const winners = contenders.filter((_, index) => answers[index] === 'won');
        expect(winners, `round ${round}: ${answers.join(', ')}`).toHaveLength(1);
        expect(answers.filter((answer) => answer !== 'won')).toEqual(Array(CONTENDERS - 1).fill('refused INDEX_LOCKED'));
        const winner = winners[0] as Contender;
        // The lock on disk is the winner's, and no marker or temporary file is left beside it.
        expect(JSON.parse(await readFile(layout.lock, 'utf8'))).toMatchObject({ pid: winner.child.pid });
        expect(await readdir(dir)).toEqual(['index.lock']);
        winner.child.stdin.write('release\n');
        expect(await winner.next()).toBe('released');
      }
    },
    INDEX_SAMPLE_MS,
  );
});
