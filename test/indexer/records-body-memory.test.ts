import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it, vi } from 'vitest';
import { createIndexer } from '../../indexer/index.js';
import { hashedWordsEmbedder } from '../helpers/hashed-words-embedder.js';
import { offlineIndexOptions, SAMPLE_FILE, SAMPLE_YEAR, temporaryDir } from '../helpers/sample-index.js';

// Each records body the indexer makes, watched (a million papers' is ≈ 1.7 GB).
const bodies = vi.hoisted(() => [] as Array<WeakRef<object>>);
vi.mock('../../indexer/store/records-file.js', async (original) => {
  const actual = await original<typeof import('../../indexer/store/records-file.js')>();
  return {
    ...actual,
    recordsBody: async (...args: Parameters<typeof actual.recordsBody>) => {
      const body = await actual.recordsBody(...args);
      bodies.push(new WeakRef(body));
      return body;
    },
  };
});

describe('the records file’s body', () => {
  it('is let go once the file is written, before the derived indexes are built', async () => {
    const { dir, remove } = await temporaryDir();
    v8.setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    try {
      const embedder = hashedWordsEmbedder();
      const alive: boolean[] = [];
      await createIndexer({ embedder: { create: async () => embedder, reopen: async () => embedder } }).run(
        offlineIndexOptions(dir, {
          paths: [SAMPLE_FILE],
          year: SAMPLE_YEAR,
          onEvent: (event) => {
            if (event.type !== 'info' || !event.message.startsWith('Building the search indexes')) return;
            gc();
            alive.push(...bodies.map((body) => body.deref() !== undefined));
          },
        }),
      );
      expect(alive).toEqual([false]);
    } finally {
      await remove();
    }
  });
});
