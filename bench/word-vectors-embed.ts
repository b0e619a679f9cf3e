/**
 * The word-vector embedding alone, as the indexer runs it on one thread: `fit` over the corpus,
 * then `embedPapers` (each paper's vector and its sentences') over its first `--embed` papers.
 * Prints the CPU of each (this thread's), and a SHA-256 of every vector and sentence row made, so
 * that two builds can be shown to make the same bytes.
 * Run: npx tsx bench/word-vectors-embed.ts --corpus <papers.jsonl> --cache-dir <dir> [--papers 100000] [--embed 50000]
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createWordVectorEmbedder } from '../indexer/embed/word-vectors/index.js';
import { documentText, embedPapers } from '../indexer/sentences/build.js';
import { threadCpuMs } from '../indexer/timings.js';
import { loadAverage, round } from './stats.js';

const { values } = parseArgs({
  options: {
    corpus: { type: 'string' },
    'cache-dir': { type: 'string' },
    papers: { type: 'string', default: '100000' },
    embed: { type: 'string', default: '50000' },
  },
});
if (!values.corpus || !values['cache-dir']) throw new Error('--corpus and --cache-dir are required');
const paperCount = Number(values.papers);
const embedCount = Number(values.embed);

const papers = readFileSync(values.corpus, 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .slice(0, paperCount)
  .map((line, position) => {
    const { title, abstract } = JSON.parse(line) as { title: string; abstract: string };
    return { id: String(position), title, abstract, contentHash: String(position) };
  });

const cpu = (): number => threadCpuMs() ?? process.cpuUsage().user / 1000;
let started = cpu();
const embedder = await createWordVectorEmbedder({ cacheDir: values['cache-dir'] });
const loadMs = cpu() - started;
started = cpu();
await embedder.fit(papers.map(documentText));
const fitMs = cpu() - started;
const embedded = papers.slice(0, embedCount);
started = cpu();
const { vectors, sentences } = await embedPapers(embedder, embedded, undefined, 'first');
const embedMs = cpu() - started;

const hash = createHash('sha256');
for (const vector of vectors) hash.update(new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength));
for (const paper of embedded) {
  const rows = sentences.get(`${paper.id}\n${paper.contentHash}`);
  if (!rows) continue;
  hash.update(new Uint8Array(rows.codes.buffer, rows.codes.byteOffset, rows.codes.byteLength));
  hash.update(new Uint8Array(rows.scales.buffer, rows.scales.byteOffset, rows.scales.byteLength));
}
console.log(
  JSON.stringify({
    papers: papers.length,
    embedded: embedded.length,
    loadCpuMs: round(loadMs),
    fitCpuMs: round(fitMs),
    embedCpuMs: round(embedMs),
    embedUsPerPaper: round((embedMs * 1000) / embedded.length, 1),
    sha256: hash.digest('hex').slice(0, 16),
    load: loadAverage(),
  }),
);
