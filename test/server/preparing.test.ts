import { beforeAll, describe, expect, it } from 'vitest';
import { dataDirLayout } from '../../indexer/store/index.js';
import { createApp } from '../../server/app.js';
import { openWithHeldEmbedder } from '../helpers/held-embedder.js';
import { writeAsOlderVersion } from '../helpers/legacy-files.js';
import { INDEX_SAMPLE_MS } from '../helpers/limits.js';
import { buildSampleIndex } from '../helpers/sample-index.js';

const ask = (question: string) => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({ question }),
});

describe('a part of the index being rebuilt by the server', () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await buildSampleIndex();
    const layout = dataDirLayout(dataDir);
    await writeAsOlderVersion(layout.sentences, 'PSSN');
  }, INDEX_SAMPLE_MS);

  it(
    'answers ask with 503 INDEX_PREPARING and Retry-After within a second, reports it in the status, and keeps search working',
    async () => {
      const { engine, release } = await openWithHeldEmbedder(dataDir);
      try {
        const app = createApp({ engine, http: { rateLimitPerMinute: 0 } });
        // The first question finds the sentence file of an earlier format and starts the rebuild, which is held:
        // it waits a second for it, then is refused, and so is every question after it.
        for (const route of ['/api/ask', '/api/ask/stream', '/api/ask']) {
          const refused = await app.request(route, ask('how does reward noise affect reinforcement learning?'));
          expect(refused.status).toBe(503);
          expect(Number(refused.headers.get('Retry-After'))).toBeGreaterThanOrEqual(1);
          const { error } = (await refused.json()) as { error: { code: string; message: string } };
          expect(error.code).toBe('INDEX_PREPARING');
          expect(error.message).toMatch(/^The sentence index is being rebuilt \(\d+ s so far.*format version.*search works meanwhile/);
        }
        const status = (await (await app.request('/api/status')).json()) as Record<string, unknown>;
        expect(status.ask_index).toBe('rebuilding');
        expect(status.preparing).toEqual([
          expect.objectContaining({ part: 'sentence index', reason: expect.stringMatching(/format version/) }),
        ]);
        const search = await app.request('/api/search?q=reward+noise');
        expect(search.status).toBe(200);
        expect(((await search.json()) as { results: unknown[] }).results.length).toBeGreaterThan(0);

        release();
        await engine.loadAskIndex();
        const answered = await app.request('/api/ask', ask('how does reward noise affect reinforcement learning?'));
        expect(answered.status).toBe(200);
        expect(engine.status()).toMatchObject({ ask_index: 'ready', preparing: [] });
      } finally {
        release();
        await engine.close();
      }
    },
    INDEX_SAMPLE_MS,
  );

  it('an in-process question (the command line, MCP) waits for the rebuild instead', async () => {
    const copy = await buildSampleIndex();
    await writeAsOlderVersion(dataDirLayout(copy).sentences, 'PSSN');
    const { engine, release, documentsEmbedded } = await openWithHeldEmbedder(copy);
    try {
      const answering = engine.ask({ question: 'how does reward noise affect reinforcement learning?' });
      release();
      expect((await answering).citations.length).toBeGreaterThan(0);
      expect(documentsEmbedded()).toBeGreaterThan(0);
    } finally {
      await engine.close();
    }
  });
});
