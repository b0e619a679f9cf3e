import { describe, expect, it } from 'vitest';
import type { IndexEvent } from '../../indexer/index.js';
import { INDEX_SAMPLE_MS } from '../helpers/limits.js';
import { indexSample, temporaryDir } from '../helpers/sample-index.js';

describe('indexing progress', () => {
  it(
    'reports every long step: embedding (the sentences’ vectors made in the same pass), writing and the index build (HNSW, BM25, topics, map)',
    async () => {
      const scratch = await temporaryDir();
      const events: IndexEvent[] = [];
      try {
        await indexSample(scratch.dir, { onEvent: (event) => events.push(event) });
      } finally {
        await scratch.remove();
      }
      const progress = events.flatMap((event) => (event.type === 'progress' ? [event] : []));
      expect(new Set(progress.map((event) => event.stage))).toEqual(new Set(['Embedding', 'Writing', 'Building']));
      expect(progress.filter((event) => event.stage === 'Building').map((event) => `${event.done}/${event.total}`)).toEqual([
        '1/4',
        '2/4',
        '3/4',
        '4/4',
      ]);
    },
    INDEX_SAMPLE_MS,
  );
});
