import { describe, expect, it } from 'vitest';
import { StartingProgress, startingApp } from '../../server/routes/starting.js';

describe('health while the index is being built', () => {
  it('answers 200 JSON with ready false, while the rest of the API is a 503', async () => {
    const app = startingApp(new StartingProgress());
    const health = await app.request('/api/health');
    expect(health.status).toBe(200);
    expect(health.headers.get('content-type')).toMatch(/application\/json/);
    expect(await health.json()).toMatchObject({ status: 'ok', ready: false });
    expect((await app.request('/api/search?q=x')).status).toBe(503);
  });
});
