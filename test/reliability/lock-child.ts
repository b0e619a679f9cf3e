/**
 * One contender for the writer lock in test/reliability/lock.test.ts. Reads commands from stdin:
 * "go" → tries acquireWriterLock on the data dir (argv[2]) and prints "won" or "refused <code>";
 * "release" → releases a lock it won and prints "released". Prints "ready" once loaded.
 */
import { createInterface } from 'node:readline';
import { PaperscopeError } from '../../core/errors.js';
import { acquireWriterLock, dataDirLayout } from '../../indexer/store/index.js';

const layout = dataDirLayout(process.argv[2] ?? '');
let release: (() => Promise<void>) | undefined;
const say = (line: string) => process.stdout.write(`${line}\n`);
say('ready');

for await (const command of createInterface({ input: process.stdin })) {
  if (command === 'go') {
    try {
      release = await acquireWriterLock(layout);
      say('won');
    } catch (error) {
      say(`refused ${error instanceof PaperscopeError ? error.code : String(error)}`);
    }
  } else if (command === 'release') {
    await release?.();
    release = undefined;
    say('released');
  }
}
