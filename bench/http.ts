import { spawn } from 'node:child_process';
import autocannon from 'autocannon';
import { CLI, exited, nodeFlags, treeCpuMs, treeMemoryMb } from './child.js';
import { loadAverage, round } from './stats.js';

const POLL_MS = 20;
const START_TIMEOUT_MS = 300_000;
const LOAD_SECONDS = 10;

export interface LoadFigure {
  connections: number;
  /** `repeated`: 100 queries in turn, answered from the response cache after the first round; `distinct`: never twice the same request. */
  queries: QueryMix;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  /** The server's CPU time per answered request, ms: less sensitive to the machine's load than req/s. */
  serverCpuMsPerRequest: number;
  /** The 1-minute load average after the run (autocannon shares the machine). */
  load: number;
}

export interface HttpResult {
  n: number;
  corpus: string;
  /** `serve --workers`: processes answering on the port; memory and CPU figures are summed over them. */
  workers: number;
  /** Process start → first /api/search answer whose top hit matches the in-process engine's. */
  coldStartMs: number;
  rssAfterStartMb: number;
  /** The first /api/ask, which loads the sentence index (search does not need it, so start-up skips it). */
  firstAskMs: number;
  rssAfterFirstAskMb: number;
  peakRssMb: number;
  load: LoadFigure[];
}

const searchPath = (q: string) => `/api/search?q=${encodeURIComponent(q)}&k=10`;

export type QueryMix = 'repeated' | 'distinct';

/**
 * The `n`th request's path. A distinct request appends `n` to the query: bare numbers are not
 * search terms, so the search does the same work, but no two requests share a cached response.
 */
export const pathOf = (queries: readonly string[], n: number, mix: QueryMix): string => {
  const query = queries[n % queries.length] ?? 'reward';
  return searchPath(mix === 'distinct' ? `${query} ${n}` : query);
};

/**
 * Milliseconds from a first question to its answer, asking again while the server answers 503
 * (it does not hold a client past a second while the sentence index loads: seconds at 1M papers).
 */
export async function askFirst(base: string, question: string): Promise<number> {
  const started = performance.now();
  for (let tries = 0; ; tries++) {
    const asked = await fetch(`${base}/api/ask`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ question }),
    });
    const body = await asked.text();
    if (asked.ok) return Math.round(performance.now() - started);
    if (asked.status !== 503 || tries > 600) throw new Error(`the server's first /api/ask answered ${asked.status}: ${body}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/**
 * Starts `paperscope serve` on an index on disk, times it to its first correct answer, then loads
 * /api/search with autocannon over `queries` (caches warmed first) at 10 and 50 connections, with
 * the queries repeated and with every request distinct.
 */
export async function benchHttp(options: {
  n: number;
  corpus: string;
  dataDir: string;
  queries: readonly string[];
  expectedTop: readonly string[];
  profileDir?: string;
  workers?: number;
}): Promise<HttpResult> {
  const workers = options.workers ?? 1;
  // A random high port: several benches may run on one machine at once.
  const port = 20_000 + Math.floor(Math.random() * 40_000);
  const base = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [
      ...nodeFlags(options.profileDir),
      CLI,
      'serve',
      '--data-dir',
      options.dataDir,
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--workers',
      String(workers),
    ],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      // The per-client rate limit would answer most of the load test with 429s.
      env: { ...process.env, PAPERSCOPE_RATE_LIMIT: '0' },
    },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk;
  });
  const gone = exited(child);
  try {
    const first = options.queries[0] ?? 'reward';
    let coldStartMs = 0;
    while (coldStartMs === 0) {
      if (performance.now() - started > START_TIMEOUT_MS || child.exitCode !== null)
        throw new Error(`the server did not answer:\n${stderr.slice(-2000)}`);
      const body = await fetch(base + searchPath(first)).then(
        (response) => (response.ok ? (response.json() as Promise<{ results: Array<{ id: string }> }>) : undefined),
        () => undefined,
      );
      if (body) {
        if (body.results[0]?.id !== options.expectedTop[0])
          throw new Error(`the server's top hit for "${first}" is ${body.results[0]?.id}, expected ${options.expectedTop[0]}`);
        coldStartMs = performance.now() - started;
      } else await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    const pid = child.pid ?? 0;
    const rssAfterStartMb = await treeMemoryMb(pid, 'VmRSS');
    // The other workers start once the first answers; the load tests wait for them.
    while (workers > 1 && !/All \d+ workers answer/.test(stderr)) {
      if (child.exitCode !== null) throw new Error(`the server exited:\n${stderr.slice(-2000)}`);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    const firstAskMs = await askFirst(base, `what is known about ${first}?`);
    const rssAfterFirstAskMb = await treeMemoryMb(pid, 'VmRSS');
    for (const q of options.queries) await fetch(base + searchPath(q)).then((response) => response.arrayBuffer());
    const load: LoadFigure[] = [];
    for (const mix of ['repeated', 'distinct'] as const) {
      for (const connections of [10, 50]) load.push(await loadTest(base, pid, options.queries, connections, mix));
    }
    return {
      n: options.n,
      corpus: options.corpus,
      workers,
      coldStartMs: Math.round(coldStartMs),
      rssAfterStartMb,
      firstAskMs,
      rssAfterFirstAskMb,
      peakRssMb: await treeMemoryMb(pid, 'VmHWM'),
      load,
    };
  } finally {
    child.kill('SIGTERM');
    await gone;
  }
}

async function loadTest(base: string, pid: number, queries: readonly string[], connections: number, mix: QueryMix): Promise<LoadFigure> {
  let next = 0;
  const cpuBefore = await treeCpuMs(pid);
  const result = await autocannon({
    url: base,
    connections,
    duration: LOAD_SECONDS,
    requests: [
      {
        setupRequest: (request) => ({ ...request, path: pathOf(queries, next++, mix) }),
      },
    ],
  });
  const cpuMs = (await treeCpuMs(pid)) - cpuBefore;
  return {
    connections,
    queries: mix,
    serverCpuMsPerRequest: round(cpuMs / Math.max(1, result.requests.total), 3),
    requestsPerSecond: round(result.requests.average, 0),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    load: loadAverage(),
  };
}
