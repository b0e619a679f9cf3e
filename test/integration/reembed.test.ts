import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSettings } from '../../core/config.js';
import { runIndex } from '../../indexer/index.js';
import { SearchEngine } from '../../server/engine/index.js';
import { makeTinyModel, TINY_HIDDEN_SIZE } from '../../scripts/make-tiny-model.js';
import { INDEX_SAMPLE_MS } from '../helpers/limits.js';
import {
  buildSampleIndex,
  offlineIndexOptions,
  SAMPLE_FILE,
  SAMPLE_YEAR,
  temporaryDir,
  transformerSampleOptions,
} from '../helpers/sample-index.js';

/** Switching an index from the word vectors to the transformer path, on the tiny test model. */
describe('re-embedding an index with another embedder', () => {
  let dataDir: string;
  let modelDir: string;
  let remove: () => Promise<void>;
  const cacheDir = readSettings().cacheDir;

  beforeAll(async () => {
    const scratch = await temporaryDir();
    remove = scratch.remove;
    dataDir = path.join(scratch.dir, 'index');
    modelDir = path.join(scratch.dir, 'tiny-bert');
    await makeTinyModel(modelDir);
    await buildSampleIndex(dataDir);
  }, INDEX_SAMPLE_MS);
  afterAll(() => remove());

  const transformerRun = (reembed: boolean) => runIndex(transformerSampleOptions(dataDir, modelDir, { reembed }));

  it('refuses to mix transformer vectors into a word-vector index', async () => {
    await expect(transformerRun(false)).rejects.toMatchObject({ code: 'INDEX_MISMATCH', message: expect.stringMatching(/--reembed/) });
  });

  it(
    'rebuilds every vector with --reembed, and queries then use the transformer',
    async () => {
      const summary = await transformerRun(true);
      // The same 62 papers, re-embedded: updated, not added.
      expect(summary).toMatchObject({
        total: 62,
        added: 0,
        updated: 62,
        unchanged: 0,
        embedder: { kind: 'transformer', dimension: TINY_HIDDEN_SIZE },
      });

      const engine = await SearchEngine.open({ dataDir, cacheDir, modelDir, offline: true });
      try {
        expect(engine.status()).toMatchObject({
          papers: 62,
          fallback: false,
          embedder: { kind: 'transformer', dimension: TINY_HIDDEN_SIZE },
        });
        // Hybrid, which embeds the query with the transformer: the tiny random model's vector matches
        // alone need not clear the similarity floor its own off-topic probes set.
        const { results } = await engine.search({ q: 'noisy rewards for reasoning', k: 5, offset: 0, mode: 'hybrid', sort: 'relevance' });
        expect(results).toHaveLength(5);
        const related = await engine.similar(results[0]?.id ?? '', 3);
        expect(related.results.map((hit) => hit.id)).not.toContain(results[0]?.id);
      } finally {
        await engine.close();
      }
    },
    INDEX_SAMPLE_MS,
  );

  it('then refuses word vectors until re-embedded again', async () => {
    const attempt = runIndex(offlineIndexOptions(dataDir, { paths: [SAMPLE_FILE], year: SAMPLE_YEAR }));
    await expect(attempt).rejects.toMatchObject({ code: 'INDEX_MISMATCH' });
  });
});
