/**
 * Embedder benchmark (`npm run bench:embed`): for each embedder, in a fresh process, load time,
 * abstracts per second on the sample and on 1,000 synthetic abstracts made of the sample's
 * sentences, peak RSS, and the p50/p99 latency of GET /api/status from a server in the same process,
 * idle and while 1,000 abstracts are fitted and embedded again and again (as `paperscope index`
 * does) for a few seconds. The status requests come from a child process at a fixed rate, so a
 * blocked main thread shows up as latency. Prints a table and JSON, also written to
 * bench/results/embed.json.
 *
 * The transformer runs on a model of all-MiniLM-L6-v2's architecture and size with random weights
 * (bench/minilm-model.ts, generated once into the cache dir; this machine cannot download models),
 * so its speed and memory are the default model's. `--model-dir <folder>` measures a real model folder instead.
 * `--convert` also times the word vectors' first-run conversion into an empty cache dir.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readSettings } from '../core/config.js';
import { PROJECT_ROOT } from '../core/version.js';
import { ensureWordVectorCache } from '../indexer/embed/word-vectors/index.js';
import { indexSample } from '../test/helpers/sample-index.js';
import { exited } from './child.js';
import type { EmbedRunResult } from './embed-run.js';
import { miniLmSizedModel } from './minilm-model.js';
import { loadAverage, round } from './stats.js';

const { values } = parseArgs({ options: { 'model-dir': { type: 'string' }, convert: { type: 'boolean' } } });
const cacheDir = readSettings().cacheDir;
const work = await mkdtemp(path.join(os.tmpdir(), 'paperscope-bench-embed-'));

async function runOne(kind: string, modelDir?: string): Promise<EmbedRunResult> {
  const args = ['--import', 'tsx', path.join(PROJECT_ROOT, 'bench', 'embed-run.ts'), '--kind', kind];
  args.push('--data-dir', path.join(work, 'index'), '--cache-dir', cacheDir, ...(modelDir ? ['--model-dir', modelDir] : []));
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk;
  });
  const code = await exited(child);
  const line = stdout.trim().split('\n').at(-1);
  if (code !== 0 || !line) throw new Error(`bench/embed-run.ts --kind ${kind} exited with ${code}`);
  return JSON.parse(line) as EmbedRunResult;
}

try {
  const loadBefore = loadAverage();
  let conversionMs: number | undefined;
  if (values.convert) {
    const started = performance.now();
    await ensureWordVectorCache(path.join(work, 'cache'));
    conversionMs = round(performance.now() - started, 0);
  }
  await ensureWordVectorCache(cacheDir);
  await indexSample(path.join(work, 'index'));
  const sizedModel = values['model-dir'] ?? (await miniLmSizedModel(cacheDir, (line) => console.error(line)));

  const results = [await runOne('word-vectors'), await runOne('transformer', sizedModel)];
  const report = {
    date: new Date().toISOString(),
    cores: os.availableParallelism(),
    loadAverage: { before: loadBefore, after: loadAverage() },
    transformerModel: values['model-dir']
      ? `model folder ${values['model-dir']}`
      : 'all-MiniLM-L6-v2-sized, random weights (bench/minilm-model.ts)',
    wordVectorConversionMs: conversionMs,
    results,
  };

  const rows = [
    [
      '',
      ...results.map((r) =>
        r.kind === 'transformer' && !values['model-dir'] ? `transformer (MiniLM-L6-sized)` : `${r.kind} (${r.model})`,
      ),
    ],
    ['load (ms)', ...results.map((r) => r.loadMs)],
    ['RSS after load / peak (MB)', ...results.map((r) => `${r.rssAfterLoadMb} / ${r.peakRssMb}`)],
    [`sample: abstracts/s (${results[0]?.sample.abstracts})`, ...results.map((r) => r.sample.perSecond)],
    ['synthetic 1,000: fit ms, abstracts/s', ...results.map((r) => `${r.synthetic.fitMs} ms, ${r.synthetic.perSecond}/s`)],
    ['query embedding (ms)', ...results.map((r) => r.queryMs)],
    ['/api/status idle p50 / p99 (ms)', ...results.map((r) => `${r.statusIdle.p50Ms} / ${r.statusIdle.p99Ms}`)],
    [
      '/api/status while fitting + embedding 1,000, p50 / p99 / max (ms)',
      ...results.map((r) => `${r.statusWhileEmbedding.p50Ms} / ${r.statusWhileEmbedding.p99Ms} / ${r.statusWhileEmbedding.maxMs}`),
    ],
    [
      '  requests, rounds of 1,000, abstracts/s',
      ...results.map((r) => `${r.statusWhileEmbedding.requests}, ${r.statusWhileEmbedding.rounds}, ${r.statusWhileEmbedding.perSecond}/s`),
    ],
  ].map((row) => row.map(String));
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];
  const lines = rows.map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd(),
  );
  console.log(`Embedders on ${report.cores} cores, load average ${report.loadAverage.before} → ${report.loadAverage.after}`);
  console.log(`Transformer: ${report.transformerModel}.`);
  if (conversionMs !== undefined) console.log(`Word vectors, first-run conversion into an empty cache: ${conversionMs} ms`);
  console.log(lines.join('\n'));
  console.log(JSON.stringify(report, null, 2));
  const resultsDir = path.join(PROJECT_ROOT, 'bench', 'results');
  await mkdir(resultsDir, { recursive: true });
  await writeFile(path.join(resultsDir, 'embed.json'), `${JSON.stringify(report, null, 2)}\n`);
} finally {
  await rm(work, { recursive: true, force: true });
}
