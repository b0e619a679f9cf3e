import { readSettings } from '../core/config.js';
import type { Paper } from '../indexer/parse/index.js';
import { splitSentences } from '../indexer/text/index.js';
import { SearchEngine } from '../server/index.js';
import { seededRandom } from './random.js';
import { type LatencySummary, loadAverage, round, summarize, timeEach } from './stats.js';

/**
 * `count` distinct search queries of 2–6 consecutive words from the sample's titles and
 * sentences, as a researcher would type them. Pure and seeded.
 */
export function benchQueries(sample: readonly Pick<Paper, 'title' | 'abstract'>[], count: number, seed: number): string[] {
  const random = seededRandom(seed);
  const sources = sample.flatMap((paper) => [paper.title, ...splitSentences(paper.abstract).map((sentence) => sentence.text)]);
  const wordLists = sources.map((text) =>
    text
      .split(/\s+/)
      .map((word) => word.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, ''))
      .filter(Boolean),
  );
  const queries = new Set<string>();
  for (let attempt = 0; queries.size < count && attempt < count * 100; attempt++) {
    const words = wordLists[Math.floor(random() * wordLists.length)] ?? [];
    const length = 2 + Math.floor(random() * 5);
    if (words.length < length) continue;
    const start = Math.floor(random() * (words.length - length + 1));
    queries.add(words.slice(start, start + length).join(' '));
  }
  return [...queries];
}

type Mode = 'vector' | 'lexical' | 'hybrid';

export interface QueryResult {
  n: number;
  corpus: string;
  /** The 1-minute load average after the measurement. */
  load: number;
  openMs: number;
  heapMb: number;
  /** First time each query is seen: includes embedding it. */
  coldCache: Record<Mode, LatencySummary>;
  /** Queries already embedded once: the query-embedding cache answers, so this excludes embedding. */
  warmCache: Record<Mode, LatencySummary>;
  /** CPU time (user + system) of the warm passes per query, µs: less sensitive to the machine's load than latency. */
  warmCpuUsPerQuery: Record<Mode, number>;
  /** Top result of each query in hybrid mode, to check the HTTP server's answers. */
  expectedTop: string[];
}

const WARM_ROUNDS = 3;
const MODES: Mode[] = ['vector', 'lexical', 'hybrid'];

/** In-process latency of the engine's search over an index on disk, per mode. */
export async function benchQueryLatency(options: {
  n: number;
  corpus: string;
  dataDir: string;
  queries: readonly string[];
}): Promise<QueryResult> {
  const settings = readSettings();
  const openStarted = performance.now();
  const engine = await SearchEngine.open({ dataDir: options.dataDir, cacheDir: settings.cacheDir, offline: true });
  const openMs = performance.now() - openStarted;
  try {
    const search = (q: string, mode: Mode) => engine.search({ q, k: 10, offset: 0, mode, sort: 'relevance' });
    const coldCache = {} as Record<Mode, LatencySummary>;
    const warmCache = {} as Record<Mode, LatencySummary>;
    const warmCpuUsPerQuery = {} as Record<Mode, number>;
    for (const mode of MODES) {
      // Each mode gets its own query set, so every mode's cold pass really embeds.
      const queries = options.queries.map((q) => `${q} ${mode === 'hybrid' ? '' : mode}`.trim());
      coldCache[mode] = summarize(await timeEach(queries, (q) => search(q, mode)));
      const warm: number[] = [];
      const cpuBefore = process.cpuUsage();
      for (let round = 0; round < WARM_ROUNDS; round++) warm.push(...(await timeEach(queries, (q) => search(q, mode))));
      const cpu = process.cpuUsage(cpuBefore);
      warmCache[mode] = summarize(warm);
      warmCpuUsPerQuery[mode] = round((cpu.user + cpu.system) / warm.length, 0);
    }
    const expectedTop = await Promise.all(options.queries.map(async (q) => (await search(q, 'hybrid')).results[0]?.id ?? ''));
    return {
      n: options.n,
      corpus: options.corpus,
      load: loadAverage(),
      openMs: Math.round(openMs),
      heapMb: round(process.memoryUsage().heapUsed / 2 ** 20, 0),
      coldCache,
      warmCache,
      warmCpuUsPerQuery,
      expectedTop,
    };
  } finally {
    await engine.close();
  }
}
