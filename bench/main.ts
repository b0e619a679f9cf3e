const USAGE = `Paperscope's benchmark suite. Prints tables and writes every figure to bench/results/bench-<time>.json.

  npm run bench -- --datasets DIR [options]

  --datasets DIR   real abstracts to build the corpus from: DIR/scifact/corpus.jsonl and/or
                   DIR/arxiv-2007/papers.jsonl (default: $PAPERSCOPE_DATASETS)
  --n N[,N…]       corpus sizes (default 10000,100000; --quick: 10000)
  --corpus KIND    realistic (default: real sentences recombined, vocabulary grown by Heaps' law)
                   or sample (the sentences of data/ only; tiny vocabulary)
  --real           also run each real dataset as it is through pipeline, queries and HTTP
  --only WHAT      ann (vectors only), pipeline (no ANN) or real (the real datasets only)
  --profile        CPU profiles of the CLI child processes in bench/results/profiles
  --keep           keep the corpus and index for profiling by hand
  --work-dir DIR   build the corpus and index in DIR (kept); when DIR/data already holds an index,
                   skip generating and indexing and measure that index (one size only)
  --corpus-dir DIR index the corpus files already in DIR (one size only: e.g. a 1M corpus an
                   earlier --work-dir run kept) instead of generating the corpus
  --seed S         the corpus's and the queries' seed (default 7)
  --workers W[,W…] serve the HTTP tests from W processes (\`serve --workers\`; default 1,2: one core, then the machine)`;

import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readListings } from '../indexer/parse/index.js';
import { type AnnResult, benchAnn } from './ann.js';
import { generateCorpus, paperMetadata, writeCorpusFiles } from './corpus.js';
import { benchHttp, type HttpResult } from './http.js';
import { benchPipeline, type PipelineResult } from './pipeline.js';
import { benchQueries, benchQueryLatency, type QueryResult } from './queries.js';
import { seededRandom } from './random.js';
import { readDatasets, realisticCorpus, type SourcePaper } from './realistic-corpus.js';
import { printAnn, printAnnAtEqualRecall, printHttp, printPipeline, printQueries } from './report.js';
import { loadAverage } from './stats.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string' },
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    profile: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    'work-dir': { type: 'string' },
    'corpus-dir': { type: 'string' },
    seed: { type: 'string', default: '7' },
    workers: { type: 'string', default: '1,2' },
    datasets: { type: 'string', default: process.env.PAPERSCOPE_DATASETS },
    corpus: { type: 'string', default: 'realistic' },
    real: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const sizes = (values.n ?? (values.quick ? '10000' : '10000,100000')).split(',').map(Number);
if (sizes.some((n) => !Number.isInteger(n) || n < 100)) throw new Error(`--n takes whole numbers of at least 100, got "${values.n}"`);
if (values.only !== undefined && !['ann', 'pipeline', 'real'].includes(values.only))
  throw new Error(`--only takes "ann", "pipeline" or "real", got "${values.only}"`);
if (values.corpus !== 'realistic' && values.corpus !== 'sample')
  throw new Error(`--corpus takes "realistic" or "sample", got "${values.corpus}"`);
const needsDatasets = values.only !== 'ann' && (values.corpus === 'realistic' || values.real || values.only === 'real');
if (needsDatasets && !values.datasets) throw new Error(`give --datasets DIR (or --corpus sample)\n\n${USAGE}`);
const workDirOption = values['work-dir'] === undefined ? undefined : path.resolve(values['work-dir']);
if (workDirOption !== undefined && sizes.length > 1) throw new Error('--work-dir takes one corpus size (--n N)');
const corpusDir = values['corpus-dir'] === undefined ? undefined : path.resolve(values['corpus-dir']);
if (corpusDir !== undefined && (sizes.length > 1 || values.real || values.only === 'real'))
  throw new Error('--corpus-dir takes one corpus size (--n N) and no real datasets');
const seed = Number(values.seed);
const workerCounts = values.workers.split(',').map(Number);
if (workerCounts.some((count) => !Number.isInteger(count) || count < 1))
  throw new Error(`--workers takes whole numbers, got "${values.workers}"`);
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

const file = path.join(resultsDir, `bench-${record.startedAt.replace(/[:.]/g, '-')}.json`);
/** Written after every stage, so a run cut short (a million papers, a deadline) keeps what it measured. */
const saveRecord = () =>
  writeFile(file, `${JSON.stringify({ ...record, queries: record.queries.map(({ expectedTop, ...rest }) => rest) }, null, 2)}\n`);

const { papers: sample } = await readListings(['data/']);
const datasets = needsDatasets ? await readDatasets(values.datasets as string) : new Map<string, Array<SourcePaper & { id: string }>>();
const sources = [...datasets.values()].flat();
await mkdir(resultsDir, { recursive: true });

/** One corpus through the pipeline, the in-process queries and HTTP. */
interface Run {
  corpus: string;
  n: number;
  /** Writes the corpus into a directory; returns how many papers it wrote. */
  write: (dir: string) => Promise<number>;
  queries: string[];
}
const runs: Run[] = [];
if (values.only !== 'real' && values.only !== 'ann') {
  for (const n of sizes) {
    runs.push(
      values.corpus === 'sample'
        ? {
            corpus: 'sample',
            n,
            write: (dir) => writeCorpusFiles(dir, generateCorpus(sample, n, seed)),
            queries: benchQueries(sample, 100, seed),
          }
        : {
            corpus: 'realistic',
            n,
            write: (dir) => writeCorpusFiles(dir, realisticCorpus(sources, n, seed)),
            queries: benchQueries(sources, 100, seed),
          },
    );
  }
}
if (values.real || values.only === 'real') {
  for (const [name, papers] of datasets) {
    runs.push({
      corpus: name,
      n: papers.length,
      write: (dir) =>
        writeCorpusFiles(
          dir,
          papers.map((paper, index) => ({ ...paperMetadata(seededRandom(index), index), ...paper })),
        ),
      queries: benchQueries(papers, 100, seed),
    });
  }
}

if (values.only === undefined || values.only === 'ann') {
  for (const n of sizes) {
    for (const dimension of [384, 100]) {
      log(`ANN, N=${n}, ${dimension}-d`);
      record.ann.push(await benchAnn({ n, dimension, queries: 200, log }));
      await saveRecord();
    }
  }
}
for (const run of runs) {
  const workDir = workDirOption ?? (await mkdtemp(path.join(os.tmpdir(), 'paperscope-bench-')));
  const keep = values.keep || workDirOption !== undefined;
  try {
    const dataDir = path.join(workDir, 'data');
    if (workDirOption !== undefined && existsSync(path.join(dataDir, 'manifest.json'))) {
      log(`pipeline skipped: measuring the index already in ${dataDir}`);
    } else {
      await mkdir(workDir, { recursive: true });
      log(`pipeline, ${run.corpus}, N=${run.n}`);
      record.pipeline.push(await benchPipeline({ corpus: run.corpus, write: run.write, workDir, corpusDir, dataDir, profileDir, log }));
      await saveRecord();
    }
    log(`in-process queries, ${run.corpus}, N=${run.n}`);
    const latency = await benchQueryLatency({ n: run.n, corpus: run.corpus, dataDir, queries: run.queries });
    record.queries.push(latency);
    await saveRecord();
    for (const workers of workerCounts) {
      log(`HTTP, ${run.corpus}, N=${run.n}, ${workers} worker(s)`);
      record.http.push(
        await benchHttp({
          n: run.n,
          corpus: run.corpus,
          dataDir,
          queries: run.queries,
          expectedTop: latency.expectedTop,
          profileDir,
          workers,
        }),
      );
      await saveRecord();
    }
  } finally {
    if (keep) log(`kept the corpus and index in ${workDir}`);
    else await rm(workDir, { recursive: true, force: true });
  }
}
record.loadAverageAtEnd = loadAverage();
await saveRecord();

printAnn(record.ann);
printAnnAtEqualRecall(record.ann);
printPipeline(record.pipeline);
printQueries(record.queries);
printHttp(record.http);
console.log(
  `\nload average ${record.loadAverageAtStart} at start, ${record.loadAverageAtEnd} at end; figures in ${path.relative(process.cwd(), file)}`,
);
