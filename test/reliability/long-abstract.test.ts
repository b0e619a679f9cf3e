import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IndexSummary } from '../../indexer/index.js';
import { MAX_ABSTRACT_CHARS } from '../../indexer/parse/index.js';
import { INDEX_SAMPLE_MS } from '../helpers/limits.js';
import { indexSample, SAMPLE_FILE, temporaryDir } from '../helpers/sample-index.js';
import { outcomeOf, serverUrl, spawnCli } from './cli.js';

/** Far above what any of these requests needs once bounded; a 1 MB abstract used to take 34 s. */
const GENEROUS_MS = 5_000;

async function timedJson(url: URL): Promise<{ ms: number; status: number; body: unknown }> {
  const started = performance.now();
  const response = await fetch(url);
  const body = (await response.json()) as unknown;
  return { ms: performance.now() - started, status: response.status, body };
}

describe('a 1 MB abstract indexed beside the sample', () => {
  let scratch: { dir: string; remove: () => Promise<void> };
  let longFile: string;
  let summary: IndexSummary;
  let dataDir: string;

  beforeAll(async () => {
    scratch = await temporaryDir('paperscope-long-');
    dataDir = path.join(scratch.dir, 'index');
    longFile = path.join(scratch.dir, 'long.json');
    const abstract = 'charlie noise alpha bravo '.repeat(40_000);
    await writeFile(
      longFile,
      JSON.stringify([{ title: 'Charlie noise in a very long abstract', abstract, date: '2025-05-01', upvotes: 3 }]),
    );
    summary = await indexSample(dataDir, { paths: [SAMPLE_FILE, longFile] });
  }, INDEX_SAMPLE_MS);
  afterAll(async () => scratch?.remove());

  it('is kept, cut to the documented limit, and the cut is reported with file, line and field', () => {
    expect(summary.total).toBe(63);
    const cut = summary.issues.filter((issue) => issue.file === longFile);
    expect(cut).toEqual([
      expect.objectContaining({
        file: longFile,
        line: 1,
        field: 'abstract',
        kept: true,
        message: expect.stringContaining(`the limit is ${MAX_ABSTRACT_CHARS}`),
      }),
    ]);
  });

  it(
    'is searched within a generous bound, and /api/status answers meanwhile',
    async () => {
      const child = spawnCli(['serve', '--data-dir', dataDir, '--port', '0', '--offline'], {
        PAPERSCOPE_RATE_LIMIT: '0',
        PAPERSCOPE_RELOAD_INTERVAL_MS: '0',
      });
      const exited = outcomeOf(child);
      try {
        const url = await serverUrl(child);
        const searching = timedJson(new URL('/api/search?q=charlie+noise&k=20', url));
        const status = await timedJson(new URL('/api/status', url));
        const search = await searching;
        expect(search.status).toBe(200);
        const hits = (search.body as { results: Array<{ title: string; snippet: string }> }).results;
        expect(hits[0]?.title).toBe('Charlie noise in a very long abstract');
        expect(hits[0]?.snippet.length).toBeLessThanOrEqual(320);
        expect(search.ms).toBeLessThan(GENEROUS_MS);
        expect(status.status).toBe(200);
        expect(status.ms).toBeLessThan(GENEROUS_MS);
      } finally {
        child.kill('SIGTERM');
        await exited;
      }
    },
    INDEX_SAMPLE_MS,
  );
});
