import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { warmUp, warmUpQueries } from '../../server/warm-up.js';

describe('warmUpQueries', () => {
  it('cuts 2–4 consecutive words from each title in turn, moving along it on each round', () => {
    const titles = ['noisy rewards in deep reinforcement learning', 'cats', 'graph neural networks'];
    expect(warmUpQueries(titles, 6)).toEqual([
      'noisy rewards',
      'graph neural networks',
      'rewards in deep reinforcement',
      'neural networks',
      'in deep reinforcement',
      'graph neural networks',
    ]);
  });

  it('gives nothing when no title has two words', () => {
    expect(warmUpQueries(['cats', ''], 5)).toEqual([]);
    expect(warmUpQueries([], 5)).toEqual([]);
  });
});

describe('warmUp', () => {
  it("sends the searches over HTTP to the app's own routes, cut from the first page of papers", async () => {
    const app = new Hono();
    const searched: string[] = [];
    app.get('/api/papers', (c) => c.json({ results: [{ title: 'noisy rewards in deep learning' }, { title: 'graph neural networks' }] }));
    app.get('/api/search', (c) => {
      searched.push(c.req.query('q') ?? '');
      return c.json({ results: [] });
    });
    await warmUp(app.fetch, 20);
    expect(searched).toHaveLength(20);
    expect(new Set(searched)).toEqual(new Set(warmUpQueries(['noisy rewards in deep learning', 'graph neural networks'], 20)));
  });

  it('sends nothing for no searches', async () => {
    let asked = 0;
    const app = new Hono();
    app.all('*', (c) => {
      asked++;
      return c.json({});
    });
    await warmUp(app.fetch, 0);
    expect(asked).toBe(0);
  });
});
