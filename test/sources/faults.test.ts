import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSettings } from '../../core/config.js';
import { isPaperscopeError } from '../../core/errors.js';
import { createIndexer } from '../../indexer/index.js';
import { type FetchContext, fetchSource, readSources } from '../../indexer/sources/index.js';
import { dataDirLayout, PapersTable } from '../../indexer/store/index.js';
import { hashedWordsEmbedder } from '../helpers/hashed-words-embedder.js';
import { INDEX_SAMPLE_MS } from '../helpers/limits.js';
import { temporaryDir } from '../helpers/sample-index.js';
import { type StandIn, startStandIn } from './stand-in.js';

/** Failures part-way through a fetch: what was read before is kept and indexed once, and the error says so. */
describe('fetch faults', () => {
  let scratch: { dir: string; remove: () => Promise<void> };
  let standIn: StandIn;

  beforeAll(async () => {
    scratch = await temporaryDir('paperscope-fetch-faults-');
    standIn = await startStandIn();
  });
  afterAll(async () => {
    await standIn.close();
    await scratch.remove();
  });

  function context(dataDir: string): FetchContext {
    const embedder = hashedWordsEmbedder();
    return {
      settings: { arxivApi: `${standIn.url}/api/query`, hfEndpoint: standIn.url, pauseMs: 10, timeoutMs: 300 },
      sourcesFile: dataDirLayout(dataDir).sources,
      indexer: createIndexer({ embedder: { create: async () => embedder, reopen: async () => embedder } }),
      pipeline: { dataDir, cacheDir: readSettings().cacheDir, offline: true, embedder: 'word-vectors', clusters: 'auto' },
    };
  }

  async function count(dataDir: string): Promise<number> {
    return (await PapersTable.open(dataDirLayout(dataDir)))?.count() ?? 0;
  }

  async function failure(promise: Promise<unknown>): Promise<Error> {
    const error = await promise.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(isPaperscopeError(error) && error.code, String(error)).toBe('SOURCE_FAILED');
    return error as Error;
  }

  it(
    'keeps and indexes the pages read before a malformed one; the next fetch goes on from there',
    async () => {
      const dataDir = `${scratch.dir}/malformed`;
      const arxiv = { kind: 'arxiv' as const, query: 'cat:cs.CL', max: 3 };
      const truncated = { status: 200, body: '<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>cut' };
      standIn.failNext('/api/query', truncated);
      const error = await failure(fetchSource(arxiv, context(dataDir)));
      expect(error.message).toMatch(/^arXiv: http:\/\/127\.0\.0\.1:\d+\/api\/query\?\S+: the answer is not a readable Atom feed/);
      expect(error.message).toMatch(/nothing was read, the index is unchanged$/);
      expect(await readSources(dataDirLayout(dataDir).sources)).toEqual([]);

      // The stand-in's first 503, page 1, then page 2 cut short: page 1's two papers are kept.
      standIn.failNext('start=2&', truncated);
      const partial = await failure(fetchSource(arxiv, context(dataDir)));
      expect(partial.message).toMatch(/kept the 2 papers read before it \(indexed: 2 added, 0 updated\)$/);
      expect(await count(dataDir)).toBe(2);
      expect(await readSources(dataDirLayout(dataDir).sources)).toEqual([
        { spec: arxiv, lastRunAt: expect.any(String), papers: 2, resume: { start: 2, kept: 2 } },
      ]);

      // The next fetch goes on at result 2, for the one paper --max 3 still allows.
      const summary = await fetchSource(arxiv, context(dataDir));
      expect(summary).toMatchObject({ requests: 1, fetched: 1, index: { added: 1, total: 3 } });
      expect(standIn.requests.at(-1)).toMatch(/start=2&max_results=1&/);
      expect(await count(dataDir)).toBe(3);
      expect((await readSources(dataDirLayout(dataDir).sources))[0]?.resume).toBeUndefined();
    },
    INDEX_SAMPLE_MS,
  );

  it('a --since fetch stopped on a day goes on from that day', async () => {
    const dataDir = `${scratch.dir}/since`;
    const since = { kind: 'hf-daily' as const, since: '2026-01-11' };
    const now = () => new Date('2026-01-13T09:00:00Z');
    standIn.failNext('date=2026-01-12', { status: 400 });
    const error = await failure(fetchSource(since, { ...context(dataDir), now }));
    expect(error.message).toMatch(/daily_papers\?date=2026-01-12: HTTP 400; a retry would not change the answer; nothing was read/);
    expect((await readSources(dataDirLayout(dataDir).sources))[0]?.resume).toEqual({ day: '2026-01-12' });

    const summary = await fetchSource(since, { ...context(dataDir), now });
    expect(summary).toMatchObject({ requests: 2, fetched: 2, index: { added: 2 } });
    expect(standIn.requests.slice(-2)).toEqual(['/api/daily_papers?date=2026-01-12', '/api/daily_papers?date=2026-01-13']);
  });

  it('gives up after a bounded number of timeouts, naming the source and the URL', async () => {
    for (let attempt = 0; attempt < 4; attempt++) standIn.failNext('/api/daily_papers', 'hang');
    const error = await failure(fetchSource({ kind: 'hf-daily', date: '2026-01-12' }, context(`${scratch.dir}/timeouts`)));
    expect(error.message).toMatch(
      /^Hugging Face daily papers: http:\/\/127\.0\.0\.1:\d+\/api\/daily_papers\?date=2026-01-12: no answer in time; gave up after 4 attempts; nothing was read/,
    );
  });

  it('does not retry a 404, nor wait for a Retry-After longer than it allows', async () => {
    standIn.failNext('/api/daily_papers', { status: 404 });
    expect((await failure(fetchSource({ kind: 'hf-daily', date: '2026-01-12' }, context(`${scratch.dir}/404`)))).message).toMatch(
      /HTTP 404; a retry would not change the answer; nothing was read/,
    );
    standIn.failNext('/api/daily_papers', { status: 429, headers: { 'retry-after': '86400' } });
    expect((await failure(fetchSource({ kind: 'hf-daily', date: '2026-01-12' }, context(`${scratch.dir}/429`)))).message).toMatch(
      /retry after 86400 s/,
    );
  });
});
