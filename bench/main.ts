/**
 * Paperscope's benchmark suite: `npm run bench` (N = 10k and 100k), `npm run bench -- --quick`
 * (10k), `--n 50000`, `--only ann|pipeline`, `--profile` (CPU profiles of the CLI child processes in
 * bench/results/profiles), `--keep` (keep the corpus and index for profiling by hand). Prints tables and writes every figure to bench/results/bench-<time>.json.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readListings } from '../indexer/parse/index.js';
import { type AnnResult, benchAnn } from './ann.js';
import { benchHttp, type HttpResult } from './http.js';
import { benchPipeline, type PipelineResult } from './pipeline.js';
import { benchQueries, benchQueryLatency, type QueryResult } from './queries.js';
import { printAnn, printHttp, printPipeline, printQueries } from './report.js';
import { loadAverage } from './stats.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string' },
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    profile: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    seed: { type: 'string', default: '7' },
  },
});
const sizes = (values.n ?? (values.quick ? '10000' : '10000,100000')).split(',').map(Number);
if (sizes.some((n) => !Number.isInteger(n) || n < 100)) throw new Error(`--n takes whole numbers of at least 100, got "${values.n}"`);
if (values.only !== undefined && !['ann', 'pipeline'].includes(values.only))
  throw new Error(`--only takes "ann" or "pipeline", got "${values.only}"`);
const seed = Number(values.seed);
const resultsDir = path.resolve('bench/results');
const profileDir = values.profile ? path.join(resultsDir, 'profiles') : undefined;
const log = (line: string) => process.stderr.write(`${line} (load ${loadAverage()})\n`);

const record = {
  command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
  startedAt: new Date().toISOString(),
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, memoryGb: Math.round(os.totalmem() / 2 ** 30), node: process.version },
  loadAverageAtStart: loadAverage(),
  ann: [] as AnnResult[],
  pipeline: [] as PipelineResult[],
  queries: [] as QueryResult[],
  http: [] as HttpResult[],
  loadAverageAtEnd: 0,
};

const { papers: sample } = await readListings(['data/']);
const queries = benchQueries(sample, 100, seed);
await mkdir(resultsDir, { recursive: true });

for (const n of sizes) {
  if (values.only !== 'pipeline') {
    for (const dimension of [384, 100]) {
      log(`ANN, N=${n}, ${dimension}-d`);
      record.ann.push(await benchAnn({ n, dimension, queries: 200, log }));
    }
  }
  if (values.only !== 'ann') {
    const workDir = await mkdtemp(path.join(os.tmpdir(), 'paperscope-bench-'));
    try {
      const dataDir = path.join(workDir, 'data');
      log(`pipeline, N=${n}`);
      record.pipeline.push(await benchPipeline({ n, seed, sample, workDir, dataDir, profileDir, log }));
      log(`in-process queries, N=${n}`);
      const latency = await benchQueryLatency({ n, dataDir, queries });
      record.queries.push(latency);
      log(`HTTP, N=${n}`);
      record.http.push(await benchHttp({ n, dataDir, queries, expectedTop: latency.expectedTop, profileDir }));
    } finally {
      if (values.keep) log(`kept the corpus and index in ${workDir}`);
      else await rm(workDir, { recursive: true, force: true });
    }
  }
}
record.loadAverageAtEnd = loadAverage();

printAnn(record.ann);
printPipeline(record.pipeline);
printQueries(record.queries);
printHttp(record.http);
const file = path.join(resultsDir, `bench-${record.startedAt.replace(/[:.]/g, '-')}.json`);
await writeFile(file, `${JSON.stringify({ ...record, queries: record.queries.map(({ expectedTop, ...rest }) => rest) }, null, 2)}\n`);
console.log(
  `\nload average ${record.loadAverageAtStart} at start, ${record.loadAverageAtEnd} at end; figures in ${path.relative(process.cwd(), file)}`,
);
