/**
 * Conversion, load, fit and embedding times of the word-vector embedder on synthetic abstracts made
 * of the sample corpus's sentences (single thread).
 * Run: npx tsx bench/embed-word-vectors.ts [documentCount] [--convert]
 * --convert converts the package JSON into a temporary cache dir instead of using the shared cache.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readSettings } from '../core/config.js';
import { loadCache } from '../indexer/embed/word-vectors/cache.js';
import { createWordVectorEmbedder, ensureWordVectorCache } from '../indexer/embed/word-vectors/index.js';
import { createLexicon } from '../indexer/embed/word-vectors/sif.js';
import { splitSentences } from '../indexer/text/index.js';
import { readSampleCorpus } from '../test/lexical/sample-corpus.js';

const documentCount = Number(process.argv.find((arg) => /^\d+$/.test(arg)) ?? 100_000);
const convert = process.argv.includes('--convert');

// A fixed-seed generator, so every run measures the same corpus.
let seed = 42;
const random = (): number => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
};
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

const sample = readSampleCorpus();
const sentences = sample.flatMap((paper) => splitSentences(paper.abstract).map((sentence) => sentence.text));
const titleWords = sample.flatMap((paper) => paper.title.split(/\s+/));
const texts = Array.from({ length: documentCount }, () => {
  const title = Array.from({ length: 6 + Math.floor(random() * 6) }, () => pick(titleWords)).join(' ');
  const abstract = Array.from({ length: 6 + Math.floor(random() * 5) }, () => pick(sentences)).join(' ');
  return `${title}. ${abstract}`;
});

const cacheDir = convert ? await mkdtemp(path.join(os.tmpdir(), 'paperscope-bench-')) : readSettings().cacheDir;
const cpuMs = (): number => process.cpuUsage().user / 1000;
const timed = async <T>(run: () => Promise<T>): Promise<[T, number, number]> => {
  const wall = performance.now();
  const cpu = cpuMs();
  const result = await run();
  return [result, performance.now() - wall, cpuMs() - cpu];
};

try {
  const [file, ensureMs] = await timed(() => ensureWordVectorCache(cacheDir));
  const [, loadMs] = await timed(async () => createLexicon(await loadCache(file)));
  const embedder = await createWordVectorEmbedder({ cacheDir });
  const [, fitMs, fitCpu] = await timed(() => embedder.fit(texts));
  const [, embedMs, embedCpu] = await timed(() => embedder.embedDocuments(texts));
  const state = JSON.stringify(embedder.state());
  const queries = ['noisy rewards in reinforcement learning for LLM reasoning', 'GRPO', 'text-to-image reward hacking'];
  const [, queryMs] = await timed(async () => {
    for (let round = 0; round < 100; round++) for (const query of queries) await embedder.embedQuery(query);
  });

  console.log(
    `documents: ${documentCount}, mean length ${Math.round(texts.reduce((n, t) => n + t.length, 0) / documentCount)} chars`,
  );
  console.log(
    `${convert ? 'conversion' : 'cache check'}: ${ensureMs.toFixed(0)} ms, cache ${((await stat(file)).size / 1e6).toFixed(1)} MB`,
  );
  console.log(`load (read cache + build lexicon): ${loadMs.toFixed(0)} ms`);
  console.log(`fit: ${fitMs.toFixed(0)} ms (cpu ${fitCpu.toFixed(0)} ms), state ${(state.length / 1e3).toFixed(0)} kB`);
  console.log(
    `embed: ${embedMs.toFixed(0)} ms, ${((documentCount / embedMs) * 1000).toFixed(0)} docs/s (cpu ${((documentCount / embedCpu) * 1000).toFixed(0)} docs/s)`,
  );
  console.log(`query: ${(queryMs / (100 * queries.length)).toFixed(3)} ms mean`);
  console.log(`heap used: ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB`);
} finally {
  if (convert) await rm(cacheDir, { recursive: true, force: true });
}
