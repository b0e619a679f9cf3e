import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSettings } from '../../core/config.js';
import { createApp, SearchEngine, startServer } from '../../server/index.js';
import { INDEX_SAMPLE_MS } from '../helpers/limits.js';
import { buildSampleIndex } from '../helpers/sample-index.js';

const CLIMB = 'The Climb Carves Wisdom Deeper Than the Summit: On the Noisy Rewards in Learning to Reason';

interface Hit {
  id: string;
  title: string;
  score: number;
  snippet: string;
  highlights: Array<{ start: number; end: number }>;
  cluster: { id: number; label: string };
  date: string | null;
  upvotes: number;
  shared_terms?: string[];
}

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
    expect((await getJson('/api/search?q=qwxzvpt&k=10')).body).toMatchObject({ total: 0, results: [], has_more: false, next_offset: null });
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
