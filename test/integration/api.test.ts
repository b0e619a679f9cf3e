import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { readSettings } from '../../core/config.js';
import { PROJECT_ROOT } from '../../core/version.js';
import { parseListing } from '../../indexer/parse/parse.js';
import {
  askResponseSchema,
  browseResponseSchema,
  clustersResponseSchema,
  healthSchema,
  mapResponseSchema,
  paperDetailSchema,
  type SearchHit,
  type SimilarHit,
  searchResponseSchema,
  similarResponseSchema,
  statusSchema,
  subtopicsResponseSchema,
  trendResponseSchema,
} from '../../server/engine/index.js';
import { createApp, SearchEngine, startServer } from '../../server/index.js';
import { API_OPERATIONS, operationParameters } from '../../server/routes/index.js';
import { INDEX_SAMPLE_MS } from '../helpers/limits.js';
import { buildSampleIndex } from '../helpers/sample-index.js';

const CLIMB = 'The Climb Carves Wisdom Deeper Than the Summit: On the Noisy Rewards in Learning to Reason';

/** A search, browse or related-papers result, typed by the API's own response schemas. */
type Hit = SearchHit & Partial<SimilarHit>;

describe('the HTTP API on the sample index', () => {
  let engine: SearchEngine;
  let app: Hono;
  let dataDir: string;

  const getJson = async (url: string, init?: RequestInit) => {
    const response = await app.request(url, init);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const post = (url: string, body: unknown) =>
    getJson(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  beforeAll(async () => {
    dataDir = await buildSampleIndex();
    engine = await SearchEngine.open({ dataDir, cacheDir: readSettings().cacheDir, offline: true });
    app = createApp({ engine });
  }, INDEX_SAMPLE_MS);
  afterAll(() => engine.close());

  it('ranks the noisy-rewards paper in the top 3 for a question about noisy rewards in RL for LLM reasoning', async () => {
    const { status, body } = await getJson(
      `/api/search?q=${encodeURIComponent('noisy rewards in reinforcement learning for LLM reasoning')}&k=10`,
    );
    expect(status).toBe(200);
    const results = body.results as Hit[];
    expect(results).toHaveLength(10);
    expect(results.slice(0, 3).map((hit) => hit.title)).toContain(CLIMB);
    expect(body).toMatchObject({ query: 'noisy rewards in reinforcement learning for LLM reasoning', took_ms: expect.any(Number) });
  });

  it('gives every result a snippet whose highlights point at query words, and its topic', async () => {
    const { body } = await getJson('/api/search?q=reward%20noise&k=5');
    for (const hit of body.results as Hit[]) {
      expect(hit.snippet.length).toBeGreaterThan(0);
      expect(hit.cluster.label.length).toBeGreaterThan(0);
      for (const { start, end } of hit.highlights) expect(hit.snippet.slice(start, end).toLowerCase()).toMatch(/reward|nois/);
    }
    expect((body.results as Hit[]).some((hit) => hit.highlights.length > 0)).toBe(true);
  });

  it('supports the lexical and vector modes, filters and pagination', async () => {
    const lexical = await getJson('/api/search?q=GRPO&mode=lexical&k=5');
    expect((lexical.body.results as Hit[])[0]?.snippet).toMatch(/GRPO/);
    const vector = await getJson('/api/search?q=music%20generation&mode=vector&k=3');
    expect(vector.body.results as Hit[]).toHaveLength(3);
    const popular = await getJson('/api/search?q=reward&min_upvotes=5&k=20');
    const popularHits = popular.body.results as Hit[];
    expect(popularHits.length).toBeGreaterThan(0);
    for (const hit of popularHits) expect(hit.upvotes).toBeGreaterThanOrEqual(5);
    const recent = await getJson('/api/search?q=reward&from=2026-01-01&sort=date&k=20');
    const dates = (recent.body.results as Hit[]).map((hit) => hit.date ?? '');
    expect(dates.every((date) => date >= '2026-01-01')).toBe(true);
    expect(dates).toEqual([...dates].sort().reverse());
    const first = await getJson('/api/search?q=reward&k=4');
    const second = await getJson('/api/search?q=reward&k=2&offset=2');
    expect((second.body.results as Hit[]).map((hit) => hit.id)).toEqual((first.body.results as Hit[]).slice(2).map((hit) => hit.id));
  });

  it('counts the papers that match, the same for every k and offset, and says whether more follow', async () => {
    for (const mode of ['hybrid', 'lexical', 'vector']) {
      const pages = [];
      for (const [k, offset] of [
        [10, 0],
        [20, 0],
        [5, 5],
      ])
        pages.push((await getJson(`/api/search?q=reward%20noise&mode=${mode}&k=${k}&offset=${offset}`)).body);
      const [first = {}, , third = {}] = pages as Array<Record<string, unknown>>;
      const total = first.total as number;
      expect(new Set(pages.map((page) => page.total)).size, mode).toBe(1);
      expect(total).toBeLessThanOrEqual(62);
      expect(first).toMatchObject({ has_more: total > 10, next_offset: total > 10 ? 10 : null });
      expect((third.results as Hit[]).map((hit) => hit.id)).toEqual((first.results as Hit[]).slice(5, 10).map((hit) => hit.id));
    }
    expect((await getJson('/api/search?q=reward%20noise&mode=lexical&k=10')).body.total).toBe(60);
    // A word no paper uses, and nothing near it: no results, not 62 of 62.
    expect((await getJson('/api/search?q=qwxzvpt&k=10')).body).toMatchObject({
      total: 0,
      total_relation: 'eq',
      results: [],
      has_more: false,
      next_offset: null,
    });
  });

  it('puts the paper about reward noise first for "reward noise", and matches quoted phrases exactly', async () => {
    for (const mode of ['hybrid', 'lexical']) {
      const { body } = await getJson(`/api/search?q=reward%20noise&mode=${mode}&k=3`);
      expect((body.results as Hit[])[0]?.title, mode).toBe(CLIMB);
    }
    const phrase = await getJson(`/api/search?q=${encodeURIComponent('"noisy rewards"')}&k=10`);
    expect(phrase.body).toMatchObject({ total: 1, results: [{ title: CLIMB }] });
  });

  it('rejects invalid parameters with a 400 naming the parameter', async () => {
    for (const [url, parameter] of [
      ['/api/search?q=', 'q'],
      ['/api/search?q=x&k=0', 'k'],
      ['/api/search?q=x&k=abc', 'k'],
      ['/api/search?q=x&mode=fuzzy', 'mode'],
      ['/api/search?q=x&from=yesterday', 'from'],
      ['/api/search?q=x&colour=blue', 'colour'],
      ['/api/search?q=x&from=2025-13', 'from'],
      ['/api/search?q=x&to=2025-02-30', 'to'],
      ['/api/search?q=x&from=2025-06&to=2025-05', 'from'],
      ['/api/search?q=x&min_upvotes=-1', 'min_upvotes'],
    ] as const) {
      const { status, body } = await getJson(url);
      expect(status, url).toBe(400);
      expect(body.error, url).toMatchObject({ code: 'INVALID_PARAMETER', parameter });
    }
    // The API names its own parameters, never the CLI's flags.
    const negative = await getJson('/api/search?q=x&min_upvotes=-1');
    expect((negative.body.error as { message: string }).message).toBe('Invalid parameter "min_upvotes": must be 0 or more');
    // Dates overlapping on their shared precision are in order.
    expect((await getJson('/api/search?q=reward&from=2025-05&to=2025')).status).toBe(200);
    const ask = await post('/api/ask', { question: '' });
    expect(ask.status).toBe(400);
    const notJson = await app.request('/api/ask', { method: 'POST', body: 'question?' });
    expect(notJson.status).toBe(400);
  });

  it('serves a paper, its related papers with shared terms, and 404s unknown ids', async () => {
    const { body: search } = await getJson(`/api/search?q=${encodeURIComponent(CLIMB)}&k=1`);
    const id = (search.results as Hit[])[0]?.id ?? '';
    const paper = await getJson(`/api/papers/${encodeURIComponent(id)}`);
    expect(paper.status).toBe(200);
    expect(paper.body).toMatchObject({ id, title: CLIMB, date: '2025-05-28', authors_count: 5, upvotes: 2, organization: null });
    expect(String(paper.body.abstract)).toMatch(/^Recent studies on post-training/);
    const similar = await getJson(`/api/papers/${encodeURIComponent(id)}/similar?k=5`);
    const related = similar.body.results as Hit[];
    expect(related).toHaveLength(5);
    expect(related.map((hit) => hit.id)).not.toContain(id);
    expect(related.some((hit) => (hit.shared_terms ?? []).length > 0)).toBe(true);
    const missing = await getJson('/api/papers/no-such-paper');
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('finds papers like a pasted text', async () => {
    const { status, body } = await post('/api/similar', {
      text: 'We fine-tune diffusion models for text-to-image generation with human preference rewards.',
      k: 5,
    });
    expect(status).toBe(200);
    expect((body.results as Hit[]).map((hit) => hit.title).join(' ')).toMatch(/Diffusion|Image|Visual/i);
  });

  it('lists labelled topics that partition the corpus, and a map point per paper', async () => {
    const { body } = await getJson('/api/clusters');
    const clusters = body.clusters as Array<{ id: number; label: string; size: number; papers: Array<{ id: string }> }>;
    expect(clusters.length).toBeGreaterThan(1);
    expect(clusters.reduce((sum, cluster) => sum + cluster.size, 0)).toBe(62);
    expect(new Set(clusters.map((cluster) => cluster.label)).size).toBe(clusters.length);
    const one = await getJson(`/api/clusters/${clusters[0]?.id}`);
    expect(one.body).toMatchObject({ id: clusters[0]?.id, label: clusters[0]?.label });
    expect((await getJson('/api/clusters/999')).status).toBe(404);
    // Every route that takes a topic id answers 404 naming an unknown one, never an empty 200.
    for (const [url, parameter] of [
      ['/api/search?q=reward&topic=999', 'topic'],
      ['/api/clusters/999', 'id'],
      ['/api/clusters/999/subtopics', 'id'],
      ['/api/clusters/999/trend', 'id'],
    ] as const) {
      const { status, body } = await getJson(url);
      expect(status, url).toBe(404);
      expect(body.error, url).toMatchObject({ code: 'NOT_FOUND', message: 'No topic with id 999.', parameter });
    }
    const inTopic = await getJson(`/api/search?q=reward&topic=${clusters[0]?.id}&k=100`);
    expect(inTopic.status).toBe(200);
    for (const hit of inTopic.body.results as Hit[]) expect(hit.cluster.id).toBe(clusters[0]?.id);
    const map = await getJson('/api/map');
    const points = map.body.points as Array<{ x: number; y: number }>;
    expect(points).toHaveLength(62);
    for (const point of points) expect(Number.isFinite(point.x) && Number.isFinite(point.y)).toBe(true);
  });

  it('answers a question with cited abstract sentences', async () => {
    const { status, body } = await post('/api/ask', {
      question: 'How robust is reinforcement learning for LLM reasoning to noisy rewards?',
    });
    expect(status).toBe(200);
    const citations = body.citations as Array<{ id: string; title: string; sentence: string }>;
    expect(body.grounded).toBe(true);
    expect(citations.length).toBeGreaterThan(0);
    expect(String(body.answer)).toMatch(/\[1\]/);
    const markers = [...String(body.answer).matchAll(/\[(\d+)\]/g)].map((match) => Number(match[1]));
    for (const marker of markers) expect(citations[marker - 1]).toBeDefined();
    expect(citations.map((citation) => citation.title)).toContain(CLIMB);
  });

  it('reports its status', async () => {
    const { body } = await getJson('/api/status');
    expect(body).toMatchObject({ papers: 62, fallback: true, embedder: { kind: 'word-vectors' } });
  });

  it(
    'serves the same API over a real listening socket, with security headers',
    async () => {
      const server = await startServer({ dataDir, host: '127.0.0.1', port: 0, offline: true });
      try {
        const response = await fetch(`${server.url}/api/search?q=reward%20noise&k=3`);
        expect(response.status).toBe(200);
        expect(response.headers.get('x-content-type-options')).toBe('nosniff');
        expect(response.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
        expect(((await response.json()) as { results: Hit[] }).results).toHaveLength(3);
      } finally {
        await server.close();
      }
    },
    INDEX_SAMPLE_MS,
  );
});

describe('the API described, browsed, exported, and its HTTP basics', () => {
  let engine: SearchEngine;
  let app: Hono;

  beforeAll(async () => {
    engine = await SearchEngine.open({ dataDir: await buildSampleIndex(), cacheDir: readSettings().cacheDir, offline: true });
    app = createApp({ engine, webDir: path.join(PROJECT_ROOT, 'web', 'public') });
  }, INDEX_SAMPLE_MS);
  afterAll(() => engine.close());

  const get = (url: string, init?: RequestInit) => app.request(url, init);
  const json = async (url: string) => {
    const response = await get(url);
    expect(response.status, url).toBe(200);
    return (await response.json()) as Record<string, unknown>;
  };
  const honoPath = (openApiPath: string) => openApiPath.replace(/\{(\w+)\}/g, ':$1');
  const documented = () => API_OPERATIONS.map((operation) => `${operation.method.toUpperCase()} ${honoPath(operation.path)}`).sort();

  it('serves an OpenAPI 3.1 document of every API route, built from the validating schemas', async () => {
    const document = await json('/api/openapi.json');
    expect(document.openapi).toBe('3.1.0');
    const paths = document.paths as Record<
      string,
      Record<string, { parameters?: Array<{ name: string; schema: { minimum?: number; maximum?: number } }> }>
    >;
    for (const path of ['/api/search', '/api/papers/{id}', '/api/clusters', '/api/clusters/{id}', '/api/ask'])
      expect(Object.keys(paths)).toContain(path);
    const k = paths['/api/search']?.get?.parameters?.find((parameter) => parameter.name === 'k');
    expect(k?.schema).toMatchObject({ minimum: 1, maximum: 100 });
    expect(paths['/api/search']?.get?.parameters?.map((parameter) => parameter.name)).toContain('format');
    // Every route the app answers under /api is documented, and nothing else is.
    const routes = [
      ...new Set(
        app.routes
          .filter((route) => route.method !== 'ALL' && route.path.startsWith('/api/'))
          .map((route) => `${route.method} ${route.path}`),
      ),
    ].sort();
    expect(routes).toEqual(documented());
  });

  it('keeps docs/api.md in step with the document: a section per operation naming its parameters', async () => {
    const markdown = await readFile(path.join(PROJECT_ROOT, 'docs', 'api.md'), 'utf8');
    const sections = new Map(
      markdown
        .split(/^## /m)
        .slice(1)
        .map((section) => [/^`(\w+ [^`?]+)/.exec(section)?.[1] ?? section.slice(0, 40), section]),
    );
    expect([...sections.keys()].sort()).toEqual(documented());
    for (const operation of API_OPERATIONS) {
      const section = sections.get(`${operation.method.toUpperCase()} ${honoPath(operation.path)}`) ?? '';
      for (const parameter of operationParameters(operation).filter((each) => each.in === 'query'))
        expect(section, `${operation.path} ${parameter.name}`).toContain(`\`${parameter.name}\``);
    }
  });

  it('answers what the response schemas say, with snake_case names throughout', async () => {
    const first = ((await json('/api/search?q=reward%20noise&k=3')).results as Hit[])[0] as Hit;
    const checks: Array<[string, z.ZodType]> = [
      ['/api/search?q=reward%20noise&k=3', searchResponseSchema],
      ['/api/papers?k=3', browseResponseSchema],
      [`/api/papers/${encodeURIComponent(first.id)}`, paperDetailSchema],
      [`/api/papers/${encodeURIComponent(first.id)}/similar?k=3`, similarResponseSchema],
      ['/api/clusters', clustersResponseSchema],
      [`/api/clusters/${first.cluster.id}/trend`, trendResponseSchema],
      [`/api/clusters/${first.cluster.id}/subtopics`, subtopicsResponseSchema],
      ['/api/map', mapResponseSchema],
      ['/api/status', statusSchema],
      ['/api/health', healthSchema],
    ];
    const keys = (value: unknown): string[] =>
      Array.isArray(value)
        ? value.flatMap(keys)
        : typeof value === 'object' && value !== null
          ? Object.entries(value).flatMap(([key, child]) => [key, ...keys(child)])
          : [];
    for (const [url, schema] of checks) {
      const body = await json(url);
      // Parsing drops keys a schema does not know, so equality means nothing is undocumented.
      expect(schema.parse(body), url).toEqual(body);
      expect(
        keys(body).filter((key) => !/^[a-z0-9]+(?:_[a-z0-9]+)*$/.test(key)),
        url,
      ).toEqual([]);
    }
    const answer = await app.request('/api/ask', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ question: 'Are LLMs robust to reward noise?' }),
    });
    const asked = await answer.json();
    expect(askResponseSchema.parse(asked)).toEqual(asked);
  });

  it('serves a reference page without scripts at /api/docs', async () => {
    const response = await get('/api/docs');
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    const page = await response.text();
    for (const operation of API_OPERATIONS) expect(page).toContain(`${operation.method.toUpperCase()} ${operation.path}`);
    expect(page).not.toMatch(/<script|https?:\/\/(?!arxiv)/);
  });

  it('exports search results as BibTeX (one entry per result, read back by our reader), CSV, RIS and JSON Lines', async () => {
    const hits = (await json('/api/search?q=reward%20noise&k=3')).results as Hit[];
    const bibtex = await get('/api/search?q=reward%20noise&k=3&format=bibtex');
    expect(bibtex.headers.get('content-type')).toMatch(/^application\/x-bibtex/);
    expect(bibtex.headers.get('content-disposition')).toBe('attachment; filename="paperscope-search.bib"');
    const text = await bibtex.text();
    expect(text.match(/^@misc\{/gm)).toHaveLength(3);
    expect(parseListing(text, { file: 'search.bib' }).papers.map((paper) => paper.id)).toEqual(hits.map((hit) => hit.id));
    const csv = await (await get('/api/search?q=reward%20noise&k=3&format=csv')).text();
    expect(csv.split('\n')[0]?.split(',')).toContain('title');
    expect(parseListing(csv, { file: 'search.csv' }).papers.map((paper) => paper.title)).toEqual(hits.map((hit) => hit.title));
    expect((await (await get('/api/search?q=reward%20noise&k=3&format=ris')).text()).match(/^TY {2}- /gm)).toHaveLength(3);
    expect((await (await get('/api/search?q=reward%20noise&k=3&format=jsonl')).text()).trimEnd().split('\n')).toHaveLength(3);
    const one = await (await get(`/api/papers/${encodeURIComponent(hits[0]?.id ?? '')}?format=bibtex`)).text();
    expect(one.match(/^@misc\{/gm)).toHaveLength(1);
    const topic = hits[0]?.cluster.id ?? 0;
    const size = ((await json(`/api/clusters/${topic}`)).papers as unknown[]).length;
    expect((await (await get(`/api/clusters/${topic}?format=ris`)).text()).match(/^TY {2}- /gm)).toHaveLength(size);
    const wrong = await get('/api/search?q=x&format=pdf');
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({ error: { parameter: 'format' } });
  });

  it('lists papers without a query: newest first, by upvotes, filtered and paged', async () => {
    const byDate = await json('/api/papers?k=100');
    expect(byDate.total).toBe(62);
    const dates = (byDate.results as Hit[]).map((paper) => paper.date ?? '');
    expect(dates).toEqual([...dates].sort().reverse());
    const top = (await json('/api/papers?sort=upvotes&k=5')).results as Hit[];
    expect(top).toHaveLength(5);
    const upvotes = top.map((paper) => paper.upvotes);
    expect(upvotes).toEqual([...upvotes].sort((a, b) => b - a));
    const all = ((await json('/api/papers?sort=upvotes&k=100')).results as Hit[]).map((paper) => paper.upvotes);
    expect(upvotes[0]).toBe(Math.max(...all));
    const page = await json('/api/papers?k=10&offset=50');
    expect(page).toMatchObject({ total: 62, offset: 50, has_more: true, next_offset: 60 });
    expect((page.results as Hit[]).map((paper) => paper.id)).toEqual((byDate.results as Hit[]).slice(50, 60).map((paper) => paper.id));
    const topic = (top[0] as Hit).cluster.id;
    const inTopic = await json(`/api/papers?topic=${topic}&min_upvotes=1&from=2025&k=100`);
    for (const paper of inTopic.results as Hit[]) {
      expect(paper.cluster.id).toBe(topic);
      expect(paper.upvotes).toBeGreaterThanOrEqual(1);
      expect((paper.date ?? '') >= '2025').toBe(true);
    }
    expect((await get('/api/papers?q=reward')).status).toBe(400);
    const unknown = await get('/api/papers?topic=999');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: 'NOT_FOUND', parameter: 'topic' } });
  });

  it('answers health with 200 JSON, unknown API paths with a JSON 404, a wrong method with 405 and Allow, and has a favicon', async () => {
    const health = await get('/api/health');
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', ready: true });
    const unknown = await get('/api/nothing-here');
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toMatch(/application\/json/);
    expect(await unknown.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
    const wrong = await get('/api/search?q=x', { method: 'DELETE' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET, HEAD');
    expect(await wrong.json()).toMatchObject({ error: { code: 'METHOD_NOT_ALLOWED' } });
    const post = await get('/api/papers/some-id', { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('DELETE, GET, HEAD');
    expect((await get('/api/ask')).headers.get('allow')).toBe('POST');
    const legacy = await get('/favicon.ico');
    expect(legacy.status).toBe(301);
    expect(legacy.headers.get('location')).toBe('/favicon.svg');
    const icon = await get('/favicon.svg');
    expect(icon.status).toBe(200);
    expect(icon.headers.get('content-type')).toMatch(/image\/svg\+xml/);
  });
});
