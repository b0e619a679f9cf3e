import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../core/version.js';
import type { IndexEvent } from '../../indexer/index.js';
import { type RunningServer, startServer } from '../../server/index.js';
import { buildWeb, CHROMIUM, hasChromium, launchChromium } from '../helpers/browser.js';
import { BROWSER_TEST_MS } from '../helpers/limits.js';
import { buildSampleIndex } from '../helpers/sample-index.js';

const ARTIFACTS = path.join(PROJECT_ROOT, 'test', 'artifacts');

if (!hasChromium) console.warn(`Skipping the first-run browser test: ${CHROMIUM} is missing.`);

/**
 * `serve --index-if-missing` on a first run: the port is open while the index is built, the page
 * shows "N of M", /api/status reports it, and the page turns into the app when the index is ready.
 * The indexing is stood in for by a `prepare` the test drives, so every step is observed.
 */
describe.skipIf(!hasChromium)('the first run in Chromium', () => {
  let browser: Browser;
  let removeWebDir: () => Promise<void>;
  let webDir: string;
  let dataDir: string;

  beforeAll(async () => {
    const web = await buildWeb();
    webDir = web.dir;
    removeWebDir = web.remove;
    [dataDir] = await Promise.all([buildSampleIndex(), mkdir(ARTIFACTS, { recursive: true })]);
    browser = await launchChromium();
  }, BROWSER_TEST_MS);
  afterAll(async () => {
    await browser?.close();
    await removeWebDir?.();
  });

  it(
    'serves an "indexing N of M" page at once, reports progress on /api/status, then switches to the app',
    async () => {
      let report: (event: IndexEvent) => void = () => {};
      let finish: () => void = () => {};
      const indexed = new Promise<void>((resolve) => {
        finish = resolve;
      });
      let listening: (url: string) => void = () => {};
      const urlKnown = new Promise<string>((resolve) => {
        listening = resolve;
      });
      const starting = startServer({
        dataDir,
        host: '127.0.0.1',
        port: 0,
        webDir,
        offline: true,
        onListening: listening,
        prepare: (onEvent) => {
          report = onEvent;
          return indexed;
        },
      });
      let server: RunningServer | undefined;
      const context = await browser.newContext({ viewport: { width: 900, height: 600 } });
      try {
        const url = await urlKnown;
        report({ type: 'progress', stage: 'Embedding', done: 3, total: 10 });

        const status = await (await fetch(`${url}/api/status`)).json();
        expect(status).toEqual({ ready: false, phase: 'indexing', summary: 'Embedding 3 of 10', stage: 'Embedding', done: 3, total: 10 });
        const search = await fetch(`${url}/api/search?q=reward`);
        expect(search.status).toBe(503);
        expect(search.headers.get('retry-after')).toBe('2');

        const page = await context.newPage();
        const errors: string[] = [];
        page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
        page.on('pageerror', (error) => errors.push(error.message));
        await page.goto(url);
        await expect.poll(() => page.locator('#summary').textContent()).toBe('Embedding 3 of 10');
        expect(await page.evaluate("(() => { const bar = document.getElementById('bar'); return [bar.value, bar.max]; })()")).toEqual([
          3, 10,
        ]);
        report({ type: 'progress', stage: 'Embedding', done: 7, total: 10 });
        await expect.poll(() => page.locator('#summary').textContent()).toBe('Embedding 7 of 10');
        await page.screenshot({ path: path.join(ARTIFACTS, 'first-run-indexing.png') });

        finish();
        server = await starting;
        // The page reloads itself into the app.
        await expect.poll(() => page.locator('#search-input').count(), { timeout: 15_000 }).toBe(1);
        expect(((await (await fetch(`${url}/api/status`)).json()) as { papers: number }).papers).toBe(62);
        expect(errors).toEqual([]);
      } finally {
        finish();
        await context.close();
        await (server ?? (await starting.catch(() => undefined)))?.close();
      }
    },
    BROWSER_TEST_MS,
  );
});
