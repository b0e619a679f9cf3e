/**
 * The lexical index alone on the realistic corpus: build, file round trip, and query latency with
 * MaxScore pruning against scoring every posting, on the same queries (and a check that the two
 * rank alike). Run: npx tsx bench/lexical.ts --datasets DIR [--n 100000] [--expansions]
 * (`--expansions` adds each query word's variants at weight 0.3, as word vectors would weigh them.)
 */
import { parseArgs } from 'node:util';
import { buildLexicalIndex, loadLexicalFile } from '../indexer/lexical/index.js';
import { benchQueries } from './queries.js';
import { readDatasets, realisticCorpus } from './realistic-corpus.js';
import { loadAverage, round, summarize } from './stats.js';

const { values } = parseArgs({
  options: { datasets: { type: 'string' }, n: { type: 'string', default: '100000' }, expansions: { type: 'boolean', default: false } },
});
if (!values.datasets) throw new Error('give --datasets DIR (a folder with scifact/corpus.jsonl and/or arxiv-2007/papers.jsonl)');
const n = Number(values.n);
const sources = [...(await readDatasets(values.datasets)).values()].flat();
const docs = [...realisticCorpus(sources, n, 7)];

const time = <T>(run: () => T): [T, number] => {
  const start = performance.now();
  const result = run();
  return [result, performance.now() - start];
};

const [built, buildMs] = time(() => buildLexicalIndex(docs));
const [parts, encodeMs] = time(() => built.toFile(1));
const bytes = Buffer.concat(parts);
const [loaded, loadMs] = time(() => loadLexicalFile(bytes));
if ('problem' in loaded) throw new Error(`the index does not read back: ${loaded.problem.message}`);
const index = loaded.index;

const queries = benchQueries(sources, 300, 7);
const expansionsOf = (query: string) =>
  values.expansions
    ? new Map(
        query
          .toLowerCase()
          .split(/\s+/)
          .flatMap((word) => index.variants(word).map((variant) => [variant.term, 0.3] as const)),
      )
    : undefined;
const expansions = queries.map(expansionsOf);
const run = (prune: boolean) => queries.map((query, at) => index.rank(query, { k: 10, prune, expansions: expansions[at] }));
run(true);
run(false);
const timed = (prune: boolean) =>
  queries.map((query, at) => time(() => index.rank(query, { k: 10, prune, expansions: expansions[at] }))[1]);
const pruned = summarize(timed(true));
const exhaustive = summarize(timed(false));
const disagree = run(true).filter((ranking, at) => JSON.stringify(ranking) !== JSON.stringify(run(false)[at])).length;

console.log(`documents: ${n}, vocabulary: ${index.toJSON().terms.length}, load average ${loadAverage()}`);
console.log(
  `build ${round(buildMs / 1000, 1)} s, file ${round(bytes.length / 2 ** 20, 0)} MB written in ${round(encodeMs)} ms, read in ${round(loadMs)} ms`,
);
console.log(`queries: ${queries.length} of 2–6 words from the sources${values.expansions ? ', with variants' : ''}`);
console.log(`  MaxScore:   p50 ${pruned.p50} ms, p99 ${pruned.p99} ms, ${pruned.perSecond} q/s`);
console.log(`  exhaustive: p50 ${exhaustive.p50} ms, p99 ${exhaustive.p99} ms, ${exhaustive.perSecond} q/s`);
console.log(`  rankings that differ: ${disagree} (load average ${loadAverage()})`);
