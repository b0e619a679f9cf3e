import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../core/version.js';
import { startServer } from '../../server/index.js';
import { BROWSER_TEST_MS } from '../helpers/limits.js';
import { buildSampleIndex, temporaryDir } from '../helpers/sample-index.js';
import { parseAnswer } from '../../web/src/lib/answer.js';
import { toScreen } from '../../web/src/lib/grid.js';

/**
 * The web page in a real Chromium against the real server on the sample index.
 * Every test saves a screenshot to test/artifacts/ and fails on any console error,
 * which includes Content-Security-Policy violations.
 */
const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.join(PROJECT_ROOT, 'test', 'artifacts');
const QUERY = 'noisy rewards reasoning';
const hasChromium = existsSync(CHROMIUM);

if (!hasChromium) {
  console.warn(`Skipping the browser tests: ${CHROMIUM} is missing (install it with "apt-get install -y chromium").`);
}

interface Status {
  papers: number;
  topics: number;
  fallback: boolean;
}
interface Cluster {
  id: number;
  label: string;
  size: number;
}
interface MapPoint {
  id: string;
  title: string;
  x: number;
  y: number;
}

describe.skipIf(!hasChromium)('web page in Chromium', () => {
  let browser: Browser;
  let server: { url: string; close(): Promise<void> };
  let removeWebDir: () => Promise<void>;
  let context: BrowserContext;
  let page: Page;
  let consoleErrors: string[];

  const getJson = async <T>(apiPath: string): Promise<T> => {
    const response = await fetch(`${server.url}${apiPath}`);
    expect(response.status, apiPath).toBe(200);
    return (await response.json()) as T;
  };

  const screenshot = (name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    // Build the page from the current sources into a temporary dir, so the test never serves a stale web/dist.
    const web = await temporaryDir('paperscope-web-');
    removeWebDir = web.remove;
    await build({
      configFile: path.join(PROJECT_ROOT, 'web', 'vite.config.ts'),
      logLevel: 'warn',
      build: { outDir: web.dir, emptyOutDir: true },
    });
    const [dataDir] = await Promise.all([buildSampleIndex(), mkdir(ARTIFACTS, { recursive: true })]);
    server = await startServer({ dataDir, host: '127.0.0.1', port: 0, webDir: web.dir, offline: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--headless',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await removeWebDir?.();
  });

  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    page = await context.newPage();
    consoleErrors = [];
    page.on('console', (message) => {
      const where = message.location().url;
      // Sub-topics are an optional endpoint: the page probes it and hides the feature on 404.
      if (message.type() === 'error' && !/\/api\/clusters\/\d+\/subtopics/.test(where)) consoleErrors.push(`${message.text()} (${where})`);
    });
    page.on('pageerror', (error) => consoleErrors.push(error.message));
  });

  afterEach(async () => {
    await context.close();
  });

  const expectNoConsoleErrors = () => expect(consoleErrors).toEqual([]);

  it(
    'shows ranked results with <mark> highlights while typing, and reports keystroke-to-results time',
    async () => {
      const status = await getJson<Status>('/api/status');
      await page.goto(server.url);
      const badge = page.locator('.site-header .badge');
      await expect.poll(() => badge.textContent()).toContain(`${status.papers} papers`);
      if (status.fallback) expect(await badge.getAttribute('class')).toContain('badge-warn');

      await page.locator('#search-input').click();
      // Stamp every keystroke in the page and resolve when the final query's results are on screen.
      await page.evaluate(`(() => {
        const input = document.getElementById('search-input');
        window.__lastKey = 0;
        input.addEventListener('input', () => { window.__lastKey = performance.now(); });
        window.__rendered = new Promise((resolve) => {
          const done = () => document.querySelector('[data-results-for=${JSON.stringify(QUERY)}]') && document.querySelector('.results mark');
          const observer = new MutationObserver(() => {
            if (done()) { observer.disconnect(); resolve(performance.now() - window.__lastKey); }
          });
          observer.observe(document.body, { subtree: true, childList: true, attributes: true });
        });
      })()`);
      await page.keyboard.type(QUERY, { delay: 40 });
      const latency = await page.evaluate<number>('window.__rendered');
      console.log(`keystroke-to-results: ${latency.toFixed(0)} ms (including the 150 ms debounce)`);
      expect(latency).toBeLessThan(2000);

      const cards = page.locator('.results .card');
      expect(await cards.count()).toBeGreaterThan(1);
      const marks = await page.locator('.results mark').allTextContents();
      expect(marks.length).toBeGreaterThan(0);
      expect(marks.some((mark) => /nois|reward|reason/i.test(mark))).toBe(true);
      expect(await page.locator('.results-summary').textContent()).toMatch(/\d+ results? for “noisy rewards reasoning”/);
      expect(new URL(page.url()).searchParams.get('q')).toBe(QUERY);

      // The first hit comes from the server's own ranking.
      const api = await getJson<{ total: number; results: { title: string }[] }>(`/api/search?q=${encodeURIComponent(QUERY)}&k=20`);
      expect(await cards.first().locator('.card-title').textContent()).toBe(api.results[0]?.title);
      await screenshot('search');

      // "More results" appends the next page (offset = results shown so far).
      const shown = await cards.count();
      const more = page.getByRole('button', { name: /More results/ });
      if (api.total > shown) {
        await more.click();
        await expect.poll(() => cards.count()).toBe(Math.min(api.total, shown * 2));
      } else {
        expect(await more.count()).toBe(0);
      }
      await page.emulateMedia({ colorScheme: 'dark' });
      await page.evaluate('window.scrollTo(0, 0)');
      await page.screenshot({ path: path.join(ARTIFACTS, 'search-dark.png') });
      expectNoConsoleErrors();
    },
    BROWSER_TEST_MS,
  );

  it(
    'shows the API error message for an invalid filter',
    async () => {
      await page.goto(`${server.url}/?q=reward&min_upvotes=-3`);
      const alert = page.locator('.state-error');
      await alert.waitFor();
      expect(await alert.textContent()).toContain('INVALID_PARAMETER');
      await screenshot('search-error');
      // The 400 response itself is logged by Chromium; nothing else may be.
      expect(consoleErrors.filter((text) => !text.includes('status of 400'))).toEqual([]);
    },
    BROWSER_TEST_MS,
  );

  it(
    'opens a paper with related papers explained by shared terms, finds papers like a text, and goes back',
    async () => {
      await page.goto(`${server.url}/?q=${encodeURIComponent(QUERY)}`);
      const first = page.locator('.results a[data-result-link]').first();
      const title = await first.textContent();
      await first.click();
      await page.waitForURL(/\/paper\//);
      expect(await page.locator('h1#paper-title').textContent()).toBe(title);
      expect(await page.locator('.abstract').textContent()).not.toBe('');

      const related = page.locator('.related .card');
      await related.first().waitFor();
      expect(await related.count()).toBeGreaterThan(0);
      expect(await page.locator('.related .chip-term').count()).toBeGreaterThan(0);

      await page.locator('#like-text-input').fill('Reward models for image generation with diffusion and noise seeds at test time');
      await page.getByRole('button', { name: 'Find similar papers' }).click();
      await page.locator('.like-text .card').first().waitFor();
      await screenshot('paper');

      await page.goBack();
      await page.waitForURL((url) => url.searchParams.get('q') === QUERY);
      await page.locator('.results .card').first().waitFor();
      expectNoConsoleErrors();
    },
    BROWSER_TEST_MS,
  );

  it(
    'lists topics with sparklines and opens a topic as a filtered search',
    async () => {
      const { clusters } = await getJson<{ clusters: Cluster[] }>('/api/clusters');
      await page.goto(`${server.url}/topics`);
      const cards = page.locator('.topic-card');
      await cards.first().waitFor();
      expect(await cards.count()).toBe(clusters.length);
      expect(await page.locator('.topic-card svg.sparkline').count()).toBeGreaterThan(0);
      await screenshot('topics');

      const topic = clusters[0];
      if (!topic) throw new Error('The sample index has no topics');
      await page.locator(`a[data-topic-link="${topic.id}"]`).click();
      await page.waitForURL((url) => url.searchParams.get('topic') === String(topic.id));
      expect(await page.locator('#filter-topic').inputValue()).toBe(String(topic.id));
      await page.locator('.results .card').first().waitFor();
      expect(await page.locator('.results .card').count()).toBe(topic.size);

      // Typing now ranks within the topic: every result carries that topic's chip.
      await page.locator('#search-input').fill('reward');
      await page.locator('[data-results-for="reward"]').waitFor({ state: 'attached' });
      const chips = await page.locator('.results .chip-topic').allTextContents();
      expect(chips.length).toBeGreaterThan(0);
      expect(new Set(chips)).toEqual(new Set([topic.label]));
      await screenshot('topic-search');
      expectNoConsoleErrors();
    },
    BROWSER_TEST_MS,
  );

  it(
    'draws every paper on the map canvas, shows a title on hover and opens it on click',
    async () => {
      const status = await getJson<Status>('/api/status');
      const { points } = await getJson<{ points: MapPoint[] }>('/api/map');
      await page.goto(`${server.url}/map`);
      const canvas = page.locator('.map-canvas canvas');
      await canvas.waitFor();
      expect(Number(await canvas.getAttribute('data-points'))).toBe(status.papers);
      await expect.poll(async () => Number(await canvas.getAttribute('data-drawn'))).toBe(points.length);

      const painted = await page.evaluate<number>(`(() => {
        const canvas = document.querySelector('.map-canvas canvas');
        const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        let painted = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
        return painted;
      })()`);
      expect(painted).toBeGreaterThan(points.length * 10);
      expect(await page.locator('.legend-item').count()).toBe(status.topics);

      // Hover the most isolated point, placed with the page's own projection, so the hit is unambiguous.
      const box = await canvas.boundingBox();
      const isolation = (p: MapPoint) => Math.min(...points.filter((q) => q !== p).map((q) => Math.hypot(p.x - q.x, p.y - q.y)));
      const target = points.reduce((best, p) => (isolation(p) > isolation(best) ? p : best));
      if (!box || !target) throw new Error('No canvas or no points');
      const [x, y] = toScreen({ zoom: 1, offsetX: 0, offsetY: 0 }, { width: box.width, height: box.height }, target.x, target.y);
      await page.mouse.move(box.x + x, box.y + y);
      const tooltip = page.locator('.map-tooltip strong');
      await tooltip.waitFor();
      expect(await tooltip.textContent()).toBe(target.title);
      await screenshot('map');

      await page.mouse.down();
      await page.mouse.up();
      await page.waitForURL(`**/paper/${encodeURIComponent(target.id)}`);
      expectNoConsoleErrors();
    },
    BROWSER_TEST_MS,
  );

  it(
    'answers a question with [n] markers linked to the cited papers',
    async () => {
      const question = 'Are language models robust to noisy rewards in reinforcement learning?';
      const response = await fetch(`${server.url}/api/ask`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ question }),
      });
      const expected = (await response.json()) as { answer: string; grounded: boolean; citations: unknown[] };
      const markers = parseAnswer(expected.answer, expected.citations.length).filter((part) => part.kind === 'cite');
      expect(markers.length).toBeGreaterThan(0);

      await page.goto(`${server.url}/ask`);
      await page.locator('#ask-input').fill(question);
      await page.keyboard.press('Enter');
      await page.waitForURL(/\/ask\?q=/);
      await page.locator('.answer-text').waitFor();
      const cites = page.locator('.answer-text a.cite');
      expect(await cites.count()).toBe(markers.length);
      expect(await cites.first().getAttribute('href')).toMatch(/^\/paper\//);
      expect(await page.locator('.citations li blockquote').count()).toBe(expected.citations.length);
      expect(await page.locator('.answer .note-warn').count()).toBe(expected.grounded ? 0 : 1);
      await screenshot('ask');

      const citedTitle = await cites.first().getAttribute('title');
      await cites.first().click();
      await page.waitForURL(/\/paper\//);
      expect(await page.locator('h1#paper-title').textContent()).toBe(citedTitle);
      expectNoConsoleErrors();
    },
    BROWSER_TEST_MS,
  );

  it(
    'is keyboard driven: / focuses search, arrows move through results, Enter opens one',
    async () => {
      await page.goto(`${server.url}/topics`);
      await page.locator('.topic-card').first().waitFor();
      await page.keyboard.press('/');
      expect(await page.evaluate<string>('document.activeElement.id')).toBe('search-input');
      await page.keyboard.type('reward noise');
      await page.locator('[data-results-for="reward noise"]').waitFor({ state: 'attached' });

      const links = page.locator('.results a[data-result-link]');
      await page.keyboard.press('ArrowDown');
      expect(await page.evaluate<string | null>('document.activeElement.getAttribute("href")')).toBe(await links.nth(0).getAttribute('href'));
      await page.keyboard.press('ArrowDown');
      expect(await page.evaluate<string | null>('document.activeElement.getAttribute("href")')).toBe(await links.nth(1).getAttribute('href'));
      await page.keyboard.press('ArrowUp');
      const firstTitle = await links.nth(0).textContent();
      expect(await page.evaluate<string | null>('document.activeElement.textContent')).toBe(firstTitle);
      await screenshot('keyboard-focus');

      await page.keyboard.press('Enter');
      await page.waitForURL(/\/paper\//);
      expect(await page.locator('h1#paper-title').textContent()).toBe(firstTitle);
      // Typing "/" in a text field is just a character.
      await page.locator('#like-text-input').focus();
      await page.keyboard.type('a/b');
      expect(await page.locator('#like-text-input').inputValue()).toBe('a/b');
      expectNoConsoleErrors();
    },
    BROWSER_TEST_MS,
  );
});
