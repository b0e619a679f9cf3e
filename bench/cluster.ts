/**
 * Times the topic stages of indexing on a synthetic corpus: the text view (TF-IDF + LSA), k-means
 * with automatic k, labels and descriptions, and the UMAP map. Prints one line per stage.
 *
 *   npx tsx bench/cluster.ts --n 100000 [--seed 7] [--k auto]
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { clusterPapers, clusterVectors, describeTopics, layoutMap, type TopicDoc } from '../indexer/cluster/index.js';
import { readListings } from '../indexer/parse/index.js';
import { generateCorpus } from './corpus.js';
import { clusteredVectors } from './vectors.js';

const { values } = parseArgs({
  options: { n: { type: 'string', default: '100000' }, seed: { type: 'string', default: '7' }, k: { type: 'string', default: 'auto' } },
});
const n = Number(values.n);
const seed = Number(values.seed);
const k = values.k === 'auto' ? 'auto' : Number(values.k);

const { papers: sample } = await readListings(['data/']);
const corpus = generateCorpus(sample, n, seed);
// Embeddings stand in for a 384-d model: one cluster per sample paper the synthetic paper borrows from.
const vectors = clusteredVectors({ count: n, dimension: 384, clusters: sample.length, seed });
const docs: TopicDoc[] = corpus.map((paper, index) => ({ ...paper, vector: vectors.row(index) }));

const timings: Array<[string, number]> = [];
function time<T>(stage: string, run: () => T): T {
  const start = performance.now();
  const result = run();
  const ms = performance.now() - start;
  timings.push([stage, ms]);
  console.log(`${stage.padEnd(34)} ${(ms / 1000).toFixed(1).padStart(7)} s`);
  return result;
}
const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
console.log(`${n} papers, seed ${seed}, k ${values.k}; load average before ${load()}`);
const combined = time('text view (TF-IDF + LSA)', () => clusterVectors(docs, seed));
const clustering = time('k-means (choose k, fit, assign)', () => clusterPapers({ vectors: combined, k, seed }));
time('labels and descriptions', () => describeTopics(docs, clustering.assignments, clustering.k));
time('map (UMAP + placement)', () =>
  layoutMap(
    docs.map((doc) => doc.vector as Float32Array),
    { seed },
  ),
);
const total = timings.reduce((sum, [, ms]) => sum + ms, 0);
console.log(`${'total'.padEnd(34)} ${(total / 1000).toFixed(1).padStart(7)} s   (k = ${clustering.k}; load average after ${load()})`);
