import { writeFile } from 'node:fs/promises';
import { expect } from 'vitest';
import { readSettings } from '../../core/config.js';
import { PaperscopeError } from '../../core/errors.js';
import { createRandom } from '../../core/random.js';
import { documentText } from '../../indexer/index.js';
import { dataDirLayout, PapersTable } from '../../indexer/store/index.js';
import { SearchEngine } from '../../server/engine/index.js';
import type { SyntheticPaper } from './corpus.js';

export { outcomeOf, serverUrl, spawnCli } from './cli.js';

export async function writeCorpus(file: string, papers: readonly SyntheticPaper[]): Promise<void> {
  await writeFile(file, JSON.stringify(papers));
}

/** The ids in the papers table, read directly (not through the engine). */
export async function storedIds(dataDir: string): Promise<string[]> {
  const table = await PapersTable.open(dataDirLayout(dataDir));
  if (!table) return [];
  return [...(await table.contentHashes()).keys()];
}

export async function openEngine(dataDir: string): Promise<SearchEngine> {
  return SearchEngine.open({ dataDir, cacheDir: readSettings().cacheDir, offline: true });
}

/**
 * Opens the index the way the server does and checks it against the table: same papers, no
 * duplicates, and `sample` seeded papers each finding themselves first by vector search.
 * Returns the number of papers, 0 when no batch was committed yet (then there is no index to open).
 */
export async function checkIndex(dataDir: string, papers: readonly SyntheticPaper[], sample: number, seed: number): Promise<number> {
  const ids = await storedIds(dataDir);
  expect(new Set(ids).size, 'duplicate ids in the papers table').toBe(ids.length);
  let engine: SearchEngine;
  try {
    engine = await openEngine(dataDir);
  } catch (error) {
    // Before the first batch there is nothing to open, and the engine says so.
    if (ids.length === 0 && error instanceof PaperscopeError && error.code === 'NO_INDEX') return 0;
    throw error;
  }
  try {
    expect(engine.status().papers).toBe(ids.length);
    const byId = new Map(papers.map((paper) => [paper.id, paper]));
    const random = createRandom(seed);
    for (let drawn = 0; drawn < Math.min(sample, ids.length); drawn++) {
      const id = ids[Math.floor(random() * ids.length)] ?? '';
      const paper = byId.get(id);
      expect(paper, `unknown id ${id} in the table`).toBeDefined();
      const { results } = await engine.search({
        q: documentText(paper as SyntheticPaper),
        k: 1,
        offset: 0,
        mode: 'vector',
        sort: 'relevance',
      });
      expect(results[0]?.id, `paper ${id} should find itself first`).toBe(id);
    }
  } finally {
    await engine.close();
  }
  return ids.length;
}
