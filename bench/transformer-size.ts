/**
 * The transformer at real size, offline (`npm run bench:transformer -- [--corpus FILE] [--limit N]`):
 * a model of all-MiniLM-L6-v2's architecture and size with random weights (bench/minilm-model.ts,
 * built once into the cache dir) embeds real abstracts — a BEIR corpus.jsonl or any file
 * `paperscope index` reads, default the sample — in float32 and in its int8 quantized copy, three
 * ways: the papers alone (cut at the 256-token window), their sentences each embedded alone (the
 * second pass Ask's sentence vectors used to cost), and papers and sentences together (sentence
 * vectors pooled from the papers' own forward passes, what `paperscope index` does now). Prints
 * abstracts per second, CPU seconds per abstract, tokens per abstract, the share longer than the
 * window, peak RSS and the load average, and writes them to bench/results/transformer-size.json.
 * `--variants int8` measures one variant only, `--ways papers,sentences,both,first,rest` some of the
 * ways (`first` and `rest`: the two steps `paperscope index` takes, the index searchable after the first);
 * `--window 128` cuts texts at fewer tokens than the model's 256; `--tokens-per-pass N` sets the
 * padded tokens a forward pass takes and `--workers N` the inference workers (default the embedder's:
 * one a core, each running ONNX Runtime on cores ÷ workers threads).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { AutoTokenizer } from '@huggingface/transformers';
import { readSettings } from '../core/config.js';
import { PROJECT_ROOT } from '../core/version.js';
import { createTransformerEmbedder } from '../indexer/embed/index.js';
import { documentText } from '../indexer/index.js';
import { readListings } from '../indexer/parse/index.js';
import { documentPieces, embedPapers } from '../indexer/sentences/index.js';
import { splitSentences } from '../indexer/text/index.js';
import { SAMPLE_FILE, SAMPLE_YEAR } from '../test/helpers/sample-index.js';
import { miniLmSizedModel } from './minilm-model.js';
import { loadAverage, round } from './stats.js';

const { values } = parseArgs({
  options: {
    corpus: { type: 'string' },
    limit: { type: 'string', default: '500' },
    variants: { type: 'string', default: 'float32,int8' },
    window: { type: 'string' },
    'tokens-per-pass': { type: 'string' },
    workers: { type: 'string' },
    ways: { type: 'string', default: 'papers,sentences,both' },
  },
});
const limit = Number(values.limit);
if (!Number.isInteger(limit) || limit < 1) throw new Error(`--limit takes a whole number, got "${values.limit}"`);
const log = (line: string) => process.stderr.write(`${line} (load ${loadAverage()})\n`);

const cacheDir = readSettings().cacheDir;
const modelDir = await miniLmSizedModel(cacheDir, log);
const { papers } = await readListings([values.corpus ?? SAMPLE_FILE], { year: SAMPLE_YEAR });
const chosen = papers.slice(0, limit).map((paper) => ({ ...paper, contentHash: paper.id }));
const texts = chosen.map(documentText);
const sentences = chosen.flatMap((paper) => splitSentences(paper.abstract).map((sentence) => sentence.text));
const pieces = chosen.map((paper) => documentPieces(paper).pieces);

// Token counts as the embedder sees them: the window is 256 tokens with [CLS] and [SEP].
const tokenizer = await AutoTokenizer.from_pretrained(modelDir, { local_files_only: true });
const tokens = texts.map((text) => tokenizer.encode(text).length);
const meanTokens = tokens.reduce((sum, count) => sum + count, 0) / tokens.length;
const overWindow = tokens.filter((count) => count > 256).length / tokens.length;

const work = await mkdtemp(path.join(os.tmpdir(), 'paperscope-bench-transformer-'));
const results = [];
try {
  for (const quantized of [false, true].filter((q) => values.variants.split(',').includes(q ? 'int8' : 'float32'))) {
    const variant = quantized ? 'int8 (model_quantized.onnx)' : 'float32 (model.onnx)';
    log(`${variant}: loading`);
    const loadStarted = performance.now();
    const embedder = await createTransformerEmbedder({
      modelDir,
      cacheDir: work,
      offline: true,
      quantized,
      maxTokens: values.window ? Number(values.window) : undefined,
      tokensPerPass: values['tokens-per-pass'] ? Number(values['tokens-per-pass']) : undefined,
      workers: values.workers ? Number(values.workers) : undefined,
    });
    const loadMs = performance.now() - loadStarted;
    try {
      const ways: Array<[string, string, () => Promise<unknown>]> = [
        ['papers', 'papers alone', () => embedder.embedDocuments(texts)],
        ['sentences', `their ${sentences.length} sentences alone`, () => embedder.embedDocuments(sentences)],
        ['both', 'papers + sentence vectors, one pass', () => embedPapers(embedder, chosen)],
        // What `paperscope index` does: the first window (searchable once committed), then the rest.
        ['first', 'first window: papers + their sentence vectors inside it', () => embedPapers(embedder, chosen, undefined, 'first')],
        ['rest', 'after the commit: the sentences after the window', () => embedder.embedWithPieces(pieces, undefined, 'rest')],
      ];
      const wanted = values.ways.split(',');
      for (const [, way, run] of ways.filter(([key]) => wanted.includes(key))) {
        log(`${variant}: ${way}, ${texts.length} abstracts`);
        const loadBefore = loadAverage();
        const cpu = process.cpuUsage();
        const started = performance.now();
        await run();
        const ms = performance.now() - started;
        const used = process.cpuUsage(cpu);
        const cpuMs = (used.user + used.system) / 1000;
        results.push({
          variant,
          way,
          loadMs: Math.round(loadMs),
          abstracts: texts.length,
          ms: Math.round(ms),
          perSecond: round((texts.length / ms) * 1000),
          // Inference runs on worker threads: process CPU time covers them too.
          cpuSecondsPerAbstract: round(cpuMs / 1000 / texts.length, 4),
          // What two idle cores would do if the CPU time were all there is.
          perSecondOnTwoIdleCores: round((2 * texts.length) / (cpuMs / 1000)),
          loadAverage: { before: loadBefore, after: loadAverage() },
          peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
        });
      }
    } finally {
      await embedder.close();
    }
  }
} finally {
  await rm(work, { recursive: true, force: true });
}

const report = {
  date: new Date().toISOString(),
  cores: os.availableParallelism(),
  model: `${modelDir} (all-MiniLM-L6-v2's architecture and size, random weights)`,
  corpus: values.corpus ?? SAMPLE_FILE,
  windowTokens: Number(values.window ?? 256),
  tokensPerPass: values['tokens-per-pass'] ? Number(values['tokens-per-pass']) : 'default',
  workers: values.workers ? Number(values.workers) : 'default',
  meanTokens: round(meanTokens),
  shareOverWindow: round(overWindow, 3),
  results,
};
console.log(
  `Transformer at real size on ${report.cores} cores; ${texts.length} abstracts of ${report.corpus}; window ${values.window ?? 256} tokens, ${report.tokensPerPass} tokens per pass, ${report.workers} workers`,
);
console.log(`tokens per abstract ${report.meanTokens}, longer than the 256-token window ${Math.round(overWindow * 100)}%`);
for (const r of results) {
  console.log(
    `${r.variant.padEnd(28)} ${r.way.padEnd(36)} load ${r.loadMs} ms, ${r.perSecond} abstracts/s (${r.cpuSecondsPerAbstract} CPU s each: ${r.perSecondOnTwoIdleCores}/s on 2 idle cores), peak RSS ${r.peakRssMb} MB, load average ${r.loadAverage.before} → ${r.loadAverage.after}`,
  );
}
const resultsDir = path.join(PROJECT_ROOT, 'bench', 'results');
await mkdir(resultsDir, { recursive: true });
await writeFile(path.join(resultsDir, 'transformer-size.json'), `${JSON.stringify(report, null, 2)}\n`);
