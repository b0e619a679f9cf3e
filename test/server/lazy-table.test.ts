import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PaperscopeError } from '../../core/errors.js';
import { INDEX_SAMPLE_MS } from '../helpers/limits.js';
import { buildSampleIndex, openCollectingEvents } from '../helpers/sample-index.js';

// A server whose derived files and records snapshot match its manifest never opens the papers table
// (nor loads LanceDB's native module): it is read only to rebuild one of them.
describe('opening an index whose files match its manifest', () => {
  it(
    'searches without the papers table, and needs it only to rebuild a derived file',
    async () => {
      const dataDir = await buildSampleIndex();
      const database = path.join(dataDir, 'lancedb');
      await rename(database, `${database}.away`);
      const { engine, events } = await openCollectingEvents(dataDir);
      try {
        const { results, total } = await engine.search({ q: 'reward noise', k: 3, offset: 0, mode: 'hybrid', sort: 'relevance' });
        expect(results).toHaveLength(3);
        expect(total).toBeGreaterThan(3);
        expect(events.filter((event) => event.type === 'warning')).toEqual([]);
      } finally {
        await engine.close();
      }

      await rm(path.join(dataDir, 'lexical.bin'));
      const failure = await openCollectingEvents(dataDir).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(PaperscopeError);
      expect((failure as PaperscopeError).code).toBe('NO_INDEX');
    },
    INDEX_SAMPLE_MS,
  );
});
