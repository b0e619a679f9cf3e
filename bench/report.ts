import { type AnnResult, atEqualRecall } from './ann.js';
import type { HttpResult } from './http.js';
import type { PipelineResult } from './pipeline.js';
import type { QueryResult } from './queries.js';

/** Prints rows as an aligned text table under a title. */
function table(title: string, rows: Array<Record<string, string | number | undefined>>): void {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0] ?? {});
  const cells = rows.map((row) => columns.map((column) => String(row[column] ?? '')));
  const widths = columns.map((column, i) => Math.max(column.length, ...cells.map((line) => (line[i] ?? '').length)));
  const line = (values: string[]) => values.map((value, i) => value.padEnd(widths[i] ?? 0)).join('  ');
  console.log(`\n${title}\n${line(columns)}\n${line(widths.map((width) => '-'.repeat(width)))}`);
  for (const row of cells) console.log(line(row));
}

export function printAnn(results: readonly AnnResult[]): void {
  table(
    'Vector search, top-10 on clustered unit vectors (same queries for every contender)',
    results.flatMap(({ n, dimension, contenders, load }) =>
      contenders.map((c) => ({
        N: n,
        dim: dimension,
        contender: c.name,
        'build s': c.buildMs === undefined ? '' : (c.buildMs / 1000).toFixed(1),
        'q/s': c.latency.perSecond,
        'p50 ms': c.latency.p50,
        'p99 ms': c.latency.p99,
        'recall@10': c.recallAt10,
        '× exact JS': c.speedup,
        note: c.error ?? (c.latency.count < 200 ? `${c.latency.count} queries (time budget)` : ''),
        load,
      })),
    ),
  );
}

/** Each tuned LanceDB index at its fastest setting with Paperscope's recall, beside exact search and ours. */
export function printAnnAtEqualRecall(results: readonly AnnResult[]): void {
  table(
    "Vector search at equal recall: each LanceDB index's fastest setting reaching Paperscope's recall@10 (else its best)",
    results.flatMap(({ n, dimension, contenders, load }) => {
      const ours = contenders.find((c) => c.name.startsWith('Paperscope'));
      const exact = contenders[0];
      const rows = [exact, ours, ...atEqualRecall(contenders, ours?.recallAt10 ?? 1)].filter((c) => c !== undefined);
      return rows.map((c) => ({
        N: n,
        dim: dimension,
        contender: c.name,
        'q/s': c.latency.perSecond,
        'p50 ms': c.latency.p50,
        'p99 ms': c.latency.p99,
        'recall@10': c.recallAt10,
        reaches: c.recallAt10 >= (ours?.recallAt10 ?? 1) ? 'yes' : 'no',
        load,
      }));
    }),
  );
}

export function printPipeline(results: readonly PipelineResult[]): void {
  table(
    'Indexing, by stage (CLI, word-vector embedder; CPU ms: of the thread that ran the stage, of every thread for the total)',
    results.flatMap(({ n, corpus, index, load }) => [
      ...index.stages.map((stage) => ({
        N: n,
        corpus,
        stage: stage.stage,
        ms: stage.ms,
        'CPU ms': stage.cpuMs ?? '',
        'papers/s': stage.papersPerSecond,
        'peak RSS MB': '',
        load: '',
      })),
      {
        N: n,
        corpus,
        stage: 'total (process wall)',
        ms: index.wallMs,
        'CPU ms': index.cpuMs ?? '',
        'papers/s': index.papersPerSecond,
        'peak RSS MB': index.peakRssMb,
        load,
      },
      {
        N: n,
        corpus,
        stage: 'total excl. embedding',
        ms: '',
        'CPU ms': '',
        'papers/s': index.papersPerSecondExclEmbedding,
        'peak RSS MB': '',
        load,
      },
    ]),
  );
  table(
    'Re-indexing an unchanged corpus',
    results.map(({ n, corpus, reindexUnchanged: r }) => ({
      N: n,
      corpus,
      'wall ms': r.wallMs,
      'pipeline ms': r.buildMs,
      unchanged: r.unchanged,
      'peak RSS MB': r.peakRssMb,
    })),
  );
}

export function printQueries(results: readonly QueryResult[]): void {
  table(
    'In-process search latency, ms (k=10; cold = first sight of the query, embedding included; warm = cached embedding)',
    results.flatMap((result) =>
      (['vector', 'lexical', 'hybrid'] as const).map((mode) => ({
        N: result.n,
        corpus: result.corpus,
        mode,
        'cold p50': result.coldCache[mode].p50,
        'cold p99': result.coldCache[mode].p99,
        'warm p50': result.warmCache[mode].p50,
        'warm p95': result.warmCache[mode].p95,
        'warm p99': result.warmCache[mode].p99,
        'warm q/s': result.warmCache[mode].perSecond,
        'warm CPU µs/query': result.warmCpuUsPerQuery[mode],
        'engine open ms': result.openMs,
        load: result.load,
      })),
    ),
  );
}

export function printHttp(results: readonly HttpResult[]): void {
  table(
    'HTTP /api/search (autocannon, 127.0.0.1; queries: 100 in turn, or every request distinct)',
    results.flatMap((result) =>
      result.load.map((load) => ({
        N: result.n,
        corpus: result.corpus,
        workers: result.workers ?? 1,
        'cold start ms': result.coldStartMs,
        'RSS after start MB': result.rssAfterStartMb,
        'peak RSS MB': result.peakRssMb,
        connections: load.connections,
        queries: load.queries,
        'req/s': load.requestsPerSecond,
        'p50 ms': load.p50,
        'p99 ms': load.p99,
        'server CPU ms/req': load.serverCpuMsPerRequest,
        errors: load.errors,
        non2xx: load.non2xx,
        load: load.load,
      })),
    ),
  );
}
