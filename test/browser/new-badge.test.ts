import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../server/index.js';
import { buildWeb, CHROMIUM, hasChromium, launchChromium } from '../helpers/browser.js';
import { BROWSER_TEST_MS, INDEX_SAMPLE_MS } from '../helpers/limits.js';
import { temporaryDir } from '../helpers/sample-index.js';
import { fetchTwice, LATE_PAPER } from '../sources/fetched-twice.js';
import { type StandIn, startStandIn } from '../sources/stand-in.js';

if (!hasChromium) console.warn(`Skipping the "new" badge browser test: ${CHROMIUM} is missing.`);

/** The page marks the papers the latest fetch added, and only those, on results and on the paper's page. */
describe.skipIf(!hasChromium)('"New" badge in Chromium', () => {
  let standIn: StandIn;
  let scratch: { dir: string; remove: () => Promise<void> };
  let web: { dir: string; remove: () => Promise<void> };
  let server: { url: string; close(): Promise<void> };
  let browser: Browser;

  beforeAll(async () => {
    [standIn, scratch, web] = await Promise.all([startStandIn(), temporaryDir('paperscope-new-badge-'), buildWeb()]);
    await fetchTwice(standIn, scratch.dir);
    server = await startServer({ dataDir: scratch.dir, host: '127.0.0.1', port: 0, webDir: web.dir, offline: true });
    browser = await launchChromium();
  }, INDEX_SAMPLE_MS);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await standIn?.close();
    await Promise.all([web?.remove(), scratch?.remove()]);
  });

  it(
    'shows "New" on the paper the second fetch added, in the results and on its page, and nowhere else',
    async () => {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      try {
        await page.goto(`${server.url}/?q=${encodeURIComponent('wombat attention vision transformers reward shaping')}`);
        const cards = page.locator('.results .card');
        await expect.poll(() => cards.count()).toBe(3);
        await expect.poll(() => page.locator('.results [data-new]').count()).toBe(1);
        const marked = cards.filter({ has: page.locator('[data-new]') });
        expect(await marked.locator('.card-title a').textContent()).toBe(LATE_PAPER.title);
        expect(await marked.locator('[data-new]').textContent()).toBe('New');

        await page.goto(`${server.url}/paper/${LATE_PAPER.id}`);
        await expect.poll(() => page.locator('#paper-title').textContent()).toBe(`${LATE_PAPER.title}New`);
        await page.goto(`${server.url}/paper/2601.00009`);
        await expect.poll(() => page.locator('#paper-title').textContent()).toBe('Tiny vision transformers on a budget');
        // Once the status (which lists the new papers) is on screen, the title still has no badge.
        await expect.poll(() => page.locator('.site-header .badge').textContent()).toContain('3 papers');
        expect(await page.locator('#paper-title [data-new]').count()).toBe(0);
        expect(errors).toEqual([]);
      } finally {
        await page.close();
      }
    },
    BROWSER_TEST_MS,
  );
});
