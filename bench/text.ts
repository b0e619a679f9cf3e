/**
 * Throughput of the shared tokenizer and of search snippets on the sample corpus.
 * Run: npx tsx bench/text.ts [abstractCount]
 * - tokenize: the sample's abstracts repeated to `abstractCount` (10k by default), as the BM25
 *   build, the topic text view and the word-vector embedder see them.
 * - bestSnippet: every sample abstract against a few queries; "warm" repeats abstracts (as popular
 *   papers recur across searches), "cold" makes every abstract distinct so no per-abstract cache helps.
 */
import { terms } from '../indexer/text/index.js';
import { bestSnippet } from '../server/ranking/index.js';
import { readSampleCorpus } from '../test/lexical/sample-corpus.js';
import { loadAverage, round } from './stats.js';

const abstractCount = Number(process.argv[2] ?? 10_000);
if (!Number.isInteger(abstractCount) || abstractCount < 1)
  throw new Error(`abstractCount must be a positive integer, got "${process.argv[2]}"`);
const abstracts = readSampleCorpus().map((paper) => paper.abstract);
const corpus = Array.from({ length: abstractCount }, (_, index) => abstracts[index % abstracts.length] as string);
const queries = ['noisy rewards in reinforcement learning', 'text-to-image diffusion reward hacking', 'RLVR', 'GRPO policy optimization'];

const time = (run: () => void): number => {
  const start = performance.now();
  run();
  return performance.now() - start;
};

// Warm-up so that both runs measure optimised code, not the interpreter.
for (const abstract of abstracts) terms(abstract);
let tokenCount = 0;
const tokenizeMs = time(() => {
  for (const abstract of corpus) tokenCount += terms(abstract).length;
});

const snippetRounds = 20;
const snippetCalls = (list: readonly string[]): number => {
  let calls = 0;
  for (const query of queries)
    for (const abstract of list) {
      bestSnippet(abstract, query);
      calls++;
    }
  return calls;
};
snippetCalls(abstracts);
let warmCalls = 0;
const warmMs = time(() => {
  for (let round = 0; round < snippetRounds; round++) warmCalls += snippetCalls(abstracts);
});
const distinct = Array.from({ length: snippetRounds }, (_, round) => abstracts.map((abstract) => `${abstract} Run ${round}.`)).flat();
let coldCalls = 0;
const coldMs = time(() => {
  coldCalls = snippetCalls(distinct);
});

console.log(
  `tokenize: ${abstractCount} abstracts, ${tokenCount} terms in ${round(tokenizeMs)} ms = ${round(tokenCount / tokenizeMs / 1000, 2)} M terms/s, ${round((tokenizeMs * 1000) / abstractCount, 1)} µs/abstract`,
);
console.log(`bestSnippet warm: ${warmCalls} calls in ${round(warmMs)} ms = ${Math.round((warmCalls / warmMs) * 1000)} calls/s`);
console.log(`bestSnippet cold: ${coldCalls} calls in ${round(coldMs)} ms = ${Math.round((coldCalls / coldMs) * 1000)} calls/s`);
console.log(`load average ${loadAverage()}`);
