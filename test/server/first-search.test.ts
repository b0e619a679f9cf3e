import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readSettings } from '../../core/config.js';
import { loadEngine } from '../../server/engine/load.js';
import { searchParamsSchema } from '../../server/engine/schemas.js';
import { search } from '../../server/engine/search.js';
import type { EngineState } from '../../server/engine/state.js';
import { INDEX_SAMPLE_MS } from '../helpers/limits.js';
import { buildSampleIndex } from '../helpers/sample-index.js';

// What a server's first search may not cost at a million papers: a map of every paper's id.
describe('the first search of a loaded index', () => {
  let state: EngineState;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const dataDir = await buildSampleIndex();
    ({ state } = await loadEngine({ dataDir, cacheDir: readSettings().cacheDir, offline: true }));
    close = () => state.close();
  }, INDEX_SAMPLE_MS);
  afterAll(async () => close?.());

  it('maps BM25 documents to papers in table order without decoding the ids', () => {
    expect(Array.from(state.lexicalToPaper)).toEqual(state.papers.ids.map((_, position) => position));
    expect(state.lexical.hasIds(state.papers.length, (position) => state.papers.ids[position] ?? '')).toBe(true);
  });

  it('shows its papers at the positions the rankers found, looking up no id', async () => {
    const byId = vi.spyOn(state, 'positionOf');
    const responses = [];
    for (const mode of ['hybrid', 'lexical', 'vector'] as const)
      responses.push(await search(state, searchParamsSchema.parse({ q: 'reward noise in reinforcement learning', mode })));
    expect(byId).not.toHaveBeenCalled();
    byId.mockRestore();
    for (const response of responses) {
      expect(response.results.length).toBeGreaterThan(0);
      for (const hit of response.results) expect(hit.title).toBe(state.briefById(hit.id).title);
    }
  });
});
