import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it, vi } from 'vitest';
import { createIndexer } from '../../indexer/index.js';
import * as recordsFile from '../../indexer/store/records-file.js';
import { hashedWordsEmbedder } from '../helpers/hashed-words-embedder.js';
import { offlineIndexOptions, SAMPLE_FILE, SAMPLE_YEAR, temporaryDir } from '../helpers/sample-index.js';

// The suite shares loaded modules between files (vitest.config.ts: `isolate: false`), so the records
// module is spied on where it is, not mocked: a mock would miss a module another file loaded first.
describe('the records file’s body', () => {
  it('is let go once the file is written, before the derived indexes are built', async () => {
    const { dir, remove } = await temporaryDir();
    v8.setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    // Each records body the indexer makes, watched (a million papers' is ≈ 1.7 GB).
    const bodies: Array<WeakRef<object>> = [];
    const { recordsBody } = recordsFile;
    const spy = vi.spyOn(recordsFile, 'recordsBody').mockImplementation(async (...args) => {
      const body = await recordsBody(...args);
      bodies.push(new WeakRef(body));
      return body;
    });
    try {
      const embedder = hashedWordsEmbedder();
      const alive: boolean[] = [];
      await createIndexer({ embedder: { create: async () => embedder, reopen: async () => embedder } }).run(
        offlineIndexOptions(dir, {
          paths: [SAMPLE_FILE],
          year: SAMPLE_YEAR,
          onEvent: (event) => {
            if (event.type !== 'info' || !event.message.startsWith('Building the search indexes')) return;
            // The spy's own record of its calls and results would hold the body.
            spy.mockClear();
            gc();
            alive.push(...bodies.map((body) => body.deref() !== undefined));
          },
        }),
      );
      expect(alive).toEqual([false]);
    } finally {
      spy.mockRestore();
      await remove();
    }
  });
});
