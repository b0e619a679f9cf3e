/**
 * Build, serialise, load and query times of the lexical index on 100k synthetic abstracts made of
 * the sample corpus's sentences. Run: npx tsx bench/lexical.ts [documentCount]
 */
import { buildLexicalIndex, loadLexicalIndex } from '../indexer/lexical/index.js';
import { splitSentences } from '../indexer/text/index.js';
import { readSampleCorpus } from '../test/lexical/sample-corpus.js';

const documentCount = Number(process.argv[2] ?? 100_000);
const sample = readSampleCorpus();
const sentences = sample.flatMap((paper) => splitSentences(paper.abstract).map((sentence) => sentence.text));
const titleWords = sample.flatMap((paper) => paper.title.split(/\s+/));

// A fixed-seed generator, so every run measures the same corpus.
let seed = 42;
const random = (): number => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
};
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

const docs = Array.from({ length: documentCount }, (_, index) => ({
  id: `doc-${index}`,
  title: Array.from({ length: 6 + Math.floor(random() * 6) }, () => pick(titleWords)).join(' '),
  abstract: Array.from({ length: 6 + Math.floor(random() * 5) }, () => pick(sentences)).join(' '),
}));

const time = <T>(run: () => T): [T, number] => {
  const start = performance.now();
  const result = run();
  return [result, performance.now() - start];
};

const [index, buildMs] = time(() => buildLexicalIndex(docs));
const [json, serialiseMs] = time(() => JSON.stringify(index.toJSON()));
const [loaded, loadMs] = time(() => loadLexicalIndex(JSON.parse(json)));

const queries = [
  'noisy rewards in reinforcement learning for LLM reasoning',
  'text-to-image diffusion reward hacking',
  'RLVR',
  'GRPO policy optimization',
  'reward model robustness',
  'test-time scaling',
];
for (const query of queries) loaded.search(query, { k: 10 });
const rounds = 20;
const [, queryMs] = time(() => {
  for (let round = 0; round < rounds; round++) for (const query of queries) loaded.search(query, { k: 10 });
});
const [, filteredMs] = time(() => {
  for (let round = 0; round < rounds; round++) for (const query of queries) loaded.search(query, { k: 10, filter: (doc) => doc % 7 === 0 });
});
const [, sharedMs] = time(() => loaded.sharedTerms('doc-1', 'doc-2', 6));

console.log(`documents: ${documentCount}, vocabulary: ${index.toJSON().terms.length}`);
console.log(`build: ${buildMs.toFixed(0)} ms`);
console.log(`serialise: ${serialiseMs.toFixed(0)} ms, JSON size: ${(json.length / 1e6).toFixed(1)} MB`);
console.log(`load: ${loadMs.toFixed(0)} ms (JSON.parse + validation + decoding)`);
console.log(`query (k=10): ${(queryMs / (rounds * queries.length)).toFixed(2)} ms mean`);
console.log(`filtered query (1 in 7 documents): ${(filteredMs / (rounds * queries.length)).toFixed(2)} ms mean`);
console.log(`first sharedTerms (computes distinctive terms for all documents): ${sharedMs.toFixed(0)} ms`);
console.log(`heap used: ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB`);
