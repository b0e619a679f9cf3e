import { afterEach, describe, expect, it, vi } from 'vitest';
import { staleFile } from '../../core/load-problem.js';
import { Preparing } from '../../server/engine/preparing.js';

describe('Preparing', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('refuses a request after a second of rebuild, with a Retry-After from the rate so far, and lets a quick rebuild answer', async () => {
    vi.useFakeTimers();
    let now = 0;
    const preparing = new Preparing(() => now);
    const hooks = preparing.hooks('sentence index');
    let finish: (value: string) => void = () => {};
    const loading = new Promise<string>((resolve) => {
      finish = resolve;
    });
    const first = preparing.orRefuse('sentence index', loading);
    const refused = expect(first).rejects.toMatchObject({ code: 'INDEX_PREPARING', details: { part: 'sentence index', retryAfter: 2 } });
    hooks.onRebuild(staleFile('it is of format version 5, not 6'));
    now = 1_000;
    await vi.advanceTimersByTimeAsync(1_000);
    await refused;

    // Half done in 10 s: the other half takes about 10 s more.
    hooks.onProgress(200, 400);
    now = 10_000;
    const later = expect(preparing.orRefuse('sentence index', loading)).rejects.toMatchObject({
      details: { retryAfter: 10 },
      message: expect.stringMatching(
        /^The sentence index is being rebuilt \(10 s so far, 200 of 400 embedded: it is of format version 5, not 6\)/,
      ),
    });
    // Past the second of grace: refused on the next turn of the event loop.
    await vi.advanceTimersByTimeAsync(0);
    await later;
    expect(preparing.status()).toEqual([
      { part: 'sentence index', reason: 'it is of format version 5, not 6', elapsed_s: 10, done: 200, total: 400 },
    ]);

    // Another part whose rebuild ends within the second is simply answered.
    const related = preparing.hooks('related-papers view');
    const quick = preparing.orRefuse(
      'related-papers view',
      Promise.resolve().then(() => 'view'),
    );
    related.onRebuild(staleFile('missing'));
    await expect(quick).resolves.toBe('view');

    hooks.settled();
    finish('index');
    expect(preparing.status()).toEqual([expect.objectContaining({ part: 'related-papers view' })]);
    await expect(preparing.orRefuse('sentence index', loading)).resolves.toBe('index');
  });
});
