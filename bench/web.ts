/**
 * The Map view at scale in headless Chromium: `npm run bench:web` (10,000 and 50,000 papers),
 * `-- --n 10000`, `--data-dir <dir>` (measure an index that already exists instead of building
 * one), `--keep` (keep the built indexes). For each size it indexes a seeded synthetic corpus
 * (bench/corpus.ts, offline word vectors) into a temporary data dir, serves it with the real server
 * and the page built from the current sources, then prints the time to the first drawn map, and the
 * drawing time and frame interval while panning and zooming, all read with performance.now() in
 * the page (the canvas's `data-draw-ms`). A screenshot of each map goes to bench/results/map-<n>.png.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { readSettings } from '../core/config.js';
import { runIndex } from '../indexer/index.js';
import { readListings } from '../indexer/parse/index.js';
import { startServer } from '../server/index.js';
import { buildWeb, CHROMIUM, hasChromium, launchChromium } from '../test/helpers/browser.js';
import { generateCorpus, writeCorpus } from './corpus.js';
import { loadAverage, round, summarize } from './stats.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '10000,50000' },
    'data-dir': { type: 'string' },
    seed: { type: 'string', default: '7' },
    keep: { type: 'boolean', default: false },
  },
});
if (!hasChromium) throw new Error(`bench:web needs Chromium at ${CHROMIUM} (apt-get install -y chromium)`);
const sizes = values['data-dir'] ? [] : values.n.split(',').map(Number);
if (sizes.some((n) => !Number.isInteger(n) || n < 100)) throw new Error(`--n takes whole numbers of at least 100, got "${values.n}"`);
const seed = Number(values.seed);
/** A fixed topic count: the automatic choice costs minutes at 50k and does not change how the map draws. */
const TOPICS = 16;
const PAN_STEPS = 40;
const ZOOM_STEPS = 20;
const RESULTS = path.resolve('bench/results');
const log = (line: string) => process.stderr.write(`${line} (load ${loadAverage()})\n`);

interface MapFigures {
  points: number;
  indexSeconds?: number;
  firstDrawMs: number;
  firstDrawOwnMs: number;
  panDrawMs: ReturnType<typeof summarize>;
  panFrameMs: ReturnType<typeof summarize>;
  zoomDrawMs: ReturnType<typeof summarize>;
  zoomFrameMs: ReturnType<typeof summarize>;
}

/** Collects every `data-draw-ms` the canvas reports, and the interval between animation frames. */
const RECORDER = `(() => {
  const canvas = document.querySelector('.map-canvas canvas');
  window.__draws = [];
  new MutationObserver(() => window.__draws.push(Number(canvas.dataset.drawMs)))
    .observe(canvas, { attributes: true, attributeFilter: ['data-draw-ms'] });
  window.__frames = [];
  let last = performance.now();
  const tick = (now) => { window.__frames.push(now - last); last = now; window.__raf = requestAnimationFrame(tick); };
  window.__raf = requestAnimationFrame(tick);
})()`;

const nextFrame = (page: Page) => page.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))');

async function interact(page: Page, move: (step: number) => Promise<void>, steps: number) {
  await page.evaluate('window.__draws = []; window.__frames = []');
  for (let step = 0; step < steps; step++) {
    await move(step);
    await nextFrame(page);
  }
  const draws = await page.evaluate<number[]>('window.__draws');
  // The first interval spans the idle time before the gesture started.
  const frames = (await page.evaluate<number[]>('window.__frames')).slice(1);
  return { draws: summarize(draws), frames: summarize(frames) };
}

async function measure(page: Page, url: string): Promise<Omit<MapFigures, 'indexSeconds'>> {
  await page.goto(`${url}/map`);
  const canvas = page.locator('.map-canvas canvas[data-draw-ms]');
  await canvas.waitFor({ timeout: 120_000 });
  // performance.now() counts from the navigation, so this is the time from request to the first drawn map.
  const { firstDrawMs, firstDrawOwnMs, points } = await page.evaluate<{
    firstDrawMs: number;
    firstDrawOwnMs: number;
    points: number;
  }>(`(() => {
    const canvas = document.querySelector('.map-canvas canvas');
    return { firstDrawMs: performance.now(), firstDrawOwnMs: Number(canvas.dataset.drawMs), points: Number(canvas.dataset.points) };
  })()`);
  await page.screenshot({ path: path.join(RESULTS, `map-${points}.png`) });
  await page.evaluate(RECORDER);
  const box = await canvas.boundingBox();
  if (!box) throw new Error('The map canvas has no box');
  const centre = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  await page.mouse.move(centre.x, centre.y);
  await page.mouse.down();
  const pan = await interact(page, (step) => page.mouse.move(centre.x + 6 * (step + 1), centre.y + 3 * (step + 1)), PAN_STEPS);
  await page.mouse.up();
  await page.mouse.move(centre.x, centre.y);
  const zoom = await interact(page, (step) => page.mouse.wheel(0, step < ZOOM_STEPS / 2 ? -120 : 120), ZOOM_STEPS);
  return {
    points,
    firstDrawMs: round(firstDrawMs, 1),
    firstDrawOwnMs,
    panDrawMs: pan.draws,
    panFrameMs: pan.frames,
    zoomDrawMs: zoom.draws,
    zoomFrameMs: zoom.frames,
  };
}

async function buildIndex(n: number, workDir: string): Promise<{ dataDir: string; seconds: number }> {
  const { papers: sample } = await readListings(['data/']);
  const corpus = path.join(workDir, 'corpus.jsonl');
  await writeCorpus(corpus, generateCorpus(sample, n, seed));
  const dataDir = path.join(workDir, 'data');
  const started = performance.now();
  await runIndex({
    paths: [corpus],
    dataDir,
    cacheDir: readSettings().cacheDir,
    offline: true,
    embedder: 'word-vectors',
    clusters: TOPICS,
    seed,
  });
  return { dataDir, seconds: round((performance.now() - started) / 1000, 1) };
}

await mkdir(RESULTS, { recursive: true });
const web = await buildWeb();
const browser = await launchChromium();
const results: MapFigures[] = [];
try {
  const targets: { n?: number; dataDir?: string }[] = values['data-dir'] ? [{ dataDir: values['data-dir'] }] : sizes.map((n) => ({ n }));
  for (const target of targets) {
    const workDir = await mkdtemp(path.join(os.tmpdir(), 'paperscope-bench-web-'));
    try {
      let dataDir = target.dataDir;
      let indexSeconds: number | undefined;
      if (!dataDir && target.n) {
        log(`indexing ${target.n} synthetic papers`);
        ({ dataDir, seconds: indexSeconds } = await buildIndex(target.n, workDir));
      }
      if (!dataDir) continue;
      const server = await startServer({ dataDir, host: '127.0.0.1', port: 0, webDir: web.dir, offline: true });
      const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
      try {
        log(`measuring the map of ${dataDir}`);
        results.push({ indexSeconds, ...(await measure(await context.newPage(), server.url)) });
      } finally {
        await context.close();
        await server.close();
      }
    } finally {
      if (values.keep) log(`kept ${workDir}`);
      else await rm(workDir, { recursive: true, force: true });
    }
  }
} finally {
  await browser.close();
  await web.remove();
}

console.log('\nMap view in headless Chromium (1200×900, software rendering), milliseconds');
console.table(
  results.map((r) => ({
    points: r.points,
    'index (s)': r.indexSeconds ?? '-',
    'first draw (from navigation)': r.firstDrawMs,
    'first draw (canvas only)': r.firstDrawOwnMs,
    'pan draw p50/p95': `${r.panDrawMs.p50} / ${r.panDrawMs.p95}`,
    'pan frame p50/p95': `${r.panFrameMs.p50} / ${r.panFrameMs.p95}`,
    'zoom draw p50/p95': `${r.zoomDrawMs.p50} / ${r.zoomDrawMs.p95}`,
    'zoom frame p50/p95': `${r.zoomFrameMs.p50} / ${r.zoomFrameMs.p95}`,
  })),
);
console.log(
  `load average ${loadAverage()}; draws: ${results.map((r) => `${r.points}: ${r.panDrawMs.count} pan, ${r.zoomDrawMs.count} zoom`).join('; ')}`,
);
