import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { serve } from '@hono/node-server';
import { PROJECT_ROOT } from '../../core/version.js';
import { dataDirLayout } from '../../indexer/store/index.js';
import { createApp } from '../../server/app.js';
import type { Cluster, MapPoint, Status } from '../../server/engine/index.js';
import { startServer } from '../../server/index.js';
import { buildWeb, CHROMIUM, hasChromium, launchChromium } from '../helpers/browser.js';
import { fakeModel, streamChunks } from '../helpers/fake-model.js';
import { openWithHeldEmbedder } from '../helpers/held-embedder.js';
import { writeAsOlderVersion } from '../helpers/legacy-files.js';
import { BROWSER_TEST_MS } from '../helpers/limits.js';
import { buildSampleIndex } from '../helpers/sample-index.js';
import { parseAnswer } from '../../web/src/lib/answer.js';
import { toScreen } from '../../web/src/lib/grid.js';
import { parseSse } from '../../web/src/lib/sse.js';

/**
 * The web page in a real Chromium against the real server on the sample index.
 * Every test saves a screenshot to test/artifacts/ and fails on any console error,
 * which includes Content-Security-Policy violations.
 */
const ARTIFACTS = path.join(PROJECT_ROOT, 'test', 'artifacts');
const QUERY = 'noisy rewards reasoning';

if (!hasChromium) {
  console.warn(`Skipping the browser tests: ${CHROMIUM} is missing (install it with "apt-get install -y chromium").`);
}

describe.skipIf(!hasChromium)('web page in Chromium', () => {
  let browser: Browser;
  let server: { url: string; close(): Promise<void> };
  let removeWebDir: () => Promise<void>;
  let webDir: string;
  let dataDir: string;
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
    const web = await buildWeb();
    webDir = web.dir;
    removeWebDir = web.remove;
    [dataDir] = await Promise.all([buildSampleIndex(), mkdir(ARTIFACTS, { recursive: true })]);
    server = await startServer({ dataDir, host: '127.0.0.1', port: 0, webDir, offline: true });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await removeWebDir?.();
  });

  const openPage = async (options: BrowserContextOptions = {}) => {
    context = await browser.newContext({ viewport: { width: 1200, height: 900 }, ...options });
    page = await context.newPage();
    consoleErrors = [];
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(`${message.text()} (${message.location().url})`);
    });
    page.on('pageerror', (error) => consoleErrors.push(error.message));
  };

  beforeEach(() => openPage());

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
      // The second level is named on each card at once, as the API splits the topic.
      const { clusters: parts } = await getJson<{ clusters: Cluster[] }>(`/api/clusters/${clusters[0]?.id}/subtopics`);
      expect(parts.length).toBeGreaterThan(0);
      await cards.first().locator('.subtopic-names').waitFor();
      expect(await cards.first().locator('.subtopic-names .chip').allTextContents()).toEqual(parts.map((part) => part.label));
      await screenshot('topics');

      // Sub-topics open inside the largest topic's card with their papers.
      const toggle = cards.first().getByRole('button', { name: 'Show sub-topics' });
      await toggle.click();
      const panel = cards.first().locator('.subtopics-panel');
      await panel.waitFor();
      expect(await cards.first().getByRole('button', { name: 'Hide sub-topics' }).getAttribute('aria-expanded')).toBe('true');
      expect(await panel.locator('.subtopic-title').count()).toBe(parts.length);
      if (parts.length === 0) expect(await panel.textContent()).toMatch(/\S/);
      await screenshot('topics-subtopics');

      const topic = clusters[0];
      if (!topic) throw new Error('The sample index has no topics');
      await page.locator(`a[data-topic-link="${topic.id}"]`).click();
      await page.waitForURL((url) => url.searchParams.get('topic') === String(topic.id));
      expect(await page.locator('#filter-topic').inputValue()).toBe(String(topic.id));
      await page.locator('.results .card').first().waitFor();
      // Without a query the topic's papers are listed newest first, a page at a time.
      expect(await page.locator('.results .card').count()).toBe(Math.min(topic.size, 20));
      expect(await page.locator('.results-summary').textContent()).toContain(`${topic.size} papers in “${topic.label}”, newest first`);
      const bibtexHref = await page.locator('a[data-export="bibtex"]').getAttribute('href');
      expect(new URL(bibtexHref ?? '', server.url).searchParams.get('topic')).toBe(String(topic.id));
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
      await page.locator('button[data-copy-bibtex]').click();
      await page.getByRole('status').filter({ hasText: 'BibTeX copied' }).waitFor();
      const copied = await page.evaluate<string>('navigator.clipboard.readText()');
      expect(copied.match(/^@misc\{/gm)).toHaveLength(Math.min(topic.size, 100));

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
    'rings the results of a search on the map, reached from the search results',
    async () => {
      const { results } = await getJson<{ results: Array<{ id: string }> }>('/api/search?q=reward%20noise&k=50');
      await page.goto(`${server.url}/?q=reward+noise`);
      await page.locator('.map-link').click();
      await page.waitForURL('**/map?q=reward+noise');
      const canvas = page.locator('.map-canvas canvas');
      await canvas.waitFor();
      await expect.poll(async () => Number(await canvas.getAttribute('data-ringed'))).toBe(results.length);
      expect(await page.locator('.map-query').textContent()).toContain('reward noise');
      await screenshot('map-search');
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

      // A level deeper, each sub-topic is named instead (a topic not split keeps its name), chosen or by zooming in.
      const { clusters } = await getJson<{ clusters: Cluster[] }>('/api/clusters');
      const levels = await Promise.all(clusters.map((c) => getJson<{ clusters: Cluster[] }>(`/api/clusters/${c.id}/subtopics`)));
      const subtopicNames = levels.reduce((sum, level) => sum + Math.max(1, level.clusters.length), 0);
      expect(subtopicNames).toBeGreaterThan(status.topics);
      const level = async () => [await canvas.getAttribute('data-level'), Number(await canvas.getAttribute('data-named'))];
      await page.getByRole('button', { name: 'Sub-topics' }).click();
      await expect.poll(level).toEqual(['subtopics', subtopicNames]);
      await screenshot('map-subtopics');
      await page.getByRole('button', { name: 'Topics', exact: true }).click();
      await expect.poll(level).toEqual(['topics', status.topics]);
      await canvas.focus();
      for (let step = 0; step < 5; step++) await page.keyboard.press('+');
      await expect.poll(level).toEqual(['subtopics', subtopicNames]);
      await page.keyboard.press('0');
      await expect.poll(level).toEqual(['topics', status.topics]);

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
      // Each topic is named on the canvas.
      expect(Number(await canvas.getAttribute('data-named'))).toBe(status.topics);
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
      const expected = (await response.json()) as {
        answer: string;
        grounded: boolean;
        partial: boolean;
        citations: unknown[];
        see_also: unknown[];
      };
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
      expect(await page.locator('.answer .note-warn').count()).toBe(expected.partial ? 1 : 0);
      expect(await page.locator('.see-also li').count()).toBe(expected.see_also.length);
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
    'refuses an off-topic question once, without a second warning, and says no indexed paper is close',
    async () => {
      await page.goto(`${server.url}/ask?q=${encodeURIComponent('How do I bake sourdough bread with a starter?')}`);
      await page.locator('.answer[data-phase="done"]').waitFor();
      expect(await page.locator('.answer-text').textContent()).toBe('The indexed abstracts do not answer this question.');
      expect(await page.locator('.answer .note-warn').count()).toBe(0);
      expect(await page.locator('.answer').textContent()).not.toMatch(/do not answer this question directly/);
      // No paper is offered as close: the search's top hits for an off-topic question are not.
      expect(await page.locator('.see-also').count()).toBe(0);
      expect(await page.locator('.answer-sources').textContent()).toContain('No indexed paper is close to this question.');
      await screenshot('ask-refused');
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
      expect(await page.evaluate<string | null>('document.activeElement.getAttribute("href")')).toBe(
        await links.nth(0).getAttribute('href'),
      );
      await page.keyboard.press('ArrowDown');
      expect(await page.evaluate<string | null>('document.activeElement.getAttribute("href")')).toBe(
        await links.nth(1).getAttribute('href'),
      );
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

  it(
    'says the sentence index is being rebuilt instead of failing, and answers by itself once it is',
    async () => {
      const copy = await buildSampleIndex();
      await writeAsOlderVersion(dataDirLayout(copy).sentences, 'PSSN');
      const { engine, release } = await openWithHeldEmbedder(copy);
      const app = createApp({ engine, webDir, http: { rateLimitPerMinute: 0 } });
      const rebuilding = await new Promise<{ url: string; server: ReturnType<typeof serve> }>((resolve) => {
        const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, ({ port }) =>
          resolve({ url: `http://127.0.0.1:${port}`, server }),
        );
      });
      try {
        await page.goto(`${rebuilding.url}/ask?q=${encodeURIComponent('Are LLMs robust to noisy rewards?')}`);
        await page.locator('.state-loading', { hasText: 'The sentence index is being rebuilt' }).waitFor();
        expect(await page.locator('.state-error').count()).toBe(0);
        await screenshot('ask-preparing');
        release();
        // Asked again after the Retry-After the server gave.
        await page.locator('.answer[data-phase="done"]').waitFor();
        expect(await page.locator('.citations li').count()).toBeGreaterThan(0);
        // The browser logs each 503 it was answered; nothing else.
        expect(consoleErrors.filter((error) => !/status of 503/.test(error))).toEqual([]);
      } finally {
        release();
        await new Promise((resolve) => rebuilding.server.close(resolve));
        await engine.close();
      }
    },
    BROWSER_TEST_MS,
  );

  it(
    'streams a model-written answer token by token after the evidence, ends with linked citations, and stops on request',
    async () => {
      const pieces = [
        'Language models ',
        'trained with RL ',
        'stay robust ',
        'to substantial ',
        'reward noise [1]',
        ', though ',
        'noisy labels ',
        'can still ',
        'mislead them [2].',
      ];
      const model = fakeModel((_request, response) => streamChunks(response, pieces, 120));
      const llmServer = await startServer({
        dataDir,
        host: '127.0.0.1',
        port: 0,
        webDir,
        offline: true,
        llm: { url: await model.start(), model: 'fake' },
      });
      try {
        const question = 'How robust is reinforcement learning for LLM reasoning to noisy rewards?';
        // The final answer as the server resolves it (the fake model always writes the same text).
        const stream = await fetch(`${llmServer.url}/api/ask/stream`, { method: 'POST', body: JSON.stringify({ question }) });
        const done = parseSse(await stream.text()).messages.find((message) => message.event === 'done');
        const expected = JSON.parse(done?.data ?? '{}') as {
          answer: string;
          generated: boolean;
          citations: { id: string }[];
          see_also: { id: string; title: string }[];
        };
        expect(expected.generated).toBe(true);
        expect(expected.see_also.length).toBeGreaterThan(0);

        await page.goto(`${llmServer.url}/ask`);
        // Record every distinct state of the answer while it streams: its text and how many evidence items show.
        await page.evaluate(`(() => {
          window.__states = [];
          new MutationObserver(() => {
            const answer = document.querySelector('.answer[data-phase="streaming"]');
            if (!answer) return;
            const state = { text: answer.querySelector('.answer-text').textContent, evidence: answer.querySelectorAll('.citations li').length };
            const last = window.__states[window.__states.length - 1];
            if (!last || last.text !== state.text || last.evidence !== state.evidence) window.__states.push(state);
          }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
        })()`);
        await page.locator('#ask-input').fill(question);
        await page.keyboard.press('Enter');
        await page.locator('.answer[data-phase="done"]').waitFor();
        const states = await page.evaluate<{ text: string; evidence: number }[]>('window.__states');
        // The evidence shows before any token, then the text grows (each state extends the previous one).
        expect(states[0]).toMatchObject({ text: '' });
        expect(states[0]?.evidence).toBeGreaterThan(0);
        const texts = states.map((state) => state.text).filter(Boolean);
        expect(texts.length).toBeGreaterThanOrEqual(4);
        for (const [i, text] of texts.entries()) expect(text.startsWith(texts[i - 1] ?? '')).toBe(true);
        expect(await page.locator('.answer-text').getAttribute('aria-live')).toBe('polite');

        // Then done.answer replaces it, with its markers linked to done.citations.
        expect(await page.locator('.answer-text').textContent()).toBe(expected.answer);
        const cites = page.locator('.answer-text a.cite');
        const markers = parseAnswer(expected.answer, expected.citations.length).filter((part) => part.kind === 'cite');
        expect(markers.length).toBeGreaterThan(0);
        expect(await cites.count()).toBe(markers.length);
        const hrefs = await cites.evaluateAll((links) => links.map((link) => link.getAttribute('href')));
        expect(hrefs).toEqual(markers.map((marker) => `/paper/${encodeURIComponent(expected.citations[marker.n - 1]?.id ?? '')}`));
        expect(await page.locator('.citations li').count()).toBe(expected.citations.length);
        expect(await page.locator('.answer-head .chip').textContent()).toMatch(/language model/);
        // done's see_also shows under the sources.
        expect(await page.locator('.see-also li a').allTextContents()).toEqual(expected.see_also.map((paper) => paper.title));
        await screenshot('ask-stream');

        // Stop keeps what arrived and ends the stream.
        await page.locator('#ask-input').fill('Are LLMs robust to noisy rewards?');
        await page.keyboard.press('Enter');
        const partial = page.locator('.answer[data-phase="streaming"] .answer-text');
        await expect.poll(async () => (await partial.count()) > 0 && (await partial.textContent()) !== '').toBe(true);
        await page.getByRole('button', { name: 'Stop' }).click();
        await page.locator('.answer .note-muted').waitFor();
        const kept = await page.locator('.answer-text').textContent();
        expect(kept).not.toBe('');
        expect(pieces.join('').startsWith(kept ?? '')).toBe(true);
        expect(kept?.length).toBeLessThan(pieces.join('').length);
        await new Promise((resolve) => setTimeout(resolve, 400));
        expect(await page.locator('.answer-text').textContent()).toBe(kept);
        expect(await page.getByRole('button', { name: 'Stop' }).count()).toBe(0);
        expectNoConsoleErrors();
      } finally {
        await llmServer.close();
        await model.stop();
      }
    },
    BROWSER_TEST_MS,
  );

  it(
    'has no serious or critical axe-core violations on any view, in light and dark mode',
    async () => {
      // axe is injected as an inline script, which the page's CSP (default-src 'self') rightly refuses: bypass it for this test only.
      await context.close();
      await openPage({ bypassCSP: true });
      const axeSource = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
      const { results } = await getJson<{ results: { id: string }[] }>(`/api/search?q=${encodeURIComponent(QUERY)}`);
      const views: { name: string; path: string; ready: (page: Page) => Promise<unknown> }[] = [
        { name: 'search', path: `/?q=${encodeURIComponent(QUERY)}`, ready: (p) => p.locator('.results mark').first().waitFor() },
        {
          name: 'paper',
          path: `/paper/${encodeURIComponent(results[0]?.id ?? '')}`,
          ready: (p) => p.locator('.related .card').first().waitFor(),
        },
        {
          name: 'topics',
          path: '/topics',
          ready: async (p) => {
            await p.getByRole('button', { name: 'Show sub-topics' }).first().click();
            await p.locator('.subtopics, .topic-card .hint').first().waitFor();
          },
        },
        { name: 'map', path: '/map', ready: (p) => p.locator('.map-canvas canvas[data-drawn]').waitFor() },
        {
          name: 'ask',
          path: `/ask?q=${encodeURIComponent('Are LLMs robust to noisy rewards?')}`,
          ready: (p) => p.locator('.citations li').first().waitFor(),
        },
      ];
      const serious: string[] = [];
      const summary: string[] = [];
      for (const colorScheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme });
        for (const view of views) {
          await page.goto(`${server.url}${view.path}`);
          await view.ready(page);
          await page.addScriptTag({ content: axeSource });
          const { violations, contrastChecked } = await page.evaluate<{
            violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[];
            contrastChecked: boolean;
          }>(
            `axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } })
              .then((r) => ({ violations: r.violations, contrastChecked: [...r.passes, ...r.violations].some((rule) => rule.id === 'color-contrast') }))`,
          );
          // A view whose text axe could not measure would pass vacuously.
          expect(contrastChecked, `${view.name}/${colorScheme}: colour contrast was checked`).toBe(true);
          summary.push(
            `${view.name}/${colorScheme}: ${violations.length === 0 ? 'none' : violations.map((v) => `${v.id} (${v.impact}, ${v.nodes.length})`).join(', ')}`,
          );
          for (const violation of violations) {
            if (violation.impact === 'serious' || violation.impact === 'critical')
              serious.push(
                `${view.name}/${colorScheme}: ${violation.id} — ${violation.help} — ${violation.nodes
                  .slice(0, 3)
                  .map((node) => node.target.join(' '))
                  .join('; ')}`,
              );
          }
        }
      }
      console.log(`axe-core violations by view:\n  ${summary.join('\n  ')}`);
      expect(serious).toEqual([]);
      expectNoConsoleErrors();
    },
    BROWSER_TEST_MS,
  );
});
