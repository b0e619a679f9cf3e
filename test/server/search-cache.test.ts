import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readSettings } from '../../core/config.js';
import { createApp, SearchEngine } from '../../server/index.js';
import { LiveEngine, type SearchParams, searchParamsSchema } from '../../server/engine/index.js';
import { SECURITY_HEADERS } from '../../server/middleware/index.js';
import { SearchResponseCache, searchKey } from '../../server/routes/index.js';
import { INDEX_SAMPLE_MS } from '../helpers/limits.js';
import { buildSampleIndex } from '../helpers/sample-index.js';
import { listen } from './socket.js';

type SearchResponse = Awaited<ReturnType<SearchEngine['search']>>;

/** Stands in for an engine: the cache only calls `search`, and this one counts the calls. */
function countingEngine(tookMs = 7.25) {
  const engine = {
    calls: 0,
    async search(params: SearchParams): Promise<SearchResponse> {
      engine.calls++;
      return {
        query: params.q,
        took_ms: tookMs,
        total: params.k,
        total_relation: 'eq',
        offset: params.offset,
        has_more: false,
        next_offset: null,
        results: [],
      };
    },
  };
  return engine;
}

const params = (query: Record<string, string>): SearchParams => searchParamsSchema.parse(query);
const parsed = (json: string) => JSON.parse(json) as SearchResponse & { cached: boolean };

/** Asks for each query in turn, parsing the answers. */
async function answers(cache: SearchResponseCache, engine: ReturnType<typeof countingEngine>, queries: string[]) {
  const answered: Array<ReturnType<typeof parsed>> = [];
  for (const q of queries) answered.push(parsed(await cache.answer(engine, params({ q }))));
  return answered;
}

describe('SearchResponseCache', () => {
  it('keeps a response the second time it is asked for, then answers from the cache with the time of the lookup', async () => {
    const cache = new SearchResponseCache();
    const engine = countingEngine();
    const [first, second, third, fourth] = await answers(cache, engine, [
      'noisy rewards',
      'noisy rewards',
      'noisy rewards',
      'noisy rewards',
    ]);
    expect(engine.calls).toBe(2);
    expect(first).toEqual({
      query: 'noisy rewards',
      took_ms: 7.25,
      total: 10,
      total_relation: 'eq',
      offset: 0,
      has_more: false,
      next_offset: null,
      results: [],
      cached: false,
    });
    expect(second).toEqual(first);
    expect(third).toEqual({ ...first, took_ms: expect.any(Number), cached: true });
    expect(third?.took_ms).toBeLessThan(7.25);
    expect(Object.keys(third ?? {})).toEqual(Object.keys(first ?? {}));
    expect(fourth).toEqual({ ...third, took_ms: expect.any(Number) });
  });

  it('serialises a searched response in one piece, and keeps the cached copy equal to it', async () => {
    const cache = new SearchResponseCache();
    // A query that JSON escapes, a fraction of a millisecond and non-ASCII text: the cached halves are cut from the whole.
    const engine = countingEngine(0.07);
    const q = 'the "noisy" reward – β…';
    const stringify = vi.spyOn(JSON, 'stringify');
    let first: ReturnType<typeof parsed>;
    try {
      first = parsed(await cache.answer(engine, params({ q })));
      // Once, whole (it was the query, then the rest, then the two joined: a copy of the whole JSON).
      const bodies = stringify.mock.calls.filter(
        ([value]) => value === q || (typeof value === 'object' && value !== null && 'results' in value),
      );
      expect(bodies).toHaveLength(1);
      expect(bodies[0]?.[0]).toMatchObject({ query: q, took_ms: 0.07, cached: false });
    } finally {
      stringify.mockRestore();
    }
    const second = await cache.answer(engine, params({ q }));
    expect(second).toBe(JSON.stringify(first));
    const cached = parsed(await cache.answer(engine, params({ q })));
    expect(cached).toEqual({ ...first, took_ms: expect.any(Number), cached: true });
    expect(Object.keys(cached)).toEqual(Object.keys(first));
    expect(engine.calls).toBe(2);
  });

  it('keeps nothing of searches that never repeat', async () => {
    const cache = new SearchResponseCache();
    const engine = countingEngine();
    const queries = ['one', 'two', 'three', 'four'];
    expect((await answers(cache, engine, [...queries, ...queries.map((q) => `${q} again`)])).every((answer) => !answer.cached)).toBe(true);
    expect((await answers(cache, engine, queries)).every((answer) => !answer.cached)).toBe(true);
    expect((await answers(cache, engine, queries)).every((answer) => answer.cached)).toBe(true);
  });

  it('shares an entry between requests that validate to the same parameters', async () => {
    const cache = new SearchResponseCache();
    const engine = countingEngine();
    await cache.answer(engine, params({ q: 'reward model' }));
    await cache.answer(engine, params({ q: '  reward model ', k: '10', mode: 'hybrid', sort: 'relevance', offset: '0' }));
    expect(parsed(await cache.answer(engine, params({ q: 'reward model', k: '10' }))).cached).toBe(true);
    expect(engine.calls).toBe(2);
    expect(searchKey(params({ q: 'x', k: '10' }))).toBe(searchKey(params({ q: 'x' })));
  });

  it('keeps different parameters apart', async () => {
    const cache = new SearchResponseCache();
    const engine = countingEngine();
    const variants: Array<Record<string, string>> = [
      { q: 'a' },
      { q: 'A' },
      { q: 'a', k: '5' },
      { q: 'a', offset: '10' },
      { q: 'a', mode: 'lexical' },
      { q: 'a', topic: '1' },
      { q: 'a', from: '2025' },
      { q: 'a', sort: 'date' },
    ];
    for (const round of [1, 2]) {
      for (const variant of variants) expect(parsed(await cache.answer(engine, params(variant))).cached, `round ${round}`).toBe(false);
    }
    expect(engine.calls).toBe(2 * variants.length);
    expect(new Set(variants.map((variant) => searchKey(params(variant)))).size).toBe(variants.length);
  });

  it('evicts the least recently used response beyond its bound', async () => {
    const cache = new SearchResponseCache({ maxEntries: 2 });
    const engine = countingEngine();
    // Each asked for twice, so kept; "one" is used again before "three" arrives.
    await answers(cache, engine, ['one', 'one', 'two', 'two', 'one', 'three', 'three']);
    expect(engine.calls).toBe(6);
    const [one, two] = await answers(cache, engine, ['one', 'two']);
    expect([one?.cached, two?.cached]).toEqual([true, false]);
  });

  it('does not keep a response larger than its size bound', async () => {
    const cache = new SearchResponseCache({ maxChars: 50 });
    const engine = countingEngine();
    await answers(cache, engine, [
      'a query long enough to exceed fifty characters of JSON',
      'a query long enough to exceed fifty characters of JSON',
    ]);
    expect(parsed(await cache.answer(engine, params({ q: 'a query long enough to exceed fifty characters of JSON' }))).cached).toBe(false);
  });

  it('starts empty for another engine, as after a reload', async () => {
    const cache = new SearchResponseCache();
    const old = countingEngine();
    const reloaded = countingEngine();
    await answers(cache, old, ['noisy rewards', 'noisy rewards']);
    expect((await answers(cache, old, ['noisy rewards']))[0]?.cached).toBe(true);
    expect((await answers(cache, reloaded, ['noisy rewards', 'noisy rewards'])).map((answer) => answer.cached)).toEqual([false, false]);
    expect([old.calls, reloaded.calls]).toEqual([2, 2]);
  });

  it('keeps nothing when the search fails', async () => {
    const cache = new SearchResponseCache();
    let calls = 0;
    const failing = {
      search: async (): Promise<SearchResponse> => {
        calls++;
        throw new Error('index gone');
      },
    };
    await expect(cache.answer(failing, params({ q: 'x' }))).rejects.toThrow('index gone');
    await expect(cache.answer(failing, params({ q: 'x' }))).rejects.toThrow('index gone');
    expect(calls).toBe(2);
  });
});

describe('GET /api/search with the response cache, on the sample index', () => {
  let dataDir: string;
  let engine: SearchEngine;

  beforeAll(async () => {
    dataDir = await buildSampleIndex();
    engine = await SearchEngine.open({ dataDir, cacheDir: readSettings().cacheDir, offline: true });
  }, INDEX_SAMPLE_MS);
  afterAll(() => engine.close());

  it('answers a repeat exactly as the engine did, and searches again after the engine is swapped', async () => {
    const open = () => SearchEngine.open({ dataDir, cacheDir: readSettings().cacheDir, offline: true });
    const live = new LiveEngine(await open());
    const app = createApp({ engine: live, http: { rateLimitPerMinute: 0 } });
    const search = async (url: string) => {
      const response = await app.request(url);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/json');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      return (await response.json()) as SearchResponse & { cached: boolean };
    };
    const url = '/api/search?q=noisy%20rewards&k=5&mode=hybrid';
    const first = await search(url);
    const direct = await engine.search(params({ q: 'noisy rewards', k: '5' }));
    expect(first).toEqual({ ...direct, took_ms: first.took_ms, cached: false });
    expect(await search(url)).toEqual({ ...first, took_ms: expect.any(Number) });
    expect(await search(url)).toEqual({ ...first, took_ms: expect.any(Number), cached: true });

    // The swap closes the first engine; the second is closed with the LiveEngine.
    await live.swap(await open());
    try {
      const afterSwap = await search(url);
      expect(afterSwap).toEqual({ ...first, took_ms: afterSwap.took_ms, cached: false });
    } finally {
      await live.close();
    }
  });

  it('sends searched and cached answers over a socket with every security header and a correct length', async () => {
    const server = await listen(createApp({ engine, http: { rateLimitPerMinute: 0 } }));
    try {
      for (const expected of [false, false, true]) {
        const response = await fetch(`http://127.0.0.1:${server.port}/api/search?q=reward%20noise`);
        const body = await response.text();
        expect(response.status).toBe(200);
        expect(Number(response.headers.get('content-length'))).toBe(Buffer.byteLength(body));
        expect(response.headers.get('content-type')).toBe('application/json');
        for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(response.headers.get(name), name).toBe(value);
        expect((JSON.parse(body) as { cached: boolean }).cached).toBe(expected);
      }
    } finally {
      await server.close();
    }
  });
});
