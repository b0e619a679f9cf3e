/**
 * The papers' term counts (with their sentences', positions included, as the 1M build's counting
 * worker makes them) and the word-vector embedding of the same papers (`embedPiecesAlone` of their
 * `documentPieces`), `--mode apart`: each tokenizing every word, as the build does; or `--mode one`:
 * the embedding reads the words the count's pass heard (`passReader`). Prints this thread's CPU of
 * each part and hashes of the counts and of the vectors, which must be the same in both modes.
 * The embedder is fitted on `--fit` papers first (more than it keeps the words of), not counted.
 * Run: npx tsx bench/one-tokenization.ts --corpus <papers.jsonl> --cache-dir <dir> --mode apart|one [--fit 40000] [--papers 20000] [--skip 0]
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createWordVectorEmbedder, type WordVectorEmbedder } from '../indexer/embed/word-vectors/index.js';
import type { ReadText } from '../indexer/embed/word-vectors/sif.js';
import { type CorpusTerms, countCorpusAndSentenceTerms } from '../indexer/lexical/index.js';
import { documentPieces, documentText } from '../indexer/sentences/build.js';
import { firstSentences, splitAbstracts } from '../indexer/sentences/split.js';
import { threadCpuMs } from '../indexer/timings.js';
import { loadAverage, round } from './stats.js';

const { values } = parseArgs({
  options: {
    corpus: { type: 'string' },
    'cache-dir': { type: 'string' },
    mode: { type: 'string', default: 'apart' },
    fit: { type: 'string', default: '40000' },
    papers: { type: 'string', default: '20000' },
    skip: { type: 'string', default: '0' },
  },
});
if (!values.corpus || !values['cache-dir']) throw new Error('--corpus and --cache-dir are required');
const all = readFileSync(values.corpus, 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .slice(Number(values.skip), Number(values.skip) + Number(values.fit))
  .map((line) => {
    const { title, abstract } = JSON.parse(line) as { title: string; abstract: string };
    return { title, abstract };
  });
const papers = all.slice(0, Number(values.papers));
const cpu = (): number => threadCpuMs() ?? process.cpuUsage().user / 1000;
const embedder = (await createWordVectorEmbedder({ cacheDir: values['cache-dir'] })) as WordVectorEmbedder;
await embedder.fit(all.map(documentText));

let started = cpu();
const split = splitAbstracts(papers);
const ranges = { first: firstSentences(split.counts), offsets: Uint32Array.from(split.offsets) };
split.docs = [];
const pieces = papers.map((paper) => documentPieces(paper).pieces);
const splitMs = cpu() - started;

started = cpu();
let reads: ReadText[] | undefined;
let counted: { papers: CorpusTerms; sentences: CorpusTerms };
if (values.mode === 'one') {
  const reader = embedder.passReader((doc) => papers[doc]?.title ?? '');
  counted = countCorpusAndSentenceTerms(papers, ranges, { positions: true, hook: reader });
  reads = reader.reads;
} else counted = countCorpusAndSentenceTerms(papers, ranges, { positions: true });
const countMs = cpu() - started;

started = cpu();
const embedded = await embedder.embedPiecesAlone(pieces, undefined, reads);
const embedMs = cpu() - started;

const countsHash = createHash('sha256');
for (const corpus of [counted.papers, counted.sentences])
  for (const value of Object.values(corpus)) {
    if (ArrayBuffer.isView(value)) countsHash.update(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
    else countsHash.update((value as string[]).join('\n'));
  }
const vectorsHash = createHash('sha256');
for (const { text, pieces: rows } of embedded) {
  vectorsHash.update(new Uint8Array(text.buffer, text.byteOffset, text.byteLength));
  vectorsHash.update(new Uint8Array(rows.buffer, rows.byteOffset, rows.byteLength));
}
console.log(
  JSON.stringify({
    mode: values.mode,
    papers: papers.length,
    splitCpuMs: round(splitMs),
    countCpuMs: round(countMs),
    embedCpuMs: round(embedMs),
    totalCpuMs: round(splitMs + countMs + embedMs),
    counts: countsHash.digest('hex').slice(0, 16),
    vectors: vectorsHash.digest('hex').slice(0, 16),
    load: loadAverage(),
  }),
);
