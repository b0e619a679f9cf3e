/**
 * One embedder's figures, in a fresh process so that load time and peak RSS are its own. Run by
 * bench/embed.ts; prints one JSON line on stdout.
 * Args: --kind word-vectors|transformer --data-dir <sample index> --cache-dir <dir> [--model-dir <dir>]
 */
import { type ChildProcess, fork } from 'node:child_process';
import { parseArgs } from 'node:util';
import { documentText } from '../indexer/index.js';
import { createEmbedder, type Embedder, type EmbedderChoice } from '../indexer/embed/index.js';
import { readListings } from '../indexer/parse/index.js';
import { startServer } from '../server/index.js';
import { SAMPLE_FILE, SAMPLE_YEAR } from '../test/helpers/sample-index.js';
import { generateCorpus } from './corpus.js';
import { percentile, round } from './stats.js';

/** Requests per second the probe sends to /api/status. */
const PROBE_RATE = 100;
/** Each latency window lasts at least this long, so p99 rests on a few hundred requests. */
const WINDOW_MS = 4_000;
const SYNTHETIC = 1_000;

const { values } = parseArgs({
  options: {
    kind: { type: 'string' },
    'data-dir': { type: 'string' },
    'cache-dir': { type: 'string' },
    'model-dir': { type: 'string' },
  },
});
const kind = values.kind as EmbedderChoice;
const dataDir = values['data-dir'] ?? '';
const cacheDir = values['cache-dir'] ?? '';

export interface StatusLatency {
  requests: number;
  failures: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface EmbedRunResult {
  kind: string;
  model: string;
  dimension: number;
  loadMs: number;
  rssAfterLoadMb: number;
  peakRssMb: number;
  sample: { abstracts: number; ms: number; perSecond: number };
  synthetic: { abstracts: number; fitMs: number; embedMs: number; perSecond: number };
  queryMs: number;
  statusIdle: StatusLatency;
  statusWhileEmbedding: StatusLatency & { rounds: number; perSecond: number };
}

const mb = (bytes: number): number => Math.round(bytes / 2 ** 20);

function nextMessage(child: ChildProcess): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`the status probe exited with code ${code}`));
    child.once('exit', onExit);
    child.once('message', (message) => {
      child.off('exit', onExit);
      resolve(message);
    });
  });
}

/** Runs `work` while a probe process GETs /api/status, and returns the probe's latencies. */
async function whileProbing<T>(statusUrl: string, work: () => Promise<T>): Promise<{ result: T; latency: StatusLatency }> {
  const probe = fork(new URL('./status-probe.ts', import.meta.url), [statusUrl, String(PROBE_RATE)], {
    execArgv: ['--import', 'tsx'],
  });
  await nextMessage(probe);
  const result = await work();
  probe.send('stop');
  const { latencies, failures } = (await nextMessage(probe)) as { latencies: number[]; failures: number };
  const sorted = latencies.sort((a, b) => a - b);
  return {
    result,
    latency: {
      requests: sorted.length,
      failures,
      p50Ms: round(percentile(sorted, 0.5), 1),
      p99Ms: round(percentile(sorted, 0.99), 1),
      maxMs: round(sorted.at(-1) ?? Number.NaN, 1),
    },
  };
}

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await work();
  return [result, performance.now() - started];
}

const { papers } = await readListings([SAMPLE_FILE], { year: SAMPLE_YEAR });
const sampleTexts = papers.map(documentText);
const syntheticTexts = generateCorpus(papers, SYNTHETIC, 7).map(documentText);

const [embedder, loadMs]: [Embedder, number] = await timed(() =>
  createEmbedder({ choice: kind, modelDir: values['model-dir'], cacheDir, offline: true }),
);
const rssAfterLoadMb = mb(process.memoryUsage().rss);

await embedder.fit(sampleTexts);
const [, sampleMs] = await timed(() => embedder.embedDocuments(sampleTexts));
// Fit and embed, as `paperscope index` does for a new index.
const [, fitMs] = await timed(() => embedder.fit(syntheticTexts));
const [, embedMs] = await timed(() => embedder.embedDocuments(syntheticTexts));
const queries = papers.map((paper) => paper.title);
const [, queriesMs] = await timed(async () => {
  for (const query of queries) await embedder.embedQuery(query);
});

const server = await startServer({ dataDir, host: '127.0.0.1', port: 0, cacheDir, offline: true });
const statusUrl = `${server.url}/api/status`;
const idle = await whileProbing(statusUrl, () => new Promise((resolve) => setTimeout(resolve, WINDOW_MS)));
const busy = await whileProbing(statusUrl, async () => {
  const started = performance.now();
  let rounds = 0;
  do {
    await embedder.fit(syntheticTexts);
    await embedder.embedDocuments(syntheticTexts);
    rounds++;
  } while (performance.now() - started < WINDOW_MS);
  return { rounds, ms: performance.now() - started };
});
await server.close();
await embedder.close();

const perSecond = (count: number, ms: number): number => round((count / ms) * 1000, 0);
const result: EmbedRunResult = {
  kind: embedder.info.kind,
  model: embedder.info.model,
  dimension: embedder.info.dimension,
  loadMs: round(loadMs, 0),
  rssAfterLoadMb,
  peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  sample: { abstracts: sampleTexts.length, ms: round(sampleMs, 0), perSecond: perSecond(sampleTexts.length, sampleMs) },
  synthetic: { abstracts: SYNTHETIC, fitMs: round(fitMs, 0), embedMs: round(embedMs, 0), perSecond: perSecond(SYNTHETIC, embedMs) },
  queryMs: round(queriesMs / queries.length, 2),
  statusIdle: idle.latency,
  statusWhileEmbedding: {
    ...busy.latency,
    rounds: busy.result.rounds,
    perSecond: perSecond(busy.result.rounds * SYNTHETIC, busy.result.ms),
  },
};
process.stdout.write(`${JSON.stringify(result)}\n`);
