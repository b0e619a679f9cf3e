import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSettings } from '../../core/config.js';
import { LiveEngine, SearchEngine } from '../../server/engine/index.js';
import { createApp } from '../../server/index.js';
import { INDEX_SAMPLE_MS } from '../helpers/limits.js';
import { liveSampleCopy } from '../helpers/live-sample.js';
import { buildSampleIndex } from '../helpers/sample-index.js';

const TOKEN = 'correct horse battery staple';

const NEW_PAPERS = [
  {
    id: '2601.00001',
    title: 'Quokka gradients: marsupial-inspired optimisation for sparse transformers',
    abstract:
      'We introduce quokka gradients, an optimiser that keeps sparse transformer training stable. Quokka gradients halve the loss spikes of Adam on long sequences.',
    date: '2026-01-05',
    upvotes: 3,
  },
  {
    title: 'Axolotl retrieval: regenerating stale passages in retrieval augmented generation',
    abstract:
      'Axolotl retrieval rewrites stale passages before generation. It improves answer freshness on three question answering benchmarks.',
    authors: ['A. Author', 'B. Author'],
  },
];

interface ErrorBody {
  error: { code: string; message: string; parameter?: string };
}

// biome-ignore lint/suspicious/noExplicitAny: test responses are checked by assertions, not types.
async function json(response: Response | Promise<Response>): Promise<any> {
  return (await response).json();
}

function post(app: Hono, body: unknown, token?: string): Promise<Response> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (token !== undefined) headers.Authorization = `Bearer ${token}`;
  return Promise.resolve(app.request('/api/papers', { method: 'POST', headers, body: JSON.stringify(body) }));
}

describe('POST /api/papers', () => {
  let scratch: { dir: string; remove: () => Promise<void> };
  let live: LiveEngine;
  let app: Hono;

  beforeAll(async () => {
    ({ scratch, live } = await liveSampleCopy('paperscope-admin-'));
    app = createApp({ engine: live, http: { adminToken: TOKEN } });
  }, INDEX_SAMPLE_MS);
  afterAll(async () => {
    await live.close();
    await scratch.remove();
  });

  it('is refused (403) when no admin token is configured: the server is read-only', async () => {
    const readOnly = createApp({ engine: live, http: { adminToken: undefined } });
    const response = await post(readOnly, NEW_PAPERS, TOKEN);
    expect(response.status).toBe(403);
    const { error } = (await response.json()) as ErrorBody;
    expect(error.code).toBe('READ_ONLY');
    expect(error.message).toContain('PAPERSCOPE_ADMIN_TOKEN');
  });

  it.each([
    ['without a token', undefined],
    ['with a wrong token', 'correct horse battery stapler'],
    ['with an empty token', ''],
  ])('answers 401 %s', async (_, token) => {
    const response = await post(app, NEW_PAPERS, token);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('Bearer');
    expect(((await response.json()) as ErrorBody).error.code).toBe('UNAUTHORIZED');
    expect(live.current.status().papers).toBe(62);
  });

  it.each([
    ['a record without an abstract', [NEW_PAPERS[0], { title: 'Only a title' }], 'papers[1].abstract'],
    ['a record that is not an object', [42], 'papers[0]'],
    ['a bad date', [{ ...NEW_PAPERS[0], date: 'the day after tomorrow' }], 'papers[0].date'],
    ['a duplicate id', [NEW_PAPERS[0], NEW_PAPERS[0]], 'papers[1].id'],
    ['an empty list', [], 'papers'],
    ['an object without papers', { paper: NEW_PAPERS }, 'papers'],
  ])('rejects %s with a 400 naming the record and field, adding nothing', async (_, body, parameter) => {
    const response = await post(app, body, TOKEN);
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as ErrorBody;
    expect(error.code).toBe('INVALID_PARAMETER');
    expect(error.parameter).toBe(parameter);
    expect(live.current.status().papers).toBe(62);
  });

  it('adds papers with the indexer, searchable at once, leaving the indexed ones untouched', async () => {
    const before = await json(app.request('/api/clusters'));
    const firstId = before.clusters[0].papers[0].id as string;
    const existing = await json(app.request(`/api/papers/${firstId}`));

    const response = await post(app, { papers: NEW_PAPERS }, TOKEN);
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({ added: 2, updated: 0, unchanged: 0, total: 64 });

    expect((await json(app.request('/api/status'))).papers).toBe(64);
    const quokka = await json(app.request('/api/search?q=quokka%20gradients'));
    expect(quokka.results[0].id).toBe('2601.00001');
    const axolotl = await json(app.request('/api/search?q=axolotl%20retrieval&mode=lexical'));
    expect(axolotl.results[0].title).toBe(NEW_PAPERS[1]?.title);
    expect(await json(app.request(`/api/papers/${firstId}`))).toEqual(existing);

    // Posting the same papers again changes nothing.
    expect(await json(post(app, NEW_PAPERS, TOKEN))).toEqual({ added: 0, updated: 0, unchanged: 2, total: 64 });
  });
});

describe('LiveEngine', () => {
  it('finishes a request on the engine it started with while new requests get the new one', async () => {
    const dataDir = await buildSampleIndex();
    const options = { dataDir, cacheDir: readSettings().cacheDir, offline: true };
    const first = await SearchEngine.open(options);
    const live = new LiveEngine(first, options);
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const app = new Hono();
    app.use(live.pin());
    app.get('/slow', async (c) => {
      await held;
      return c.json({ first: live.for(c) === first });
    });
    app.get('/fast', (c) => c.json({ first: live.for(c) === first }));

    const slow = app.request('/slow');
    await live.reload();
    expect(live.current).not.toBe(first);
    expect(await json(app.request('/fast'))).toEqual({ first: false });
    release();
    expect(await json(slow)).toEqual({ first: true });
    await live.close();
  });
});
